/**
 * Container mode, through testcontainers (12.0.1: later versions crash on import under Node 20).
 * Imported lazily, so the rest of the harness never loads it; a missing container runtime becomes an
 * error that says so and how to provide one.
 */
import type { Endpoint } from './conformance/run-context.ts';

export const SIM_PORT = 7000;
export const SIM_ADMIN_PORT = 7001;

export class NoContainerRuntimeError extends Error {
  override name = 'NoContainerRuntimeError';
}

const HOW_TO =
  'container mode needs a container runtime (a running Docker engine, or Podman with its Docker-compatible socket); ' +
  'start one, or point DOCKER_HOST at one, or run the T-Server embedded (tserver.mode: embedded) or as `screencap-cert sim` (tserver.mode: tcp)';

type Testcontainers = typeof import('testcontainers');

async function load(): Promise<Testcontainers> {
  return import('testcontainers');
}

function explain(e: unknown, what: string): Error {
  const message = (e as Error).message ?? String(e);
  if (/container runtime strategy/i.test(message))
    return new NoContainerRuntimeError(`cannot ${what}: no container runtime found. ${HOW_TO}`);
  return new Error(`cannot ${what}: ${message}`);
}

/** Resolves if a container runtime answers, else rejects with NoContainerRuntimeError. */
export async function checkContainerRuntime(): Promise<void> {
  const tc = await load();
  try {
    await tc.getContainerRuntimeClient();
  } catch (e) {
    throw explain(e, 'use containers');
  }
}

export interface RunningContainer {
  stop(): Promise<void>;
}

/** The simulator image (see Dockerfile), with its tlib-json and admin ports mapped. */
export async function startSimulatorContainer(
  image: string,
  dns?: string[],
): Promise<RunningContainer & { endpoint: Endpoint; adminUrl: string }> {
  const tc = await load();
  try {
    const container = await new tc.GenericContainer(image)
      .withExposedPorts(SIM_PORT, SIM_ADMIN_PORT)
      .withCommand([
        'sim',
        '--host',
        '0.0.0.0',
        '--port',
        String(SIM_PORT),
        '--admin-port',
        String(SIM_ADMIN_PORT),
        ...(dns ? ['--dn', dns.join(',')] : []),
      ])
      .withWaitStrategy(tc.Wait.forLogMessage(/tlib-json listening/))
      .start();
    const host = container.getHost();
    return {
      endpoint: { host, port: container.getMappedPort(SIM_PORT) },
      adminUrl: `http://${host}:${container.getMappedPort(SIM_ADMIN_PORT)}`,
      stop: async () => {
        await container.stop();
      },
    };
  } catch (e) {
    throw explain(e, `start the simulator image ${image}`);
  }
}

/**
 * A vendor's recorder image, told where the T-Server is through the environment:
 * SCREENCAP_TSERVER (host:port) and SCREENCAP_DNS (comma-separated DNs to monitor).
 */
export async function startRecorderContainer(
  image: string,
  simulatorPort: number,
  dns: string[],
): Promise<RunningContainer> {
  const tc = await load();
  try {
    await tc.TestContainers.exposeHostPorts(simulatorPort);
    const container = await new tc.GenericContainer(image)
      .withEnvironment({
        SCREENCAP_TSERVER: `host.testcontainers.internal:${simulatorPort}`,
        SCREENCAP_DNS: dns.join(','),
      })
      .start();
    return {
      stop: async () => {
        await container.stop();
      },
    };
  } catch (e) {
    throw explain(e, `start the recorder image ${image}`);
  }
}
