/**
 * Container mode, through testcontainers (12.0.1: later versions crash on import under Node 20).
 * Imported lazily, so the rest of the harness never loads it; a missing container runtime becomes an
 * error that says so and how to provide one.
 */
import { randomUUID } from 'node:crypto';
import type { Endpoint } from './link/link.ts';

export const SIM_PORT = 7000;
export const SIM_ADMIN_PORT = 7001;

export class NoContainerRuntimeError extends Error {
  override name = 'NoContainerRuntimeError';
}

const HOW_TO =
  'container mode needs a container runtime (a running Docker engine, or Podman with its Docker-compatible socket); ' +
  'start one, or point DOCKER_HOST at one, or run the T-Server embedded (tserver.mode: embedded) or as `screencap-cert sim` (tserver.mode: tcp)';

/**
 * Every container this process starts carries this label with this value, so a stopped run removes
 * them all, even one whose start had not returned yet (no reaper runs where it cannot be pulled).
 */
export const OWNER_LABEL = 'screencap-cert.owner';
const owner = `${process.pid}-${randomUUID()}`;
let startedAny = false;

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

/** What a container wrote last: enough to explain why it is not doing what was expected. */
const LOG_TAIL_LINES = 20;

/** `image` to be started by this process, labelled as its own, its last lines of output kept. */
async function ownContainer(image: string) {
  const tc = await load();
  startedAny = true;
  const tail: string[] = [];
  /** Publishes its ports on loopback only where the harness reaches the runtime on loopback: the simulator's admin API has no authentication. */
  class Container extends tc.GenericContainer {
    async publishOnLoopback(): Promise<this> {
      const { hostIps } = (await tc.getContainerRuntimeClient()).info.containerRuntime;
      if (!hostIps.every((ip) => ip.address === '127.0.0.1')) return this;
      for (const bindings of Object.values(this.hostConfig.PortBindings ?? {}))
        for (const binding of bindings as Array<{ HostIp?: string }>) binding.HostIp = '127.0.0.1';
      return this;
    }
  }
  const container = new Container(image).withLabels({ [OWNER_LABEL]: owner }).withLogConsumer((stream) =>
    stream.on('data', (chunk) => {
      tail.push(...String(chunk).split('\n').filter(Boolean));
      tail.splice(0, tail.length - LOG_TAIL_LINES);
    }),
  );
  return { tc, container, logTail: () => tail.join('\n') };
}

/** Removes every container this process started that is still there (the stop path of a run). */
export async function removeOwnContainers(): Promise<void> {
  if (!startedAny) return;
  const { dockerode } = (await (await load()).getContainerRuntimeClient()).container;
  const left = await dockerode.listContainers({
    all: true,
    filters: { label: [`${OWNER_LABEL}=${owner}`] },
  });
  await Promise.all(left.map((c) => dockerode.getContainer(c.Id).remove({ force: true })));
}

export interface RunningContainer {
  stop(): Promise<void>;
  /** The last lines it wrote. */
  logTail(): string;
}

/** The simulator image (see Dockerfile), with its tlib-json and admin ports mapped; `args` are added to its `sim` command. */
export async function startSimulatorContainer(
  image: string,
  args: string[] = [],
): Promise<RunningContainer & { endpoint: Endpoint; adminUrl: string }> {
  const { tc, container, logTail } = await ownContainer(image);
  try {
    const exposed = await container.withExposedPorts(SIM_PORT, SIM_ADMIN_PORT).publishOnLoopback();
    const started = await exposed
      .withCommand([
        'sim',
        '--host',
        '0.0.0.0',
        '--port',
        String(SIM_PORT),
        '--admin-port',
        String(SIM_ADMIN_PORT),
        ...args,
      ])
      .withWaitStrategy(tc.Wait.forLogMessage(/tlib-json listening/))
      .start();
    const host = started.getHost();
    return {
      endpoint: { host, port: started.getMappedPort(SIM_PORT) },
      adminUrl: `http://${host}:${started.getMappedPort(SIM_ADMIN_PORT)}`,
      stop: () => stopContainer(started),
      logTail,
    };
  } catch (e) {
    throw explain(e, `start the simulator image ${image}`);
  }
}

/**
 * A recorder image, told where the T-Server is through the environment: SCREENCAP_TSERVER
 * (host:port) and SCREENCAP_DNS (comma-separated DNs to monitor). It shares the host's network, so
 * it reaches the harness's T-Server at the address it listens on (127.0.0.1 by default): no
 * port is published, and the traffic stays on loopback.
 */
export async function startRecorderContainer(
  image: string,
  tserver: Endpoint,
  dns: string[],
): Promise<RunningContainer> {
  const { container, logTail } = await ownContainer(image);
  try {
    const started = await container
      .withNetworkMode('host')
      .withEnvironment({ SCREENCAP_TSERVER: `${tserver.host}:${tserver.port}`, SCREENCAP_DNS: dns.join(',') })
      .start();
    return { stop: () => stopContainer(started), logTail };
  } catch (e) {
    throw explain(e, `start the recorder image ${image}`);
  }
}

async function stopContainer(started: { stop(): Promise<unknown> }): Promise<void> {
  await started.stop();
}
