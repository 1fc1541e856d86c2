/**
 * `npm test`: every test/*.test.ts, a few files at a time, the longest first. Node's own `--test`
 * runs files in name order, so the longest (the package test, the container tests) started last
 * and ran alone at the end while a core sat idle; started first, the short files fill the gaps
 * beside them. Each file still runs in a process of its own, with this process's Node options
 * (`--import tsx`), exactly as `node --test` runs it; the exit code is 1 if any test failed.
 *
 * `node --import tsx test/run-all.ts [FILE...]` runs the files named instead, in that order.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { run } from 'node:test';
import { spec } from 'node:test/reporters';
import { fileURLToPath } from 'node:url';

const DIR = fileURLToPath(new URL('.', import.meta.url));
/** A file that hangs fails, and the loop goes on: the longest (the package test) takes a few minutes. */
const FILE_TIMEOUT_MS = 20 * 60_000;

/**
 * Files at a time. Most mostly wait on the processes they start, on timeouts, containers or a
 * browser; more at once starves the load tests' agents of CPU on 2 cores.
 */
const CONCURRENCY = 3;

/**
 * The files that take longest (wall time in `npm test` on the 2-core machine), longest first. A
 * file missing here only starts later; one listed here that no longer exists is an error. Not the
 * load tests (test/load.test.ts, long but mostly waiting): they time their agents, and beside
 * these CPU-bound files on a busy machine, agents starved of CPU left operations unsent; they
 * start after these, in name order, beside shorter files.
 */
const LONGEST = [
  'package',
  'staging-rehearsal',
  'container',
  'independent-parties',
  'workspace-suite',
  'verify-log-memory',
  'fuzz',
  'publish',
  'report-run',
  'profiles',
  'report-browser',
  'discrimination',
  'serviceability',
].map((name) => `${name}.test.ts`);

/** The test files, the longest first and then the others in name order. */
function testFiles(all: readonly string[]): string[] {
  const gone = LONGEST.filter((f) => !all.includes(f));
  if (gone.length) throw new Error(`test/run-all.ts lists test files that do not exist: ${gone.join(', ')}`);
  return [...LONGEST, ...all.filter((f) => !LONGEST.includes(f)).sort()];
}

const named = process.argv.slice(2);
const option = named.find((a) => a.startsWith('-'));
if (option) {
  process.stderr.write(
    `test/run-all.ts takes test files only, not options (${option}): run node --test for those\n`,
  );
  process.exit(2);
}
const files = named.length
  ? named
  : testFiles(readdirSync(DIR).filter((f) => f.endsWith('.test.ts'))).map((f) => join(DIR, f));

const stream = run({ files, concurrency: CONCURRENCY, timeout: FILE_TIMEOUT_MS });
stream.on('test:fail', (data) => {
  if (!data.todo && !data.skip) process.exitCode = 1;
});
stream.compose(new spec()).pipe(process.stdout);
