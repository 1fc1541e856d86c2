/**
 * The line forms of a SIP Server / T-Server log (spec/sipserver-log.md), in one place: the writer
 * prints them and the parser reads them. Times are printed and read as UTC wall time: a log carries
 * no zone, and the writer and parser agree.
 */

import { bytesAre } from './decode.ts';
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

/**
 * `10:15:02.500 Std 04524 Client 612 disconnected`: a client left. The form is T-Server's standard
 * message 04524 as public log analysers catalogue it (`Client <n> disconnected on ...`; what follows
 * is not shown, and not read); the client is named by its socket.
 */
export function disconnectedLine(micros: number, client: LogClient): string {
  return `${fullTime(micros)} Std 04524 Client ${client.socket} disconnected`;
}

// --- reading --------------------------------------------------------------------------------------

/** `[612] (0000000b DesktopApp 10.0.0.7:51234)`: the application name may hold spaces, or be empty. */
const CLIENT = /^\[(\d+)\] \(([0-9a-fA-F]{1,16}) (.*) (\S+)\)$/;
const TRC = /^ Trc (04541|04542) (\S+) (received from|sent to) (.*)$/;
const PRINTED =
  /^\[[^\]]*\] \S+ (send_to_client|distribute_event|distribute call event|distribute party event): message (\S+)$/;
/** `Std 04524 Client 612 disconnected ...`, `Std 04523 Connection to client 612 closed ...`. */
const DISCONNECTED =
  /^ Std (?:04524 Client|04523 Connection to client) \[?(\d+)\]? (?:disconnected|closed)\b/;
const HEADER = /^Application (name|type|version):\s*(.*?)\s*$/;
const MONTHS: Readonly<Record<string, number>> = {
  Jan: 1,
  Feb: 2,
  Mar: 3,
  Apr: 4,
  May: 5,
  Jun: 6,
  Jul: 7,
  Aug: 8,
  Sep: 9,
  Oct: 10,
  Nov: 11,
  Dec: 12,
};

/**
 * T-Library's names for the request that sends a Tevent (TSendEvent, TSendUserEvent), and the
 * Platform SDK's: all three are the screen-capture request, read as RequestSendEvent.
 */
const REQUEST_NAMES: Readonly<Record<string, string>> = {
  RequestDistributeEvent: 'RequestSendEvent',
  RequestDistributeUserEvent: 'RequestSendEvent',
};

/** A message name as the rules know it. */
export function canonicalName(name: string): string {
  return name.startsWith('RequestDistribute') ? (REQUEST_NAMES[name] ?? name) : name;
}

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

/** The value of the two digits at `at`, or NaN. */
function twoDigits(text: string, at: number): number {
  const a = text.charCodeAt(at) - 48;
  const b = text.charCodeAt(at + 1) - 48;
  return a >= 0 && a <= 9 && b >= 0 && b <= 9 ? a * 10 + b : Number.NaN;
}

/**
 * Microseconds since midnight of `HH:MM:SS.mmm` or `HH:MM:SS.ffff`, or undefined. Read by
 * character codes: every T-Lib line of a log has one.
 */
export function parseClock(text: string): number | undefined {
  const length = text.length;
  if ((length !== 12 && length !== 13) || text.charCodeAt(2) !== 58 || text.charCodeAt(5) !== 58)
    return undefined;
  if (text.charCodeAt(8) !== 46 /* . */) return undefined;
  const h = twoDigits(text, 0);
  const min = twoDigits(text, 3);
  const s = twoDigits(text, 6);
  let fraction = 0;
  for (let i = 9; i < length; i++) {
    const d = text.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return undefined;
    fraction = fraction * 10 + d;
  }
  // NaN fails every comparison: a non-digit is no clock.
  if (!(h <= 23 && min <= 59 && s <= 60)) return undefined;
  const micros = length === 12 ? fraction * 1000 : fraction * 100;
  return ((h * 60 + min) * 60 + s) * 1_000_000 + micros;
}

function utcDay(year: number, month: number, day: number): number | undefined {
  const ms = Date.UTC(year, month - 1, day);
  const d = new Date(ms);
  return d.getUTCFullYear() === year && d.getUTCMonth() === month - 1 && d.getUTCDate() === day
    ? ms * 1000
    : undefined;
}

/**
 * Epoch microseconds of midnight UTC of a date as a timestamp prints it: `YYYY-MM-DD`, `MM/dd/yy`,
 * `MM/dd/yyyy`, or `yyyy MMM d` (the date parts of `EEE MMM d HH:mm:ss yyyy.SSS`); or undefined.
 */
export function parseDate(text: string): number | undefined {
  let m = /^(\d{4})-(\d\d)-(\d\d)$/.exec(text);
  if (m) return utcDay(Number(m[1]), Number(m[2]), Number(m[3]));
  m = /^(\d\d)\/(\d\d)\/(\d\d|\d{4})$/.exec(text);
  if (m) {
    const year = (m[3] as string).length === 2 ? 2000 + Number(m[3]) : Number(m[3]);
    return utcDay(year, Number(m[1]), Number(m[2]));
  }
  m = /^(\d{4}) ([A-Z][a-z]{2}) (\d{1,2})$/.exec(text);
  const month = m && MONTHS[m[2] as string];
  return m && month ? utcDay(Number(m[1]), month, Number(m[3])) : undefined;
}

const EEE_DATE = /^[A-Z][a-z]{2} +([A-Z][a-z]{2}) +(\d{1,2}) \d\d:\d\d:\d\d (\d{4})\./;

/**
 * The date text (as parseDate takes it) of a line that starts with a dated timestamp, whatever
 * follows it; or undefined. Cheap on lines that start with none.
 */
export function leadingDate(line: string): string | undefined {
  const c = line.charCodeAt(0);
  if (c >= 48 && c <= 57 /* digit */) {
    const sep = line.charCodeAt(10);
    if (line.charCodeAt(4) === 45 /* - */ && (sep === 84 /* T */ || sep === 32)) return line.slice(0, 10);
    if (line.charCodeAt(2) !== 47 /* / */) return undefined;
    const space = line.indexOf(' ');
    return space === -1 ? undefined : line.slice(0, space);
  }
  if (c < 65 || c > 90 || line.charCodeAt(3) !== 32 || !WEEKDAYS.has(line.slice(0, 3))) return undefined;
  const m = EEE_DATE.exec(line);
  return m ? `${m[3]} ${m[1]} ${m[2]}` : undefined;
}

/** A line's time as printed: its date's text, when it has one, and its time of day. */
export interface Stamp {
  date: string | undefined;
  timeOfDay: number;
}

/**
 * The timestamp a line starts with, in any form of the spec: `HH:MM:SS.mmm`,
 * `YYYY-MM-DDTHH:MM:SS.mmm`, `YYYY-MM-DD HH:MM:SS.mmm`, `MM/dd/yy HH:mm:ss.SSS`,
 * `MM/dd/yyyy HH:mm:ss.SSS`, `EEE MMM d HH:mm:ss yyyy.SSS`; or undefined. The date is checked
 * where it is turned into a day (parseDate), once per date.
 */
export function parseStamp(text: string): Stamp | undefined {
  const space = text.lastIndexOf(' ');
  if (space === -1) {
    if (text.charCodeAt(10) !== 84 /* T */) return clockStamp(undefined, text);
    return clockStamp(text.slice(0, 10), text.slice(11));
  }
  const last = text.slice(space + 1);
  if (last.charCodeAt(2) === 58 /* : */) return clockStamp(text.slice(0, space), last);
  // `EEE MMM d HH:mm:ss yyyy.SSS`: the year and milliseconds after the time of day.
  const m = /^[A-Z][a-z]{2} +([A-Z][a-z]{2}) +(\d{1,2}) (\d\d:\d\d:\d\d) (\d{4})\.(\d{3})$/.exec(text);
  return m ? clockStamp(`${m[4]} ${m[1]} ${m[2]}`, `${m[3]}.${m[5]}`) : undefined;
}

function clockStamp(date: string | undefined, clock: string): Stamp | undefined {
  const timeOfDay = parseClock(clock);
  return timeOfDay === undefined ? undefined : { date, timeOfDay };
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

  /** Notes the date of a full-timestamp line. */
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

  /** The last time read (epoch µs), or undefined before any. */
  get latest(): number | undefined {
    return this.last === 0 ? undefined : this.last;
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

export type LineForm =
  /** `client`: the client's text, `[612] (0000000b DesktopApp 10.0.0.7:51234)` (see parseClient). */
  | { form: 'received' | 'sent'; name: string; client: string; stamp: Stamp }
  | { form: 'printed'; kind: SendKind; name: string; stamp: Stamp }
  | { form: 'message'; name: string }
  | { form: 'disconnected'; socket: number; stamp: Stamp }
  /** `[BSYNC] Trace: Send to backup ...`: the message printed next is the primary's copy to its backup. */
  | { form: 'backup' }
  | { form: 'header'; key: 'name' | 'type' | 'version'; value: string }
  | { form: 'started'; stamp: Stamp }
  /** A line that names T-Lib traffic but that cannot be read: why. */
  | { form: 'unplaced'; name: string | undefined; why: string }
  | { form: 'other' };

const OTHER: LineForm = { form: 'other' };
const BACKUP: LineForm = { form: 'backup' };
const UNREADABLE_TIME = 'its timestamp is in no form this reader knows';

const WEEKDAYS = new Set(['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun']);

/**
 * Whether a line may start with a timestamp: a digit, or a weekday (`EEE MMM d ...`). Most lines of
 * a busy log are SIP traffic; this keeps them to one or two character tests.
 */
function mayBeStamped(line: string, c: number): boolean {
  if (c >= 48 && c <= 57) return true;
  return c >= 65 && c <= 90 && line.charCodeAt(3) === 32 && WEEKDAYS.has(line.slice(0, 3));
}

/**
 * Whether a line may be of a form `classify` reads, by its bytes: `@`, `message `, `Application `,
 * a weekday and a space, or a digit and, within its first 64 bytes,
 * one of the markers a line starting with a timestamp holds (` Trc 0454`, ` Std 0`, `[BSYNC] Trace:`). Most
 * lines of a busy log are SIP traffic: they are passed over without being decoded. (A line that
 * starts with a date is not passed over in silence: see `leadingDateBytes`.)
 */
export function mayBeRead(bytes: Uint8Array, start: number, end: number): boolean {
  const c = bytes[start] as number;
  if (c === 64 /* @ */) return true;
  if (c === 109 /* m */) return bytesAre(bytes, start, 'message ');
  if (c === 65 /* A */ && bytesAre(bytes, start, 'Application ')) return true;
  if (c >= 48 && c <= 57) return hasMarker(bytes, start, end);
  return bytes[start + 3] === 32 && WEEKDAY_CODES.has(threeBytes(bytes, start));
}

/** Three bytes as one number, to find a weekday without decoding it. */
function threeBytes(bytes: Uint8Array, at: number): number {
  return ((bytes[at] as number) << 16) | ((bytes[at + 1] as number) << 8) | (bytes[at + 2] as number);
}

const WEEKDAY_CODES = new Set([...WEEKDAYS].map((d) => threeBytes(Buffer.from(d, 'latin1'), 0)));

const [TRC_MARKER, STD_MARKER, BSYNC_MARKER] = [' Trc 0454', ' Std 0', '[BSYNC] Trace:'].map((m) =>
  Buffer.from(m, 'latin1'),
) as [Buffer, Buffer, Buffer];

/** Where a marker may stand: after the longest timestamp (27 characters) and some. */
const MARKER_WITHIN = 64;

/** Where the first marker stands in a line's first MARKER_WITHIN bytes, or -1. */
export function markerAt(bytes: Uint8Array, start: number, end: number): number {
  const last = Math.min(end, start + MARKER_WITHIN);
  for (let i = start; i < last; i++) {
    // No marker starts at i or i + 1 unless byte i + 1 is one a marker starts with: two bytes at a step.
    if (MARKER_PAIR_BYTES[bytes[i + 1] as number] === 0) {
      i++;
      continue;
    }
    const b = bytes[i];
    // Each marker starts with ` T`, ` S` or `[B`: most spaces and brackets are passed at the next byte.
    let marker: Buffer | undefined;
    if (b === 32) {
      const next = bytes[i + 1];
      marker = next === 84 /* T */ ? TRC_MARKER : next === 83 /* S */ ? STD_MARKER : undefined;
    } else if (b === 91 /* [ */ && bytes[i + 1] === 66 /* B */) marker = BSYNC_MARKER;
    if (marker && i + marker.length <= end && markerIsAt(bytes, i, marker)) return i;
  }
  return -1;
}

/** 1 for the bytes markers start with (` T`, ` S`, `[B`), by byte; 0 for the others. */
const MARKER_PAIR_BYTES = new Uint8Array(256);
for (const c of ' TS[B') MARKER_PAIR_BYTES[c.charCodeAt(0)] = 1;

/** Whether `marker` stands at `at` (its first two bytes known to). */
function markerIsAt(bytes: Uint8Array, at: number, marker: Buffer): boolean {
  for (let j = 2; j < marker.length; j++) if (bytes[at + j] !== marker[j]) return false;
  return true;
}

function hasMarker(bytes: Uint8Array, start: number, end: number): boolean {
  return markerAt(bytes, start, end) !== -1;
}

/**
 * The length of the date a line starts with (as `leadingDate` reads it: `YYYY-MM-DD`, `MM/dd/yy`,
 * `MM/dd/yyyy`), by its bytes, or 0: a line passed over may still set the date of the lines after it.
 */
export function leadingDateBytes(bytes: Uint8Array, start: number, end: number): number {
  if (bytes[start + 4] === 45 /* - */) {
    const sep = bytes[start + 10];
    return sep === 84 || sep === 32 ? 10 : 0;
  }
  if (bytes[start + 2] !== 47 /* / */) return 0;
  for (let i = start + 3; i < end; i++) if (bytes[i] === 32) return i - start;
  return 0;
}

/** What a line (not an attribute line) is. */
export function classify(line: string): LineForm {
  const c = line.charCodeAt(0);
  if (c === 64 /* @ */) return classifyTrace(line);
  if (c === 109 /* m */ && line.startsWith('message ')) {
    const name = line.slice(8).trim();
    return /^\S+$/.test(name) ? { form: 'message', name: canonicalName(name) } : OTHER;
  }
  if (c === 65 /* A */ && line.startsWith('Application ')) {
    const m = HEADER.exec(line);
    return m ? { form: 'header', key: m[1] as 'name' | 'type' | 'version', value: m[2] as string } : OTHER;
  }
  if (!mayBeStamped(line, c)) return OTHER;
  let at = line.indexOf(' Trc 0454');
  if (at !== -1) {
    const m = TRC.exec(line.slice(at));
    if (!m) return OTHER;
    const form = m[3] === 'received from' ? 'received' : 'sent';
    if ((form === 'received') !== (m[1] === '04541')) return OTHER;
    const name = canonicalName(m[2] as string);
    const stamp = parseStamp(line.slice(0, at));
    if (!stamp) return { form: 'unplaced', name, why: UNREADABLE_TIME };
    return { form, name, client: m[4] as string, stamp };
  }
  at = line.indexOf(' Std 0');
  if (at !== -1) {
    const rest = line.slice(at);
    if (rest.startsWith(` Std 00000 ${STARTED}`)) {
      const stamp = parseStamp(line.slice(0, at));
      return stamp?.date === undefined ? OTHER : { form: 'started', stamp };
    }
    const m = DISCONNECTED.exec(rest);
    if (!m) return OTHER;
    const stamp = parseStamp(line.slice(0, at));
    if (!stamp) return { form: 'unplaced', name: undefined, why: `a disconnection: ${UNREADABLE_TIME}` };
    return { form: 'disconnected', socket: Number(m[1]), stamp };
  }
  return line.includes('[BSYNC] Trace:') ? BACKUP : OTHER;
}

/** `@10:15:00.1231 [0] 8.5.000.10 send_to_client: message EventACK` */
function classifyTrace(line: string): LineForm {
  if (line.includes('[BSYNC] Trace:')) return BACKUP;
  if (!line.includes(': message ')) return OTHER;
  const space = line.indexOf(' ');
  const m = PRINTED.exec(line.slice(space + 1));
  if (!m) return OTHER;
  const name = canonicalName(m[2] as string);
  const timeOfDay = parseClock(line.slice(1, space));
  if (timeOfDay === undefined) return { form: 'unplaced', name, why: UNREADABLE_TIME };
  const kind: SendKind = m[1] === 'send_to_client' ? 'send_to_client' : 'distribute_event';
  return { form: 'printed', kind, name, stamp: { date: undefined, timeOfDay } };
}
