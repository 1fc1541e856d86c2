/**
 * Container mode against a real container runtime (in CI: podman serving the Docker API, set up by
 * scripts/container-runtime.sh). The images are built once for this file, on SCREENCAP_BASE_IMAGE
 * where no registry is reachable; the runs then certify the simulator image in the T-Server seat
 * and the mock recorder image in the recorder seat, each passing when it conforms and failing the
 * rule its broken variant violates, and leaving no container behind, also when interrupted. The
 * same image runs the whole harness: the suite, and the recorder profile with the recorder image
 * beside it.
 * Where no runtime answers, the tests are skipped with the reason and the harness's error is
 * checked to say what is missing and how to provide it.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { setTimeout } from 'node:timers/promises';
import {
  checkContainerRuntime,
  NoContainerRuntimeError,
  OWNER_LABEL,
  startRecorderContainer,
  startSimulatorContainer,
} from '../src/container.ts';
import { RULES } from '../src/domain/rule-catalog.ts';
import { Background, freePort, runCli } from './cli.ts';

const ROOT = new URL('..', import.meta.url).pathname;

/** Why container tests cannot run here (the runtime set-up's own reason first, when CI gives one). */
const problem = await checkContainerRuntime().then(
  () => undefined,
  (e: Error) => e,
);
const skipReason = problem
  ? `no container runtime: ${process.env.SCREENCAP_CONTAINER_RUNTIME_ERROR ?? problem.message}`
  : false;

const IMAGES = {
  sim: 'screencap-cert-sim:test',
  recorder: 'screencap-cert-mock-recorder:test',
  brokenRecorder: 'screencap-cert-mock-recorder:test-broken',
};
/** The rule the broken recorder image violates (mock-recorder.Dockerfile's BREAK). */
const RECORDER_BREAK = { id: 'recorder-start-paused', violates: 'REC-MAPPING' };
const TSERVER_BREAK = { id: 'tserver-strips-userdata', violates: 'TSRV-PRESERVE' };

/** Builds `dockerfile` as `tag` through the runtime's API (layers cached by the runtime). */
async function build(dockerfile: string, tag: string, args: Record<string, string>) {
  const { GenericContainer } = await import('testcontainers');
  await GenericContainer.fromDockerfile(ROOT, dockerfile)
    .withBuildArgs(args)
    .build(tag, { deleteOnExit: false });
}

async function dockerode() {
  const { getContainerRuntimeClient } = await import('testcontainers');
  return (await getContainerRuntimeClient()).container.dockerode;
}

/**
 * Containers started by a harness process that are still there (running or not), as `id image
 * state`: any harness process's, or only those of the process `pid` (its owner label starts with it).
 */
async function harnessContainers(pid?: number): Promise<string[]> {
  const left = await (await dockerode()).listContainers({ all: true, filters: { label: [OWNER_LABEL] } });
  return left
    .filter((c) => pid === undefined || c.Labels[OWNER_LABEL]?.startsWith(`${pid}-`))
    .map((c) => `${c.Id.slice(0, 12)} ${c.Image} ${c.State}`);
}

/**
 * The containers (of `pid`, or of any harness process) still there once a runtime under load has
 * had a moment to finish the removals it was asked for; removed, so that a leftover fails only the
 * check that found it.
 */
async function leftBehind(pid?: number): Promise<string[]> {
  const deadline = Date.now() + 20_000;
  let left = await harnessContainers(pid);
  while (left.length > 0 && Date.now() < deadline) {
    await setTimeout(250);
    left = await harnessContainers(pid);
  }
  if (left.length > 0) await removeContainers(left);
  return left;
}

async function removeContainers(listed: string[]): Promise<void> {
  const client = await dockerode();
  await Promise.all(
    listed.map((c) =>
      client
        .getContainer(c.split(' ')[0] ?? '')
        .remove({ force: true })
        .catch(() => {}),
    ),
  );
}

const rulesWith = (summary: Awaited<ReturnType<typeof runCli>>['summary'], outcome: string) =>
  summary.rules.filter((r) => r.outcome === outcome).map((r) => r.rule);

const IN_CONTAINER = { SCREENCAP_TSERVER_MODE: 'container', SCREENCAP_TSERVER_IMAGE: IMAGES.sim };
/** Broken parties mostly cost timeouts: short ones (a spurious timeout can only add failures). */
const BROKEN_RUN = { SCREENCAP_TIMEOUTS_ANSWER_MS: '150', SCREENCAP_TIMEOUTS_REQUEST_MS: '250' };

describe('container mode', () => {
  test('without a container runtime, the error says so and how to provide one', {
    skip: problem ? false : 'a container runtime is available here',
  }, async () => {
    assert.ok(problem instanceof NoContainerRuntimeError, `unexpected error: ${problem}`);
    await assert.rejects(startSimulatorContainer('screencap-cert-sim:latest'), (e: Error) => {
      assert.ok(e instanceof NoContainerRuntimeError);
      assert.match(
        e.message,
        /no container runtime found.*Docker engine.*DOCKER_HOST.*tserver\.mode: embedded/s,
      );
      return true;
    });
    // The run cannot start: exit 2 (could not run), not a verdict on the system under test.
    await assert.rejects(
      runCli(['run', '--profile', 'tserver'], IN_CONTAINER),
      /exit 2\):\n.*no container runtime found/,
    );
  });

  // The tests mostly wait on containers starting and on timeouts: three at a time. Each has its own
  // ports and containers; what one leaves behind is found by the check after them all, and an
  // interrupted run's own containers by its test.
  describe('with a container runtime', { skip: skipReason, concurrency: 3 }, () => {
    before(async () => {
      const base = process.env.SCREENCAP_BASE_IMAGE;
      await build('Dockerfile', IMAGES.sim, base ? { BASE: base } : {});
      // Both recorder images are built on the simulator's, side by side.
      await Promise.all([
        build('mock-recorder.Dockerfile', IMAGES.recorder, { APP: IMAGES.sim }),
        build('mock-recorder.Dockerfile', IMAGES.brokenRecorder, {
          APP: IMAGES.sim,
          BREAK: RECORDER_BREAK.id,
        }),
      ]);
    });

    let reports: string;
    before(async () => {
      reports = await mkdtemp(join(tmpdir(), 'screencap-container-'));
    });
    after(() => rm(reports, { recursive: true, force: true, maxRetries: 5 }));

    after(async () => {
      assert.deepEqual(await leftBehind(), [], 'containers left behind');
    });

    test('the simulator image answers tlib-json on its mapped port', async (t) => {
      const started = Date.now();
      const sim = await startSimulatorContainer(IMAGES.sim);
      t.diagnostic(`simulator container start to ready: ${Date.now() - started} ms`);
      try {
        const { TlibLink } = await import('../src/link/tlib-link.ts');
        const link = await TlibLink.connect({ ...sim.endpoint, applicationName: 'container-test' });
        assert.equal(link.server.name, 'screencap-cert-sim');
        assert.equal(sim.endpoint.host, '127.0.0.1', 'the harness reaches containers on loopback');
        const { getContainerRuntimeClient } = await import('testcontainers');
        const [listed] = await (await getContainerRuntimeClient()).container.dockerode.listContainers({
          filters: { label: [OWNER_LABEL] },
        });
        assert.deepEqual(
          [...new Set(listed?.Ports.map((p) => p.IP))],
          ['127.0.0.1'],
          'its ports (the admin API has no authentication) are published on loopback only',
        );
        await link.close();
      } finally {
        await sim.stop();
      }
    });

    test('tserver profile: the simulator image passes every T-Server rule', async (t) => {
      const started = Date.now();
      const { code, summary, output } = await runCli(['run', '--profile', 'tserver'], IN_CONTAINER);
      t.diagnostic(`tserver suite against the simulator container: ${Date.now() - started} ms`);
      assert.equal(summary.verdict, 'passed', output);
      assert.equal(code, 0);
      assert.deepEqual(
        rulesWith(summary, 'passed'),
        RULES.filter((r) => r.seat === 'tserver').map((r) => r.id),
      );
    });

    test('tserver profile: the simulator image playing a broken T-Server fails its rule', async () => {
      const { code, summary, output } = await runCli(
        [
          'run',
          '--profile',
          'tserver',
          '--break',
          TSERVER_BREAK.id,
          '--tags',
          `@rule:${TSERVER_BREAK.violates}`,
        ],
        { ...IN_CONTAINER, ...BROKEN_RUN },
      );
      assert.equal(code, 1, output);
      assert.ok(rulesWith(summary, 'failed').includes(TSERVER_BREAK.violates), output);
      assert.match(output, new RegExp(`FAIL ${TSERVER_BREAK.violates}\\b`));
    });

    test('recorder profile: the mock recorder image passes every recorder rule', async () => {
      const { code, summary, output } = await runCli(['run', '--profile', 'recorder'], {
        SCREENCAP_RECORDER_CONTAINER: IMAGES.recorder,
      });
      assert.equal(summary.verdict, 'passed', output);
      assert.equal(code, 0);
      assert.deepEqual(
        rulesWith(summary, 'passed'),
        RULES.filter((r) => r.seat === 'recorder').map((r) => r.id),
      );
    });

    test('recorder profile: the broken mock recorder image fails, naming the rule', async () => {
      const { code, summary, output } = await runCli(
        ['run', '--profile', 'recorder', '--tags', `@rule:${RECORDER_BREAK.violates}`],
        { SCREENCAP_RECORDER_CONTAINER: IMAGES.brokenRecorder },
      );
      assert.equal(code, 1, output);
      assert.deepEqual(rulesWith(summary, 'failed'), [RECORDER_BREAK.violates]);
      assert.match(output, new RegExp(`FAIL ${RECORDER_BREAK.violates}\\b`));
    });

    test('recorder profile: an image that never registers fails readiness, showing its output', async () => {
      const { code, output } = await runCli(['run', '--profile', 'recorder'], {
        // The simulator image is no recorder: it listens and registers nothing.
        SCREENCAP_RECORDER_CONTAINER: IMAGES.sim,
        // Long enough for the image to have started and said so, even on a loaded machine.
        SCREENCAP_TIMEOUTS_READY_MS: '20000',
      });
      assert.notEqual(code, 0);
      assert.match(
        output,
        /never registered 7001, 7002 .* within 20000 ms.*the recorder container's last output:\n.*tlib-json listening/s,
      );
    });

    /**
     * The whole harness as an image (the same image as the simulator's):
     * `docker run --network host -v <dir>:/reports IMAGE <args> --reports /reports`. Its exit
     * code, output and the certificate it wrote into the mounted folder.
     */
    async function runHarnessImage(args: string[], env: Record<string, string> = {}) {
      const docker = await dockerode();
      const out = await mkdtemp(join(tmpdir(), 'screencap-harness-image-'));
      let output = '';
      const sink = new PassThrough().on('data', (chunk: Buffer) => {
        output += chunk.toString();
      });
      const [result, container] = await docker.run(IMAGES.sim, [...args, '--reports', '/reports'], sink, {
        Tty: true,
        Env: Object.entries(env).map(([k, v]) => `${k}=${v}`),
        Labels: { [OWNER_LABEL]: 'harness-image-test' },
        HostConfig: { NetworkMode: 'host', Binds: [`${out}:/reports`] },
      });
      await container.remove({ force: true });
      const certificate = JSON.parse(await readFile(join(out, 'latest', 'certification.json'), 'utf8')) as {
        verdict: string;
        complete: boolean;
        rules: { rule: string; outcome: string }[];
      };
      // Every report, the Allure HTML included (its child process is a file of its own in the image).
      const allure = await readFile(join(out, 'latest', 'allure-report', 'index.html'), 'utf8').then(
        () => true,
        () => false,
      );
      await rm(out, { recursive: true, force: true, maxRetries: 5 });
      const ruleIds = (outcome: string) =>
        certificate.rules.filter((r) => r.outcome === outcome).map((r) => r.rule);
      return { code: result.StatusCode as number, output, certificate, ruleIds, allure };
    }

    test('the harness image runs the whole suite and writes its reports into a mounted folder', async () => {
      const { code, output, certificate, ruleIds, allure } = await runHarnessImage(['run']);
      assert.equal(code, 0, output);
      assert.doesNotMatch(output, /warning:/, 'no report was left out');
      assert.ok(allure, `the Allure report was written\n${output}`);
      assert.match(output, /Verdict: PASSED/);
      assert.equal(certificate.verdict, 'passed');
      assert.equal(certificate.complete, true);
      assert.deepEqual(ruleIds('failed'), []);
      assert.deepEqual(
        ruleIds('passed'),
        RULES.map((r) => r.id),
        output,
      );
    });

    test('the harness image certifies the recorder image beside it: docker run ... run --profile recorder', async () => {
      const port = await freePort();
      // The recorder may start before the harness's T-Server listens: it retries until it does, for up
      // to two minutes (mock-recorder.Dockerfile), far longer than the harness image takes to start.
      const recorder = await startRecorderContainer(IMAGES.recorder, { host: '127.0.0.1', port }, [
        '7001',
        '7002',
      ]);
      try {
        const { code, output, certificate, ruleIds } = await runHarnessImage(
          ['run', '--profile', 'recorder'],
          {
            SCREENCAP_TSERVER_PORT: String(port),
          },
        );
        const said = `${output}\nthe recorder container's last output:\n${recorder.logTail()}`;
        assert.equal(code, 0, said);
        assert.equal(certificate.verdict, 'passed');
        assert.deepEqual(
          ruleIds('passed'),
          RULES.filter((r) => r.seat === 'recorder').map((r) => r.id),
        );
      } finally {
        await recorder.stop();
      }
    });

    for (const [signal, seat, ready] of [
      ['SIGINT', 'tserver', /waiting up to \d+ ms for the T-Server[\s\S]*\.\./],
      ['SIGTERM', 'recorder', /waiting up to \d+ ms for the recorder under test/],
    ] as const) {
      test(`${seat} profile: a run stopped by ${signal} removes its container`, async () => {
        const env = seat === 'tserver' ? IN_CONTAINER : { SCREENCAP_RECORDER_CONTAINER: IMAGES.recorder };
        const run = new Background(['run', '--profile', seat, '--reports', reports], env);
        await run.until((out) => ready.test(out), 60_000);
        const pid = run.child.pid as number;
        assert.equal((await harnessContainers(pid)).length, 1, 'the run has its container');
        run.child.kill(signal);
        assert.notEqual(await run.exited, 0, run.output);
        assert.match(run.output, new RegExp(`interrupted by ${signal}`));
        assert.deepEqual(await leftBehind(pid), [], 'the stopped run left its container behind');
      });
    }
  });
});
