/**
 * The package as a vendor gets it: `npm pack`, installed from the tarball into an empty folder (its
 * dependencies from the registry, or npm's cache), then `npx screencap-cert run` PASSES and
 * `npx screencap-cert sim` serves in the foreground and stops, server included, on SIGTERM to npx.
 * The public API loads and type-checks from the installed package. Skipped, saying so, only when
 * the registry cannot be reached to install the dependencies.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { SuiteResult } from '../src/result/outcomes.ts';
import { githubJob } from './ci-workflow.ts';
import { freePort } from './cli.ts';
import { Lines } from './helpers.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const exec = promisify(execFile);

/**
 * What the consumer's npm and node see: not this test run's npm variables (`npm test` sets them),
 * nor a SCREENCAP_* setting that would change the run.
 */
const ENV = Object.fromEntries(
  Object.entries(process.env).filter(([k]) => !/^(npm_|SCREENCAP_)/i.test(k) && k !== 'NODE_OPTIONS'),
);

/** What each of the README's scripting examples prints, in the README's order. */
const README_EXAMPLES_PRINT = [
  /^start: EventACK, then enabled$/m,
  /^passed: \d+ scenarios$/m,
  /^passed: \d+ screen-capture exchanges judged$/m,
];

let consumer = '';
/** Why the package could not be installed, when the registry is unreachable. */
let unreachable: string | undefined;

/** `npm <args>` in `cwd`; rejects with npm's output. */
async function npm(args: string[], cwd: string, timeout = 300_000): Promise<string> {
  const { stdout } = await exec('npm', args, { cwd, env: ENV, timeout, maxBuffer: 16 * 1024 * 1024 });
  return stdout;
}

before(async () => {
  // `npm test` builds once for every test file (SCREENCAP_COMPILED=1); alone, this file builds.
  if (process.env.SCREENCAP_COMPILED !== '1') await npm(['run', 'build'], ROOT);
  consumer = await mkdtemp(join(tmpdir(), 'screencap-package-'));
  // --ignore-scripts: `prepare` would rebuild dist/ under the other test files using it.
  const [packed] = JSON.parse(
    await npm(['pack', '--ignore-scripts', '--json', '--pack-destination', consumer], ROOT),
  ) as { filename: string }[];
  assert.ok(packed, 'npm pack names its tarball');
  await writeFile(join(consumer, 'package.json'), '{ "name": "vendor-ci", "private": true }\n');
  try {
    // --ignore-scripts: the package needs no install script, and its dependencies' (native builds of
    // ssh2 and cpu-features, optional speed-ups of container mode's Docker client) are half the
    // install's time; npm 12 skips them by default. The trade-off: npm 10 and 11 run them, and one
    // that broke would not be seen here (both are optional: a failed build leaves their JS fallback).
    await npm(
      ['install', '--prefer-offline', '--no-audit', '--no-fund', '--ignore-scripts', `./${packed.filename}`],
      consumer,
    );
  } catch (error) {
    const reachable = await npm(['ping'], consumer, 30_000).then(
      () => true,
      () => false,
    );
    if (reachable) throw error;
    unreachable = `the npm registry cannot be reached to install the package's dependencies: ${(error as Error).message.split('\n')[0]}`;
  }
});

after(async () => {
  if (consumer) await rm(consumer, { recursive: true, force: true });
});

/** `npx screencap-cert <args>` in the consumer's folder. */
function npx(args: string[]): ChildProcess {
  return spawn('npx', ['screencap-cert', ...args], {
    cwd: consumer,
    env: ENV,
    stdio: ['ignore', 'pipe', 'pipe'],
    // A process group of its own: what it starts can be ended with it (killGroup), orphan or not.
    detached: true,
  });
}

/**
 * Ends npx and everything it started, even a process left behind (an orphan keeps its group, and
 * would hold this test's pipes open: the test file would never end).
 */
function killGroup(child: ChildProcess): void {
  try {
    if (child.pid) process.kill(-child.pid, 'SIGKILL');
  } catch {
    // The group is gone already.
  }
}

/** Resolves true if something accepts a TCP connection on `port`, false if it is refused. */
function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

describe('the npm package, installed from its tarball', () => {
  test('holds the compiled command, the API with its types, the features and the licence, and no sources', async (t) => {
    if (unreachable) return t.skip(unreachable);
    const installed = join(consumer, 'node_modules', 'screencap-cert');
    for (const file of [
      'dist/cli.js',
      'dist/index.js',
      'dist/types/index.d.ts',
      'features',
      'cucumber.mjs',
      'LICENSE',
    ])
      assert.ok(existsSync(join(installed, file)), `${file} is in the package`);
    for (const file of ['src/cli/main.ts', 'steps', 'support', 'test', 'build.mjs'])
      assert.ok(!existsSync(join(installed, file)), `${file} is not in the package`);
    const pkg = JSON.parse(await readFile(join(installed, 'package.json'), 'utf8'));
    assert.equal(pkg.private, undefined);
    assert.equal(pkg.license, 'MIT');
    for (const dev of ['tsx', 'typescript', 'esbuild'])
      assert.ok(!existsSync(join(consumer, 'node_modules', dev)), `${dev} (dev-only) is not installed`);
  });

  test('npx screencap-cert run PASSES and writes its reports in the folder it runs in', async (t) => {
    if (unreachable) return t.skip(unreachable);
    // Its SIP Server log is what the README's verifyLog example reads.
    const child = npx(['run', '--summary-json', 'summary.json', '--sip-log', 'SIPServer.log']);
    t.after(() => killGroup(child));
    const output = new Lines();
    child.stdout?.setEncoding('utf8').on('data', (text: string) => output.feed(text));
    child.stderr?.setEncoding('utf8').on('data', (text: string) => output.feed(text));
    const [code] = await once(child, 'exit');
    assert.equal(code, 0, output.all.join('\n'));
    const summary = JSON.parse(await readFile(join(consumer, 'summary.json'), 'utf8')) as SuiteResult;
    assert.equal(summary.verdict, 'passed');
    assert.ok(summary.scenarios.length > 0 && summary.scenarios.every((s) => s.status === 'passed'));
    const latest = join(consumer, 'reports', 'latest');
    for (const file of ['certification.html', 'junit.xml', 'manifest.json', 'allure-report/index.html'])
      assert.ok(existsSync(join(latest, file)), `reports/latest/${file}`);
    const certificate = JSON.parse(await readFile(join(latest, 'certification.json'), 'utf8'));
    // An installed package is no git work tree: no commit is claimed (nor the vendor's).
    assert.equal(certificate.run.harness.commit, null);
  });

  test("the GitHub Actions example's steps certify the mock recorder and leave what they publish", async (t) => {
    if (unreachable) return t.skip(unreachable);
    const { job } = await githubJob();
    // Its install step puts the command on PATH (npm install --global); here it is the consumer's.
    const steps = job.steps.filter((s) => s.run && !s.run.includes('npm install'));
    const script = [
      'set -e',
      "trap 'kill $(jobs -p) 2>/dev/null || true' EXIT",
      ...steps.map((s) => s.run),
    ].join('\n');
    const folder = join(consumer, 'ci-job');
    await mkdir(folder);
    const env = {
      ...ENV,
      ...job.env,
      SCREENCAP_TSERVER_PORT: String(await freePort()),
      PATH: `${join(consumer, 'node_modules', '.bin')}:${process.env.PATH}`,
    };
    const result = await exec('bash', ['-c', script], { cwd: folder, env, timeout: 240_000 }).then(
      ({ stdout }) => ({ code: 0, output: stdout }),
      (e: { code: number; stdout: string; stderr: string }) => ({
        code: e.code,
        output: e.stdout + e.stderr,
      }),
    );
    assert.equal(result.code, 0, result.output);
    assert.match(result.output, /Verdict: PASSED/);
    const upload = job.steps.find((s) => s.uses?.startsWith('actions/upload-artifact@'));
    for (const path of upload?.with?.path?.trim().split('\n') ?? [])
      assert.ok(existsSync(join(folder, path.trim())), `${path} is there to publish`);
  });

  test('npx screencap-cert sim serves in the foreground; SIGTERM to npx stops the server too', async (t) => {
    if (unreachable) return t.skip(unreachable);
    const child = npx(['sim', '--port', '0', '--no-admin']);
    const stdout = new Lines();
    child.stdout?.setEncoding('utf8').on('data', (text: string) => stdout.feed(text));
    t.after(() => killGroup(child));
    const [line] = await stdout.waitFor(/listening on /, 1, 60_000);
    const port = Number(/listening on [\d.]+:(\d+)/.exec(line as string)?.[1]);
    assert.ok(await accepts(port), `the simulator accepts connections on ${port}`);
    child.kill('SIGTERM');
    await once(child, 'exit');
    await stdout.waitFor(/stopping/, 1, 10_000);
    // No orphan: once it said it stops, nothing accepts on its port for long.
    const deadline = Date.now() + 10_000;
    while ((await accepts(port)) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    assert.equal(await accepts(port), false, `nothing listens on ${port} after npx was stopped`);
  });

  test('the public API loads from the package and type-checks in a TypeScript project', async (t) => {
    if (unreachable) return t.skip(unreachable);
    const script = [
      "import { RULES, startSimulator, runSuite, verifyLog, MockDesktop, MockRecorder, exitCodeOf } from 'screencap-cert';",
      'const sim = await startSimulator({ adminPort: false });',
      'console.log(RULES.length, typeof runSuite, typeof verifyLog, typeof MockDesktop, typeof MockRecorder, exitCodeOf("incomplete"), sim.port > 0);',
      'await sim.stop();',
    ].join('\n');
    await writeFile(join(consumer, 'api.mjs'), script);
    const { stdout } = await exec(process.execPath, ['api.mjs'], { cwd: consumer, env: ENV });
    assert.match(stdout, /^\d+ function function function function 3 true$/m);
    // The README's examples, in order, as a user would paste them (the verifyLog one reads the
    // SIP Server log of the run above).
    const readme = await readFile(join(ROOT, 'README.md'), 'utf8');
    const examples = [...readme.matchAll(/```js\n(import [\s\S]*?from 'screencap-cert';[\s\S]*?)```/g)].map(
      (m) => m[1] ?? '',
    );
    const printed = README_EXAMPLES_PRINT;
    assert.equal(examples.length, printed.length, "the README's js examples importing from 'screencap-cert'");
    for (const [i, example] of examples.entries()) {
      await writeFile(join(consumer, `readme-example-${i}.mjs`), example);
      const ran = await exec(process.execPath, [`readme-example-${i}.mjs`], { cwd: consumer, env: ENV });
      assert.match(ran.stdout, printed[i] as RegExp, `README example ${i + 1}:\n${example}`);
    }
    await writeFile(
      join(consumer, 'api.ts'),
      [
        "import { type RuleDefinition, RULES, type SuiteResult, startSimulator } from 'screencap-cert';",
        'const rules: readonly RuleDefinition[] = RULES;',
        "const verdict: SuiteResult['verdict'] = 'passed';",
        'export const uses = [rules, verdict, startSimulator];',
        '// @ts-expect-error: the port is a number',
        'export const port: string = (await startSimulator()).port;',
      ].join('\n'),
    );
    await writeFile(
      join(consumer, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          module: 'NodeNext',
          moduleResolution: 'NodeNext',
          target: 'ES2023',
          strict: true,
          noEmit: true,
          typeRoots: [join(ROOT, 'node_modules', '@types')],
          types: ['node'],
        },
        files: ['api.ts'],
      }),
    );
    await writeFile(
      join(consumer, 'package.json'),
      '{ "name": "vendor-ci", "private": true, "type": "module" }\n',
    );
    const tsc = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
    await exec(process.execPath, [tsc, '-p', 'tsconfig.json'], { cwd: consumer, env: ENV }).catch(
      (e: { stdout: string }) => assert.fail(`the API does not type-check from the package:\n${e.stdout}`),
    );
  });
});
