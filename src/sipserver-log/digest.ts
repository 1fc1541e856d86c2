/**
 * SHA-256 of a log file, taken on another thread while the file is read for its lines: hashing
 * costs as much as finding a busy log's lines, and need not wait for them. The thread reads the
 * file on its own (from the page cache): handing it each chunk made the reader wait on it chunk by
 * chunk, which on a busy machine cost more than the hashing. The digest is of the bytes the reader
 * read: told their number at the end, the thread hashes exactly that many (again, should the file
 * have grown meanwhile).
 */
import { Worker } from 'node:worker_threads';

/** The hashing thread (CommonJS, evaluated: it needs no file of its own, built or not). */
const HASHER = `
const { parentPort, workerData: path } = require('node:worker_threads');
const { createHash } = require('node:crypto');
const { openSync, readSync, closeSync } = require('node:fs');
const CHUNK = 1 << 20;
function hashOf(limit) {
  const hash = createHash('sha256');
  const buf = Buffer.allocUnsafe(CHUNK);
  const fd = openSync(path, 'r');
  let bytes = 0;
  try {
    for (;;) {
      const n = readSync(fd, buf, 0, Math.min(CHUNK, limit - bytes), bytes);
      if (n === 0) break;
      hash.update(buf.subarray(0, n));
      bytes += n;
    }
  } finally {
    closeSync(fd);
  }
  return { bytes, sha256: hash.digest('hex') };
}
const whole = hashOf(Number.MAX_SAFE_INTEGER);
parentPort.once('message', (bytes) => {
  const read = whole.bytes === bytes ? whole : hashOf(bytes);
  parentPort.postMessage(read.bytes === bytes ? read.sha256 : { error: 'the file was shortened while it was read' });
});
`;

/** Starts hashing `path`; `digest(bytes)` gives the SHA-256 of its first `bytes` bytes. */
export class HashingThread {
  private readonly worker: Worker;
  private readonly result: Promise<string>;

  constructor(path: string) {
    this.worker = new Worker(HASHER, { eval: true, workerData: path });
    this.result = new Promise<string>((resolve, reject) => {
      this.worker.once('message', (m: string | { error: string }) =>
        typeof m === 'string' ? resolve(m) : reject(new Error(`${path}: ${m.error}`)),
      );
      this.worker.once('error', reject);
      this.worker.once('exit', (code) => reject(new Error(`the hashing thread stopped (exit ${code})`)));
    });
    // Until asked for, a failure is only noted (the reader may fail first, and say why).
    this.result.catch(() => undefined);
  }

  /** The SHA-256 (hex) of the file's first `bytes` bytes. */
  async digest(bytes: number): Promise<string> {
    this.worker.postMessage(bytes);
    try {
      return await this.result;
    } finally {
      await this.close();
    }
  }

  /** Ends the thread (idempotent). */
  async close(): Promise<void> {
    this.worker.removeAllListeners('exit');
    await this.worker.terminate();
  }
}
