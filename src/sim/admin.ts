/**
 * The simulator's admin API (HTTP JSON): calls, faults, connections, restarts, journal, health. A
 * thin layer over TServer.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { JOURNAL_FORMAT, type JournalEntry } from '../journal.ts';
import { show } from '../tlib/codec.ts';
import { jsonOf } from '../tlib/depth.ts';
import { CallError } from './calls.ts';
import { InvalidFaultError, parseFaultSpec } from './faults.ts';
import type { TServer } from './tserver.ts';

const MAX_BODY_BYTES = 64 * 1024;
/** A journal follower that reads slower than this is left behind (its stream ends), not buffered for. */
const MAX_FOLLOW_BACKLOG_BYTES = 16 * 1024 * 1024;

/** What the admin API acts on: the T-Server running now (a new one after each restart), and its restart. */
export interface AdminTarget {
  readonly tserver: TServer;
  /** Stops and starts the T-Server on the same port (rejects with RestartUnderWayError during one). */
  restart(): Promise<void>;
}

/** A restart asked for while one is under way. */
export class RestartUnderWayError extends Error {
  override name = 'RestartUnderWayError';
}

const ROUTE_LIST =
  'GET /health, GET /journal[?after=<seq>&follow=1], GET|POST /calls, DELETE /calls/<connId>, POST /calls/<connId>/{hold,retrieve,consult,transfer,conference}, GET|POST|DELETE /faults, GET /connections, POST /connections/<id>/{drop,restarting}, POST|DELETE /registrations/hold, POST /restart';

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

type Handler = (
  tserver: TServer,
  body: unknown,
  param: string | undefined,
  target: AdminTarget,
) => [status: number, body: unknown] | Promise<[status: number, body: unknown]>;

const ROUTES: Array<{ method: string; path: RegExp; needsBody?: boolean; handler: Handler }> = [
  { method: 'GET', path: /^\/health$/, handler: health },
  { method: 'GET', path: /^\/calls$/, handler: (t) => [200, t.calls.list()] },
  { method: 'POST', path: /^\/calls$/, needsBody: true, handler: createCall },
  { method: 'DELETE', path: /^\/calls\/([^/]+)$/, handler: releaseCall },
  { method: 'POST', path: /^\/calls\/([^/]+)\/hold$/, handler: changeCall((t, id) => t.holdCall(id)) },
  {
    method: 'POST',
    path: /^\/calls\/([^/]+)\/retrieve$/,
    handler: changeCall((t, id) => t.retrieveCall(id)),
  },
  {
    method: 'POST',
    path: /^\/calls\/([^/]+)\/consult$/,
    handler: changeCall((t, id) => t.consultCall(id), 201),
  },
  // Both carry the call on under a new ConnID (EventPartyChanged); T-Lib tells them apart by what else it reports.
  { method: 'POST', path: /^\/calls\/([^/]+)\/transfer$/, handler: changeCall((t, id) => t.changeParty(id)) },
  {
    method: 'POST',
    path: /^\/calls\/([^/]+)\/conference$/,
    handler: changeCall((t, id) => t.changeParty(id)),
  },
  { method: 'GET', path: /^\/faults$/, handler: (t) => [200, t.faults.list()] },
  { method: 'POST', path: /^\/faults$/, needsBody: true, handler: addFault },
  { method: 'DELETE', path: /^\/faults$/, handler: (t) => [200, { cleared: t.faults.clear() }] },
  { method: 'GET', path: /^\/connections$/, handler: (t) => [200, t.clients()] },
  { method: 'POST', path: /^\/connections\/([^/]+)\/drop$/, handler: dropConnection },
  { method: 'POST', path: /^\/connections\/([^/]+)\/restarting$/, handler: noteRestarting },
  { method: 'POST', path: /^\/registrations\/hold$/, needsBody: true, handler: holdRegistrations },
  {
    method: 'DELETE',
    path: /^\/registrations\/hold$/,
    handler: (t) => [200, { released: t.parkRegistrations(undefined) }],
  },
  { method: 'POST', path: /^\/restart$/, handler: restart },
];

function health(t: TServer): [number, unknown] {
  return [
    200,
    {
      ok: true,
      serverName: t.serverName,
      serverVersion: t.serverVersion,
      clients: t.clientCount,
      registrations: t.registrations(),
      calls: t.calls.list().length,
      journalEntries: t.journal?.size ?? 0,
      // The seq of the last entry journaled: a follower of GET /journal has seen everything up to now once it has seen this.
      journalSeq: t.journal?.mark ?? 0,
    },
  ];
}

/** The client a `/connections/<id>/...` route names, or 400/404 saying what was wrong. */
function connectionParam(t: TServer, id: string | undefined): ReturnType<TServer['clients']>[number] {
  if (!/^[1-9][0-9]{0,15}$/.test(id ?? ''))
    throw new HttpError(
      400,
      `connection: expected a client id from GET /connections (a positive integer), got ${show(id)}`,
    );
  const client = t.clients().find((c) => c.id === Number(id));
  if (!client)
    throw new HttpError(
      404,
      `no connection with id ${id} (it left, or never was; GET /connections lists them)`,
    );
  return client;
}

/** Closes the client's connection as a cable pull would (no reply, no goodbye): what it monitored is gone. */
function dropConnection(t: TServer, _body: unknown, id: string | undefined): [number, unknown] {
  const client = connectionParam(t, id);
  t.disconnectClients((c) => c.id === client.id);
  return [200, { dropped: client }];
}

/** Journals that the client is about to be restarted (by whoever restarts it): its recovery is read from there. */
function noteRestarting(t: TServer, _body: unknown, id: string | undefined): [number, unknown] {
  const client = connectionParam(t, id);
  t.noteRestart((c) => c.id === client.id);
  return [200, { restarting: client }];
}

/** Holds the DN registrations of the named applications, unanswered, until DELETE /registrations/hold. */
function holdRegistrations(t: TServer, body: unknown): [number, unknown] {
  const applications = (body as { applications?: unknown } | null)?.applications;
  if (
    !Array.isArray(applications) ||
    applications.length === 0 ||
    !applications.every((a) => typeof a === 'string' && a !== '')
  )
    throw new HttpError(
      400,
      `applications: expected a non-empty array of ApplicationNames whose registrations to hold, got ${show(applications)}`,
    );
  const names = new Set(applications as string[]);
  t.parkRegistrations((application) => application !== undefined && names.has(application));
  return [200, { holding: [...names] }];
}

/** Answered once the T-Server listens again on its port, with every connection and registration lost. */
async function restart(
  _t: TServer,
  _body: unknown,
  _param: string | undefined,
  target: AdminTarget,
): Promise<[number, unknown]> {
  try {
    await target.restart();
  } catch (e) {
    if (e instanceof RestartUnderWayError) throw new HttpError(409, e.message);
    throw e;
  }
  return [200, { restarted: true, lastSequence: target.tserver.lastSequence }];
}

/** Answered once the call event has left for the DN's registrants: a caller may then make them act on it. */
async function createCall(t: TServer, body: unknown): Promise<[number, unknown]> {
  const dn = (body as { dn?: unknown } | null)?.dn;
  if (typeof dn !== 'string')
    throw new HttpError(400, `dn: expected the DN to create the call on, got ${show(dn)}`);
  let call: ReturnType<TServer['createCall']>;
  try {
    call = t.createCall(dn);
  } catch (e) {
    throw new HttpError(400, `dn: ${(e as Error).message}`);
  }
  await t.written(dn);
  return [201, call];
}

function connIdParam(connId: string | undefined): string {
  try {
    return decodeURIComponent(connId ?? '');
  } catch {
    throw new HttpError(400, `connId: ${show(connId)} is not a valid percent-encoded path segment`);
  }
}

/** A call operation: the call as it is after it (answered once its event has left), or 404/409 naming why it could not be done. */
function changeCall(operate: (t: TServer, connId: string) => { dn: string }, status = 200): Handler {
  return async (t, _body, connId) => {
    let call: { dn: string };
    try {
      call = operate(t, connIdParam(connId));
    } catch (e) {
      if (e instanceof CallError) throw new HttpError(e.status, e.message);
      throw e;
    }
    await t.written(call.dn);
    return [status, call];
  };
}

async function releaseCall(
  t: TServer,
  _body: unknown,
  connId: string | undefined,
): Promise<[number, unknown]> {
  const id = connIdParam(connId);
  const call = t.releaseCall(id);
  if (!call) throw new HttpError(404, `no established call with connId ${show(id)}`);
  await t.written(call.dn);
  return [200, call];
}

function addFault(t: TServer, body: unknown): [number, unknown] {
  try {
    return [201, t.faults.add(parseFaultSpec(body))];
  } catch (e) {
    if (e instanceof InvalidFaultError) throw new HttpError(400, e.message);
    throw e;
  }
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new HttpError(413, `body over ${MAX_BODY_BYTES} bytes`);
    chunks.push(chunk as Buffer);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new HttpError(400, `body is not valid JSON (${(e as Error).message})`);
  }
}

function reply(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(`${JSON.stringify(body)}\n`);
}

/** `?after=<seq>`: only entries after it (default 0: all kept). */
function afterParam(url: URL): number {
  const after = url.searchParams.get('after');
  if (after === null) return 0;
  if (!/^[0-9]{1,15}$/.test(after))
    throw new HttpError(400, `after: expected a journal seq (a non-negative integer), got ${show(after)}`);
  return Number(after);
}

/**
 * GET /journal: the entries kept (NDJSON); `follow=1` keeps the response open and writes each new
 * entry as it is journaled, across T-Server restarts, until the client goes (or reads too slowly).
 */
function journal(tserver: TServer, url: URL, res: ServerResponse): void {
  const after = afterParam(url);
  const follow = ['1', 'true'].includes(url.searchParams.get('follow') ?? '');
  const j = tserver.journal;
  const ndjson = j?.toNdjson(after) ?? '';
  // Older entries beyond the journal's limit are gone: say how many, so nobody reads it as complete.
  res.writeHead(200, {
    'content-type': 'application/x-ndjson',
    'x-journal-format': String(JOURNAL_FORMAT),
    'x-journal-dropped': String(j?.dropped ?? 0),
    'x-journal-dropped-bytes': String(j?.droppedBytes ?? 0),
    // Of those, what the rules judge (the rest is chaff: see Journal).
    'x-journal-dropped-evidence': String(j?.droppedEvidence ?? 0),
  });
  if (!follow || !j) return void res.end(ndjson);
  res.write(ndjson);
  const unsubscribe = j.subscribe((e: JournalEntry) => {
    // This runs as the T-Server journals the message: jsonOf never throws back into it (a message
    // nested past what JSON.stringify can write is written cut, as toNdjson writes it).
    const line = `${jsonOf(e)}\n`;
    res.write(line);
    if (res.writableLength > MAX_FOLLOW_BACKLOG_BYTES) res.destroy();
  });
  res.on('close', unsubscribe);
}

async function route(target: AdminTarget, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const tserver = target.tserver;
  const url = new URL(req.url ?? '/', 'http://admin');
  const path = url.pathname;
  if (path === '/journal') {
    if (req.method !== 'GET') throw new HttpError(405, `${req.method} not allowed on ${path}; use GET`);
    return journal(tserver, url, res);
  }
  const matches = ROUTES.filter((r) => r.path.test(path));
  const r = matches.find((m) => m.method === req.method);
  if (!r) {
    if (matches.length)
      throw new HttpError(
        405,
        `${req.method} not allowed on ${path}; use ${matches.map((m) => m.method).join(' or ')}`,
      );
    throw new HttpError(404, `no route ${req.method} ${path}; routes: ${ROUTE_LIST}`);
  }
  const body = r.needsBody ? await readJson(req) : undefined;
  const [status, out] = await r.handler(tserver, body, r.path.exec(path)?.[1], target);
  reply(res, status, out);
}

export function createAdminServer(target: AdminTarget): Server {
  return createServer((req, res) => {
    route(target, req, res).catch((e: unknown) => {
      const status = e instanceof HttpError ? e.status : 500;
      reply(res, status, { error: (e as Error).message });
    });
  });
}
