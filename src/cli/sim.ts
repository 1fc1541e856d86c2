/** `screencap-cert sim`: the T-Server simulator as its own process. */

import type { Command } from 'commander';
import { DEFAULT_JOURNAL_BYTES, Journal } from '../journal.ts';
import { type BreakageId, breakagesOf, tserverEngine } from '../parties/breakages.ts';
import { startSimulator } from '../sim/index.ts';
import {
  DEFAULT_IDLE_TIMEOUT_MS,
  DEFAULT_MAX_BUFFERED_BYTES,
  DEFAULT_MAX_CONNECTIONS,
} from '../sim/tserver.ts';
import { sipServerLogFile } from '../sipserver-log/writer.ts';
import { isoMicros } from '../tlib/time.ts';
import { parseBreakage, parseCount, parseDnList, parsePort, parsePositiveInt } from './options.ts';
import { onStop } from './orphan.ts';
import { SUMMARIES } from './summaries.ts';

/** Enough for any conformance run; a load of 1,000 operations/s keeps the last minute or so. */
const DEFAULT_JOURNAL_LIMIT = 500_000;

export function registerSimCommand(program: Command): void {
  program
    .command('sim')
    .description(SUMMARIES.sim)
    .option('--host <host>', 'interface to bind', '127.0.0.1')
    .option('--port <port>', 'tlib-json port (0: any free port)', parsePort, 7000)
    .option('--admin-port <port>', 'admin HTTP port (0: any free port)', parsePort, 7001)
    .option('--no-admin', 'run without the admin HTTP API')
    .option(
      '--dn <dns>',
      'configured DNs, comma-separated or repeated; others get EventError 59',
      parseDnList,
    )
    .option('--server-name <name>', 'ServerName in EventClientRegistered')
    .option(
      '--journal-limit <entries>',
      'keep the last N messages for GET /journal (0: none), so a long load cannot exhaust memory',
      parseCount,
      DEFAULT_JOURNAL_LIMIT,
    )
    .option(
      '--journal-bytes <bytes>',
      'and at most this many bytes of them (beyond: unreadable and unknown messages first, then the oldest; x-journal-dropped says how many)',
      parsePositiveInt,
      DEFAULT_JOURNAL_BYTES,
    )
    .option(
      '--max-connections <n>',
      'tlib-json connections served at once; more are refused',
      parsePositiveInt,
      DEFAULT_MAX_CONNECTIONS,
    )
    .option(
      '--idle-timeout <ms>',
      'disconnect a client that leaves a line unfinished, or does not register, this long',
      parsePositiveInt,
      DEFAULT_IDLE_TIMEOUT_MS,
    )
    .option(
      '--max-buffered-bytes <bytes>',
      'bytes of unfinished lines held for all clients together; the client that would exceed it is disconnected',
      parsePositiveInt,
      DEFAULT_MAX_BUFFERED_BYTES,
    )
    .option('--log <file>', 'also write every message to FILE as a SIP Server log (overwritten)')
    .option(
      '--strict',
      "also refuse (53) a Tevent that is not an EventUserEvent on the request's ThisDN (a T-Server distributes it as given)",
    )
    .option(
      '--break <party>',
      `self-test: behave as a deliberately broken T-Server (${breakagesOf('tserver').join(', ')})`,
      parseBreakage('tserver'),
    )
    .option(
      '--workspace-port <port>',
      'also serve the Genesys Workspace API (GWS v3) on this port (0: any free port)',
      parsePort,
    )
    .option(
      '--workspace-agents <file>',
      'its test agents (JSON or YAML list of {agentId, username, password, places}); default: agent<DN> per DN',
    )
    .option(
      '--workspace-redirect-uri <uri>',
      'where its sign-in may redirect (exact, or a prefix ending in /; repeatable); default: loopback URIs only',
      (v: string, previous: string[] = []) => [...previous, v],
    )
    .action(
      async (opts: {
        host: string;
        port: number;
        adminPort: number;
        admin: boolean;
        dn?: string[];
        serverName?: string;
        log?: string;
        strict?: boolean;
        journalLimit: number;
        journalBytes: number;
        maxConnections: number;
        idleTimeout: number;
        maxBufferedBytes: number;
        workspacePort?: number;
        workspaceAgents?: string;
        workspaceRedirectUri?: string[];
        break?: BreakageId;
      }) => {
        const log = (line: string) => process.stdout.write(`${isoMicros()} ${line}\n`);
        const sipLog = opts.log ? sipServerLogFile(opts.log) : undefined;
        // The Workspace front's agents (YAML, zod) load only when it is asked for: `sim` starts at once.
        const agents =
          opts.workspacePort === undefined ? undefined : await import('../sim/workspace/agents.ts');
        const engine = tserverEngine(opts.break);
        const sim = await startSimulator({
          ...(engine ? { engine } : {}),
          host: opts.host,
          port: opts.port,
          adminPort: opts.admin ? opts.adminPort : false,
          ...(opts.dn ? { dns: opts.dn } : {}),
          ...(opts.serverName ? { serverName: opts.serverName } : {}),
          ...(sipLog ? { sipLog: sipLog.writer } : {}),
          ...(opts.strict ? { strict: true } : {}),
          journal: new Journal({ limit: opts.journalLimit, maxBytes: opts.journalBytes }),
          maxConnections: opts.maxConnections,
          idleTimeoutMs: opts.idleTimeout,
          maxBufferedBytes: opts.maxBufferedBytes,
          ...(opts.workspacePort === undefined
            ? {}
            : {
                workspace: {
                  port: opts.workspacePort,
                  ...(opts.workspaceAgents && agents
                    ? { agents: agents.loadAgentsFile(opts.workspaceAgents) }
                    : {}),
                  ...(opts.workspaceRedirectUri ? { redirectUris: opts.workspaceRedirectUri } : {}),
                },
              }),
          log,
        });
        onStop((why) => {
          log(`${why}: stopping`);
          sim
            .stop()
            .then(() => sipLog?.close())
            .then(
              () => process.exit(0),
              (e: Error) => {
                log(`error while stopping: ${e.message}`);
                process.exit(1);
              },
            );
        });
        // Announced once a stop is handled: whoever waits for this line may stop it at once.
        log(
          `tlib-json listening on ${sim.address}${sim.adminUrl ? `; admin API on ${sim.adminUrl}` : ''}${opts.break ? ` (broken: ${opts.break})` : ''}`,
        );
        if (sim.workspace && agents) {
          const list = sim.workspace.agents.map(
            (a) => `${a.username} (agent ${a.agentId}, DNs ${agents.dnsOf(a).join(', ')})`,
          );
          log(`Workspace API (GWS v3) on ${sim.workspace.url}; test agents: ${list.join('; ')}`);
        }
      },
    );
}
