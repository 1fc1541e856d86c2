/**
 * `screencap-cert mock recorder|desktop`: a party as its own process, connected to any tlib-json
 * T-Server. Reference implementations for vendors, and systems under test for our own tests.
 */
import { createServer } from 'node:http';
import { type Command, InvalidArgumentError, Option } from 'commander';
import { INDICATIONS, INITIAL_STATE, type Indication, isOperation, OPERATIONS } from '../domain/screencap.ts';
import type { Link } from '../link/link.ts';
import { ReconnectingLink } from '../link/reconnecting-link.ts';
import { TlibLink } from '../link/tlib-link.ts';
import { WorkspaceLink } from '../link/workspace-link.ts';
import {
  type BreakageId,
  breakagesOf,
  desktopBehaviour,
  reconnects,
  recorderBehaviour,
} from '../parties/breakages.ts';
import { awaitIndication, MockDesktop } from '../parties/desktop.ts';
import { MockRecorder } from '../parties/recorder.ts';
import { isoMicros } from '../tlib/time.ts';
import { authFromEnv } from '../workspace/auth.ts';
import { parseBreakage, parseDnList, parseEndpoint, parsePort } from './options.ts';
import { onStop } from './orphan.ts';
import { SUMMARIES } from './summaries.ts';

interface CommonOptions {
  tserver: { host: string; port: number };
  dn: string[];
  name?: string;
  break?: BreakageId;
  timeout: number;
}

function parseMs(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new InvalidArgumentError(`expected milliseconds, got "${value}"`);
  return n;
}

const log = (line: string) => process.stdout.write(`${isoMicros()} ${line}\n`);

/** Connects, retrying until `timeoutMs`: the party may start before its T-Server. */
async function connect(options: CommonOptions, applicationName: string): Promise<TlibLink> {
  const deadline = Date.now() + options.timeout;
  for (;;) {
    try {
      return await TlibLink.connect({ ...options.tserver, applicationName, timeoutMs: 5000 });
    } catch (e) {
      if (Date.now() > deadline) throw e;
      await new Promise((r) => setTimeout(r, 250));
    }
  }
}

interface WorkspaceOptions {
  workspace?: string;
  authUrl?: string;
  agent?: string;
  place?: string;
}

/** The desktop's link: to the T-Server over tlib-json, or signed in to the Workspace API with credentials from the environment. */
async function desktopLink(opts: Partial<CommonOptions> & WorkspaceOptions): Promise<Link> {
  if (!opts.workspace) {
    if (!opts.tserver || !opts.dn)
      throw new InvalidArgumentError(
        'give --tserver and --dn, or --workspace with --agent and --dn or --place',
      );
    return survivingLink(opts as CommonOptions, opts.name ?? 'mock-desktop');
  }
  if (opts.tserver)
    throw new InvalidArgumentError(
      '--tserver and --workspace exclude each other: the Workspace API reaches the T-Server itself',
    );
  if (!opts.agent) throw new InvalidArgumentError('--workspace needs --agent (the agent ID to activate)');
  if ((opts.dn === undefined) === (opts.place === undefined) || (opts.dn?.length ?? 1) !== 1)
    throw new InvalidArgumentError('--workspace needs exactly one of --dn (one DN) or --place');
  return WorkspaceLink.connect({
    url: opts.workspace,
    ...(opts.authUrl ? { authUrl: opts.authUrl } : {}),
    auth: authFromEnv(),
    agentId: opts.agent,
    ...(opts.place ? { place: opts.place } : {}),
    party: opts.name ?? 'mock-desktop',
    timeoutMs: opts.timeout ?? 10_000,
  });
}

/**
 * A party's tlib-json link: it reconnects after a drop or a T-Server restart (bounded backoff, each
 * attempt logged), unless broken not to.
 */
async function survivingLink(options: CommonOptions, applicationName: string): Promise<Link> {
  const first = await connect(options, applicationName);
  if (!reconnects(options.break)) return first;
  return ReconnectingLink.around(first, {
    connect: () => TlibLink.connect({ ...options.tserver, applicationName, timeoutMs: 5000 }),
    log,
  });
}

/** Exits 1 if the T-Server goes away (and `link` does not reconnect); returns the function that stops watching. */
function exitWhenClosed(link: Link, what: string): () => void {
  return link.onClose((reason) => {
    log(`${what}: ${reason ? reason.message : 'link closed'}`);
    process.exit(reason ? 1 : 0);
  });
}

/**
 * Runs until SIGINT/SIGTERM (or, started by a package manager, until what started it is gone),
 * then closes the link it has then, if it has one yet.
 */
function stopOnSignals(current: () => Link | undefined): void {
  onStop((why) => {
    log(`${why}: stopping`);
    (current()?.close() ?? Promise.resolve()).finally(() => process.exit(0));
  });
}

/** Runs until SIGINT/SIGTERM; exits 1 if the T-Server goes away (and its link does not reconnect). */
function stayUp(link: Link, what: string): void {
  exitWhenClosed(link, what);
  stopOnSignals(() => link);
}

interface RecorderOptions extends CommonOptions {
  initialState: Indication;
}

/**
 * The mock recorder as a process. On SIGHUP it restarts as a new process would: drops its
 * connection and every state, connects again, registers and monitors its DNs again, and is in
 * its initial state (--initial-state) on each.
 */
async function runRecorder(opts: RecorderOptions): Promise<void> {
  /** The link of the recorder running now (a restart replaces it): what a stop closes. */
  let linkNow: Link | undefined;
  /** `restarted`: the recorder it replaces. */
  const start = async (restarted?: MockRecorder) => {
    const link = await survivingLink(opts, opts.name ?? 'mock-recorder');
    linkNow = link;
    const recorder = restarted
      ? await MockRecorder.restart(restarted, link)
      : await MockRecorder.start({
          link,
          dns: opts.dn,
          initialState: opts.initialState,
          ...recorderBehaviour(opts.break),
        });
    link.onEvent((e) => {
      const answered = recorder.answered.at(-1);
      if (e.message === 'EventUserEvent' && answered)
        log(`${answered.operation} on ${answered.dn} -> ${answered.indication}`);
    });
    return { link, recorder, unwatch: exitWhenClosed(link, 'mock recorder stops') };
  };
  // Stoppable while it connects too: in an image it is process 1, to which a signal it does not
  // handle means nothing, and it may try to connect for minutes.
  stopOnSignals(() => linkNow);
  let current = await start();
  log(
    `mock recorder monitoring ${opts.dn.join(', ')} on ${opts.tserver.host}:${opts.tserver.port}${opts.break ? ` (broken: ${opts.break})` : ''}`,
  );
  let restarting = false;
  process.on('SIGHUP', () => {
    if (restarting) return log('SIGHUP: already restarting');
    restarting = true;
    log('SIGHUP: restarting: the connection and every state are dropped');
    const old = current;
    old.unwatch();
    old.link
      .close()
      .then(() => start(old.recorder))
      .then(
        (started) => {
          current = started;
          restarting = false;
          log(`restarted: monitoring ${opts.dn.join(', ')} again`);
        },
        (e: Error) => {
          log(`restart failed: ${e.message}`);
          process.exit(1);
        },
      );
  });
}

/**
 * The recorder seat's contract for images (README): the T-Server and the DNs to monitor come from
 * the environment too, so `screencap-cert mock recorder` runs as a recorder image would.
 */
const RECORDER_ENV = { tserver: 'SCREENCAP_TSERVER', dn: 'SCREENCAP_DNS', break: 'SCREENCAP_BREAK' };

function common(command: Command, seat: 'recorder' | 'desktop', env?: typeof RECORDER_ENV): Command {
  const option = (
    flags: string,
    text: string,
    parse: (value: string) => unknown,
    name: keyof typeof RECORDER_ENV,
  ) => {
    const o = new Option(flags, text).argParser(parse);
    if (env) o.env(env[name]);
    // The desktop may sign in to the Workspace API instead of connecting to a T-Server.
    if (seat === 'recorder' && name !== 'break') o.makeOptionMandatory();
    return command.addOption(o);
  };
  option('--tserver <host:port>', 'the tlib-json T-Server to connect to', parseEndpoint, 'tserver');
  option('--dn <dns>', 'DNs, comma-separated or repeated', parseDnList, 'dn');
  option(
    '--break <party>',
    `behave as a deliberately broken ${seat} (${breakagesOf(seat).join(', ')})`,
    parseBreakage(seat),
    'break',
  );
  return command
    .option('--name <application>', 'ApplicationName in RequestRegisterClient')
    .option('--timeout <ms>', 'time allowed to connect, and for replies and indications', parseMs, 10_000);
}

export function registerMockCommands(program: Command): void {
  const mock = program.command('mock').description(SUMMARIES.mock);

  common(
    mock
      .command('recorder')
      .description(
        'monitor DNs and answer every screen-capture operation with an indication; SIGHUP restarts it (its connection and state dropped, it connects and registers again) (options also from SCREENCAP_TSERVER, SCREENCAP_DNS, SCREENCAP_BREAK, SCREENCAP_INITIAL_STATE)',
      ),
    'recorder',
    RECORDER_ENV,
  )
    .addOption(
      new Option(
        '--initial-state <indication>',
        'the state it starts in on every DN, and comes back in after a restart (SIGHUP)',
      )
        .choices(INDICATIONS)
        .default(INITIAL_STATE)
        .env('SCREENCAP_INITIAL_STATE'),
    )
    .action(runRecorder);

  common(
    mock
      .command('desktop')
      .description(
        'register DNs (tlib-json) or activate a DN or place (Workspace API) and send screen-capture operations: once (--send), or on request (--control-port)',
      ),
    'desktop',
  )
    .option(
      '--workspace <url>',
      'sign in to this Genesys Workspace API (GWS v3) instead; credentials from GWS_* environment variables',
    )
    .option(
      '--auth-url <url>',
      'the Authentication API for the password grant (default: the --workspace URL)',
    )
    .option('--agent <id>', 'with --workspace: the agent ID to activate')
    .option('--place <name>', 'with --workspace: activate this place instead of --dn')
    .option(
      '--send <op>',
      `send one operation (${OPERATIONS.join(', ')}) on the first DN, print the outcome and exit 0 only if accepted`,
    )
    .option(
      '--control-port <port>',
      'serve POST /operations {"op","dn","connId"?} on 127.0.0.1 to send operations (connId: the call\'s, empty for none; absent: the call it was told of)',
      parsePort,
    )
    .action(async (opts: CommonOptions & WorkspaceOptions & { send?: string; controlPort?: number }) => {
      if (opts.send !== undefined && !isOperation(opts.send))
        throw new InvalidArgumentError(
          `--send: expected one of ${OPERATIONS.join(', ')}, got "${opts.send}"`,
        );
      // With --send, the exit code says whether the operation was accepted (0) or not (1): a T-Server
      // or GWS that refuses the sign-in, the activation or the connection has not accepted it.
      const link = await desktopLink(opts).catch((e: Error) => notAccepted(opts.send, e));
      // A place's DN is the one the Workspace API activated for it.
      const dns = link instanceof WorkspaceLink && opts.place ? [await link.activatePlace()] : opts.dn;
      const desktops = new Map<string, MockDesktop>();
      for (const dn of dns)
        desktops.set(
          dn,
          await MockDesktop.start({
            link,
            dn,
            ...desktopBehaviour(opts.break, { voiceDns: [dn], otherAgentsDns: dns.filter((d) => d !== dn) }),
            ...(opts.place ? { register: false } : {}),
          }).catch((e: Error) => notAccepted(opts.send, e)),
        );
      if (opts.send !== undefined) {
        const dn = dns[0] as string;
        const mark = link.journal.mark;
        const reply = await (desktops.get(dn) as MockDesktop).send(opts.send);
        log(`${opts.send} on ${dn}: ${JSON.stringify(reply)}`);
        const indication = await awaitIndication(link.journal, dn, {
          after: mark,
          timeoutMs: opts.timeout,
        }).catch(() => undefined);
        log(
          indication
            ? `indication on ${dn}: ${JSON.stringify(indication.message)}`
            : `no indication on ${dn} within ${opts.timeout} ms`,
        );
        // Over the Workspace API an accepted request can still be refused later, by an EventError notification.
        const refused = link.journal.find(
          (e) => e.direction === 'in' && e.message.message === 'EventError',
          mark,
        );
        if (refused && reply?.message === 'EventACK')
          log(`refused on ${dn}: ${JSON.stringify(refused.message)}`);
        await link.close();
        process.exit(reply?.message === 'EventACK' && !refused ? 0 : 1);
      }
      if (opts.controlPort !== undefined) serveControl(opts.controlPort, desktops);
      // Announced once a stop is handled: whoever waits for this line may stop it at once.
      stayUp(link, 'mock desktop stops');
      log(
        `mock desktop on ${dns.join(', ')} connected to ${opts.workspace ?? `${opts.tserver.host}:${opts.tserver.port}`}${opts.controlPort !== undefined ? `; control on http://127.0.0.1:${opts.controlPort}/operations` : ''}`,
      );
    });
}

/** With --send, a failure before the operation was accepted ends the command with exit 1; else it could not run. */
function notAccepted(send: string | undefined, e: Error): never {
  if (send === undefined) throw e;
  process.stderr.write(`screencap-cert: ${e.message}\n`);
  process.exit(1);
}

/**
 * POST /operations {"op": "start", "dn": "7001", "connId": "..."} -> the reply of the T-Server. A
 * `connId` (the harness's `{connId}`: the call's, empty when there is none) is sent as given;
 * without it the desktop uses the call its EventEstablished told it of.
 */
function serveControl(port: number, desktops: Map<string, MockDesktop>): void {
  createServer(async (req, res) => {
    const answer = (status: number, body: unknown) =>
      res.writeHead(status, { 'content-type': 'application/json' }).end(`${JSON.stringify(body)}\n`);
    if (req.method !== 'POST' || req.url !== '/operations')
      return answer(404, { error: 'use POST /operations {"op": "...", "dn": "..."}' });
    let text = '';
    for await (const chunk of req) text += chunk;
    let body: { op?: unknown; dn?: unknown; connId?: unknown };
    try {
      body = JSON.parse(text);
    } catch {
      return answer(400, { error: `body is not JSON: ${text.slice(0, 100)}` });
    }
    const desktop = desktops.get(String(body.dn ?? [...desktops.keys()][0]));
    if (!desktop)
      return answer(400, {
        error: `dn: expected one of ${[...desktops.keys()].join(', ')}, got ${JSON.stringify(body.dn)}`,
      });
    if (!isOperation(body.op))
      return answer(400, {
        error: `op: expected one of ${OPERATIONS.join(', ')}, got ${JSON.stringify(body.op)}`,
      });
    if (body.connId !== undefined && typeof body.connId !== 'string')
      return answer(400, { error: `connId: expected a string, got ${JSON.stringify(body.connId)}` });
    try {
      const reply = await desktop.send(body.op, body.connId);
      log(`${body.op} on ${desktop.dn}: ${reply?.message ?? 'not sent'}`);
      answer(200, { reply });
    } catch (e) {
      answer(502, { error: (e as Error).message });
    }
  }).listen(port, '127.0.0.1');
}
