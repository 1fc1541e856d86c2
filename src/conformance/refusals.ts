/**
 * Requests a T-Server must refuse, one per EventError code the simulator can produce
 * (spec/tlib-json.md), as data: how to provoke it, and what must come back. Two are refused only
 * by a strict simulator; a T-Server acknowledges them and delivers their Tevent as given.
 */
import { operationRequest } from '../parties/desktop.ts';
import type { FaultSpec } from '../sim/faults.ts';
import { MAX_LINE_BYTES } from '../tlib/framing.ts';
import type { WireMessage } from '../tlib/messages.ts';

export interface Refusal {
  /** How a scenario names it. */
  name: string;
  code: number;
  /** The client must not have sent RequestRegisterClient. */
  unregisteredClient?: boolean;
  /** The client registers the DN first. */
  registersDn: boolean;
  /** A fault to inject first (simulator only). */
  fault?: FaultSpec;
  /** The T-Server must know only the agent DNs (simulator only). */
  knowsOnlyAgentDns?: boolean;
  /** A request, or raw bytes for framing errors. */
  build(dn: string): WireMessage | string;
  /** The T-Server closes the connection after the EventError (framing errors). */
  closes?: boolean;
  /**
   * Only a strict simulator (`sim --strict`) refuses it: a T-Server does not check what the Tevent
   * says, and distributes it as given (spec/tlib-json.md).
   */
  strict?: boolean;
}

/** The mock desktop's `start` on `dn`, its Tevent changed by `event`, sent as it stands (ReferenceID 77). */
const sendEvent = (dn: string, event: Record<string, unknown> = {}): WireMessage => {
  const { message, ...rest } = operationRequest(dn, 'start');
  return { message, ReferenceID: 77, ...rest, Event: { ...rest.Event, ...event } };
};

export const REFUSALS: readonly Refusal[] = [
  {
    name: 'a RequestSendEvent on a DN it did not register',
    code: 41,
    registersDn: false,
    build: (dn) => sendEvent(dn),
  },
  {
    name: 'an unknown request',
    code: 51,
    registersDn: true,
    build: (dn) => ({ message: 'RequestScreenCapture', ReferenceID: 77, ThisDN: dn }),
  },
  {
    name: 'a RequestSendEvent while an error is injected',
    code: 52,
    registersDn: true,
    fault: { kind: 'error', count: 1 },
    build: (dn) => sendEvent(dn),
  },
  {
    name: 'a Tevent that is not an EventUserEvent',
    code: 53,
    registersDn: true,
    strict: true,
    build: (dn) => sendEvent(dn, { message: 'EventAttachedDataChanged' }),
  },
  {
    name: 'a Tevent whose ThisDN differs from AttrThisDN',
    code: 53,
    registersDn: true,
    strict: true,
    build: (dn) => sendEvent(dn, { ThisDN: `${dn}9` }),
  },
  {
    name: 'a RequestSendEvent without ReferenceID',
    code: 53,
    registersDn: true,
    build: (dn) => ({ ...sendEvent(dn), ReferenceID: undefined }),
  },
  {
    name: 'a RequestSendEvent while the switch link is down',
    code: 54,
    registersDn: true,
    fault: { kind: 'link-down', count: 1 },
    build: (dn) => sendEvent(dn),
  },
  {
    name: 'a malformed ConnID',
    code: 56,
    registersDn: true,
    build: (dn) => sendEvent(dn, { ConnID: 'not-a-connid' }),
  },
  {
    name: 'a RequestSendEvent on a DN the T-Server does not know',
    code: 59,
    registersDn: false,
    knowsOnlyAgentDns: true,
    build: (dn) => sendEvent(`${dn}99`),
  },
  {
    name: 'a line that is not JSON',
    code: 102,
    registersDn: true,
    closes: true,
    build: () => 'screen-capture start\n',
  },
  {
    name: 'a line over 1 MiB',
    code: 107,
    registersDn: true,
    closes: true,
    build: () => `"${'x'.repeat(MAX_LINE_BYTES)}"\n`,
  },
  {
    name: 'a request before RequestRegisterClient',
    code: 229,
    registersDn: false,
    unregisteredClient: true,
    build: (dn) => sendEvent(dn),
  },
];

export function refusalByName(name: string): Refusal {
  const found = REFUSALS.find((r) => r.name === name);
  if (!found)
    throw new Error(`no refusal case "${name}"; known: ${REFUSALS.map((r) => `"${r.name}"`).join(', ')}`);
  return found;
}
