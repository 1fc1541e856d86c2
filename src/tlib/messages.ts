/**
 * The T-Lib messages of tlib-json (spec/tlib-json.md), typed exactly as they travel: attribute names
 * are T-Lib's without the `Attribute` prefix, so a decoded message is also its own wire form.
 */

/** A binary KV value; the bytes travel base64-encoded. */
export interface KVBinary {
  binary: string;
}
export type KVValue = string | number | KVBinary | KVList;
export type KVPair = [key: string, value: KVValue];
/** T-Lib KV list: ordered, keys may repeat. */
export type KVList = KVPair[];

/** Any JSON object carrying a `message` name: what is on the wire before (or without) validation. */
export interface WireMessage {
  message: string;
  [attribute: string]: unknown;
}

/**
 * The Tevent carried by RequestSendEvent. A T-Server does not check what it says (spec/tlib-json.md):
 * conforming desktops and recorders send an EventUserEvent on the request's ThisDN, but what it
 * carries is delivered as given, so its name is any string and its ThisDN any value.
 */
export interface Tevent {
  message: string;
  ThisDN?: unknown;
  ConnID?: string;
  UserData?: KVList;
}

export interface RequestRegisterClient {
  message: 'RequestRegisterClient';
  ReferenceID: number;
  ApplicationName: string;
}
export interface RequestRegisterAddress {
  message: 'RequestRegisterAddress';
  ReferenceID: number;
  ThisDN: string;
}
export interface RequestUnregisterAddress {
  message: 'RequestUnregisterAddress';
  ReferenceID: number;
  ThisDN: string;
}
export interface RequestSendEvent {
  message: 'RequestSendEvent';
  ReferenceID: number;
  ThisDN: string;
  Event: Tevent;
}
export type TRequest =
  | RequestRegisterClient
  | RequestRegisterAddress
  | RequestUnregisterAddress
  | RequestSendEvent;

/** Set by the server on every event it sends. */
interface EventStamp {
  EventSequenceNumber: number;
  Time: string;
}
export interface EventClientRegistered extends EventStamp {
  message: 'EventClientRegistered';
  ReferenceID: number;
  ServerName: string;
  ServerVersion: string;
}
export interface EventRegistered extends EventStamp {
  message: 'EventRegistered';
  ReferenceID: number;
  ThisDN: string;
}
export interface EventUnregistered extends EventStamp {
  message: 'EventUnregistered';
  ReferenceID: number;
  ThisDN: string;
}
export interface EventACK extends EventStamp {
  message: 'EventACK';
  ReferenceID: number;
  ThisDN?: string;
}
export interface EventError extends EventStamp {
  message: 'EventError';
  ReferenceID?: number;
  ThisDN?: string;
  ErrorCode: number;
  ErrorMessage: string;
}
export interface EventUserEvent extends EventStamp {
  message: 'EventUserEvent';
  ThisDN: string;
  ConnID?: string;
  UserData?: KVList;
}
export interface EventEstablished extends EventStamp {
  message: 'EventEstablished';
  ThisDN: string;
  ConnID: string;
}
export interface EventReleased extends EventStamp {
  message: 'EventReleased';
  ThisDN: string;
  ConnID: string;
}
/** The call on ThisDN is on hold (EventHeld) or back from hold (EventRetrieved). */
export interface EventHeld extends EventStamp {
  message: 'EventHeld';
  ThisDN: string;
  ConnID: string;
}
export interface EventRetrieved extends EventStamp {
  message: 'EventRetrieved';
  ThisDN: string;
  ConnID: string;
}
/**
 * The call ThisDN is on goes on under another ConnID (a transfer or conference completed): ConnID
 * is the call's ConnID from now on, PreviousConnID the one it had.
 */
export interface EventPartyChanged extends EventStamp {
  message: 'EventPartyChanged';
  ThisDN: string;
  ConnID: string;
  PreviousConnID: string;
}
/** Events about a voice call on ThisDN, which a T-Server distributes to the DN's registrants. */
export type CallEvent = EventEstablished | EventReleased | EventHeld | EventRetrieved | EventPartyChanged;

export type TEvent =
  | EventClientRegistered
  | EventRegistered
  | EventUnregistered
  | EventACK
  | EventError
  | EventUserEvent
  | CallEvent;

export type TMessage = TRequest | TEvent;

/** A request as a client writes it: the link assigns the ReferenceID. */
export type RequestBody<R extends TRequest = TRequest> = R extends TRequest ? Omit<R, 'ReferenceID'> : never;

/** Replies that answer a request by its ReferenceID. */
export type TReply = EventClientRegistered | EventRegistered | EventUnregistered | EventACK | EventError;

/**
 * Checks that a list of message names leaves none of the union `T` out (a name added to the
 * union and not to its list fails to type-check); `T extends` checks it names nothing else.
 */
const everyName =
  <T extends string>() =>
  <const L extends readonly T[]>(
    list: L & ([Exclude<T, L[number]>] extends [never] ? unknown : { missing: Exclude<T, L[number]> }),
  ): L =>
    list;

export const REQUEST_NAMES = everyName<TRequest['message']>()([
  'RequestRegisterClient',
  'RequestRegisterAddress',
  'RequestUnregisterAddress',
  'RequestSendEvent',
]);

const REPLIES = everyName<TReply['message']>()([
  'EventClientRegistered',
  'EventRegistered',
  'EventUnregistered',
  'EventACK',
  'EventError',
]);

const CALL_EVENTS = everyName<CallEvent['message']>()([
  'EventEstablished',
  'EventReleased',
  'EventHeld',
  'EventRetrieved',
  'EventPartyChanged',
]);

export const EVENT_NAMES = everyName<TEvent['message']>()([...REPLIES, 'EventUserEvent', ...CALL_EVENTS]);

/** The names of TReply: the events that answer a request by its ReferenceID. */
export const REPLY_NAMES: ReadonlySet<string> = new Set(REPLIES);

/** The names of CallEvent. */
export const CALL_EVENT_NAMES: ReadonlySet<string> = new Set(CALL_EVENTS);

/**
 * First value of `key` in a KV list (T-Lib's GetAsString semantics: the first pair wins). The list
 * may be as a party sent it, unchecked: an item that is no pair is no pair of `key`.
 */
export function kvGet(list: KVList | undefined, key: string): KVValue | undefined {
  const pair: unknown = list?.find((p: unknown) => Array.isArray(p) && p[0] === key);
  return (pair as KVPair | undefined)?.[1];
}
