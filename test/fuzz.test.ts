/**
 * Robustness under hostile input (property-based, fast-check): several hostile raw-socket clients
 * throw >= 10,000 random and mutated frames at a running simulator while a well-behaved desktop and
 * recorder keep exchanging screen-capture events on DN 7001 and a bystander sits on DN 7002.
 *
 * Invariants:
 *  - the simulator never throws (no uncaught exception / unhandled rejection), still answers
 *    `GET /health` and still accepts and registers a new client;
 *  - every hostile connection gets exactly one reply per complete line the server must process
 *    (an independent model of the framing rules tells which lines those are), is closed by the
 *    server exactly when it sent a framing error, and never sees the good pair's events (a hostile
 *    Tevent naming a good DN is delivered as given, to the registrants of the DN it was sent on);
 *  - every good request is ACKed; every good event reaches every registrant of 7001 exactly once, in
 *    order, intact; the 7002 bystander receives nothing; the good links never drop.
 *
 * Replay a failure with FUZZ_SEED=<seed> (the seed is printed as a diagnostic and by fast-check).
 */
import assert from 'node:assert/strict';
import { isUtf8 } from 'node:buffer';
import { once } from 'node:events';
import { mkdtemp, readFile } from 'node:fs/promises';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { setTimeout as delay, setImmediate as tick } from 'node:timers/promises';
import fc from 'fast-check';
import { Journal } from '../src/journal.ts';
import { TlibLink } from '../src/link/tlib-link.ts';
import { startSimulator } from '../src/sim/index.ts';
import { sipServerLogFile } from '../src/sipserver-log/writer.ts';
import type { KVList, KVValue, TReply, WireMessage } from '../src/tlib/messages.ts';
import { fuzzSeed, setOwn } from './helpers.ts';

const GOOD_DN = '7001';
const BYSTANDER_DN = '7002';
/** The spec's line limit, restated here on purpose: the model must not borrow the code under test. */
const MAX_LINE = 1024 * 1024;
/** The nesting limit (README): a line nested deeper is a framing error. */
const MAX_DEPTH = 160;
const TARGET_FRAMES = 10_000;
const HOSTILE_CLIENTS = 6;
/** Scripts can shrink to one frame; `size: 'max'` spreads lengths over the whole range (about 18 on
 *  average), so NUM_RUNS, sized for a conservative 15, lands well above TARGET_FRAMES. */
const FRAMES_PER_SCRIPT = { minLength: 1, maxLength: 40, size: 'max' } as const;
const NUM_RUNS = Math.ceil(TARGET_FRAMES / (HOSTILE_CLIENTS * 15));
/** Events the server distributes (not replies to a request). */
/** The good call's events, on a good DN. */
const isGoodCall = (m: WireMessage) =>
  (m.message === 'EventEstablished' || m.message === 'EventReleased') &&
  (m.ThisDN === GOOD_DN || m.ThisDN === BYSTANDER_DN);
const NEWLINE = 0x0a;

// --- frames ------------------------------------------------------------------------------------------

/** One unit a hostile client writes: bytes, possibly cut into pieces written separately. */
interface Frame {
  kind: string;
  bytes: Buffer;
  /** Offsets at which the bytes are split into separate writes (partial lines on the wire). */
  cuts: number[];
  [fc.toStringMethod]: () => string;
}

function frame(kind: string, data: string | Buffer, cutFractions: number[] = []): Frame {
  const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  const cuts = [...new Set(cutFractions.map((f) => Math.floor((f / 1000) * bytes.length)))]
    .filter((c) => c > 0 && c < bytes.length)
    .sort((a, b) => a - b);
  return {
    kind,
    bytes,
    cuts,
    // Keep counterexamples readable: frames can be a megabyte long.
    [fc.toStringMethod]: () =>
      `${kind}(${bytes.length} B, cuts ${JSON.stringify(cuts)}): ${JSON.stringify(bytes.subarray(0, 160).toString('latin1'))}`,
  };
}

/** Placeholder replaced by deeply nested JSON text after JSON.stringify (which would overflow on it). */
const DEEP = '@@deep@@';
type Obj = Record<string, unknown>;

function serialize(obj: unknown, deep: string | undefined, eol = '\n'): string {
  let text = JSON.stringify(obj) ?? 'null';
  if (deep !== undefined) text = text.replaceAll(JSON.stringify(DEEP), deep);
  return text + eol;
}

const refId = fc.integer({ min: 1, max: 2 ** 31 - 1 });
/** Hostile DNs: a small shared pool (so hostile clients deliver to each other) and random strings;
 *  never the good pair's DNs, which hostile clients must not register. */
const hostileDn = fc
  .oneof(
    { weight: 3, arbitrary: fc.constantFrom('h1', 'h2', 'h3', '9001') },
    { weight: 1, arbitrary: fc.string({ minLength: 1, maxLength: 64, unit: 'binary' }) },
  )
  .filter((dn) => dn !== GOOD_DN && dn !== BYSTANDER_DN);
/** DNs for requests a hostile client cannot perform on the good DNs (unregister, send): always refused. */
const anyDn = fc.oneof({ weight: 4, arbitrary: hostileDn }, fc.constantFrom(GOOD_DN, BYSTANDER_DN));
const goodConnId = fc.stringMatching(/^[0-9a-f]{16}$/);

const kv = fc.letrec<{ list: KVList; value: KVValue }>((tie) => ({
  list: fc.array(fc.tuple(fc.string({ maxLength: 20 }), tie('value')), { maxLength: 4 }),
  value: fc.oneof(
    { depthSize: 'small' },
    fc.string({ maxLength: 40, unit: 'binary' }),
    fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }),
    fc.base64String({ maxLength: 24 }).map((binary) => ({ binary })),
    tie('list'),
  ),
}));

const registerClient = fc.record({
  message: fc.constant('RequestRegisterClient'),
  ReferenceID: refId,
  ApplicationName: fc.string({ maxLength: 30, unit: 'binary' }),
});
const registerAddress = fc.record({
  message: fc.constant('RequestRegisterAddress'),
  ReferenceID: refId,
  ThisDN: hostileDn,
});
const unregisterAddress = fc.record({
  message: fc.constant('RequestUnregisterAddress'),
  ReferenceID: refId,
  ThisDN: anyDn,
});
const sendEvent = fc
  .record({
    ReferenceID: refId,
    dn: anyDn,
    connId: fc.option(goodConnId),
    userData: fc.option(kv.list),
  })
  .map(({ ReferenceID, dn, connId, userData }) => {
    const Event: Obj = { message: 'EventUserEvent', ThisDN: dn };
    if (connId !== null) Event.ConnID = connId;
    if (userData !== null) Event.UserData = userData;
    return { message: 'RequestSendEvent', ReferenceID, ThisDN: dn, Event };
  });
const validRequest = fc.oneof(
  { weight: 1, arbitrary: registerClient },
  { weight: 3, arbitrary: registerAddress },
  { weight: 1, arbitrary: unregisterAddress },
  { weight: 5, arbitrary: sendEvent },
);

/** Deeply nested JSON text: raw arrays/objects, or KV lists of the valid shape. */
const deepText = fc
  .record({ depth: fc.integer({ min: 10, max: 10_000 }), shape: fc.constantFrom('array', 'object', 'kv') })
  .map(({ depth, shape }) => {
    if (shape === 'array') return `${'['.repeat(depth)}${']'.repeat(depth)}`;
    if (shape === 'object') return `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
    return `${'[["k",'.repeat(depth)}"v"${']]'.repeat(depth)}`;
  });

const hugeString = fc.integer({ min: 1_000, max: 100_000 }).map((n) => 'x'.repeat(n));
const weirdValue = fc.oneof(
  { weight: 4, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
  {
    weight: 6,
    arbitrary: fc.constantFrom<unknown>(
      0,
      -1,
      2 ** 31,
      2 ** 31 - 1,
      1.5,
      1e308,
      Number.MAX_SAFE_INTEGER,
      '',
      ' ',
      GOOD_DN,
      BYSTANDER_DN,
      '1',
      'null',
      true,
      false,
      null,
      [],
      {},
      [[]],
      [['k']],
      [['k', null]],
      [[1, 'v']],
      [['k', 1.5]],
      [['k', 2 ** 40]],
      [['k', { binary: '!!' }]],
      [['k', { binary: 'QQ==', extra: 1 }]],
      'ABCDEF0123456789',
      '006b02a6c5a1e00',
      '006b02a6c5a1e0011',
      '0x6b02a6c5a1e001',
      'zzzzzzzzzzzzzzzz',
      { message: 'EventUserEvent', ThisDN: GOOD_DN },
      'x'.repeat(65),
    ),
  },
  { weight: 1, arbitrary: hugeString },
  { weight: 2, arbitrary: fc.string({ maxLength: 100, unit: 'binary' }) },
);
const attributeName = fc.oneof(
  {
    weight: 5,
    arbitrary: fc.constantFrom(
      'message',
      'ReferenceID',
      'ThisDN',
      'Event',
      'ApplicationName',
      'ConnID',
      'UserData',
      'EventSequenceNumber',
      'Time',
      'ErrorCode',
      '__proto__',
      'constructor',
      'toString',
      'hasOwnProperty',
    ),
  },
  { weight: 1, arbitrary: fc.string({ maxLength: 20 }) },
);
const messageName = fc.oneof(
  fc.constantFrom(
    'RequestRegisterClient',
    'RequestRegisterAddress',
    'RequestUnregisterAddress',
    'RequestSendEvent',
    'RequestMakeCall',
    'requestsendevent',
    'EventACK',
    'EventUserEvent',
    'EventError',
    '',
    '__proto__',
    'constructor',
    'toString',
    'hasOwnProperty',
  ),
  fc.string({ maxLength: 40, unit: 'binary' }),
);

type Mutation =
  | { op: 'delete'; pick: number; inEvent: boolean }
  | { op: 'set'; key: string; value: unknown; inEvent: boolean }
  | { op: 'deep'; key: string; inEvent: boolean }
  | { op: 'rename'; name: string }
  | { op: 'mismatch'; dn: string };

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ op: fc.constant('delete' as const), pick: fc.nat(), inEvent: fc.boolean() }),
  {
    weight: 4,
    arbitrary: fc.record({
      op: fc.constant('set' as const),
      key: attributeName,
      value: weirdValue,
      inEvent: fc.boolean(),
    }),
  },
  fc.record({ op: fc.constant('deep' as const), key: attributeName, inEvent: fc.boolean() }),
  fc.record({ op: fc.constant('rename' as const), name: messageName }),
  fc.record({ op: fc.constant('mismatch' as const), dn: anyDn }),
);

function mutate(base: Obj, mutations: Mutation[]): Obj {
  const obj: Obj = structuredClone(base);
  for (const m of mutations) {
    const event = obj.Event;
    const target =
      'inEvent' in m && m.inEvent && event !== null && typeof event === 'object' && !Array.isArray(event)
        ? (event as Obj)
        : obj;
    switch (m.op) {
      case 'delete': {
        const keys = Object.keys(target);
        const key = keys[m.pick % Math.max(keys.length, 1)];
        if (key !== undefined) delete target[key];
        break;
      }
      case 'set':
        setOwn(target, m.key, m.value);
        break;
      case 'deep':
        setOwn(target, m.key, DEEP);
        break;
      case 'rename':
        obj.message = m.name;
        break;
      case 'mismatch':
        if (event !== null && typeof event === 'object') (event as Obj).ThisDN = m.dn;
        break;
    }
  }
  return obj;
}

const eol = fc.constantFrom('\n', '\n', '\n', '\n', '\r\n', ' \t\n');
const cutFractions = fc.oneof(
  { weight: 7, arbitrary: fc.constant<number[]>([]) },
  { weight: 3, arbitrary: fc.array(fc.integer({ min: 1, max: 999 }), { minLength: 1, maxLength: 3 }) },
);
const INVALID_UTF8 = [[0xff], [0xfe], [0xc0, 0xaf], [0xed, 0xa0, 0x80], [0xe2, 0x82], [0x80], [0xf8, 0x88]];

/** A valid request, serialized and then damaged at the byte level. */
const corrupted = fc
  .record({
    request: validRequest,
    how: fc.constantFrom('invalid-utf8', 'flip', 'truncate', 'newline', 'bom', 'pretty', 'no-eol'),
    at: fc.integer({ min: 0, max: 1000 }),
    bad: fc.constantFrom(...INVALID_UTF8),
    mask: fc.integer({ min: 1, max: 255 }),
  })
  .map(({ request, how, at, bad, mask }): [string, Buffer] => {
    const text = Buffer.from(JSON.stringify(request), 'utf8');
    const i = Math.floor((at / 1000) * text.length);
    const nl = Buffer.from('\n');
    switch (how) {
      case 'invalid-utf8':
        return [how, Buffer.concat([text.subarray(0, i), Buffer.from(bad), text.subarray(i), nl])];
      case 'flip': {
        const b = Buffer.from(text);
        b[i % b.length] = (b[i % b.length] as number) ^ mask;
        return [how, Buffer.concat([b, nl])];
      }
      case 'truncate':
        return [how, Buffer.concat([text.subarray(0, i), nl])];
      case 'newline':
        return [how, Buffer.concat([text.subarray(0, i), nl, text.subarray(i), nl])];
      case 'bom':
        return [how, Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), text, nl])];
      case 'pretty':
        return [how, Buffer.from(`${JSON.stringify(request, null, 2)}\n`)];
      default:
        // A partial line: whatever the next frame on this connection writes completes it.
        return [how, text];
    }
  });

const frameArb: fc.Arbitrary<Frame> = fc
  .tuple(
    fc.oneof(
      {
        weight: 120,
        arbitrary: fc
          .tuple(validRequest, eol)
          .map(([r, end]): [string, string | Buffer] => ['valid', serialize(r, undefined, end)]),
      },
      {
        weight: 150,
        arbitrary: fc
          .tuple(validRequest, fc.array(mutation, { minLength: 1, maxLength: 3 }), deepText, eol)
          .map(([r, ms, deep, end]): [string, string | Buffer] => [
            `mutated:${ms.map((m) => m.op).join('+')}`,
            serialize(mutate(r, ms), deep, end),
          ]),
      },
      { weight: 40, arbitrary: corrupted.map(([how, b]): [string, string | Buffer] => [`bytes:${how}`, b]) },
      {
        weight: 25,
        arbitrary: fc
          .array(fc.oneof(fc.integer({ min: 0, max: 255 }), fc.constant(NEWLINE)), { maxLength: 200 })
          .map((a): [string, string | Buffer] => ['random-bytes', Buffer.from(a)]),
      },
      {
        weight: 25,
        arbitrary: fc
          .jsonValue()
          .map((v): [string, string | Buffer] => ['random-json', `${JSON.stringify(v) ?? 'null'}\n`]),
      },
      {
        weight: 25,
        arbitrary: fc
          .tuple(fc.dictionary(attributeName, weirdValue, { maxKeys: 5 }), messageName)
          .map(([d, name]): [string, string | Buffer] => {
            const o: Obj = {};
            for (const [k, v] of Object.entries(d)) setOwn(o, k, v);
            o.message = name;
            return ['random-object', serialize(o, undefined)];
          }),
      },
      {
        weight: 15,
        arbitrary: deepText.map((d): [string, string | Buffer] => ['deep-line', `${d}\n`]),
      },
      {
        weight: 20,
        arbitrary: fc
          .array(validRequest, { minLength: 2, maxLength: 5 })
          .map((rs): [string, string | Buffer] => [
            'pipelined',
            rs.map((r) => serialize(r, undefined)).join(''),
          ]),
      },
      {
        weight: 10,
        arbitrary: fc
          .constantFrom('\n', '\r\n', ' \n', '{}\n', '[]\n', 'null\n', '"x"\n', '{"message":1}\n')
          .map((s): [string, string | Buffer] => ['tiny', s]),
      },
      {
        // Around the 1 MiB line limit: exactly at it (allowed), just over it, well over it, and
        // an over-long line that never ends.
        weight: 1,
        arbitrary: fc
          .tuple(fc.constantFrom(0, 1, 2, 60_000), fc.boolean())
          .map(([over, newline]): [string, string | Buffer] => {
            const head = '{"message":"RequestSendEvent","ReferenceID":1,"Pad":"';
            const tail = '"}';
            const pad = MAX_LINE + over - head.length - tail.length;
            return [`oversize+${over}`, `${head}${'p'.repeat(pad)}${tail}${newline ? '\n' : ''}`];
          }),
      },
    ),
    cutFractions,
  )
  .map(([[kind, data], cuts]) => frame(kind, data, cuts));

interface Script {
  register: boolean;
  frames: Frame[];
}
const scriptArb: fc.Arbitrary<Script> = fc.record({
  register: fc.oneof({ weight: 4, arbitrary: fc.constant(true) }, fc.constant(false)),
  frames: fc.array(frameArb, FRAMES_PER_SCRIPT),
});

// --- a model of the server's framing, to know what each connection must get back -------------------

interface Outcome {
  /** Complete lines the server must answer (one reply each; the failing line included). */
  replies: number;
  /** The server must answer with a framing error and close the connection. */
  fatal: boolean;
  /** The bytes would register a good DN: never written (it would change the good pair's traffic). */
  forbidden: boolean;
  pending: Buffer;
}

/** Arrays and objects inside one another (the top object is 1), counted without recursion. */
function depthOf(value: unknown): number {
  let deepest = 0;
  const stack: Array<[unknown, number]> = [[value, 1]];
  for (let top = stack.pop(); top; top = stack.pop()) {
    const [v, depth] = top;
    if (v === null || typeof v !== 'object') continue;
    deepest = Math.max(deepest, depth);
    for (const child of Object.values(v)) stack.push([child, depth + 1]);
  }
  return deepest;
}

/** Line-level verdict: per spec, a framing error unless it is a UTF-8 JSON object with a string message. */
function lineVerdict(line: Buffer): { fatal: boolean; forbidden: boolean } {
  if (line.length > MAX_LINE || !isUtf8(line)) return { fatal: true, forbidden: false };
  let value: unknown;
  try {
    value = JSON.parse(line.toString('utf8'));
  } catch {
    return { fatal: true, forbidden: false };
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value))
    return { fatal: true, forbidden: false };
  if (depthOf(value) > MAX_DEPTH) return { fatal: true, forbidden: false };
  const o = value as Obj;
  if (typeof o.message !== 'string') return { fatal: true, forbidden: false };
  const forbidden =
    o.message === 'RequestRegisterAddress' && (o.ThisDN === GOOD_DN || o.ThisDN === BYSTANDER_DN);
  return { fatal: false, forbidden };
}

function feed(pending: Buffer, bytes: Buffer): Outcome {
  const data = pending.length ? Buffer.concat([pending, bytes]) : bytes;
  let replies = 0;
  let start = 0;
  let forbidden = false;
  for (let nl = data.indexOf(NEWLINE); nl !== -1; nl = data.indexOf(NEWLINE, start)) {
    const verdict = lineVerdict(data.subarray(start, nl));
    start = nl + 1;
    replies++;
    forbidden ||= verdict.forbidden;
    if (verdict.fatal) return { replies, fatal: true, forbidden, pending: Buffer.alloc(0) };
  }
  const rest = data.subarray(start);
  if (rest.length > MAX_LINE)
    return { replies: replies + 1, fatal: true, forbidden, pending: Buffer.alloc(0) };
  return { replies, fatal: false, forbidden, pending: Buffer.from(rest) };
}

// --- hostile clients ---------------------------------------------------------------------------------

interface Stats {
  frames: number;
  bytes: number;
  setupFrames: number;
  skipped: number;
  connections: number;
  kinds: Map<string, number>;
}

interface HostileConn {
  socket: Socket;
  replies: number;
  expected: number;
  pending: Buffer;
  /** We ended it, or sent a framing error: a close is expected. */
  closing: boolean;
  closed: boolean;
  done: Promise<void>;
  lastKinds: string[];
}

async function openHostile(port: number, problems: string[], stats: Stats): Promise<HostileConn> {
  const socket = connect({ host: '127.0.0.1', port, noDelay: true });
  let inbuf: Buffer = Buffer.alloc(0);
  const conn: HostileConn = {
    socket,
    replies: 0,
    expected: 0,
    pending: Buffer.alloc(0),
    closing: false,
    closed: false,
    done: Promise.resolve(),
    lastKinds: [],
  };
  socket.on('data', (chunk: Buffer) => {
    inbuf = inbuf.length ? Buffer.concat([inbuf, chunk]) : chunk;
    let start = 0;
    for (let nl = inbuf.indexOf(NEWLINE); nl !== -1; nl = inbuf.indexOf(NEWLINE, start)) {
      const line = inbuf.subarray(start, nl).toString('utf8');
      start = nl + 1;
      let m: WireMessage;
      try {
        m = JSON.parse(line) as WireMessage;
      } catch {
        problems.push(`server sent a line that is not JSON: ${line.slice(0, 120)}`);
        continue;
      }
      // A reply names its request (ReferenceID) or its error; a delivered Tevent, as given, has neither.
      if ('ReferenceID' in m || 'ErrorCode' in m) conn.replies++;
      else if (kvField(m, 'origin') !== undefined || (isGoodCall(m) && m.UserData === undefined)) {
        problems.push(`hostile client received ${m.message} of the good pair (ThisDN ${m.ThisDN})`);
      }
    }
    inbuf = inbuf.subarray(start);
  });
  socket.on('error', () => {}); // resets and broken pipes are part of the game
  conn.done = new Promise((resolve) =>
    socket.on('close', () => {
      conn.closed = true;
      if (!conn.closing) {
        problems.push(
          `server closed a hostile connection that sent no framing error (after ${conn.lastKinds.join(', ')})`,
        );
      }
      resolve();
    }),
  );
  await Promise.race([once(socket, 'connect'), once(socket, 'error').then(([e]) => Promise.reject(e))]);
  stats.connections++;
  return conn;
}

function write(socket: Socket, bytes: Buffer): Promise<boolean> {
  return new Promise((resolve) => {
    if (socket.destroyed || !socket.writable) return resolve(false);
    socket.write(bytes, (err) => resolve(!err));
  });
}

/** What one fast-check run records; once it has failed, the run stops early (fast shrinking). */
interface Run {
  problems: string[];
  failed(): boolean;
}

/** Waits for the connection to close and checks it got exactly the replies the model expects. */
async function finish(conn: HostileConn, why: string, run: Run): Promise<void> {
  const { problems } = run;
  conn.closing = true;
  if (why === 'end') conn.socket.end();
  let timer: NodeJS.Timeout | undefined;
  const givenUp = new Promise<void>((resolve) => {
    const since = Date.now();
    timer = setInterval(() => (run.failed() || Date.now() - since > 3000) && resolve(), 50);
  });
  await Promise.race([conn.done, givenUp]);
  clearInterval(timer);
  if (run.failed()) {
    conn.socket.destroy();
    return;
  }
  if (!conn.closed) {
    problems.push(`hostile connection still open 3 s after ${why} (after ${conn.lastKinds.join(', ')})`);
    conn.socket.destroy();
  }
  if (conn.replies !== conn.expected) {
    problems.push(
      `hostile connection got ${conn.replies} replies, expected ${conn.expected} (${why}; last frames ${conn.lastKinds.join(', ')})`,
    );
  }
}

async function runScript(port: number, script: Script, name: string, run: Run, stats: Stats): Promise<void> {
  const register = frame(
    'setup',
    `${JSON.stringify({ message: 'RequestRegisterClient', ReferenceID: 1, ApplicationName: name })}\n`,
  );
  const send = async (conn: HostileConn, f: Frame, setup: boolean): Promise<boolean> => {
    const outcome = feed(conn.pending, f.bytes);
    if (outcome.forbidden) {
      stats.skipped++;
      return false;
    }
    conn.lastKinds = [...conn.lastKinds.slice(-3), f.kind];
    // The server may close a connection while the rest of the frame that broke it is being written.
    if (outcome.fatal) conn.closing = true;
    const bounds = [0, ...f.cuts, f.bytes.length];
    const written: boolean[] = [];
    for (let i = 0; i + 1 < bounds.length; i++) {
      if (i > 0) await tick();
      written.push(await write(conn.socket, f.bytes.subarray(bounds[i], bounds[i + 1])));
    }
    if (outcome.fatal ? written[0] : written.every(Boolean)) {
      if (setup) stats.setupFrames++;
      else {
        stats.frames++;
        stats.bytes += f.bytes.length;
        stats.kinds.set(f.kind, (stats.kinds.get(f.kind) ?? 0) + 1);
      }
    }
    conn.pending = outcome.pending;
    conn.expected += outcome.replies;
    return outcome.fatal;
  };
  const open = async (): Promise<HostileConn> => {
    const conn = await openHostile(port, run.problems, stats);
    if (script.register) await send(conn, register, true);
    return conn;
  };
  let conn = await open();
  for (const f of script.frames) {
    if (run.failed()) break;
    if (conn.closed) conn = await open();
    if (await send(conn, f, false)) {
      await finish(conn, `framing error (${f.kind})`, run);
      conn = await open();
    }
  }
  await finish(conn, 'end', run);
}

/** A fresh raw client must still be able to register. */
async function probe(port: number, problems: string[]): Promise<void> {
  const socket = connect({ host: '127.0.0.1', port, noDelay: true });
  socket.on('error', () => {});
  try {
    await once(socket, 'connect');
    socket.write('{"message":"RequestRegisterClient","ReferenceID":7,"ApplicationName":"probe"}\n');
    const [chunk] = (await Promise.race([once(socket, 'data'), delay(3000).then(() => [undefined])])) as [
      Buffer | undefined,
    ];
    const reply = chunk && (JSON.parse(chunk.toString('utf8').split('\n')[0] ?? '') as WireMessage);
    if (reply?.message !== 'EventClientRegistered' || reply.ReferenceID !== 7) {
      problems.push(
        `probe client was not registered: ${chunk?.toString('utf8').slice(0, 200) ?? 'no reply'}`,
      );
    }
  } catch (e) {
    problems.push(`probe client failed: ${(e as Error).message}`);
  } finally {
    socket.destroy();
  }
}

/** The admin API must keep answering whatever the journal holds (GET /journal serializes hostile input). */
async function probeAdmin(adminUrl: string, problems: string[], journalStatuses: Map<number, number>) {
  try {
    const journal = await fetch(`${adminUrl}/journal`, { signal: AbortSignal.timeout(3000) });
    await journal.arrayBuffer();
    journalStatuses.set(journal.status, (journalStatuses.get(journal.status) ?? 0) + 1);
    // 500: the journal holds a message nested too deeply to serialize (see the report); not a crash.
    if (journal.status !== 200 && journal.status !== 500) problems.push(`GET /journal: ${journal.status}`);
    const health = await fetch(`${adminUrl}/health`, { signal: AbortSignal.timeout(3000) });
    const body = (await health.json()) as { ok?: boolean };
    if (health.status !== 200 || body.ok !== true) problems.push(`GET /health: ${health.status}`);
  } catch (e) {
    problems.push(`admin API failed: ${(e as Error).message}`);
  }
}

// --- the good pair -----------------------------------------------------------------------------------

const ACTIONS = ['start', 'pause', 'resume', 'stop'] as const;

function desktopData(seq: number): KVList {
  return [
    ['screen-capture', ACTIONS[seq % ACTIONS.length] as string],
    ['seq', seq],
    ['origin', 'desktop'],
  ];
}
function recorderData(seq: number): KVList {
  return [
    ['screen-capture-indication', `${ACTIONS[seq % ACTIONS.length]}ed`],
    ['seq', seq],
    ['origin', 'recorder'],
  ];
}

function kvField(event: WireMessage, key: string): unknown {
  const data = event.UserData;
  return Array.isArray(data)
    ? (data.find((p) => Array.isArray(p) && p[0] === key) as unknown[])?.[1]
    : undefined;
}

test('simulator survives >= 10,000 hostile frames while the good pair loses nothing', async (t) => {
  const seed = fuzzSeed(t);
  const started = performance.now();

  // Own crash detection for the test's duration (the runner's handlers would end the test at the
  // first exception, before fast-check can name the frames that caused it); restored afterwards.
  const uncaught: unknown[] = [];
  const onUncaught = (e: unknown) => uncaught.push(e);
  const saved = (['uncaughtException', 'unhandledRejection'] as const).map(
    (event) => [event, process.rawListeners(event)] as const,
  );
  for (const [event] of saved) {
    process.removeAllListeners(event);
    process.on(event, onUncaught);
  }

  // A bounded journal: still exercised, but hostile megabytes do not pile up. The SIP Server log is
  // on: it prints every hostile frame too (deep nesting, huge lines, control characters).
  const logFile = join(await mkdtemp(join(tmpdir(), 'fuzz-')), 'sip.log');
  const sipLog = sipServerLogFile(logFile);
  const sim = await startSimulator({
    port: 0,
    journal: new Journal({ limit: 1_000 }),
    sipLog: sipLog.writer,
  });
  const goodProblems: string[] = [];
  const links: TlibLink[] = [];
  try {
    const connectGood = async (applicationName: string) => {
      const link = await TlibLink.connect({
        host: sim.host,
        port: sim.port,
        applicationName,
        timeoutMs: 15_000,
      });
      links.push(link);
      link.onClose((reason) => goodProblems.push(`${applicationName} link closed: ${reason?.message}`));
      return link;
    };
    const desktop = await connectGood('desktop');
    const recorder = await connectGood('recorder');
    const bystander = await connectGood('bystander');
    const events = new Map<TlibLink, WireMessage[]>([
      [desktop, []],
      [recorder, []],
      [bystander, []],
    ]);
    for (const [link, list] of events) link.onEvent((e) => list.push(e));
    await desktop.registerDn(GOOD_DN);
    await recorder.registerDn(GOOD_DN);
    await bystander.registerDn(BYSTANDER_DN);
    const connId = sim.tserver.createCall(GOOD_DN).connId;

    // Recorder: answers every desktop event with an indication.
    const recorderAcks: Promise<TReply>[] = [];
    recorder.onEvent((e) => {
      if (e.message !== 'EventUserEvent' || kvField(e, 'origin') !== 'desktop') return;
      const seq = kvField(e, 'seq') as number;
      recorderAcks.push(
        recorder.request({
          message: 'RequestSendEvent',
          ThisDN: GOOD_DN,
          Event: { message: 'EventUserEvent', ThisDN: GOOD_DN, ConnID: connId, UserData: recorderData(seq) },
        }),
      );
    });

    // Desktop: keeps sending screen-capture events, two in flight, until the hostile side is done.
    let stopDesktop = false;
    const desktopAcks: Promise<TReply>[] = [];
    const desktopLoop = (async () => {
      let seq = 0;
      const inFlight = new Set<Promise<unknown>>();
      while (!stopDesktop || seq < 50) {
        seq++;
        const p = desktop.request({
          message: 'RequestSendEvent',
          ThisDN: GOOD_DN,
          Event: { message: 'EventUserEvent', ThisDN: GOOD_DN, ConnID: connId, UserData: desktopData(seq) },
        });
        desktopAcks.push(p);
        const settled = p.catch(() => {}).finally(() => inFlight.delete(settled));
        inFlight.add(settled);
        if (inFlight.size >= 2) await Promise.race(inFlight);
        await delay(1);
      }
      await Promise.all(inFlight);
      return seq;
    })();

    // The hostile side: batches of concurrent scripts, each batch one fast-check run.
    const adminUrl = sim.adminUrl ?? assert.fail('the simulator runs its admin API');
    const journalStatuses = new Map<number, number>();
    const stats: Stats = {
      frames: 0,
      bytes: 0,
      setupFrames: 0,
      skipped: 0,
      connections: 0,
      kinds: new Map(),
    };
    let batchNo = 0;
    try {
      await fc.assert(
        fc.asyncProperty(
          fc.array(scriptArb, { minLength: HOSTILE_CLIENTS, maxLength: HOSTILE_CLIENTS }),
          async (batch) => {
            const problems: string[] = [];
            const uncaughtBefore = uncaught.length;
            const run: Run = {
              problems,
              failed: () => problems.length > 0 || uncaught.length > uncaughtBefore,
            };
            batchNo++;
            await Promise.all(
              batch.map((script, i) => runScript(sim.port, script, `hostile-${batchNo}-${i}`, run, stats)),
            );
            await probe(sim.port, problems);
            await probeAdmin(adminUrl, problems, journalStatuses);
            for (const e of uncaught.slice(uncaughtBefore)) {
              problems.push(`uncaught: ${(e as Error)?.stack ?? String(e)}`);
            }
            if (problems.length) throw new Error(problems.slice(0, 5).join('\n'));
          },
        ),
        // Bounds shrinking after a failure; a run cut short by it fails the frame count below. Generous:
        // a passing run ends at NUM_RUNS (about 50 s alone on 2 cores), and a busy machine (test files
        // run side by side) must not turn a slow pass into a short count.
        { numRuns: NUM_RUNS, seed, interruptAfterTimeLimit: 240_000, includeErrorInReport: true },
      );
    } finally {
      stopDesktop = true;
    }

    const sent = await desktopLoop;
    const desktopReplies = await Promise.allSettled(desktopAcks);
    // Every desktop event is answered by the recorder; wait for the last indication to reach the desktop.
    await desktop.journal.waitFor(
      (e) =>
        e.direction === 'in' &&
        e.message.message === 'EventUserEvent' &&
        kvField(e.message, 'origin') === 'recorder' &&
        kvField(e.message, 'seq') === sent,
      { timeoutMs: 10_000, description: `the recorder's indication for desktop event ${sent}` },
    );
    // A barrier on each good link: the reply to a request comes after all the server sent that link
    // before it, so anything duplicated or misrouted has arrived (re-registering changes nothing).
    for (const [applicationName, link] of [
      ['desktop', desktop],
      ['recorder', recorder],
      ['bystander', bystander],
    ] as const)
      await link.request({ message: 'RequestRegisterClient', ApplicationName: applicationName });
    const recorderReplies = await Promise.allSettled(recorderAcks);

    const elapsed = ((performance.now() - started) / 1000).toFixed(1);
    const kinds = [...stats.kinds]
      .map(([k, n]) => [k.split(':')[0] as string, n] as const)
      .reduce((m, [k, n]) => m.set(k, (m.get(k) ?? 0) + n), new Map<string, number>());
    t.diagnostic(
      `hostile frames written: ${stats.frames} (${(stats.bytes / 2 ** 20).toFixed(1)} MiB) in ${batchNo} batches over ${stats.connections} connections, plus ${stats.setupFrames} RequestRegisterClient; ${stats.skipped} skipped (would register a good DN)`,
    );
    t.diagnostic(`frame kinds: ${[...kinds].map(([k, n]) => `${k}=${n}`).join(' ')}`);
    t.diagnostic(`good pair: ${sent} desktop events + ${sent} recorder indications; ${elapsed} s`);
    t.diagnostic(
      `GET /journal after each batch: ${[...journalStatuses].map(([status, n]) => `${n} x ${status}`).join(', ')}`,
    );

    // --- invariants ---
    assert.deepEqual(uncaught, [], 'no uncaught exception or unhandled rejection');
    assert.ok(
      stats.frames >= TARGET_FRAMES,
      `at least ${TARGET_FRAMES} hostile frames (got ${stats.frames})`,
    );
    assert.deepEqual(goodProblems, [], 'the good links stayed up');

    const seqs = Array.from({ length: sent }, (_, i) => i + 1);
    for (const [who, link] of [
      ['desktop', desktop],
      ['recorder', recorder],
    ] as const) {
      const received = events.get(link) ?? [];
      const userEvents = received.filter((e) => e.message === 'EventUserEvent');
      for (const origin of ['desktop', 'recorder']) {
        const mine = userEvents.filter((e) => kvField(e, 'origin') === origin);
        assert.deepEqual(
          mine.map((e) => kvField(e, 'seq')),
          seqs,
          `${who} received every ${origin} event exactly once, in order`,
        );
        for (const e of mine) {
          const seq = kvField(e, 'seq') as number;
          assert.equal(e.ThisDN, GOOD_DN);
          assert.equal(e.ConnID, connId);
          assert.deepEqual(e.UserData, origin === 'desktop' ? desktopData(seq) : recorderData(seq));
        }
      }
      const foreign = received.filter(
        (e) =>
          !(
            e.message === 'EventUserEvent' && ['desktop', 'recorder'].includes(kvField(e, 'origin') as string)
          ) && !(e.message === 'EventEstablished' && e.ConnID === connId && e.ThisDN === GOOD_DN),
      );
      assert.deepEqual(foreign, [], `${who} received nothing but the good pair's traffic`);
      const numbers = link.journal.entries
        .filter((e) => e.direction === 'in')
        .map((e) => e.message.EventSequenceNumber as number);
      assert.ok(
        numbers.every((n, i) => i === 0 || n > (numbers[i - 1] as number)),
        `${who}: EventSequenceNumber strictly increasing`,
      );
    }
    assert.deepEqual(events.get(bystander), [], `the ${BYSTANDER_DN} bystander received nothing`);
    for (const [who, replies] of [
      ['desktop', desktopReplies],
      ['recorder', recorderReplies],
    ] as const) {
      assert.equal(replies.length, sent, `${who}: one request per event`);
      const bad = replies.filter((r) => r.status !== 'fulfilled' || r.value.message !== 'EventACK');
      assert.deepEqual(bad, [], `${who}: every RequestSendEvent got EventACK`);
    }

    const health = await fetch(`${adminUrl}/health`);
    assert.equal(health.status, 200);
    const body = (await health.json()) as { ok: boolean; registrations: Record<string, number> };
    assert.equal(body.ok, true);
    assert.equal(body.registrations[GOOD_DN], 2, 'both good parties still registered on 7001');
    assert.equal(body.registrations[BYSTANDER_DN], 1, 'the bystander still registered on 7002');

    const late = await TlibLink.connect({ host: sim.host, port: sim.port, applicationName: 'late' });
    await late.registerDn('7003');
    await late.close();

    // One message is one message in the log, whatever the hostile clients named themselves: every
    // printed line is a form the log knows (no line a client's text split off).
    await sim.stop();
    await sipLog.close();
    const text = await readFile(logFile, 'utf8');
    const stray = text
      .split('\n')
      .filter((l) => l !== '' && !/^(\t|message |@\d|\d{4}-\d\d-\d\dT|\d\d:\d\d:\d\d\.\d{3} Trc)/.test(l));
    assert.deepEqual(stray.slice(0, 3), [], 'every line of the SIP Server log is one of its forms');
  } finally {
    for (const link of links) await link.close().catch(() => {});
    await sim.stop();
    await sipLog.close().catch(() => {});
    for (const [event, listeners] of saved) {
      process.off(event, onUncaught);
      for (const listener of listeners) process.on(event, listener as (...args: unknown[]) => void);
    }
  }
});

// --- the Workspace API front: CometD bodies of every JSON type, and long polls cut mid-way ----------

/** Bayeux-like messages with fields of any JSON type, beside plain JSON values of every kind. */
const bayeuxBody = fc.oneof(
  fc.jsonValue({ maxDepth: 4 }),
  fc.array(
    fc.oneof(
      fc.jsonValue({ maxDepth: 2 }),
      fc.record(
        {
          channel: fc.oneof(
            fc.constantFrom('/meta/handshake', '/meta/connect', '/meta/subscribe', '/meta/disconnect'),
            fc.constantFrom('/workspace/v3/voice', '/workspace/v3/initialization', '/x'),
            fc.jsonValue({ maxDepth: 1 }),
          ),
          clientId: fc.oneof(fc.string(), fc.jsonValue({ maxDepth: 1 })),
          id: fc.jsonValue({ maxDepth: 1 }),
          subscription: fc.jsonValue({ maxDepth: 1 }),
          data: fc.jsonValue({ maxDepth: 3 }),
          ext: fc.jsonValue({ maxDepth: 2 }),
          advice: fc.jsonValue({ maxDepth: 2 }),
          supportedConnectionTypes: fc.jsonValue({ maxDepth: 1 }),
        },
        { requiredKeys: [] },
      ),
    ),
    { maxLength: 4 },
  ),
);
const BAYEUX_BODIES = 2000;

test(`the Workspace front survives ${BAYEUX_BODIES} CometD bodies of every JSON type and polls cut mid-way`, async (t) => {
  const seed = fuzzSeed(t);
  const sim = await startSimulator({ workspace: {} });
  const url = `${sim.workspace?.url}/workspace/v3/notifications`;
  try {
    // A good session (bearer token, CometD on the voice channel, DN 7001) polls throughout.
    const form = new URLSearchParams({
      grant_type: 'password',
      username: 'agent7001',
      password: 'agent7001',
    });
    const token = (
      (await (
        await fetch(`${sim.workspace?.url}/auth/v3/oauth/token`, { method: 'POST', body: form })
      ).json()) as { access_token: string }
    ).access_token;
    const init = await fetch(`${sim.workspace?.url}/workspace/v3/initialize-workspace`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}` },
    });
    const cookies = init.headers.getSetCookie().map((c) => c.split(';')[0]);
    const post = async (body: unknown, signal?: AbortSignal) => {
      const res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', cookie: cookies.join('; ') },
        body: JSON.stringify(body),
        ...(signal ? { signal } : {}),
      });
      for (const c of res.headers.getSetCookie()) cookies.push(c.split(';')[0] as string);
      return res;
    };
    const [hs] = (await (
      await post([{ channel: '/meta/handshake', version: '1.0', supportedConnectionTypes: ['long-polling'] }])
    ).json()) as Array<{ clientId: string }>;
    const clientId = hs?.clientId as string;
    await post([{ channel: '/meta/subscribe', clientId, subscription: '/workspace/v3/voice' }]);
    await post([
      { channel: '/meta/connect', clientId, connectionType: 'long-polling', advice: { timeout: 0 } },
    ]);
    await fetch(`${sim.workspace?.url}/workspace/v3/activate-channels`, {
      method: 'POST',
      headers: { cookie: cookies.join('; ') },
      body: JSON.stringify({ data: { agentId: 'agent7001', dn: '7001' } }),
    });
    const connect = (signal?: AbortSignal) =>
      post([{ channel: '/meta/connect', clientId, connectionType: 'long-polling' }], signal);

    const statuses = new Map<number, number>();
    let posted = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(bayeuxBody, { minLength: 50, maxLength: 50 }), async (bodies) => {
        // Cut the good client's poll mid-way while the bodies arrive, then a new call: its next poll brings it.
        const cut = new AbortController();
        const held = connect(cut.signal).catch(() => undefined);
        const replies = await Promise.all(
          bodies.map((b) => fetch(url, { method: 'POST', body: JSON.stringify(b) })),
        );
        posted += bodies.length;
        for (const r of replies) {
          statuses.set(r.status, (statuses.get(r.status) ?? 0) + 1);
          await r.arrayBuffer();
          assert.ok(r.status === 200 || r.status === 400, `status ${r.status}`);
        }
        cut.abort();
        await held;
        const connId = sim.tserver.createCall('7001').connId;
        let got = '';
        for (let i = 0; i < 3 && !got.includes(connId); i++) got += await (await connect()).text();
        assert.ok(got.includes(connId), `the good session lost the event of call ${connId}: ${got}`);
      }),
      { seed, numRuns: BAYEUX_BODIES / 50, endOnFailure: true },
    );
    t.diagnostic(`${posted} bodies; statuses ${JSON.stringify(Object.fromEntries(statuses))}`);
    assert.ok(posted >= BAYEUX_BODIES);
    assert.equal((await fetch(`${sim.adminUrl}/health`)).status, 200);
  } finally {
    await sim.stop();
  }
});
