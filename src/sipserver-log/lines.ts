/**
 * The line forms of a SIP Server / T-Server log (spec/sipserver-log.md), in one place: the writer
 * prints them and the parser reads them. Times are printed and read as UTC wall time: a log carries
 * no zone, and the writer and parser agree.
 */

import { escapeLogText, unescapeLogText } from './escape.ts';

/** A client as the T-Server's log names it: `[612] (0000000b DesktopApp 10.0.0.7:51234)`. */
export interface LogClient {
  socket: number;
  /** The client number; a client is known by it. */
  number: number;
  /** Application name (may be empty before RequestRegisterClient). */
  application: string;
  address: string;
}

/** The journal's stable name for a log client: `client 0000000b`. */
export function clientId(number: number): string {
  return `client ${clientHex(number)}`;
}

function clientHex(number: number): string {
  return number.toString(16).padStart(8, '0');
}

function clientLabel(c: LogClient): string {
  return `[${c.socket}] (${clientHex(c.number)} ${escapeLogText(c.application)} ${c.address})`;
}

const MICROS_PER_DAY = 86_400_000_000;

/** `2026-11-23T10:15:00.120` (milliseconds). */
export function fullTime(micros: number): string {
  return new Date(Math.floor(micros / 1000)).toISOString().slice(0, 23);
}

/** `10:15:00.120` (milliseconds, no date). */
export function shortTime(micros: number): string {
  return fullTime(micros).slice(11);
}

/** `10:15:00.1231` (tenths of a millisecond, no date): T-Server trace lines. */
function traceTime(micros: number): string {
  const tenths = Math.floor((((micros % 1000) + 1000) % 1000) / 100);
  return `${shortTime(micros)}${tenths}`;
}

export type SendKind = 'send_to_client' | 'distribute_event';

/**
 * `2026-11-23T10:15:00.120 Std 00000 T-Server started: screencap-cert-sim 0.1.0`: the line the
 * simulator's log begins with. The spec gives no form for a T-Server's start; this one is the
 * simulator's. What the log holds before it belongs to an earlier T-Server run, whose clients are gone.
 */
const STARTED = 'T-Server started:';
export function startedLine(micros: number, name: string, version: string): string {
  return `${fullTime(micros)} Std 00000 ${STARTED} ${name} ${version}`;
}

/** `2026-11-23T10:15:00.120 Trc 04541 RequestSendEvent received from [612] (...)` */
export function receivedLine(micros: number, name: string, client: LogClient): string {
  return `${fullTime(micros)} Trc 04541 ${name} received from ${clientLabel(client)}`;
}

/** `@10:15:00.1231 [0] 8.5.000.10 send_to_client: message EventACK` */
export function printedLine(micros: number, version: string, kind: SendKind, name: string): string {
  return `@${traceTime(micros)} [0] ${version} ${kind}: message ${name}`;
}

/** `10:15:00.123 Trc 04542 EventACK sent to [612] (...)` */
export function sentLine(micros: number, name: string, client: LogClient): string {
  return `${shortTime(micros)} Trc 04542 ${name} sent to ${clientLabel(client)}`;
}

// --- reading --------------------------------------------------------------------------------------

/** `[612] (0000000b DesktopApp 10.0.0.7:51234)`: the application name may hold spaces, or be empty. */
const CLIENT = /^\[(\d+)\] \(([0-9a-fA-F]{1,16}) (.*) (\S+)\)$/;
const TRC = /^ Trc (04541|04542) (\S+) (received from|sent to) (.*)$/;
const PRINTED = /^\[[^\]]*\] \S+ (send_to_client|distribute_event): message (\S+)$/;
const CLOCK = /^(\d\d):(\d\d):(\d\d)\.(\d{3,4})$/;

export function parseClient(text: string): LogClient | undefined {
  const m = CLIENT.exec(text);
  if (!m) return undefined;
  return {
    socket: Number(m[1]),
    number: Number.parseInt(m[2] as string, 16),
    application: unescapeLogText(m[3] as string),
    address: m[4] as string,
  };
}

/** Microseconds since midnight of `HH:MM:SS.mmm` or `HH:MM:SS.ffff`, or undefined. */
export function parseClock(text: string): number | undefined {
  const m = CLOCK.exec(text);
  if (!m) return undefined;
  const [h, min, s] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (h > 23 || min > 59 || s > 60) return undefined;
  const fraction = m[4] as string;
  const micros = fraction.length === 3 ? Number(fraction) * 1000 : Number(fraction) * 100;
  return ((h * 60 + min) * 60 + s) * 1_000_000 + micros;
}

/** Epoch microseconds of midnight UTC of `YYYY-MM-DD`, or undefined. */
export function parseDate(text: string): number | undefined {
  const ms = Date.parse(`${text}T00:00:00Z`);
  return Number.isNaN(ms) || !/^\d{4}-\d\d-\d\d$/.test(text) ? undefined : ms * 1000;
}

/**
 * Turns the times of a log into epoch microseconds. Dateless times (`HH:MM:SS.mmm`, the `@` trace
 * lines) take the date of the last full timestamp; one that falls more than 12 hours before the
 * last time read is past midnight. A log with no full timestamp at all reads as 1970-01-01.
 */
/** The log's clock went back: from the last time read to an earlier one (epoch µs, as printed). */
export interface ClockStep {
  from: number;
  to: number;
}

/** A step back this small is the printing's precision (ms on Trc lines, 0.1 ms on `@` lines), not a step. */
const PRECISION_MICROS = 1000;

export class LogClock {
  private date = 0;
  private last = 0;
  /** Added to every time after the clock stepped back, so the log's times keep going forward at its pace. */
  private offset = 0;
  /** The steps back read so far (see `monotonic`). */
  readonly steps: ClockStep[] = [];

  /** Notes the date of a full-timestamp line (`YYYY-MM-DDT...`). */
  setDate(dayMicros: number): void {
    this.date = dayMicros;
  }

  /**
   * A time of day on the current date (set by its own line when `dated`), never before the last
   * time read (see `monotonic`).
   */
  at(timeOfDay: number, dated: boolean): number {
    let micros = this.date + timeOfDay;
    if (!dated && micros + MICROS_PER_DAY / 2 < this.last - this.offset) {
      this.date += MICROS_PER_DAY;
      micros += MICROS_PER_DAY;
    }
    return this.monotonic(micros);
  }

  /**
   * The log's order is the T-Server's order, so a time never precedes the one read before it. Times
   * printed at different precisions can seem to step back by up to a millisecond: those are read as
   * the time before. A larger step back is the server's clock being set back: it is recorded, and
   * every later time is moved forward by its size, so durations after it are measured at the log's
   * pace instead of being clamped to nothing until the clock catches up (which hid late answers).
   */
  private monotonic(micros: number): number {
    const shifted = micros + this.offset;
    if (shifted < this.last - PRECISION_MICROS) {
      this.steps.push({ from: this.last - this.offset, to: micros });
      this.offset = this.last - micros;
      return this.last;
    }
    this.last = Math.max(this.last, shifted);
    return this.last;
  }
}

/** A line's time: microseconds since midnight, and whether the line carries its date. */
export interface LineTime {
  timeOfDay: number;
  dated: boolean;
}

type LineForm =
  /** `client`: the client's text, `[612] (0000000b DesktopApp 10.0.0.7:51234)` (see parseClient). */
  | ({ form: 'received' | 'sent'; name: string; client: string } & LineTime)
  | ({ form: 'printed'; kind: SendKind; name: string } & LineTime)
  | { form: 'message'; name: string }
  | { form: 'started' }
  | { form: 'other' };

const OTHER: LineForm = { form: 'other' };
const STARTED_FORM: LineForm = { form: 'started' };

/** The date (`YYYY-MM-DD`) of a line that starts with a full timestamp, or undefined. */
export function lineDate(line: string): string | undefined {
  return line.charCodeAt(10) === 84 /* T */ && line.charCodeAt(4) === 45 /* - */
    ? line.slice(0, 10)
    : undefined;
}

/** What a line (not an attribute line) is; a line whose time cannot be read is `other`. */
export function classify(line: string): LineForm {
  const c = line.charCodeAt(0);
  if (c === 64 /* @ */) {
    if (!line.includes(': message ')) return OTHER;
    const space = line.indexOf(' ');
    const m = PRINTED.exec(line.slice(space + 1));
    const timeOfDay = parseClock(line.slice(1, space));
    if (!m || timeOfDay === undefined) return OTHER;
    return { form: 'printed', kind: m[1] as SendKind, name: m[2] as string, timeOfDay, dated: false };
  }
  if (c >= 48 && c <= 57 /* digit */) {
    const at = line.indexOf(' Trc 0454');
    if (at === -1) return line.includes(STARTED) && lineDate(line) !== undefined ? STARTED_FORM : OTHER;
    const m = TRC.exec(line.slice(at));
    if (!m) return OTHER;
    const form = m[3] === 'received from' ? 'received' : 'sent';
    if ((form === 'received') !== (m[1] === '04541')) return OTHER;
    const dated = lineDate(line) !== undefined;
    const timeOfDay = parseClock(dated ? line.slice(11, at) : line.slice(0, at));
    if (timeOfDay === undefined) return OTHER;
    return { form, name: m[2] as string, client: m[4] as string, timeOfDay, dated };
  }
  if (line.startsWith('message ')) {
    const name = line.slice(8).trim();
    return /^\S+$/.test(name) ? { form: 'message', name } : OTHER;
  }
  return OTHER;
}
