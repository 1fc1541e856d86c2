/**
 * The journal of a screencap-cert simulator running elsewhere, followed through its admin API
 * (`GET /journal?follow=1`): what the harness sees there of the system under test, as it sees it
 * in the embedded simulator's journal. `sync` is the barrier: once it resolves, every entry the
 * simulator had journaled when it was called is here.
 */
import { Journal, type JournalEntry } from '../journal.ts';
import { MAX_LINE_BYTES } from '../tlib/framing.ts';

/** A journal line longer than this is no line the simulator writes: the stream is not followed further. */
const MAX_ENTRY_CHARS = 4 * MAX_LINE_BYTES;

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
