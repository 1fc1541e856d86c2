/**
 * What the simulator leaves alive for the garbage collector while it relays: next to nothing, as a
 * bare echo of the same traffic. A scavenge pauses the T-Server for as long as it copies what lives,
 * and what lives twice is promoted (and later marked, in longer pauses): when every event's numbers
 * were written by `${n}`, V8's number-string cache kept the last thousands of them alive, 150 KB
 * per scavenge, 100 KB of it promoted.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const LOAD = fileURLToPath(new URL('./relay-gc-load.ts', import.meta.url));
const EVENTS = 40_000;

interface Scavenge {
  survived: number;
  promoted: number;
}

/** The scavenges V8 reports with --trace-gc-nvp (`gc=s ... new_space_survived=N ... promoted=N`). */
function scavengesOf(trace: string): Scavenge[] {
  return trace
    .split('\n')
    .filter((line) => / gc=s /.test(line))
    .map((line) => ({
      survived: Number(/ new_space_survived=(\d+)/.exec(line)?.[1]),
      promoted: Number(/ promoted=(\d+)/.exec(line)?.[1]),
    }));
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] as number;
}

test('relaying events, the simulator (journal on) leaves the scavenger next to nothing to copy or promote', {
  // A relay that stalls fails the test, not the whole loop.
  timeout: 120_000,
}, async (t) => {
  const child = spawn(process.execPath, ['--trace-gc-nvp', '--import', 'tsx', LOAD, String(EVENTS)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  t.after(() => child.kill('SIGKILL'));
  let trace = '';
  child.stdout.setEncoding('utf8').on('data', (text: string) => {
    trace += text;
  });
  const [code] = await once(child, 'exit');
  assert.equal(code, 0, 'the load ran to its end');
  const scavenges = scavengesOf(trace);
  assert.ok(scavenges.length >= 10, `${scavenges.length} scavenges traced (is --trace-gc-nvp read right?)`);
  for (const s of scavenges) assert.ok(Number.isFinite(s.survived) && Number.isFinite(s.promoted));
  // Once started: registering, compiling and the journal's first growth are behind it.
  const steady = scavenges.slice(Math.floor(scavenges.length / 2));
  const survived = median(steady.map((s) => s.survived));
  const promoted = median(steady.map((s) => s.promoted));
  assert.ok(survived < 32 * 1024, `median ${survived} bytes survived a scavenge`);
  assert.ok(promoted < 16 * 1024, `median ${promoted} bytes promoted by a scavenge`);
});
