/**
 * How a party talks to a T-Server, whatever the transport (DESIGN section 2): register DNs, send a
 * request and await its EventACK/EventError by ReferenceID, receive events, close. Every message in
 * and out goes to the journal.
 */
import type { Journal } from '../journal.ts';
import { asText } from '../tlib/codec.ts';
import { describeErrorCode } from '../tlib/errors.ts';
import type { EventError, RequestBody, TReply, WireMessage } from '../tlib/messages.ts';

/** Where a T-Server (or a Workspace API front) listens. */
export interface Endpoint {
  host: string;
  port: number;
}

export interface ServerIdentity {
  name: string;
  version: string;
}

export interface Link {
  /** Who this link speaks for in the journal: `desktop`, `recorder`, ... */
  readonly party: string;
  readonly journal: Journal;
  /** From EventClientRegistered. */
  readonly server: ServerIdentity;
  /** Resolves to the request's reply: EventACK (or its success event) or EventError. */
  request(body: RequestBody): Promise<TReply>;
  /** Registers (monitors) a DN; rejects with LinkRequestError on EventError. */
  registerDn(dn: string): Promise<void>;
  unregisterDn(dn: string): Promise<void>;
  /** Every unsolicited event (and any reply nobody waits for); returns the unsubscribe function. */
  onEvent(listener: (event: WireMessage) => void): () => void;
  /** Called once when the link goes down, with why (undefined after `close()`). */
  onClose(listener: (reason: Error | undefined) => void): () => void;
  /** A link that reconnects by itself calls `listener` once connected and registered as a client
   *  again, for its party to re-register its DNs; absent on links that do not reconnect. */
  onReconnect?(listener: () => Promise<void>): () => void;
  close(): Promise<void>;
}

/** A request the T-Server refused with EventError. */
export class LinkRequestError extends Error {
  override name = 'LinkRequestError';
  constructor(
    readonly request: WireMessage,
    readonly reply: EventError,
  ) {
    super(
      `${request.message}${request.ThisDN ? ` on ${asText(request.ThisDN)}` : ''} refused: ${describeRefusal(reply)}`,
    );
  }
}

/** `EventError 41 (TERR_NOT_REGISTERED): text`, as the T-Server sent it: its code and text may be any JSON value. */
export function describeRefusal(reply: EventError): string {
  const code: unknown = reply.ErrorCode;
  return `EventError ${typeof code === 'number' ? describeErrorCode(code) : asText(code)}: ${asText(reply.ErrorMessage)}`;
}

/** `RequestSendEvent (ReferenceID 5, ThisDN 7001)` */
export function describeRequest(request: WireMessage): string {
  const parts = [`ReferenceID ${asText(request.ReferenceID)}`];
  if (request.ThisDN !== undefined) parts.push(`ThisDN ${asText(request.ThisDN)}`);
  return `${request.message} (${parts.join(', ')})`;
}
