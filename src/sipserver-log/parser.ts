/**
 * Reads SIP Server / T-Server logs (spec/sipserver-log.md) into the T-Lib messages between the
 * T-Server and its clients, streaming, each with the client, the time and the file and line it was
 * printed at. Lines of no form it knows are ignored; so is what the primary copies to its backup
 * (`[BSYNC]`). A printed message and its `sent to` lines are read in either order. A client's
 * disconnection is a message of its own (DISCONNECTED). What it cannot read is reported as a skip,
 * never dropped in silence:
 * - a message with a line that is not UTF-8 (or absurdly long), or cut off at the end of a file;
 * - a line naming T-Lib traffic whose time cannot be read;
 * - a `message` line without its `received from` line, a `sent to` line without its message.
 * A `T-Server started` line (lines.ts) ends a T-Server run: `started` says so.
 * A message the T-Server printed but sent to no client (no `sent to` line) reached no one, and is
 * not reported; at the end of the log it is (its `sent to` lines may be cut off).
 * The lines most T-Lib traffic is printed in arrive read (reader.ts: `traced`, `printedLine`,
 * `messageLine`, `attribute`); any other line arrives as its bytes, and is read here from its text.
 */
import { DISCONNECTED, type Direction, pseudoEntry, type SourceRef } from '../journal.ts';
import type { WireMessage } from '../tlib/messages.ts';
import { AttributeReader, type AttributeSelection, NOTHING_UNSHOWN, type TeventField } from './attributes.ts';
import { detached } from './compact.ts';
import { bytesAre, decode } from './decode.ts';
import { MARKER_UNKNOWN } from './line-batch.ts';
import {
  type ClockStep,
  canonicalName,
  classify,
  clientId,
  type LineForm,
  type LogClient,
  LogClock,
  leadingDate,
  leadingDateBytes,
  markerAt,
  mayBeRead,
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
  /** A disconnection line's (pseudoEntry): a message printed under that name is not one. */
  pseudo?: true;
}

export interface Skip {
  source: SourceRef;
  /** The message it concerns, when the log names it. */
  name?: string;
  reason: string;
  /** Set when the end of this file cut the message off. */
  endOfFile?: string;
  /** When it was printed (epoch µs), and the client it names (`client 0000000b`), when the line shows them. */
  micros?: number;
  client?: string;
}

/** What a file's header says of the server that wrote it (`Application name:` ...). */
export interface ServerHeader {
  name?: string;
  type?: string;
  version?: string;
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
  /** Its recipients were named before it (sent-first order): later `sent to` lines are the next message's. */
  complete: boolean;
}

/** A `sent to` line read before its message is printed (sent-first order). */
interface SentLine {
  name: string;
  client: LogClient;
  micros: number;
  source: SourceRef;
}

/** Whether a log prints a message's body before its `sent to` lines, or after: learnt from the log. */
type Order = 'unknown' | 'body-first' | 'sent-first';

/** `sent to` lines held for a message not yet printed, at most (older ones are reported as skips). */
const MAX_PENDING = 10_000;

/** Clients read and kept at hand, at most (each line names one: reading it again costs little). */
const CLIENTS_CACHED = 10_000;

const NOTHING: ReadonlySet<string> = new Set();
const TAB = 0x09;

class SipLogParser {
  private file = '';
  private readonly clock = new LogClock();
  /** The date text last set on the clock (see lines.ts parseDate). */
  private dateText = '';
  /** The message whose attribute lines are being read. */
  private block: Block | undefined;
  /** A `received from` line awaiting its `message` line. */
  private header: (Omit<Block, 'reader'> & { client: LogClient }) | undefined;
  /** The message the T-Server printed last, awaiting its `sent to` lines. */
  private printed: Printed | undefined;
  private pending: SentLine[] = [];
  private order: Order = 'unknown';
  /** The next `message` block is a copy to the backup server, not traffic. */
  private backup = false;
  /** Clients as their lines name them, recently read (a cache: a log may name a million). */
  private clients = new Map<string, LogClient>();
  /** The client last read of each client number, recently (a cache, cleared with `clients`). */
  private numbers = new Map<number, LogClient>();
  /** The client number last seen on each socket: a disconnection names the socket. */
  private readonly sockets = new Map<number, number>();
  /** Each file's header (the server that wrote it). */
  readonly headers = new Map<string, ServerHeader>();

  constructor(private readonly options: ParserOptions) {}

  beginFile(name: string): void {
    this.file = name;
  }

  line(bytes: Buffer, start: number, end: number, line: number, truncated: boolean, marker: number): void {
    const c = bytes[start] ?? 0;
    if (c === TAB) {
      const block = this.block;
      if (!block) return;
      if (truncated) {
        block.broken = `it is cut off at the end of ${this.file} (line ${line})`;
        block.endOfFile = this.file;
        return;
      }
      block.reader?.addLine(bytes, start, end, line);
      return;
    }
    if (this.block) this.closeBlock();
    if (c >= 48 && c <= 57 /* digit */) {
      // A line that starts with a timestamp: read if it holds a marker.
      if ((marker === MARKER_UNKNOWN ? markerAt(bytes, start, end) : marker) !== -1)
        return this.text(decode(bytes, start, end), line, truncated);
    } else if (mayBeRead(bytes, start, end)) return this.text(decode(bytes, start, end), line, truncated);
    this.passedOver();
    // A line passed over still dates the dateless lines after it.
    if (c >= 48 && c <= 57 /* digit */) {
      const date = leadingDateBytes(bytes, start, end);
      if (date > 0 && (date !== this.dateText.length || !bytesAre(bytes, start, this.dateText)))
        this.noteDate(decode(bytes, start, end));
    }
  }

  traced(
    received: boolean,
    name: string,
    client: string,
    date: string | undefined,
    timeOfDay: number,
    line: number,
  ): void {
    if (this.block) this.closeBlock();
    const source = { file: this.file, line };
    const canonical = canonicalName(name);
    if (this.dated(date, source, canonical))
      this.trace(received, canonical, client, timeOfDay, date !== undefined, source);
  }

  printedLine(name: string, timeOfDay: number, line: number): void {
    if (this.block) this.closeBlock();
    this.print(canonicalName(name), timeOfDay, { file: this.file, line });
  }

  messageLine(name: string, line: number): void {
    if (this.block) this.closeBlock();
    this.body(canonicalName(name), { file: this.file, line });
  }

  attribute(name: string, bytes: Buffer, value: number, end: number): void {
    this.block?.reader?.addAttribute(name, bytes, value, end);
  }

  /** Lines of no form this parser reads: they end the message being read, and part a request from its `message` line. */
  passedOver(): void {
    if (this.block) this.closeBlock();
    this.abandonHeader();
  }

  /** A line that is no attribute line, and may be of a form this parser reads (mayBeRead). */
  private text(text: string, line: number, truncated: boolean): void {
    this.form(classify(text), line, truncated, text);
  }

  /** A line read from its text as `form`. */
  private form(form: LineForm, line: number, truncated: boolean, text: string): void {
    const source = { file: this.file, line };
    if ('stamp' in form && !this.dated(form.stamp.date, source, 'name' in form ? form.name : undefined))
      return;
    switch (form.form) {
      case 'other':
        this.noteDate(text);
        return this.abandonHeader();
      case 'header': {
        const header = this.headers.get(this.file) ?? {};
        header[form.key] ??= form.value;
        this.headers.set(this.file, header);
        return;
      }
      case 'backup':
        // Its `message` line (or, printed on this line, its attributes) follows: passed over.
        this.abandonHeader();
        this.backup = true;
        this.block = { name: '', source, micros: 0, reader: undefined };
        return;
      case 'unplaced':
        this.abandonHeader();
        this.skip(source, form.name, `${form.why}; the line is not placed`);
        return;
      case 'started':
        this.abandonHeader();
        if (!truncated) {
          this.endPrinted(false);
          this.flushPending();
          this.options.started?.(source);
        }
        return;
      default:
    }
    if (truncated && form.form !== 'disconnected') {
      this.abandonHeader();
      this.skip(source, form.name, `its line is cut off at the end of ${this.file}`, this.file);
      return;
    }
    switch (form.form) {
      case 'received':
      case 'sent':
        return this.trace(
          form.form === 'received',
          form.name,
          form.client,
          form.stamp.timeOfDay,
          form.stamp.date !== undefined,
          source,
        );
      case 'message':
        return this.body(form.name, source);
      case 'printed':
        return this.print(form.name, form.stamp.timeOfDay, source);
      case 'disconnected': {
        this.abandonHeader();
        const number = this.sockets.get(form.socket);
        if (number === undefined) return; // a client the log never showed at work: nothing of it is judged
        this.sockets.delete(form.socket);
        // Its names, if still at hand (the line names the socket only).
        const client = this.numbers.get(number) ?? {
          socket: form.socket,
          number,
          application: '',
          address: '',
        };
        this.options.message({
          direction: 'in',
          client,
          micros: this.time(form.stamp.timeOfDay, form.stamp.date !== undefined, source),
          ...pseudoEntry(DISCONNECTED),
          source,
          unshown: NOTHING_UNSHOWN,
        });
        return;
      }
    }
  }

  /** A timestamp's date (if it has one) is the date from now on: false (and a skip) if it is no date. */
  private dated(date: string | undefined, source: SourceRef, name: string | undefined): boolean {
    if (date === undefined || this.setDate(date)) return true;
    this.abandonHeader();
    this.skip(source, name, `its date "${date}" is not a date`);
    return false;
  }

  /**
   * `Trc 04541 <name> received from <client>`: a request, whose `message` line follows; `Trc 04542
   * <name> sent to <client>`: a recipient of a printed message.
   */
  private trace(
    received: boolean,
    name: string,
    text: string,
    timeOfDay: number,
    dated: boolean,
    source: SourceRef,
  ): void {
    this.abandonHeader();
    const client = this.client(text);
    if (!client) return this.skip(source, name, `the client "${text}" is in no form this reader knows`);
    const micros = this.time(timeOfDay, dated, source);
    if (received) this.header = { name, source, micros, client };
    else this.sent({ name, client, micros, source });
  }

  /** `message <name>`: the body of a request, or of a copy to the backup server. */
  private body(name: string, source: SourceRef): void {
    const header = this.header;
    this.header = undefined;
    if (this.backup) {
      this.backup = false;
      this.block = { name: '', source, micros: 0, reader: undefined };
    }
    // `message` lines also follow lines this parser does not read (e.g. traffic to a backup
    // server): only the one right after a `received from` line is a client's request.
    else if (header?.name === name)
      this.block = {
        name,
        source: header.source,
        micros: header.micros,
        reader: this.reader(name),
        client: header.client,
      };
    else if (header) this.skip(header.source, header.name, `a "message ${name}" line follows it`);
  }

  /** `@<time> ... message <name>`: a message the T-Server sends, whose attributes follow. */
  private print(name: string, timeOfDay: number, source: SourceRef): void {
    this.abandonHeader();
    this.backup = false;
    this.endPrinted(false);
    // Every block has the same fields, in the same order (one shape for the code that reads them).
    this.block = {
      name,
      source,
      micros: this.time(timeOfDay, false, source),
      reader: this.readerIfWanted(name),
      client: undefined,
    };
  }

  badLine(line: number, reason: string): void {
    if (this.block) this.block.broken = `line ${line} is ${reason}`;
    else this.skip({ file: this.file, line }, undefined, `the line is ${reason}; it is not read`);
  }

  /** At the end of the last file. */
  end(): void {
    this.closeBlock();
    this.abandonHeader();
    this.flushPending();
    this.endPrinted(true);
  }

  /** The client a line names: read once per client, then shared by all its messages. */
  private client(text: string): LogClient | undefined {
    let client = this.clients.get(text);
    if (!client) {
      client = parseClient(text);
      if (!client) return undefined;
      if (this.clients.size >= CLIENTS_CACHED) {
        this.clients = new Map();
        this.numbers = new Map();
      }
      // Its strings may keep their line alive: the cache is bounded, and what is kept is compacted (compact.ts).
      this.clients.set(text, client);
    }
    if (this.numbers.get(client.number) !== client) this.numbers.set(client.number, client);
    if (this.sockets.get(client.socket) !== client.number) this.sockets.set(client.socket, client.number);
    return client;
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

  /** A reader for an event's attributes, or none when it is not worth reading. */
  private readerIfWanted(name: string): AttributeReader | undefined {
    const selection = this.selection(name);
    return selection === 'none' ? undefined : new AttributeReader(selection);
  }

  /** A dated timestamp's date is the date of the dateless times that follow; false if it is no date. */
  private setDate(text: string): boolean {
    if (text === this.dateText) return true;
    const day = parseDate(text);
    if (day === undefined) return false;
    this.dateText = text;
    this.clock.setDate(day);
    return true;
  }

  /** Any line that starts with a dated timestamp sets the date. */
  private noteDate(text: string): void {
    if (this.dateText !== '' && text.startsWith(this.dateText)) return;
    const date = leadingDate(text);
    if (date !== undefined) this.setDate(date);
  }

  /** `timeOfDay` (µs) on the log's clock; `dated`: its line has a date of its own. */
  private time(timeOfDay: number, dated: boolean, source: SourceRef): number {
    const steps = this.clock.steps.length;
    const micros = this.clock.at(timeOfDay, dated);
    const step = this.clock.steps[steps];
    if (step) this.options.clockStep?.({ ...step, source });
    return micros;
  }

  private skip(
    source: SourceRef,
    name: string | undefined,
    reason: string,
    endOfFile?: string,
    at?: { micros: number; client?: LogClient },
  ): void {
    // Where it stands in time: its own line's, or (a line with no time of its own) the last read.
    const micros = at?.micros ?? this.clock.latest;
    this.options.skip(
      detached({
        source,
        ...(name === undefined ? {} : { name }),
        reason,
        ...(endOfFile === undefined ? {} : { endOfFile }),
        ...(micros === undefined ? {} : { micros }),
        ...(at?.client ? { client: clientId(at.client.number) } : {}),
      }),
    );
  }

  private abandonHeader(): void {
    const header = this.header;
    if (!header) return;
    this.skip(header.source, header.name, 'no "message" line follows it', undefined, header);
    this.header = undefined;
  }

  private closeBlock(): void {
    const block = this.block;
    this.block = undefined;
    if (!block?.reader) return;
    if (block.broken)
      this.skip(block.source, block.name, `not read: ${block.broken}`, block.endOfFile, block);
    const built = block.broken ? undefined : block.reader.build(block.name);
    const problem = block.reader.problems.length ? block.reader.problems.join('; ') : undefined;
    if (!block.client) {
      this.printed = {
        name: block.name,
        source: block.source,
        message: built?.message,
        problem,
        recipients: 0,
        complete: false,
      };
      this.takePending(this.printed);
      return;
    }
    if (!built) return;
    const { message, unshown } = built;
    this.report(
      { direction: 'in', client: block.client, micros: block.micros, message, source: block.source, unshown },
      problem,
    );
  }

  /** Hands `m` on, with the problem its attribute lines had, if any. */
  private report(m: LogMessage, problem: string | undefined): void {
    if (problem) m.problem = problem;
    this.options.message(m);
  }

  /** A message just printed: the `sent to` lines read before it, if the log prints them first. */
  private takePending(printed: Printed): void {
    if (this.pending.length === 0 || this.order === 'body-first') return this.flushPending();
    const mine = this.pending.filter((p) => p.name === printed.name);
    this.pending = this.pending.filter((p) => p.name !== printed.name);
    this.flushPending();
    if (mine.length === 0) return;
    this.order = 'sent-first';
    printed.complete = true;
    for (const line of mine) this.deliver(printed, line);
  }

  private sent(line: SentLine): void {
    const printed = this.printed;
    if (printed && !printed.complete && printed.name === line.name && this.order !== 'sent-first') {
      this.order = 'body-first';
      return this.deliver(printed, line);
    }
    if (this.order === 'body-first') return this.unmatched(line);
    this.pending.push(line);
    if (this.pending.length > MAX_PENDING) this.unmatched(this.pending.shift() as SentLine);
  }

  private deliver(printed: Printed, line: SentLine): void {
    printed.recipients++;
    if (!printed.message) return;
    const { message, source, problem } = printed;
    this.report(
      {
        direction: 'out',
        client: line.client,
        micros: line.micros,
        message,
        source,
        unshown: NOTHING_UNSHOWN,
      },
      problem,
    );
  }

  private unmatched(line: SentLine): void {
    if (this.wants(line.name))
      this.skip(line.source, line.name, 'no printed message goes with this "sent to" line', undefined, line);
  }

  private flushPending(): void {
    if (this.pending.length === 0) return;
    const pending = this.pending;
    this.pending = [];
    for (const line of pending) this.unmatched(line);
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
  /** What the file's header says of the server that wrote it, when it has one. */
  server?: ServerHeader;
}

/** Reads `paths` in order, as one log. */
export async function parseLogFiles(paths: readonly string[], options: ParserOptions): Promise<ParsedFile[]> {
  const parser = new SipLogParser(options);
  const files: ParsedFile[] = [];
  for (const path of paths) {
    parser.beginFile(path);
    const digest = await readLines(path, parser);
    const server = parser.headers.get(path);
    files.push({ path, ...digest, ...(server ? { server } : {}) });
  }
  parser.end();
  return files;
}
