/**
 * SHA-256 of the bytes a reader reads, taken on another thread: hashing costs as much as finding a
 * busy log's lines, and need not wait for them. Each chunk read is handed over (its memory moved,
 * not copied) once the reader is done with it, so the digest is of exactly the bytes read; hashed,
 * its memory comes back to be read into again (a thread that allocates nothing else would let
 * chunks pile up until its own garbage collection).
 */
import { Worker } from 'node:worker_threads';

/** The hashing thread (CommonJS, evaluated: it needs no file of its own, built or not). */
const HASHER = `
const { parentPort } = require('node:worker_threads');
const { createHash } = require('node:crypto');
const hash = createHash('sha256');
parentPort.on('message', (chunk) => {
  if (chunk === null) return parentPort.postMessage(hash.digest('hex'));
  hash.update(new Uint8Array(chunk.buffer, 0, chunk.length));
  parentPort.postMessage(chunk.buffer, [chunk.buffer]);
});
`;

/** Chunks handed over and not yet hashed, at most: memory stays bounded when the thread lags. */
const IN_FLIGHT = 4;

export class OffThreadDigest {
  private readonly worker = new Worker(HASHER, { eval: true });
  private inFlight = 0;
  private waiting: (() => void) | undefined;
  private done: ((sha256: string) => void) | undefined;
  private failure: Error | undefined;
  private failed: ((e: Error) => void) | undefined;
  /** Memory of chunks hashed, to read into again. */
  private readonly free: ArrayBuffer[] = [];

  constructor() {
    this.worker.on('message', (m: ArrayBuffer | string) => {
      if (typeof m === 'string') return this.done?.(m);
      this.free.push(m);
      this.inFlight--;
      const wake = this.waiting;
      this.waiting = undefined;
      wake?.();
    });
    this.worker.on('error', (e) => this.fail(e));
    this.worker.on('exit', (code) => this.fail(new Error(`the hashing thread stopped (exit ${code})`)));
  }

  /** A buffer of `size` bytes to read the next chunk into: the memory of one hashed, when there is one. */
  buffer(size: number): Buffer {
    const free = this.free.pop();
    return free && free.byteLength === size ? Buffer.from(free) : Buffer.allocUnsafeSlow(size);
  }

  /**
   * Hands `chunk` over: it must own its memory from offset 0 (`buffer()`) and is unusable
   * afterwards. Resolves at once unless IN_FLIGHT chunks are still being hashed.
   */
  async update(chunk: Buffer): Promise<void> {
    if (this.failure) throw this.failure;
    if (chunk.byteOffset !== 0) chunk = Buffer.from(chunk);
    const buffer = chunk.buffer as ArrayBuffer;
    this.worker.postMessage({ buffer, length: chunk.length }, [buffer]);
    if (++this.inFlight < IN_FLIGHT) return;
    await new Promise<void>((resolve, reject) => {
      this.waiting = resolve;
      this.failed = reject;
    });
  }

  /** The digest of every chunk handed over (hex); the thread ends. */
  async digest(): Promise<string> {
    if (this.failure) throw this.failure;
    const sha256 = new Promise<string>((resolve, reject) => {
      this.done = resolve;
      this.failed = reject;
    });
    this.worker.postMessage(null);
    try {
      return await sha256;
    } finally {
      await this.close();
    }
  }

  /** Ends the thread (idempotent). */
  async close(): Promise<void> {
    this.worker.removeAllListeners('exit');
    await this.worker.terminate();
  }

  private fail(e: Error): void {
    this.failure ??= e;
    this.failed?.(e);
  }
}
