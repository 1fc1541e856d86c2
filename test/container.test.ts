/**
 * Container mode needs a container runtime. Where one answers, the simulator image is built and
 * certified through the tserver profile; where none does, the tests are skipped with the reason
 * and the harness's error is checked to say what is missing and how to provide it.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { checkContainerRuntime, NoContainerRuntimeError, startSimulatorContainer } from '../src/container.ts';

const runtime = await checkContainerRuntime().then(
  () => undefined,
  (e: Error) => e,
);

describe('container mode', () => {
  test('without a container runtime, the error says so and how to provide one', {
    skip: runtime ? false : 'a container runtime is available here',
  }, async () => {
    assert.ok(runtime instanceof NoContainerRuntimeError, `unexpected error: ${runtime}`);
    await assert.rejects(startSimulatorContainer('screencap-cert-sim:latest'), (e: Error) => {
      assert.ok(e instanceof NoContainerRuntimeError);
      assert.match(
        e.message,
        /no container runtime found.*Docker engine.*DOCKER_HOST.*tserver\.mode: embedded/s,
      );
      return true;
    });
  });

  test('the simulator image answers tlib-json on its mapped port', {
    skip: runtime ? `no container runtime: ${runtime.message}` : false,
  }, async () => {
    const { execFileSync } = await import('node:child_process');
    execFileSync(
      'docker',
      ['build', '-t', 'screencap-cert-sim:test', new URL('..', import.meta.url).pathname],
      { stdio: 'inherit' },
    );
    const sim = await startSimulatorContainer('screencap-cert-sim:test');
    try {
      const { TlibLink } = await import('../src/link/tlib-link.ts');
      const link = await TlibLink.connect({ ...sim.endpoint, applicationName: 'container-test' });
      assert.equal(link.server.name, 'screencap-cert-sim');
      await link.close();
    } finally {
      await sim.stop();
    }
  });
});
