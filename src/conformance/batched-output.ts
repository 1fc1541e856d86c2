/**
 * Cucumber's stdout, handed to the real one in batches (report/batch.ts): its progress formatter
 * writes a character per step, each a system call and a wake-up of whoever reads the output. What
 * is written reaches the target in order; `flush()` before writing to the target directly.
 */
import { Writable } from 'node:stream';
import { Batch } from '../report/batch.ts';

/** The outputs of runs under way: a run stopped midway hands on what waits before its summary. */
const open = new Set<BatchedOutput>();

/** Hands on at once what every output of a run under way holds (a stopped run's last progress). */
export function flushBatchedOutputs(): void {
  for (const output of open) output.flush();
}

export class BatchedOutput extends Writable {
  private readonly batch: Batch<string>;
  /** Read by Cucumber's formatters to decide on colours and the progress bar: the target's. */
  readonly isTTY: boolean;

  constructor(target: NodeJS.WritableStream & { isTTY?: boolean }) {
    super({ decodeStrings: false });
    this.isTTY = target.isTTY === true;
    this.batch = new Batch((chunks) => target.write(chunks.join('')));
    open.add(this);
  }

  override _write(
    chunk: string | Buffer,
    _encoding: BufferEncoding,
    done: (error?: Error | null) => void,
  ): void {
    this.batch.add(typeof chunk === 'string' ? chunk : chunk.toString());
    done();
  }

  override _final(done: (error?: Error | null) => void): void {
    this.close();
    done();
  }

  /** Hands on at once what is waiting. */
  flush(): void {
    this.batch.flush();
  }

  /** Hands on what is waiting; the run is over. */
  close(): void {
    this.batch.flush();
    open.delete(this);
  }
}
