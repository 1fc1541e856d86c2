/**
 * Workspace API voice notifications (channel /workspace/v3/voice, spec/workspace-api.md) and the
 * T-Lib messages they stand for, both ways: the Workspace link journals each notification as the
 * T-Lib event it reports, so the rules that judge tlib-json traffic judge it unchanged; the
 * simulator's Workspace API front turns its T-Lib events into these notifications.
 */
import { asText } from '../tlib/codec.ts';
import type { KVList, WireMessage } from '../tlib/messages.ts';
import { fromWorkspaceKv, toWorkspaceKv, type WorkspaceKv } from './kv.ts';

export const INITIALIZATION_CHANNEL = '/workspace/v3/initialization';
export const VOICE_CHANNEL = '/workspace/v3/voice';

export type CallState = 'Ringing' | 'Dialing' | 'Established' | 'Held' | 'Released' | 'Completed';

/** The part of the Workspace API's Call model that screen-capture control needs. */
export interface WorkspaceCall {
  id: string;
  /** The T-Lib ConnID. */
  connId: string;
  callUuid: string;
  state: CallState;
  callType?: string;
  participants?: unknown[];
  /** After a transfer or conference: the ConnID the call had (T-Lib's PreviousConnID). */
  previousConnId?: string;
  /** The agent's DN the call is on. */
  dn?: string;
}

export type VoiceNotification =
  | { messageType: 'EventUserEvent'; userData: WorkspaceKv[]; call?: WorkspaceCall }
  | { messageType: 'CallStateChanged'; notificationType: string; call: WorkspaceCall }
  | { messageType: 'DnStateChanged'; dn: { number: string; agentId?: string; agentState?: string } }
  | { messageType: 'EventError'; error: { errorCode: number; errorMessage: string } };

/** The T-Lib call event each call state stands for; `Completed` (after-call work done) has none. */
const CALL_EVENTS: Readonly<Record<string, string>> = {
  Ringing: 'EventRinging',
  Dialing: 'EventDialing',
  Established: 'EventEstablished',
  Held: 'EventHeld',
  Released: 'EventReleased',
};

export interface JournaledNotification {
  message: WireMessage;
  /** Why the notification does not say what its messageType promises, when it does not. */
  problem?: string;
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  v !== null && typeof v === 'object' && !Array.isArray(v);

/**
 * A notification as the T-Lib message it reports on `dn` (the DN the session activated, unless the
 * call names its own): EventUserEvent keeps its UserData and, when it names a call, the call's
 * ConnID; CallStateChanged becomes the call event of its state, EventRetrieved when a call `stateOf`
 * knows as held is established again, EventPartyChanged (with PreviousConnID) when the call names
 * a previousConnId it did not have before; EventError keeps its code and text. Any other
 * notification is journaled under its own messageType, with its fields, so nothing received goes
 * unrecorded.
 */
export function journalNotification(
  data: unknown,
  dn: string | undefined,
  stateOf: (connId: string) => CallState | undefined = () => undefined,
): JournaledNotification {
  if (!isObject(data))
    return { message: { message: 'Notification', Data: data }, problem: 'data: expected an object' };
  const on = dn === undefined ? {} : { ThisDN: dn };
  const { messageType, ...rest } = data;
  const call = isObject(data.call) ? data.call : undefined;
  const connId = typeof call?.connId === 'string' ? { ConnID: call.connId } : {};
  switch (messageType) {
    case 'EventUserEvent': {
      const userData = fromWorkspaceKv(data.userData);
      return userData.ok
        ? { message: { message: 'EventUserEvent', ...on, ...connId, UserData: userData.list } }
        : {
            message: { message: 'EventUserEvent', ...on, ...connId, UserData: data.userData },
            problem: userData.problem,
          };
    }
    case 'CallStateChanged': {
      const state = call?.state;
      const callOn = typeof call?.dn === 'string' ? { ThisDN: call.dn } : on;
      const previous = call?.previousConnId;
      if (typeof previous === 'string' && previous !== call?.connId && stateOf(previous) !== undefined)
        return {
          message: { message: 'EventPartyChanged', ...callOn, ...connId, PreviousConnID: previous },
        };
      const retrieved =
        state === 'Established' && typeof call?.connId === 'string' && stateOf(call.connId) === 'Held';
      const event = retrieved
        ? 'EventRetrieved'
        : typeof state === 'string' && Object.hasOwn(CALL_EVENTS, state)
          ? CALL_EVENTS[state]
          : undefined;
      const message: WireMessage = { message: event ?? 'CallStateChanged', ...callOn, ...connId };
      if (!event) message.CallState = state;
      if (call?.connId === undefined) return { message, problem: 'call.connId: missing' };
      return { message };
    }
    case 'EventError': {
      const error = isObject(data.error) ? data.error : {};
      // Number() and String() throw on an object whose valueOf and toString are no functions.
      const { errorCode, errorMessage } = error;
      const code =
        typeof errorCode === 'number' || typeof errorCode === 'string' ? Number(errorCode) : Number.NaN;
      return {
        message: {
          message: 'EventError',
          ...on,
          ErrorCode: code,
          ErrorMessage: errorMessage === undefined ? '' : asText(errorMessage),
        },
        ...(Number.isFinite(code) ? {} : { problem: 'error.errorCode: expected a number' }),
      };
    }
    default: {
      // The journal's name is the messageType: a field of the notification named `message` is kept
      // under the first of `Message`, `NotificationMessage`, `NotificationMessage2`, ... it does not
      // already have.
      const { message: field, ...fields } = rest;
      const name = typeof messageType === 'string' ? messageType : 'Notification';
      let kept = 'Message';
      for (let n = 1; Object.hasOwn(fields, kept); n++)
        kept = n === 1 ? 'NotificationMessage' : `NotificationMessage${n}`;
      return {
        message: { message: name, ...on, ...fields, ...(field === undefined ? {} : { [kept]: field }) },
      };
    }
  }
}

/**
 * The notification a session's client gets for a T-Lib event on its DN (the front's direction);
 * undefined for events the Workspace API does not relay. `callFor` gives the call a ConnID is part of.
 */
export function notificationFor(
  event: WireMessage,
  callFor: (connId: string, state: CallState, previousConnId?: string) => WorkspaceCall,
): VoiceNotification | undefined {
  const connId = typeof event.ConnID === 'string' ? event.ConnID : undefined;
  const changes: Readonly<Record<string, CallState>> = {
    EventEstablished: 'Established',
    EventRetrieved: 'Established',
    EventHeld: 'Held',
    EventReleased: 'Released',
  };
  switch (event.message) {
    case 'EventUserEvent':
      return {
        messageType: 'EventUserEvent',
        userData: toWorkspaceKv((event.UserData as KVList | undefined) ?? []),
        ...(connId ? { call: callFor(connId, 'Established') } : {}),
      };
    case 'EventEstablished':
    case 'EventRetrieved':
    case 'EventHeld':
    case 'EventReleased':
      if (!connId) return undefined;
      return {
        messageType: 'CallStateChanged',
        notificationType: 'StateChange',
        call: callFor(connId, changes[event.message] as CallState),
      };
    case 'EventPartyChanged':
      if (!connId || typeof event.PreviousConnID !== 'string') return undefined;
      return {
        messageType: 'CallStateChanged',
        notificationType: 'ParticipantsUpdated',
        call: callFor(connId, 'Established', event.PreviousConnID),
      };
    default:
      return undefined;
  }
}
