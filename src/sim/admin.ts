/** The simulator's admin API (HTTP JSON): calls, faults, journal, health. A thin layer over TServer. */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { show } from '../tlib/codec.ts';
import { CallError } from './calls.ts';
import { InvalidFaultError, parseFaultSpec } from './faults.ts';
import type { TServer } from './tserver.ts';

const MAX_BODY_BYTES = 64 * 1024;

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
      journalEntries: t.journal?.entries.length ?? 0,
    },
  ];
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

async function route(tserver: TServer, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const path = new URL(req.url ?? '/', 'http://admin').pathname;
  if (path === '/journal') {
    if (req.method !== 'GET') throw new HttpError(405, `${req.method} not allowed on ${path}; use GET`);
    // Serialize before writeHead: if it throws (a message nested too deeply for JSON.stringify), the
    // error reply can still be sent; a second writeHead would throw out of the catch and crash the process.
    const ndjson = tserver.journal?.toNdjson() ?? '';
    // Entries beyond the journal's bounds are gone: say how many, so nobody reads it as complete.
    res
      .writeHead(200, {
        'content-type': 'application/x-ndjson',
        'x-journal-dropped': String(tserver.journal?.dropped ?? 0),
        'x-journal-dropped-bytes': String(tserver.journal?.droppedBytes ?? 0),
        // Of those, what the rules judge (the rest is chaff: see Journal).
        'x-journal-dropped-evidence': String(tserver.journal?.droppedEvidence ?? 0),
      })
      .end(ndjson);
    return;
  }
  const matches = ROUTES.filter((r) => r.path.test(path));
  const r = matches.find((m) => m.method === req.method);
  if (!r) {
    if (matches.length)
      throw new HttpError(
        405,
        `${req.method} not allowed on ${path}; use ${matches.map((m) => m.method).join(' or ')}`,
      );
    throw new HttpError(
      404,
      `no route ${req.method} ${path}; routes: GET /health, GET /journal, GET|POST /calls, DELETE /calls/<connId>, POST /calls/<connId>/{hold,retrieve,consult,transfer,conference}, GET|POST|DELETE /faults`,
    );
  }
  const body = r.needsBody ? await readJson(req) : undefined;
  const [status, out] = await r.handler(tserver, body, r.path.exec(path)?.[1]);
  reply(res, status, out);
}

export function createAdminServer(tserver: TServer): Server {
  return createServer((req, res) => {
    route(tserver, req, res).catch((e: unknown) => {
      const status = e instanceof HttpError ? e.status : 500;
      reply(res, status, { error: (e as Error).message });
    });
  });
}
