/** The T-Server simulator, embedded: `const sim = await startSimulator({ port: 0 })`, then `sim.stop()`. */
import { once } from 'node:events';
import type { Server as HttpServer } from 'node:http';
import type { AddressInfo, Server } from 'node:net';
import { type Journal, TSERVER_RESTARTED } from '../journal.ts';
import type { SipServerLogWriter } from '../sipserver-log/writer.ts';
import { createAdminServer, RestartUnderWayError } from './admin.ts';
import { TServer, type TServerOptions } from './tserver.ts';
import type { WorkspaceFront, WorkspaceFrontOptions } from './workspace/front.ts';

export interface SimulatorOptions extends TServerOptions {
  /** Interface to bind (default 127.0.0.1: nothing outside the machine reaches it unless told to). */
  host?: string;
  /** tlib-json port (default 0: an ephemeral port). */
  port?: number;
  /** Admin HTTP port (default 0: ephemeral); `false` for no admin API. */
  adminPort?: number | false;
  /** Builds the protocol engine (default: a conforming TServer; self-tests pass deliberately broken ones). */
  engine?: (options: TServerOptions) => TServer;
  /** Also print every message received and sent to this SIP Server log (spec/sipserver-log.md). */
  sipLog?: SipServerLogWriter;
  /** Also serve the Workspace API (GWS v3) in front of the simulator (default: not). */
  workspace?: Partial<
    Pick<
      WorkspaceFrontOptions,
      | 'port'
      | 'agents'
      | 'sessionTimeoutMs'
      | 'tokenTtlMs'
      | 'redirectUris'
      | 'maxConnections'
      | 'sessionStyle'
    >
  >;
}

export interface Simulator {
  host: string;
  port: number;
  /** `host:port` of the tlib-json listener. */
  address: string;
  /** Where a client on this machine connects: loopback when it listens on every interface. */
  local: { host: string; port: number };
  /** `http://host:port` of the admin API, when it runs. */
  adminUrl: string | undefined;
  tserver: TServer;
  journal: Journal | undefined;
  /** The Workspace API front, when it runs (`workspace.url` is its GWS base URL). */
  workspace: WorkspaceFront | undefined;
  /**
   * Stops and starts the T-Server on the same port, as a T-Server restart does: every connection
   * drops and every registration, call and fault is lost; `tserver` is the new engine (same
   * options, same journal).
   */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

async function listen(server: Server, port: number, host: string): Promise<number> {
  server.listen(port, host);
  // once() rejects on 'error' by itself: turn that into a message naming host:port.
  await once(server, 'listening').catch((e: Error) => {
    throw new Error(`cannot listen on ${host}:${port}: ${e.message}`);
  });
  return (server.address() as AddressInfo).port;
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}

export async function startSimulator(options: SimulatorOptions = {}): Promise<Simulator> {
  const host = options.host ?? '127.0.0.1';
  const build = (o: SimulatorOptions) => {
    const engine = o.engine ? o.engine(o) : new TServer(o);
    if (options.sipLog && !engine.journal) throw new Error('sipLog needs the journal (not journal: false)');
    const detach =
      engine.journal &&
      options.sipLog?.attach(engine.journal, { name: engine.serverName, version: engine.serverVersion });
    return { engine, detach };
  };
  let { engine: tserver, detach: detachLog } = build(options);
  const port = await listen(tserver.net, options.port ?? 0, host);
  let admin: HttpServer | undefined;
  let adminUrl: string | undefined;
  if (options.adminPort !== false) {
    // It outlives a restart: it always acts on the T-Server running now, and can ask for the restart.
    admin = createAdminServer({
      get tserver() {
        return tserver;
      },
      restart: () => sim.restart(),
    });
    try {
      const adminPort = await listen(admin, options.adminPort ?? 0, host);
      adminUrl = `http://${host.includes(':') ? `[${host}]` : host}:${adminPort}`;
    } catch (e) {
      await closeServer(tserver.net);
      throw e;
    }
  }
  const local = { host: host === '0.0.0.0' ? '127.0.0.1' : host === '::' ? '::1' : host, port };
  let workspace: WorkspaceFront | undefined;
  if (options.workspace) {
    // Loaded only when asked for: CometD, YAML and zod would be most of a bare simulator's start-up.
    const [{ startWorkspaceFront }, { defaultAgents }] = await Promise.all([
      import('./workspace/front.ts'),
      import('./workspace/agents.ts'),
    ]);
    const w = options.workspace;
    // Its sessions are clients of this simulator.
    workspace = await startWorkspaceFront({
      ...w,
      tserver: local,
      agents: w.agents ?? defaultAgents(options.dns ?? ['7001', '7002']),
      host,
      ...(options.log ? { log: options.log } : {}),
    }).catch(async (e: Error) => {
      await Promise.all([closeServer(tserver.net), admin && closeServer(admin)]);
      throw e;
    });
  }
  let stopped: Promise<void> | undefined;
  let restarting: Promise<void> | undefined;
  const haltTServer = async (cause?: string) => {
    tserver.closeAll(cause);
    detachLog?.();
    await closeServer(tserver.net);
  };
  const sim: Simulator = {
    host,
    port,
    address: `${host}:${port}`,
    local,
    adminUrl,
    tserver,
    journal: tserver.journal,
    workspace,
    async restart() {
      if (stopped) throw new Error(`the simulator at ${host}:${port} is stopped: it cannot restart`);
      if (restarting) throw new RestartUnderWayError(`the T-Server on ${host}:${port} is restarting already`);
      options.log?.(`restarting the T-Server on ${host}:${port}: every connection and registration is lost`);
      const last = tserver;
      restarting = (async () => {
        await haltTServer(TSERVER_RESTARTED);
        ({ engine: tserver, detach: detachLog } = build({
          ...options,
          journal: last.journal ?? false,
          lastSequence: last.lastSequence,
          lastClientId: last.lastClientId,
          strict: last.strict,
        }));
        await listen(tserver.net, port, host);
        sim.tserver = tserver;
      })();
      await restarting.finally(() => {
        restarting = undefined;
      });
    },
    stop() {
      stopped ??= (async () => {
        await workspace?.stop();
        await restarting?.catch(() => undefined);
        admin?.closeAllConnections();
        await Promise.all([haltTServer(), admin && closeServer(admin)]);
      })();
      return stopped;
    },
  };
  return sim;
}

export { TServer, type TServerOptions } from './tserver.ts';
