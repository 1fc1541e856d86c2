/**
 * The reading thread of a big log (reader.ts): it cuts the file into batches of lines
 * (line-cutter.ts) and hands them to the parser's thread, the memory of each coming back once read.
 */
import { type MessagePort, parentPort, receiveMessageOnPort, workerData } from 'node:worker_threads';
import type { BatchMemory, FromLineThread, LineBatch, LineThreadData } from './line-batch.ts';
import { type BatchMemories, batchMemory, cutLines } from './line-cutter.ts';

/**
 * The memory batches are made in: a few, handed to the reader and back. Taking one waits while
 * `ahead` batches are with the reader: memory stays bounded, whatever the file.
 */
class ThreadMemories implements BatchMemories {
  private sent = 0;

  constructor(
    private readonly data: LineThreadData,
    private readonly port: MessagePort,
  ) {}

  take(): BatchMemory {
    const { consumed, ahead, returns } = this.data;
    while (this.sent - Atomics.load(consumed, 0) >= ahead) Atomics.wait(consumed, 0, this.sent - ahead);
    // The reader hands a batch's memory back before it counts it read: one is there, unless fewer were made.
    const back = receiveMessageOnPort(returns)?.message as BatchMemory | undefined;
    return back ?? batchMemory();
  }

  hand(batch: LineBatch): void {
    this.port.postMessage(batch, [batch.bytes, batch.table.buffer]);
    this.sent++;
  }
}

const port = parentPort;
if (port) {
  try {
    const data = workerData as LineThreadData;
    const bytes = cutLines(data.fd, new ThreadMemories(data, port));
    port.postMessage({ kind: 'end', bytes } satisfies FromLineThread);
  } catch (e) {
    const error = e as NodeJS.ErrnoException;
    port.postMessage({
      kind: 'failed',
      message: error.message,
      ...(error.code ? { code: error.code } : {}),
    } satisfies FromLineThread);
  }
}
