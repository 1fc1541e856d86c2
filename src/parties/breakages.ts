/**
 * Deliberately broken parties, each breaking exactly one thing. They prove that the suite
 * discriminates: run with any of them in its seat, the suite must fail and name the rule it
 * violates. Definitions (data) first; what each does to its party below.
 */
import type { RuleId } from '../domain/rule-catalog.ts';
import { isOperation, SCREEN_CAPTURE_KEY, screenCaptureValue } from '../domain/screencap.ts';
import type { Seat } from '../domain/seats.ts';
import {
  type ClientSession,
  type RefusalArgs,
  TServer,
  type TServerOptions,
  type Unstamped,
} from '../sim/tserver.ts';
import { TErr } from '../tlib/errors.ts';
import type { EventUserEvent, RequestSendEvent, WireMessage } from '../tlib/messages.ts';
import type { MockDesktopOptions, SendEventBody, Tamper } from './desktop.ts';
import type { MockRecorderOptions } from './recorder.ts';

export interface Breakage {
  id: string;
  seat: Seat;
  text: string;
  /** The rule a run with this party must fail. */
  violates: RuleId;
  /** It misbehaves only once its connection dropped or it was restarted (serviceability scenarios). */
  whenInterrupted?: true;
}

export const BREAKAGES = [
  {
    id: 'desktop-unregistered-dn',
    seat: 'desktop',
    violates: 'DESK-REGISTERED',
    text: 'sends on its DN without registering it',
  },
  {
    id: 'desktop-thisdn-mismatch',
    seat: 'desktop',
    violates: 'DESK-THISDN',
    text: 'Tevent ThisDN differs from AttrThisDN',
  },
  {
    id: 'desktop-wrong-message-type',
    seat: 'desktop',
    violates: 'DESK-MSGTYPE',
    text: 'Tevent message is EventUserData',
  },
  {
    id: 'desktop-omits-connid',
    seat: 'desktop',
    violates: 'DESK-CONNID',
    text: 'omits the ConnID during a call',
  },
  {
    id: 'desktop-previous-connid',
    seat: 'desktop',
    violates: 'DESK-CONNID',
    text: 'ignores EventPartyChanged: after a transfer it sends the previous ConnID',
  },
  {
    id: 'desktop-held-connid',
    seat: 'desktop',
    violates: 'DESK-CONNID',
    text: "during a consultation it sends the held call's ConnID",
  },
  {
    id: 'desktop-other-agents-connid',
    seat: 'desktop',
    violates: 'DESK-CONNID',
    text: "takes the calls on another agent's DN for its own and sends their ConnID",
  },
  {
    id: 'desktop-unknown-operation',
    seat: 'desktop',
    violates: 'DESK-OPERATION',
    text: 'sends screen-capture = begin instead of start',
  },
  { id: 'tserver-no-ack', seat: 'tserver', violates: 'TSRV-REPLY', text: 'never sends EventACK' },
  {
    id: 'tserver-wrong-ack-reference',
    seat: 'tserver',
    violates: 'TSRV-REPLY',
    text: 'acknowledges with a wrong ReferenceID',
  },
  {
    id: 'tserver-accepts-unregistered',
    seat: 'tserver',
    violates: 'TSRV-REFUSES-UNREGISTERED',
    text: 'acknowledges and delivers a RequestSendEvent on a DN its sender did not register',
  },
  {
    id: 'tserver-wrong-error-code',
    seat: 'tserver',
    violates: 'TSRV-ERROR-CODE',
    text: 'refuses what it cannot read or perform with EventError 52 (TERR_INTERNAL), whatever the reason',
  },
  {
    id: 'tserver-delivers-to-all',
    seat: 'tserver',
    violates: 'TSRV-DELIVERY',
    text: 'delivers events to clients that do not monitor the DN',
  },
  {
    id: 'tserver-delivers-refused',
    seat: 'tserver',
    violates: 'TSRV-REFUSED-NOT-DELIVERED',
    text: 'delivers requests it refused',
  },
  {
    id: 'tserver-strips-userdata',
    seat: 'tserver',
    violates: 'TSRV-PRESERVE',
    text: 'delivers operations without their UserData',
  },
  {
    id: 'tserver-indications-lose-connid',
    seat: 'tserver',
    violates: 'DESK-RECEIVES-INDICATION',
    text: 'delivers indications without their ConnID',
  },
  {
    id: 'recorder-unregistered-dn',
    seat: 'recorder',
    violates: 'REC-REGISTERED',
    text: 'answers on a DN it did not register',
  },
  {
    id: 'recorder-thisdn-mismatch',
    seat: 'recorder',
    violates: 'REC-THISDN',
    text: 'Tevent ThisDN of its indications differs from AttrThisDN',
  },
  {
    id: 'recorder-wrong-message-type',
    seat: 'recorder',
    violates: 'REC-MSGTYPE',
    text: 'Tevent message of its indications is EventUserData',
  },
  {
    id: 'recorder-drops-connid',
    seat: 'recorder',
    violates: 'REC-CONNID',
    text: 'drops the ConnID from its indications',
  },
  {
    id: 'recorder-bad-indication',
    seat: 'recorder',
    violates: 'REC-INDICATION',
    text: 'answers "on" instead of enabled',
  },
  { id: 'recorder-never-answers', seat: 'recorder', violates: 'REC-ANSWER', text: 'never answers' },
  {
    id: 'recorder-answers-twice',
    seat: 'recorder',
    violates: 'REC-ANSWER',
    text: 'sends every indication twice',
  },
  {
    id: 'recorder-start-paused',
    seat: 'recorder',
    violates: 'REC-MAPPING',
    text: 'answers start with paused',
  },
  {
    id: 'recorder-query-changes-state',
    seat: 'recorder',
    violates: 'REC-QUERY-UNCHANGED',
    text: 'a query leaves it enabled',
  },
  {
    id: 'recorder-never-reconnects',
    whenInterrupted: true,
    seat: 'recorder',
    violates: 'REC-RECOVERS',
    text: 'stays away once its connection drops',
  },
  {
    id: 'recorder-forgets-dns',
    whenInterrupted: true,
    seat: 'recorder',
    violates: 'REC-RECOVERS',
    text: 'reconnects but does not re-register its DNs',
  },
  {
    id: 'recorder-reregisters-first-dn',
    whenInterrupted: true,
    seat: 'recorder',
    violates: 'REC-RECOVERS',
    text: 'reconnects but re-registers only its first DN',
  },
  {
    id: 'recorder-keeps-state-after-restart',
    whenInterrupted: true,
    seat: 'recorder',
    violates: 'REC-QUERY-UNCHANGED',
    text: 'restarted, it comes back in the state it had, not its initial state',
  },
  {
    id: 'desktop-forgets-dn',
    whenInterrupted: true,
    seat: 'desktop',
    violates: 'DESK-RECOVERS',
    text: 'reconnects but does not re-register its DN',
  },
  {
    id: 'desktop-forgets-call',
    whenInterrupted: true,
    seat: 'desktop',
    violates: 'DESK-RECOVERS',
    text: 'after reconnecting, forgets the call still established and sends no ConnID',
  },
  {
    id: 'desktop-keeps-lost-call',
    whenInterrupted: true,
    seat: 'desktop',
    violates: 'DESK-RECOVERS',
    text: 'after the T-Server restarts, still sends the ConnID of a call that did not survive it',
  },
  {
    id: 'desktop-sends-twice-after-link-down',
    seat: 'desktop',
    violates: 'DESK-NO-RESEND',
    text: 'replays an operation refused while the link to the switch was down before its next one, sending it twice',
  },
] as const satisfies readonly Breakage[];

export type BreakageId = (typeof BREAKAGES)[number]['id'];
/** The ids of the broken parties of seat `S`. */
type BreakageOf<S extends Seat> = Extract<(typeof BREAKAGES)[number], { seat: S }>['id'];

/** The ids of the broken parties of `seat`, or of every seat. */
export function breakagesOf(seat?: Seat): BreakageId[] {
  return BREAKAGES.filter((b) => seat === undefined || b.seat === seat).map((b) => b.id);
}

/**
 * `id` as the id of a broken party (of `seat`, when given); else an error that names the ids there
 * are, so a misspelt id never runs a conforming party.
 */
export function breakageId(id: string, seat?: Seat): BreakageId {
  const known = breakagesOf(seat);
  const found = known.find((k) => k === id);
  if (found === undefined)
    throw new Error(
      `unknown broken ${seat ?? 'party'} "${id}"; the broken ${seat ? `${seat}s` : 'parties'} are: ${known.join(', ')}`,
    );
  return found;
}

// --- what each does -----------------------------------------------------------------------------

/** Rewrites the Tevent of a RequestSendEvent. */
function editEvent(edit: (event: Record<string, unknown>, body: SendEventBody) => void): Tamper {
  return (body) => {
    const event = { ...body.Event } as Record<string, unknown>;
    edit(event, body);
    return { ...body, Event: event as unknown as SendEventBody['Event'] };
  };
}

const OTHER_DN = (dn: string) => `${dn}9`;

export interface DesktopBehaviour {
  register?: boolean;
  reregister?: boolean;
  replaysAfterLinkDown?: boolean;
  afterReconnect?: MockDesktopOptions['afterReconnect'];
  tamper?: Tamper;
  voiceDns?: readonly string[];
  voiceCall?: 'held';
  ignores?: readonly string[];
}

/** What `behaviours` holds for `id`, when `id` is a broken party of their seat. */
function behaviourOf<K extends BreakageId, B>(
  behaviours: Record<K, B>,
  id: BreakageId | undefined,
): B | undefined {
  return id !== undefined && Object.hasOwn(behaviours, id) ? behaviours[id as K] : undefined;
}

/** Whether a party's link reconnects by itself after a drop (the conforming ones do). */
export function reconnects(id: BreakageId | undefined): boolean {
  return id !== 'recorder-never-reconnects';
}

/** The voice DNs of the desktop's agent, and the DNs of the other agents. */
interface AgentDns {
  voiceDns: readonly string[];
  otherAgentsDns: readonly string[];
}

/** Every broken desktop, and what it changes of the mock desktop. */
const DESKTOP_BEHAVIOURS: Record<BreakageOf<'desktop'>, (agent: AgentDns) => DesktopBehaviour> = {
  'desktop-previous-connid': () => ({ ignores: ['EventPartyChanged'] }),
  'desktop-held-connid': () => ({ voiceCall: 'held' }),
  'desktop-other-agents-connid': (agent) => ({ voiceDns: [...agent.voiceDns, ...agent.otherAgentsDns] }),
  'desktop-unregistered-dn': () => ({ register: false }),
  'desktop-forgets-dn': () => ({ reregister: false }),
  'desktop-forgets-call': () => ({ afterReconnect: 'forgets-calls' }),
  'desktop-keeps-lost-call': () => ({ afterReconnect: 'keeps-calls' }),
  'desktop-sends-twice-after-link-down': () => ({ replaysAfterLinkDown: true }),
  'desktop-thisdn-mismatch': () => ({ tamper: editEvent((e, body) => (e.ThisDN = OTHER_DN(body.ThisDN))) }),
  'desktop-wrong-message-type': () => ({ tamper: editEvent((e) => (e.message = 'EventUserData')) }),
  'desktop-omits-connid': () => ({ tamper: editEvent((e) => delete e.ConnID) }),
  'desktop-unknown-operation': () => ({
    tamper: editEvent((e) => {
      if (screenCaptureValue(e.UserData) === 'start') e.UserData = [[SCREEN_CAPTURE_KEY, 'begin']];
    }),
  }),
};

/** The desktop as broken party `id` plays it; the conforming one (`{}`) for a party of another seat. */
export function desktopBehaviour(id: BreakageId | undefined, agent: AgentDns): DesktopBehaviour {
  return behaviourOf(DESKTOP_BEHAVIOURS, id)?.(agent) ?? {};
}

/** Every broken recorder, and what it changes of the mock recorder. */
const RECORDER_BEHAVIOURS: Record<BreakageOf<'recorder'>, Partial<MockRecorderOptions>> = {
  'recorder-unregistered-dn': {
    tamper: (body) => ({
      ...body,
      ThisDN: OTHER_DN(body.ThisDN),
      Event: { ...body.Event, ThisDN: OTHER_DN(body.ThisDN) },
    }),
  },
  'recorder-thisdn-mismatch': { tamper: editEvent((e, body) => (e.ThisDN = OTHER_DN(body.ThisDN))) },
  'recorder-wrong-message-type': { tamper: editEvent((e) => (e.message = 'EventUserData')) },
  'recorder-drops-connid': { tamper: editEvent((e) => delete e.ConnID) },
  'recorder-bad-indication': {
    tamper: editEvent((e) => {
      if (screenCaptureValue(e.UserData) === 'enabled') e.UserData = [[SCREEN_CAPTURE_KEY, 'on']];
    }),
  },
  'recorder-never-answers': { tamper: () => undefined },
  'recorder-answers-twice': { answersTwice: true },
  'recorder-start-paused': {
    mapping: { start: 'paused', stop: 'disabled', pause: 'paused', resume: 'enabled', query: 'current' },
  },
  'recorder-query-changes-state': { stateAfterQuery: 'enabled' },
  // The recorder itself conforms; its link does not reconnect (`reconnects`).
  'recorder-never-reconnects': {},
  'recorder-forgets-dns': { reregister: 'none' },
  'recorder-reregisters-first-dn': { reregister: 'first' },
  'recorder-keeps-state-after-restart': { keepsStateWhenRestarted: true },
};

/** The recorder as broken party `id` plays it; the conforming one (`{}`) for a party of another seat. */
export function recorderBehaviour(id: BreakageId | undefined): Partial<MockRecorderOptions> {
  return behaviourOf(RECORDER_BEHAVIOURS, id) ?? {};
}

const isOperationEvent = (event: Unstamped) =>
  event.message === 'EventUserEvent' && isOperation(screenCaptureValue(event.UserData));

class NoAckTServer extends TServer {
  protected override send(session: ClientSession, event: Unstamped): void {
    if (event.message !== 'EventACK') super.send(session, event);
  }
}

class WrongAckReferenceTServer extends TServer {
  protected override send(session: ClientSession, event: Unstamped): void {
    super.send(
      session,
      event.message === 'EventACK' ? { ...event, ReferenceID: event.ReferenceID + 1000 } : event,
    );
  }
}

class AcceptsUnregisteredTServer extends TServer {
  protected override refuse(...args: RefusalArgs): void {
    const [session, wire, code] = args;
    if (wire.message !== 'RequestSendEvent' || code !== TErr.NOT_REGISTERED) return super.refuse(...args);
    const request = wire as RequestSendEvent;
    this.send(session, { message: 'EventACK', ReferenceID: request.ReferenceID, ThisDN: request.ThisDN });
    this.distribute({ ...request.Event, message: 'EventUserEvent' } as Unstamped<EventUserEvent>);
  }
}

class WrongErrorCodeTServer extends TServer {
  protected override refuse(...[session, wire, code, reason]: RefusalArgs): void {
    const unreadable = [
      TErr.UNSUP_OPER,
      TErr.INVALID_ATTR,
      TErr.INV_CONNID,
      TErr.MSG_TYPE,
      TErr.BAD_MSG_LENGTH,
    ];
    super.refuse(session, wire, (unreadable as number[]).includes(code) ? TErr.INTERNAL : code, reason);
  }
}

class DeliversToAllTServer extends TServer {
  protected override recipients(): ReadonlySet<ClientSession> {
    return this.allSessions;
  }
}

class DeliversRefusedTServer extends TServer {
  protected override refuse(...args: RefusalArgs): void {
    super.refuse(...args);
    const [, wire] = args;
    const event = (wire as WireMessage).Event as Record<string, unknown> | undefined;
    if (wire.message === 'RequestSendEvent' && typeof wire.ThisDN === 'string' && event) {
      this.distribute({ ...event, message: 'EventUserEvent' } as Unstamped<EventUserEvent>, wire.ThisDN);
    }
  }
}

class StripsUserDataTServer extends TServer {
  protected override distribute(event: Unstamped<EventUserEvent>, dn?: string): void {
    if (!isOperationEvent(event)) return super.distribute(event, dn);
    const { UserData: _dropped, ...rest } = event;
    super.distribute(rest, dn);
  }
}

class IndicationsLoseConnIdTServer extends TServer {
  protected override distribute(event: Unstamped<EventUserEvent>, dn?: string): void {
    if (event.message !== 'EventUserEvent' || isOperationEvent(event)) return super.distribute(event, dn);
    const { ConnID: _dropped, ...rest } = event;
    super.distribute(rest, dn);
  }
}

/** Every broken T-Server, as the protocol engine that plays it. */
const ENGINES: Record<BreakageOf<'tserver'>, new (options: TServerOptions) => TServer> = {
  'tserver-no-ack': NoAckTServer,
  'tserver-wrong-ack-reference': WrongAckReferenceTServer,
  'tserver-accepts-unregistered': AcceptsUnregisteredTServer,
  'tserver-wrong-error-code': WrongErrorCodeTServer,
  'tserver-delivers-to-all': DeliversToAllTServer,
  'tserver-delivers-refused': DeliversRefusedTServer,
  'tserver-strips-userdata': StripsUserDataTServer,
  'tserver-indications-lose-connid': IndicationsLoseConnIdTServer,
};

/** The protocol engine for the simulator: broken as `id` says, or undefined for the conforming one. */
export function tserverEngine(
  id: BreakageId | undefined,
): ((options: TServerOptions) => TServer) | undefined {
  const Engine = behaviourOf(ENGINES, id);
  return Engine && ((options) => new Engine(options));
}
