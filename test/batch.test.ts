/** Batches of what a run hands to other processes (src/report/batch.ts, src/conformance/batched-output.ts). */
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { describe, test } from 'node:test';
import { setImmediate as nextTurn, setTimeout as sleep } from 'node:timers/promises';
import { BatchedOutput, flushBatchedOutputs } from '../src/conformance/batched-output.ts';
import { Batch } from '../src/report/batch.ts';

describe('Batch', () => {
  test('what is added is handed over together, in order, by the timer', async () => {
    const handed: string[][] = [];
    const batch = new Batch<string>((items) => handed.push(items), 20);
    batch.add('a');
    batch.add('b');
    batch.add('c');
    assert.deepEqual(handed, [], 'nothing is handed over as it is added');
    // The timer hands over whatever is waiting, however late it fires (a busy machine).
    while (handed.length === 0) await sleep(5);
    assert.deepEqual(handed, [['a', 'b', 'c']]);
  });

  test('what is added over several turns waits for the same hand-over', async () => {
    const handed: string[][] = [];
    const batch = new Batch<string>((items) => handed.push(items), 60_000);
    batch.add('a');
    await nextTurn();
    batch.add('b');
    batch.flush();
    assert.deepEqual(handed, [['a', 'b']]);
  });

  test('flush() hands over at once, and once: the timer then has nothing left to hand over', async () => {
    const handed: number[][] = [];
    const batch = new Batch<number>((items) => handed.push(items), 10);
    batch.flush();
    assert.deepEqual(handed, [], 'an empty batch is not handed over');
    batch.add(1);
    batch.add(2);
    batch.flush();
    assert.deepEqual(handed, [[1, 2]]);
    await sleep(30);
    batch.add(3);
    batch.flush();
    assert.deepEqual(handed, [[1, 2], [3]]);
  });
});

describe('BatchedOutput', () => {
  test('what Cucumber writes reaches the target whole and in order, in one write, by flush()', async () => {
    const target = new PassThrough();
    const writes: string[] = [];
    target.on('data', (chunk: Buffer) => writes.push(chunk.toString()));
    const output = new BatchedOutput(target);
    for (const c of ['.', '.', 'F', Buffer.from('.'), '\n']) output.write(c);
    output.flush();
    await nextTurn();
    assert.deepEqual(writes, ['..F.\n']);
  });

  test("a run stopped midway hands on the progress its output holds (flushBatchedOutputs); a closed one's is gone with it", async () => {
    const target = new PassThrough();
    const writes: string[] = [];
    target.on('data', (chunk: Buffer) => writes.push(chunk.toString()));
    const running = new BatchedOutput(target);
    const closed = new BatchedOutput(target);
    closed.write('x');
    closed.close();
    running.write('..');
    flushBatchedOutputs();
    await nextTurn();
    assert.deepEqual(writes, ['x', '..']);
    running.close();
  });

  test('says it is a terminal as its target does (Cucumber chooses colours by it)', () => {
    assert.equal(new BatchedOutput(Object.assign(new PassThrough(), { isTTY: true })).isTTY, true);
    assert.equal(new BatchedOutput(new PassThrough()).isTTY, false);
  });
});
