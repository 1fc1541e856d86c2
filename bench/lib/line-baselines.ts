/**
 * The two baselines a log reader is measured against, on the same file in the same run: Node's
 * `readline` (a string per line), and a bare chunked newline scan (what reading the file and
 * finding its lines costs, with nothing decoded). MB/s, 10^6 bytes.
 */
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { createInterface } from 'node:readline';

const CHUNK = 1 << 20;

export interface LineBaseline {
  mbPerSecond: number;
  lines: number;
}

/** Every line of `path` through `readline`. */
export async function readlineBaseline(path: string, bytes: number): Promise<LineBaseline> {
  const started = performance.now();
  let lines = 0;
  for await (const _ of createInterface({
    input: createReadStream(path),
    crlfDelay: Number.POSITIVE_INFINITY,
  }))
    lines++;
  return { mbPerSecond: bytes / 1e6 / ((performance.now() - started) / 1000), lines };
}

/** `path` read in 1 MiB chunks, each line end found (Buffer.indexOf), nothing decoded. */
export async function newlineScanBaseline(path: string, bytes: number): Promise<LineBaseline> {
  const started = performance.now();
  const file = await open(path, 'r');
  const buf = Buffer.allocUnsafe(CHUNK);
  let lines = 0;
  try {
    for (;;) {
      const { bytesRead } = await file.read(buf, 0, CHUNK, null);
      if (bytesRead === 0) break;
      for (let at = buf.indexOf(10); at !== -1 && at < bytesRead; at = buf.indexOf(10, at + 1)) lines++;
    }
  } finally {
    await file.close();
  }
  return { mbPerSecond: bytes / 1e6 / ((performance.now() - started) / 1000), lines };
}
