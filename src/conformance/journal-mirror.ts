/**
 * The journal of a screencap-cert simulator running elsewhere, followed through its admin API
 * (`GET /journal?follow=1`): what the harness sees there of the system under test, as it sees it
 * in the embedded simulator's journal. `sync` is the barrier: once it resolves, every entry the
 * simulator had journaled when it was called is here.
 */
import { JOURNAL_FORMAT, Journal, type JournalEntry } from '../journal.ts';
import { show } from '../tlib/codec.ts';
import { MAX_LINE_BYTES } from '../tlib/framing.ts';

/** A journal line longer than this is no line the simulator writes: the stream is not followed further. */
const MAX_ENTRY_CHARS = 4 * MAX_LINE_BYTES;

/**
 * What makes a parsed line no entry this harness's journal holds, if anything: the journal, the
 * rules and the reports read its names as strings, a message's too (the simulator's framing saw to
 * that); the message's fields may be any value (the rules judge them).
 */
function entryProblem(entry: unknown, lastSeq: number): string | undefined {
  const e = entry as Partial<JournalEntry> | null;
  if (e === null || typeof e !== 'object' || Array.isArray(e)) return `expected an object, got ${show(e)}`;
  if (!Number.isSafeInteger(e.seq)) return `seq: expected an integer, got ${show(e.seq)}`;
  // sync() counts on it: an entry numbered ahead would say later ones had arrived.
  if ((e.seq as number) <= lastSeq) return `seq: expected more than ${lastSeq}, got ${e.seq}`;
  if (typeof e.party !== 'string') return `party: expected a string, got ${show(e.party)}`;
  if (e.direction !== 'in' && e.direction !== 'out')
    return `direction: expected "in" or "out", got ${show(e.direction)}`;
  for (const key of ['peer', 'peerId', 'peerApplication', 'peerAddress', 'problem'] as const)
    if (e[key] !== undefined && typeof e[key] !== 'string')
      return `${key}: expected a string, got ${show(e[key])}`;
  // The simulator's own entries (a disconnection, a restart) stay its own here: the rules act on them.
  if (e.pseudo !== undefined && e.pseudo !== true) return `pseudo: expected true, got ${show(e.pseudo)}`;
  // The rules time replies and recoveries by it: a time that is no number would pass them unjudged.
  if (!Number.isFinite(e.micros)) return `micros: expected a number, got ${show(e.micros)}`;
  if (typeof e.time !== 'string') return `time: expected a string, got ${show(e.time)}`;
  const m = e.message as unknown;
  if (m === null || typeof m !== 'object' || Array.isArray(m))
    return `message: expected an object, got ${show(m)}`;
  const name = (m as { message?: unknown }).message;
  return typeof name === 'string' ? undefined : `message.message: expected a string, got ${show(name)}`;
}

export class JournalMirror {
  /** The simulator's last entry copied here (its seq there). */
  private lastSeq = 0;
  /** Why the stream ended, once it did. */
  private ended: string | undefined;

  private constructor(
    private readonly adminUrl: string,
    readonly journal: Journal,
    private readonly abort: AbortController,
  ) {}

  /** Follows the simulator's journal from its first entry kept; rejects when its admin API has no such route. */
  static async follow(adminUrl: string, options: { maxBytes: number }): Promise<JournalMirror> {
    const abort = new AbortController();
    const url = new URL('/journal?follow=1', adminUrl);
    const res = await fetch(url, { signal: abort.signal }).catch((e: Error) => {
      throw new Error(`cannot follow the simulator's journal at ${url}: ${e.message}`);
    });
    if (!res.ok || !res.body) {
      abort.abort();
      throw new Error(`cannot follow the simulator's journal at ${url}: it answered ${res.status}`);
    }
    // Another version's journal marks the simulator's own entries (disconnections, restarts)
    // otherwise, or not at all: read here, the rules would misjudge them.
    const format = res.headers.get('x-journal-format');
    if (format !== String(JOURNAL_FORMAT)) {
      abort.abort();
      throw new Error(
        `the simulator at ${adminUrl} writes its journal in ${format === null ? 'an older format' : `format ${show(format)}`}, and this harness reads format ${JOURNAL_FORMAT}: run the simulator of this harness's version (rebuild its image, or upgrade screencap-cert where it runs)`,
      );
    }
    const mirror = new JournalMirror(adminUrl, new Journal({ maxBytes: options.maxBytes }), abort);
    void mirror.read(res.body);
    return mirror;
  }

  private async read(body: ReadableStream<Uint8Array>): Promise<void> {
    const decoder = new TextDecoder();
    let rest = '';
    try {
      for await (const chunk of body) {
        const lines = (rest + decoder.decode(chunk, { stream: true })).split('\n');
        rest = lines.pop() ?? '';
        for (const line of lines) if (line) this.copy(line);
        if (rest.length > MAX_ENTRY_CHARS)
          throw new Error(`a journal line over ${MAX_ENTRY_CHARS} characters after entry ${this.lastSeq}`);
      }
      this.ended = 'the simulator ended the stream';
    } catch (e) {
      this.ended = this.abort.signal.aborted ? 'stopped' : (e as Error).message;
      this.abort.abort();
    }
  }

  private copy(line: string): void {
    let entry: JournalEntry;
    try {
      entry = JSON.parse(line) as JournalEntry;
    } catch (e) {
      throw new Error(`the journal line after entry ${this.lastSeq} is not JSON: ${(e as Error).message}`);
    }
    const problem = entryProblem(entry, this.lastSeq);
    if (problem)
      throw new Error(`the journal line after entry ${this.lastSeq} is no journal entry: ${problem}`);
    this.lastSeq = entry.seq;
    this.journal.copy(entry, line.length);
  }

  /** Resolves once everything the simulator had journaled by now has been copied here. */
  async sync(timeoutMs: number): Promise<void> {
    const url = new URL('/health', this.adminUrl);
    const res = await fetch(url).catch((e: Error) => {
      throw new Error(`cannot reach the simulator's admin API at ${url}: ${e.message}`);
    });
    const { journalSeq } = (await res.json()) as { journalSeq?: unknown };
    if (typeof journalSeq !== 'number')
      throw new Error(
        `the simulator at ${this.adminUrl} does not say how far its journal goes (GET /health)`,
      );
    const deadline = Date.now() + timeoutMs;
    while (this.lastSeq < journalSeq) {
      if (this.ended) throw new Error(`the simulator's journal is no longer followed: ${this.ended}`);
      if (Date.now() > deadline)
        throw new Error(
          `the simulator's journal at ${this.adminUrl} reached entry ${journalSeq}, and only ${this.lastSeq} arrived here within ${timeoutMs} ms`,
        );
      await new Promise((r) => setTimeout(r, 5));
    }
  }

  async stop(): Promise<void> {
    this.abort.abort();
  }
}
