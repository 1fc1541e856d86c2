/**
 * The one tlib-json codec: encodes messages as NDJSON lines and decodes parsed objects into typed
 * messages, naming the attribute at fault and why (`ConnID: expected 16 lower-case hex digits, got "xyz"`).
 */
import { decimal } from './decimal.ts';
import { TErr } from './errors.ts';
import {
  EVENT_NAMES,
  type KVList,
  type KVValue,
  REQUEST_NAMES,
  type TEvent,
  type Tevent,
  type TMessage,
  type TRequest,
  type WireMessage,
} from './messages.ts';

export const MAX_DN_LENGTH = 64;
export const MAX_REFERENCE_ID = 2 ** 31 - 1;
/** KV lists nest at most this deep: validation recurses, and a deeper list would overflow the stack. */
export const MAX_KV_DEPTH = 64;
const CONN_ID = /^[0-9a-f]{16}$/;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;

/** Why a message is invalid, with the T-Library error code the server answers it with. */
export interface DecodeProblem {
  code: number;
  /** Path of the attribute at fault, e.g. `Event.ThisDN` or `UserData[1][1]`. */
  attribute: string;
  reason: string;
}

export function problemText(p: DecodeProblem): string {
  return `${p.attribute}: ${p.reason}`;
}

export type Decoded<T> = { ok: true; value: T } | { ok: false; problem: DecodeProblem };

/** Thrown by validators; caught at the decode boundary and turned into a DecodeProblem. */
class InvalidAttribute extends Error {
  constructor(readonly problem: DecodeProblem) {
    super(problemText(problem));
  }
}

/** JSON rendering of a bad value for error messages, kept short. */
export function show(value: unknown): string {
  if (value === undefined) return 'nothing';
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    // Nested too deeply for JSON.stringify; String() would recurse (and overflow) the same way.
    text = Array.isArray(value) ? '[...]' : typeof value === 'object' ? '{...}' : String(value);
  }
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

/**
 * A field as people read it: a string or number as it is, anything else a peer may send (an object
 * whose `toString` is no function, on which String() and `${}` throw; a list) as its short JSON.
 */
export function asText(value: unknown): string {
  return typeof value === 'string' || typeof value === 'number' ? String(value) : show(value);
}

function fail(attribute: string, reason: string, code: number = TErr.INVALID_ATTR): never {
  throw new InvalidAttribute({ code, attribute, reason });
}

// --- value validators: each returns the value or throws InvalidAttribute naming `path` ----------

export function dnProblem(value: unknown): string | undefined {
  if (typeof value !== 'string' || value.length === 0 || value.length > MAX_DN_LENGTH) {
    return `expected a DN (a non-empty string of at most ${MAX_DN_LENGTH} characters), got ${show(value)}`;
  }
  return undefined;
}

export function connIdProblem(value: unknown): string | undefined {
  if (typeof value !== 'string' || !CONN_ID.test(value)) {
    return `expected 16 lower-case hex digits, got ${show(value)}`;
  }
  return undefined;
}

export function referenceIdProblem(value: unknown): string | undefined {
  if (!Number.isInteger(value) || (value as number) < 1 || (value as number) > MAX_REFERENCE_ID) {
    return `expected an integer from 1 to ${MAX_REFERENCE_ID}, got ${show(value)}`;
  }
  return undefined;
}

function dn(value: unknown, path: string): string {
  const p = dnProblem(value);
  return p ? fail(path, p) : (value as string);
}

function connId(value: unknown, path: string): string {
  const p = connIdProblem(value);
  return p ? fail(path, p, TErr.INV_CONNID) : (value as string);
}

function referenceId(value: unknown, path: string): number {
  const p = referenceIdProblem(value);
  return p ? fail(path, p) : (value as number);
}

function string(value: unknown, path: string): string {
  return typeof value === 'string' ? value : fail(path, `expected a string, got ${show(value)}`);
}

function nonNegativeInt(value: unknown, path: string): number {
  return Number.isSafeInteger(value) && (value as number) >= 0
    ? (value as number)
    : fail(path, `expected a non-negative integer, got ${show(value)}`);
}

function valuePath(list: string, i: number): string {
  return `${list}[${i}][1]`;
}

/** The value of pair `i` of the KV list at `list`: its path is made only when needed (this runs for every pair). */
function kvValue(value: unknown, list: string, i: number, depth: number): KVValue {
  if (typeof value === 'string') return value;
  if (typeof value === 'number') {
    if (Number.isInteger(value) && value >= INT32_MIN && value <= INT32_MAX) return value;
    return fail(valuePath(list, i), `expected a 32-bit integer, got ${show(value)}`);
  }
  if (Array.isArray(value)) return kvList(value, valuePath(list, i), depth + 1);
  if (value !== null && typeof value === 'object') {
    const keys = Object.keys(value);
    const bin = (value as { binary?: unknown }).binary;
    if (keys.length === 1 && typeof bin === 'string' && BASE64.test(bin)) return { binary: bin };
    return fail(valuePath(list, i), `expected {"binary": "<base64>"}, got ${show(value)}`);
  }
  return fail(
    valuePath(list, i),
    `expected a string, an integer, {"binary": "<base64>"} or a KV list, got ${show(value)}`,
  );
}

function kvList(value: unknown, path: string, depth = 1): KVList {
  if (!Array.isArray(value))
    return fail(path, `expected a KV list (an array of [key, value] pairs), got ${show(value)}`);
  if (depth > MAX_KV_DEPTH) return fail(path, `KV lists nested more than ${MAX_KV_DEPTH} deep`);
  return value.map((pair, i) => {
    if (!Array.isArray(pair) || pair.length !== 2) {
      return fail(`${path}[${i}]`, `expected a [key, value] pair, got ${show(pair)}`);
    }
    // The path is made only for a key that is not a string.
    const key = typeof pair[0] === 'string' ? pair[0] : string(pair[0], `${path}[${i}][0]`);
    return [key, kvValue(pair[1], path, i, depth)];
  });
}

function time(value: unknown, path: string): string {
  return typeof value === 'string' && !Number.isNaN(Date.parse(value))
    ? value
    : fail(path, `expected an ISO-8601 time, got ${show(value)}`);
}

/**
 * The Tevent of RequestSendEvent: only what a T-Server reads to route and encode it is checked (its
 * name is a string, a ConnID well formed, UserData a KV list); its ThisDN is kept as given.
 */
function tevent(value: unknown, path: string): Tevent {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    return fail(path, `expected a Tevent object, got ${show(value)}`);
  }
  const e = value as Record<string, unknown>;
  const out: Tevent = { message: string(e.message, `${path}.message`) };
  if (e.ThisDN !== undefined) out.ThisDN = e.ThisDN;
  if (e.ConnID !== undefined) out.ConnID = connId(e.ConnID, `${path}.ConnID`);
  if (e.UserData !== undefined) out.UserData = kvList(e.UserData, `${path}.UserData`);
  return out;
}

/**
 * What a strict T-Server (`sim --strict`) also refuses with 53: a Tevent that is not an
 * EventUserEvent on the request's own ThisDN. Undefined when there is nothing to refuse.
 */
export function strictTeventProblem(request: { ThisDN: string; Event: Tevent }): DecodeProblem | undefined {
  const { Event: e, ThisDN } = request;
  if (e.message !== 'EventUserEvent')
    return {
      code: TErr.INVALID_ATTR,
      attribute: 'Event.message',
      reason: `expected "EventUserEvent", got ${show(e.message)}`,
    };
  if (e.ThisDN !== ThisDN)
    return {
      code: TErr.INVALID_ATTR,
      attribute: 'Event.ThisDN',
      reason: `expected ${show(ThisDN)} (the request's ThisDN), got ${show(e.ThisDN)}`,
    };
  return undefined;
}

// --- message schemas -----------------------------------------------------------------------------

type Validator = (value: unknown, path: string) => unknown;
interface AttributeSpec {
  validate: Validator;
  optional?: boolean;
}
type Schema = Record<string, AttributeSpec>;
/** A schema's attributes, listed once (decoding runs for every message). */
type SchemaEntries = ReadonlyArray<readonly [string, AttributeSpec]>;

const REQ = { validate: referenceId };
const DN = { validate: dn };
const STAMP: Schema = {
  EventSequenceNumber: { validate: nonNegativeInt },
  Time: { validate: time },
};
/** The spec asks EventSequenceNumber of distributed events only; a reply may carry one. */
const REPLY_STAMP: Schema = {
  EventSequenceNumber: { validate: nonNegativeInt, optional: true },
  Time: { validate: time },
};

const SCHEMAS: Record<TMessage['message'], Schema> = {
  RequestRegisterClient: { ReferenceID: REQ, ApplicationName: { validate: string } },
  RequestRegisterAddress: { ReferenceID: REQ, ThisDN: DN },
  RequestUnregisterAddress: { ReferenceID: REQ, ThisDN: DN },
  RequestSendEvent: { ReferenceID: REQ, ThisDN: DN, Event: { validate: tevent } },
  EventClientRegistered: {
    ReferenceID: REQ,
    ServerName: { validate: string },
    ServerVersion: { validate: string },
    ...REPLY_STAMP,
  },
  EventRegistered: { ReferenceID: REQ, ThisDN: DN, ...REPLY_STAMP },
  EventUnregistered: { ReferenceID: REQ, ThisDN: DN, ...REPLY_STAMP },
  EventACK: { ReferenceID: REQ, ThisDN: { validate: dn, optional: true }, ...REPLY_STAMP },
  EventError: {
    ReferenceID: { validate: referenceId, optional: true },
    ThisDN: { validate: dn, optional: true },
    ErrorCode: { validate: nonNegativeInt },
    ErrorMessage: { validate: string },
    ...REPLY_STAMP,
  },
  EventUserEvent: {
    ThisDN: DN,
    ConnID: { validate: connId, optional: true },
    UserData: { validate: kvList, optional: true },
    ...STAMP,
  },
  EventEstablished: { ThisDN: DN, ConnID: { validate: connId }, ...STAMP },
  EventReleased: { ThisDN: DN, ConnID: { validate: connId }, ...STAMP },
  EventHeld: { ThisDN: DN, ConnID: { validate: connId }, ...STAMP },
  EventRetrieved: { ThisDN: DN, ConnID: { validate: connId }, ...STAMP },
  EventPartyChanged: {
    ThisDN: DN,
    ConnID: { validate: connId },
    PreviousConnID: { validate: connId },
    ...STAMP,
  },
};

const SCHEMA_ENTRIES = Object.fromEntries(
  Object.entries(SCHEMAS).map(([name, schema]) => [name, Object.entries(schema)]),
) as unknown as Record<TMessage['message'], SchemaEntries>;

const REQUESTS = new Set<string>(REQUEST_NAMES);
const EVENTS = new Set<string>(EVENT_NAMES);

export function isRequestName(name: string): name is TRequest['message'] {
  return REQUESTS.has(name);
}
export function isEventName(name: string): name is TEvent['message'] {
  return EVENTS.has(name);
}

/** Validates against a message's schema, keeping only the known attributes (unknown ones are ignored). */
function decodeWith<T extends TMessage>(wire: WireMessage, schema: SchemaEntries): Decoded<T> {
  try {
    const out: Record<string, unknown> = { message: wire.message };
    for (const [name, spec] of schema) {
      const value = wire[name];
      if (value === undefined) {
        if (!spec.optional) fail(name, 'missing');
        continue;
      }
      out[name] = spec.validate(value, name);
    }
    return { ok: true, value: out as unknown as T };
  } catch (e) {
    if (e instanceof InvalidAttribute) return { ok: false, problem: e.problem };
    throw e;
  }
}

/** Decodes a client's request. An unknown `message` is TERR_UNSUP_OPER (51). */
export function decodeRequest(wire: WireMessage): Decoded<TRequest> {
  if (!isRequestName(wire.message)) {
    return {
      ok: false,
      problem: {
        code: TErr.UNSUP_OPER,
        attribute: 'message',
        reason: `unknown request ${show(wire.message)}`,
      },
    };
  }
  return decodeWith<TRequest>(wire, SCHEMA_ENTRIES[wire.message]);
}

/** Decodes a server's event. */
export function decodeEvent(wire: WireMessage): Decoded<TEvent> {
  if (!isEventName(wire.message)) {
    return {
      ok: false,
      problem: { code: TErr.UNSUP_OPER, attribute: 'message', reason: `unknown event ${show(wire.message)}` },
    };
  }
  return decodeWith<TEvent>(wire, SCHEMA_ENTRIES[wire.message]);
}

/** Decodes either direction. */
export function decodeMessage(wire: WireMessage): Decoded<TMessage> {
  return isEventName(wire.message) ? decodeEvent(wire) : decodeRequest(wire);
}

/** One NDJSON line. */
export function encode(message: TMessage | WireMessage): string {
  return `${JSON.stringify(message)}\n`;
}

/**
 * JSON.stringify(s): the same text, written here when no character of `s` needs escaping (a DN
 * seldom has one). Each call of the builtin costs half of stringifying a whole event.
 */
function quoted(s: string): string {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    // Control characters, `"`, `\` and surrogates (escaped unless paired): the builtin decides.
    if (c < 0x20 || c === 0x22 || c === 0x5c || (c >= 0xd800 && c <= 0xdfff)) return JSON.stringify(s);
  }
  return `"${s}"`;
}

const ACK_KEYS = ['message', 'ReferenceID', 'ThisDN'];

/** `{ message: 'EventACK', ReferenceID, ThisDN }` exactly, keys in that order, an integer and a string. */
function isPlainAck(event: Record<string, unknown>): boolean {
  if (
    event.message !== 'EventACK' ||
    !Number.isSafeInteger(event.ReferenceID) ||
    typeof event.ThisDN !== 'string'
  )
    return false;
  let k = 0;
  for (const key in event) if (key !== ACK_KEYS[k++]) return false;
  return k === ACK_KEYS.length;
}

/**
 * The line `encode` writes for `event` stamped as `Object.assign({}, event, { EventSequenceNumber,
 * Time })`, made without that object: the stamp is appended to the event's JSON, and an EventACK
 * (the reply to every relayed event) is written by hand, a third of JSON.stringify's cost. `time`:
 * an isoMicros() text, which has nothing JSON escapes: it is written as it is (quoting it by the
 * builtin, or checking it first, cost as much as stringifying the whole event).
 */
export function encodeStamped(event: object, sequence: number, time: string): string {
  const e = event as Record<string, unknown>;
  const stamp = `"EventSequenceNumber":${decimal(sequence)},"Time":"${time}"}\n`;
  if (isPlainAck(e))
    return `{"message":"EventACK","ReferenceID":${decimal(e.ReferenceID as number)},"ThisDN":${quoted(e.ThisDN as string)},${stamp}`;
  // Stamped already (a Tevent as given): assigning keeps those keys where they are; an own
  // `__proto__` (JSON.parse makes one) is not copied by assigning, so it is not written either.
  if ('EventSequenceNumber' in e || 'Time' in e || Object.hasOwn(e, '__proto__'))
    return `${JSON.stringify(Object.assign({}, e, { EventSequenceNumber: sequence, Time: time }))}\n`;
  const json = JSON.stringify(e);
  return json === '{}' ? `{${stamp}` : `${json.slice(0, -1)},${stamp}`;
}
