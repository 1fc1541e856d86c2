/**
 * What a run needs before it may begin, checked before any report is written: the ports the
 * embedded T-Server must listen on are free, an external T-Server answers, a container runtime
 * answers where containers are to be started. A failure is a
 * CannotRunError (exit 2, no certificate), never a FAILED verdict about the system under test.
 */
import { connect, createServer } from 'node:net';
import type { HarnessConfig } from '../config/schema.ts';
import { CannotRunError } from '../result/exit-codes.ts';
import { stagingSeat } from './workspace-desktop.ts';

const CONNECT_TIMEOUT_MS = 5000;

function portFree(host: string, port: number, what: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', (e: NodeJS.ErrnoException) =>
      reject(
        new CannotRunError(
          `${what} cannot listen on ${host}:${port}: ${e.code === 'EADDRINUSE' ? 'the port is in use (another run, or a screencap-cert sim, still holds it?)' : e.message}`,
        ),
      ),
    );
    server.listen({ host, port, exclusive: true }, () => server.close(() => resolve()));
  });
}

function reachable(host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port });
    const fail = (why: string) => {
      socket.destroy();
      reject(new CannotRunError(`cannot reach the T-Server at ${host}:${port} (tserver.mode: tcp): ${why}`));
    };
    socket.setTimeout(CONNECT_TIMEOUT_MS, () => fail(`no answer within ${CONNECT_TIMEOUT_MS} ms`));
    socket.once('error', (e: NodeJS.ErrnoException) => fail(e.code ?? e.message));
    socket.once('connect', () => {
      socket.end();
      resolve();
    });
  });
}

/** Container mode needs a container runtime that answers. */
async function containerRuntime(): Promise<void> {
  const { checkContainerRuntime } = await import('../container.ts');
  await checkContainerRuntime().catch((e: Error) => {
    throw new CannotRunError(e.message);
  });
}

export async function preflight(config: HarnessConfig): Promise<void> {
  // The self profile and a staging GWS start nothing on a fixed port and reach no tlib-json T-Server.
  if (config.profile === 'self' || stagingSeat(config)) return;
  const t = config.tserver;
  if (t.mode === 'tcp') return reachable(t.host, t.port);
  if (t.mode === 'container') return containerRuntime();
  if (config.recorder.container) await containerRuntime();
  if (t.port !== 0) await portFree(t.host, t.port, 'the embedded T-Server (tserver.port)');
  if (t.workspacePort)
    await portFree(t.host, t.workspacePort, 'the Workspace API front (tserver.workspacePort)');
}
