/**
 * Reads SIP Server / T-Server logs (spec/sipserver-log.md) into the T-Lib messages between the
 * T-Server and its clients, streaming, each with the client, the time and the file and line it was
 * printed at. Lines of no form it knows are ignored. What it cannot read is reported as a skip,
 * never dropped in silence:
 * - a message with a line that is not UTF-8 (or absurdly long), or cut off at the end of a file;
 * - a `message` line without its `received from` line, a `sent to` line without its message.
 * A `T-Server started` line (lines.ts) ends a T-Server run: `started` says so.
 * A message the T-Server printed but sent to no client (no `sent to` line) reached no one, and is
 * not reported; at the end of the log it is (its `sent to` lines may be cut off).
 */
import type { Direction, SourceRef } from '../journal.ts';
import type { WireMessage } from '../tlib/messages.ts';
import { AttributeReader, type AttributeSelection, type TeventField } from './attributes.ts';
import {
  type ClockStep,
  classify,
  type LineTime,
  type LogClient,
  LogClock,
  lineDate,
  parseClient,
  parseDate,
} from './lines.ts';
import { type FileDigest, readLines } from './reader.ts';

export interface LogMessage {
  /** Relative to the T-Server: `in` it received from the client, `out` it sent to the client. */
  direction: Direction;
  client: LogClient;
  /** Epoch microseconds (UTC wall time as printed). */
  micros: number;
  message: WireMessage;
  /** Where the message is printed: its `received from` line, or its `@... message` line. */
  source: SourceRef;
  /** Tevent fields of a flat RequestSendEvent that the log did not show (see attributes.ts). */
  unshown: readonly TeventField[];
  /** Attribute lines that could not be read. */
  problem?: string;
}

export interface Skip {
  source: SourceRef;
  /** The message it concerns, when the log names it. */
  name?: string;
  reason: string;
  /** Set when the end of this file cut the message off. */
  endOfFile?: string;
}

export interface ParserOptions {
  message(m: LogMessage): void;
  skip(s: Skip): void;
  /**
   * Which attributes of a message to read (default: all). `none`: an event is passed over; a
   * request is still reported, by name only (a consumer may ask for its ReferenceID alone).
   */
  select?(name: string): AttributeSelection | 'none';
  /** A T-Server (re)started here (see lines.ts): the clients before it are gone. */
  started?(source: SourceRef): void;
  /** The log's clock stepped back at this line (lines.ts, LogClock). */
  clockStep?(step: ClockStep & { source: SourceRef }): void;
}

interface Block {
  name: string;
  source: SourceRef;
  micros: number;
  /** Absent for an event not worth reading: its lines are passed over. */
  reader: AttributeReader | undefined;
  /** Why its message cannot be trusted. */
  broken?: string;
  /** Set when the end of this file cut it off. */
  endOfFile?: string;
  /** The client, for a request (`received from`); a printed message names its clients after it. */
  client?: LogClient;
}

interface Printed {
  name: string;
  source: SourceRef;
  /** Absent when the message could not be read (its skip says why): its `sent to` lines are passed over. */
  message: WireMessage | undefined;
  problem: string | undefined;
  recipients: number;
}

const NOTHING: ReadonlySet<string> = new Set();

/**
 * A copy sharing no memory with the text it was read from. V8 keeps a substring as a slice of its
 * parent string, so one kept attribute value would keep its whole decoded chunk of log alive.
 */
function detached<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

/** Strings `shared` has copied, so that equal values (DNs, names, keys) share one copy. */
const SHARED_MAX = 10_000;
let sharedStrings = new Map<string, string>();

/** `value` as `detached` makes it (plain JSON data), its strings shared among the messages kept. */
function shared(value: unknown): unknown {
  switch (typeof value) {
    case 'string': {
      const known = sharedStrings.get(value);
      if (known !== undefined) return known;
      if (sharedStrings.size >= SHARED_MAX) sharedStrings = new Map();
      const own = JSON.parse(JSON.stringify(value)) as string;
      sharedStrings.set(own, own);
      return own;
    }
    case 'number':
      return Number.isFinite(value) ? value + 0 : null;
    case 'boolean':
      return value;
    case 'object': {
      if (value === null) return null;
      if (Array.isArray(value)) return value.map((v) => (v === undefined ? null : shared(v)));
      if (Object.getPrototypeOf(value) !== Object.prototype) return detached(value);
      const out: Record<string, unknown> = {};
      for (const [key, v] of Object.entries(value)) {
        if (key === '__proto__') return detached(value);
        if (v !== undefined) out[shared(key) as string] = shared(v);
      }
      return out;
    }
    default:
      return detached(value);
  }
}

class SipLogParser {
  private file = '';
  private readonly clock = new LogClock();
  private date = '';
  /** The message whose attribute lines are being read. */
  private block: Block | undefined;
  /** A `received from` line awaiting its `message` line. */
  private header: (Omit<Block, 'reader'> & { client: LogClient }) | undefined;
  /** The message the T-Server printed last, awaiting its `sent to` lines. */
  private printed: Printed | undefined;
  private readonly clients = new Map<string, LogClient>();

  constructor(private readonly options: ParserOptions) {}

  beginFile(name: string): void {
    this.file = name;
  }

  line(text: string, line: number, truncated: boolean): void {
    if (text.charCodeAt(0) === 9 /* tab */) {
      if (!this.block) return;
      if (truncated) {
        this.block.broken = `it is cut off at the end of ${this.file} (line ${line})`;
        this.block.endOfFile = this.file;
      } else this.block.reader?.add(text, line);
      return;
    }
    this.closeBlock();
    this.noteDate(text);
    const form = classify(text);
    if (form.form === 'other') return this.abandonHeader();
    const source = { file: this.file, line };
    if (form.form === 'started') {
      this.abandonHeader();
      if (!truncated) {
        this.endPrinted(false);
        this.options.started?.(source);
      }
      return;
    }
    if (truncated) {
      this.abandonHeader();
      this.skip(source, form.name, `its line is cut off at the end of ${this.file}`, this.file);
      return;
    }
    switch (form.form) {
      case 'received': {
        this.abandonHeader();
        const client = this.client(form.client);
        if (client) this.header = { name: form.name, source, micros: this.time(form, source), client };
        return;
      }
      case 'message': {
        const header = this.header;
        this.header = undefined;
        // `message` lines also follow lines this parser does not read (e.g. traffic to a backup
        // server): only the one right after a `received from` line is a client's request.
        if (header?.name === form.name) this.block = { ...header, reader: this.reader(header.name) };
        else if (header) this.skip(header.source, header.name, `a "message ${form.name}" line follows it`);
        return;
      }
      case 'printed':
        this.abandonHeader();
        this.endPrinted(false);
        this.block = {
          name: form.name,
          source,
          micros: this.time(form, source),
          reader: this.wants(form.name) ? this.reader(form.name) : undefined,
        };
        return;
      case 'sent': {
        this.abandonHeader();
        const client = this.client(form.client);
        if (client) this.sent(form.name, client, this.time(form, source), source);
        return;
      }
    }
  }

  badLine(line: number, reason: string): void {
    if (this.block) this.block.broken = `line ${line} is ${reason}`;
    else this.skip({ file: this.file, line }, undefined, `the line is ${reason}; it is not read`);
  }

  /** At the end of the last file. */
  end(): void {
    this.closeBlock();
    this.abandonHeader();
    this.endPrinted(true);
  }

  /** The client a line names: read once per client, then shared by all its messages. */
  private client(text: string): LogClient | undefined {
    const known = this.clients.get(text);
    if (known) return known;
    const client = parseClient(text);
    if (!client) return undefined;
    const own = detached(client);
    this.clients.set(detached(text), own);
    return own;
  }

  private selection(name: string): AttributeSelection | 'none' {
    return this.options.select?.(name) ?? 'all';
  }

  private wants(event: string): boolean {
    return this.selection(event) !== 'none';
  }

  private reader(name: string): AttributeReader {
    const selection = this.selection(name);
    return new AttributeReader(selection === 'none' ? NOTHING : selection);
  }

  /** A full timestamp's date is the date of the dateless times that follow. */
  private noteDate(text: string): void {
    if (this.date !== '' && text.startsWith(this.date)) return;
    const date = lineDate(text);
    const day = date === undefined ? undefined : parseDate(date);
    if (date === undefined || day === undefined) return;
    this.date = date;
    this.clock.setDate(day);
  }

  private time(t: LineTime, source: SourceRef): number {
    const steps = this.clock.steps.length;
    const micros = this.clock.at(t.timeOfDay, t.dated);
    const step = this.clock.steps[steps];
    if (step) this.options.clockStep?.({ ...step, source });
    return micros;
  }

  private skip(source: SourceRef, name: string | undefined, reason: string, endOfFile?: string): void {
    this.options.skip(
      detached({
        source,
        ...(name === undefined ? {} : { name }),
        reason,
        ...(endOfFile === undefined ? {} : { endOfFile }),
      }),
    );
  }

  private abandonHeader(): void {
    if (!this.header) return;
    this.skip(this.header.source, this.header.name, 'no "message" line follows it');
    this.header = undefined;
  }

  private closeBlock(): void {
    const block = this.block;
    this.block = undefined;
    if (!block?.reader) return;
    if (block.broken) this.skip(block.source, block.name, `not read: ${block.broken}`, block.endOfFile);
    const built = block.broken
      ? undefined
      : (shared(block.reader.build(block.name)) as ReturnType<AttributeReader['build']>);
    const problem = block.reader.problems.length ? block.reader.problems.join('; ') : undefined;
    if (!block.client) {
      this.printed = {
        name: block.name,
        source: block.source,
        message: built?.message,
        problem,
        recipients: 0,
      };
      return;
    }
    if (!built) return;
    const { message, unshown } = built;
    this.options.message({
      direction: 'in',
      client: block.client,
      micros: block.micros,
      message,
      source: block.source,
      unshown,
      ...(problem ? { problem } : {}),
    });
  }

  private sent(name: string, client: LogClient, micros: number, source: SourceRef): void {
    const printed = this.printed;
    if (!printed || printed.name !== name) {
      if (this.wants(name)) this.skip(source, name, 'no printed message precedes this "sent to" line');
      return;
    }
    printed.recipients++;
    if (!printed.message) return;
    this.options.message({
      direction: 'out',
      client,
      micros,
      message: printed.message,
      source: printed.source,
      unshown: [],
      ...(printed.problem ? { problem: printed.problem } : {}),
    });
  }

  private endPrinted(atEnd: boolean): void {
    const printed = this.printed;
    this.printed = undefined;
    if (atEnd && printed?.message && printed.recipients === 0) {
      const why = 'the log ends before any "sent to" line names its recipients';
      this.skip(printed.source, printed.name, why, this.file);
    }
  }
}

export interface ParsedFile extends FileDigest {
  path: string;
}

/** Reads `paths` in order, as one log. */
export async function parseLogFiles(paths: readonly string[], options: ParserOptions): Promise<ParsedFile[]> {
  const parser = new SipLogParser(options);
  const files: ParsedFile[] = [];
  for (const path of paths) {
    parser.beginFile(path);
    files.push({ path, ...(await readLines(path, parser)) });
  }
  parser.end();
  return files;
}
