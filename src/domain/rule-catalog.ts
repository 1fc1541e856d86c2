/**
 * The conformance rules, as data: what each requires, of which seat, on which seed section
 * (seed/control-for-third-party-screen-recording.md). Their checkers live in checkers.ts.
 */
import type { Seat } from './seats.ts';

export interface RuleDefinition {
  id: string;
  /** The party the rule judges. */
  seat: Seat;
  /** Seed section: 1.1 Agent Desktop to T-Server, 1.2 T-Server to Recording Vendor, 1.3 Recording
   *  Indication for Voice Interactions (1.3.1 vendor to T-Server, 1.3.2 T-Server to desktop). */
  section: string;
  text: string;
  /** A reading the seed leaves implicit, made explicit and configurable (DESIGN section 4). */
  reading?: string;
}

export const SEED_SECTIONS: Readonly<Record<string, string>> = {
  '1.1': 'Agent Desktop to T-Server',
  '1.2': 'T-Server to Recording Vendor',
  '1.3': 'Recording Indication for Voice Interactions',
  '1.3.1': 'Recording Vendor to T-Server',
  '1.3.2': 'T-Server to Agent Desktop',
  reading: 'Not in the seed: a documented reading the harness takes (serviceability)',
};

export const RULES = [
  {
    id: 'DESK-REGISTERED',
    seat: 'desktop',
    section: '1.1',
    text: 'AttrThisDN of the desktop’s RequestSendEvent is a DN the desktop registered',
  },
  { id: 'DESK-THISDN', seat: 'desktop', section: '1.1', text: 'Tevent thisDN equals AttrThisDN' },
  { id: 'DESK-MSGTYPE', seat: 'desktop', section: '1.1', text: 'Tevent messageType is EventUserEvent' },
  {
    id: 'DESK-CONNID',
    seat: 'desktop',
    section: '1.1',
    text: 'Tevent connectionID is the ConnID of the agent’s voice call, as it is at that moment (on the agent’s voice DNs, which AttrThisDN need not be), and absent when the agent has no call',
  },
  {
    id: 'DESK-OPERATION',
    seat: 'desktop',
    section: '1.1',
    text: 'Tevent userData has screen-capture = start, stop, pause, resume or query',
  },
  {
    id: 'TSRV-REPLY',
    seat: 'tserver',
    section: '1.1',
    text: 'Every RequestSendEvent is answered by exactly one EventACK or EventError with its ReferenceID, within the allowed time',
    reading:
      'The seed says the T-Server responds; the harness allows each reply a configurable time (timeouts.requestMs, default 2000 ms).',
  },
  {
    id: 'TSRV-ERROR-CODE',
    seat: 'tserver',
    section: '1.1',
    text: 'A request it cannot read or perform is answered by EventError with the T-Library code of why and an ErrorMessage; after a line it cannot read, the T-Server closes the connection',
    reading:
      'The seed says EventError when the operation cannot be performed; which code says why is tlib-json’s (T-Library’s own codes): 102/107 for a line that is no message, 51 an unknown request, 53 a missing or invalid attribute, 56 a malformed ConnID. What a Tevent says is not the T-Server’s to check.',
  },
  {
    id: 'TSRV-REFUSED-NOT-DELIVERED',
    seat: 'tserver',
    section: '1.1',
    text: 'A request answered by EventError is not delivered to anyone',
  },
  {
    id: 'TSRV-REFUSES-UNREGISTERED',
    seat: 'tserver',
    section: '1.1',
    text: 'A RequestSendEvent on a DN its sender did not register is refused with EventError (41, TERR_NOT_REGISTERED) and delivered to no one',
    reading:
      'The seed says AttrThisDN "must be registered by the T-Client"; the harness reads that the T-Server enforces it, with T-Library’s TERR_NOT_REGISTERED (or TERR_NOT_CONFIGURED for a DN it does not know, TERR_MUST_REGISTER for a client that never registered).',
  },
  {
    id: 'TSRV-DELIVERY',
    seat: 'tserver',
    section: '1.2',
    text: 'An acknowledged event reaches every client monitoring its DN exactly once, and no other client',
  },
  {
    id: 'TSRV-PRESERVE',
    seat: 'tserver',
    section: '1.2',
    text: 'The EventUserEvent delivered for an operation keeps the Tevent’s thisDN, connectionID and userData',
  },
  {
    id: 'REC-REGISTERED',
    seat: 'recorder',
    section: '1.2',
    text: 'The recorder monitors (registered) the agent DN it receives operations on and answers on',
  },
  {
    id: 'REC-THISDN',
    seat: 'recorder',
    section: '1.3.1',
    text: 'Tevent thisDN of an indication equals AttrThisDN',
  },
  {
    id: 'REC-MSGTYPE',
    seat: 'recorder',
    section: '1.3.1',
    text: 'Tevent messageType of an indication is EventUserEvent',
  },
  {
    id: 'REC-CONNID',
    seat: 'recorder',
    section: '1.3.1',
    text: 'Tevent connectionID of an indication is the ConnID of the operation it answers (absent when it had none)',
  },
  {
    id: 'REC-INDICATION',
    seat: 'recorder',
    section: '1.3.1',
    text: 'Tevent userData of an indication has screen-capture = enabled, disabled or paused',
  },
  {
    id: 'REC-ANSWER',
    seat: 'recorder',
    section: '1.3',
    text: 'Every operation is answered by one indication on the same DN within the allowed time',
    reading:
      'The seed says the recorder answers query with an indication; the harness reads every operation as answered, within a configurable time (default 2000 ms).',
  },
  {
    id: 'REC-MAPPING',
    seat: 'recorder',
    section: '1.3',
    text: 'The indication answering start, stop, pause or resume is the configured one (default: enabled, disabled, paused, enabled)',
    reading:
      'The seed names the operations and the indications but not which answers which; the mapping is configurable.',
  },
  {
    id: 'REC-QUERY-UNCHANGED',
    seat: 'recorder',
    section: '1.1',
    text: 'query changes nothing: its indication is the state before it (the last indication; initially, and after the recorder restarts, disabled)',
    reading:
      'The state before any operation is configurable (initialState, default disabled); a recorder that restarts comes back in it, while one whose connection merely dropped keeps its last indication.',
  },
  {
    id: 'DESK-RECEIVES-INDICATION',
    seat: 'tserver',
    section: '1.3.2',
    text: 'Each indication reaches the agent desktop as an EventUserEvent with the recorder’s thisDN, connectionID and userData',
  },
  {
    id: 'REC-RECOVERS',
    seat: 'recorder',
    section: 'reading',
    text: 'After its connection drops, the T-Server restarts or it is restarted, the recorder reconnects, registers as a client and re-registers every agent DN it monitored within the allowed time, then answers the next operation',
    reading:
      'The seed says nothing of lost connections; recording vendors document that screen recording stops while the CTI link is down. The harness reads a conforming recorder as one that recovers by itself, within a configurable time (timeouts.recoverMs, default 10000 ms).',
  },
  {
    id: 'DESK-RECOVERS',
    seat: 'desktop',
    section: 'reading',
    text: 'After its connection drops or the T-Server restarts, the desktop reconnects, registers as a client and re-registers its agent DN within the allowed time, and its next operation carries the ConnID of the call still established (none if the call did not survive)',
    reading:
      'The seed says nothing of lost connections; the harness reads a conforming desktop as one that recovers by itself, within a configurable time (timeouts.recoverMs, default 10000 ms). A call survives a dropped connection, not a T-Server restart; a client that registers a DN is told the calls already there (docs/call-events.md), which is how a desktop learns which survived.',
  },
  {
    id: 'DESK-NO-RESEND',
    seat: 'desktop',
    section: 'reading',
    text: 'An operation refused because the link to the switch was down (EventError 54) is not sent twice once the link is back: of the same operation on the same DN, at most the allowed number is acknowledged before the desktop sends another',
    reading:
      'The seed says nothing of a link to the switch that is down; T-Library answers a request then with TERR_NO_SWITCH (54). The harness reads that a desktop may retry the refused operation, but not send it twice once the link is back; how many acknowledged sends are allowed is configurable (desktop.sendsAfterLinkDown, default 1).',
  },
] as const satisfies readonly RuleDefinition[];

export type RuleId = (typeof RULES)[number]['id'];

export const RULE_IDS: readonly RuleId[] = RULES.map((r) => r.id);

const BY_ID = new Map<string, RuleDefinition>(RULES.map((r) => [r.id, r]));

export function ruleById(id: string): RuleDefinition | undefined {
  return BY_ID.get(id);
}
