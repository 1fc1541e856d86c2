/**
 * Mock recording vendor (seed 1.2 and 1.3): monitors agent DNs, keeps the screen-capture state of
 * each (initially disabled), and answers every operation on a DN with one indication on that DN,
 * carrying the operation's ConnID. A reference implementation a recording vendor can read.
 */

import {
  CaptureStates,
  DEFAULT_MAPPING,
  type Indication,
  type IndicationMapping,
  isOperation,
  type Operation,
  SCREEN_CAPTURE_KEY,
  screenCaptureValue,
} from '../domain/screencap.ts';
import type { Link } from '../link/link.ts';
import type { Tevent, WireMessage } from '../tlib/messages.ts';
import type { SendEventBody, Tamper } from './desktop.ts';

export interface MockRecorderOptions {
  link: Link;
  /** The agent DNs it monitors. */
  dns: readonly string[];
  mapping?: IndicationMapping;
  initialState?: Indication;
  /** Wait this long before answering (default 0). */
  answerDelayMs?: number;
  tamper?: Tamper;
  /** Broken on purpose: sends each indication twice. */
  answersTwice?: boolean;
  /** Broken on purpose: the state a query leaves behind (a correct recorder leaves it unchanged). */
  stateAfterQuery?: Indication;
  /** Keep every answer in `answered` (default true; false under load, where it would only grow). */
  keepHistory?: boolean;
  /** Which DNs it registers again after its link reconnects (default every; broken parties: none, or the first). */
  reregister?: 'every' | 'first' | 'none';
  /** The state per DN it starts with (default: initialState on each). */
  restoredState?: ReadonlyMap<string, Indication>;
  /** Broken on purpose: restarted (`MockRecorder.restart`), it comes back in the state it had, not its initial state. */
  keepsStateWhenRestarted?: boolean;
}

export interface AnsweredOperation {
  dn: string;
  operation: Operation;
  indication: Indication;
}

export class MockRecorder {
  readonly link: Link;
  readonly dns: ReadonlySet<string>;
  readonly answered: AnsweredOperation[] = [];
  /** Answers that failed (EventError, no reply): kept, never thrown into the T-Server's event loop. */
  readonly errors: Error[] = [];
  private readonly capture: CaptureStates;
  private readonly options: MockRecorderOptions;

  static async start(options: MockRecorderOptions): Promise<MockRecorder> {
    const recorder = new MockRecorder(options);
    for (const dn of options.dns) await options.link.registerDn(dn);
    return recorder;
  }

  /** The recorder as it comes back from a restart, on `link`: the same options, afresh (in its initial state). */
  static restart(old: MockRecorder, link: Link): Promise<MockRecorder> {
    const { restoredState: _, ...options } = old.options;
    return MockRecorder.start({
      ...options,
      link,
      ...(options.keepsStateWhenRestarted ? { restoredState: old.states() } : {}),
    });
  }

  private constructor(options: MockRecorderOptions) {
    this.options = options;
    this.capture = new CaptureStates(options.initialState, options.restoredState);
    this.link = options.link;
    this.dns = new Set(options.dns);
    options.link.onEvent((event) => this.observe(event));
    options.link.onReconnect?.(() => this.reregister());
  }

  /** After a reconnection the T-Server knows none of its DNs: monitor them again (its state stays). */
  private async reregister(): Promise<void> {
    const which = this.options.reregister ?? 'every';
    const dns = which === 'none' ? [] : which === 'first' ? [...this.dns].slice(0, 1) : [...this.dns];
    for (const dn of dns) await this.link.registerDn(dn);
  }

  /** Its state on every DN it monitors. */
  states(): Map<string, Indication> {
    return new Map([...this.dns].map((dn) => [dn, this.stateOf(dn)]));
  }

  stateOf(dn: string): Indication {
    return this.capture.of(dn);
  }

  private observe(event: WireMessage): void {
    if (event.message !== 'EventUserEvent' || typeof event.ThisDN !== 'string' || !this.dns.has(event.ThisDN))
      return;
    const operation = screenCaptureValue(event.UserData);
    // Indications (its own, delivered back by the T-Server) and anything else are not operations.
    if (!isOperation(operation)) return;
    const dn = event.ThisDN;
    const indication = this.capture.answer(this.options.mapping ?? DEFAULT_MAPPING, dn, operation);
    this.capture.set(dn, operation === 'query' ? (this.options.stateAfterQuery ?? indication) : indication);
    if (this.options.keepHistory !== false) this.answered.push({ dn, operation, indication });
    const delay = this.options.answerDelayMs ?? 0;
    const answer = () => {
      this.answer(dn, event.ConnID as string | undefined, indication);
      if (this.options.answersTwice) this.answer(dn, event.ConnID as string | undefined, indication);
    };
    if (delay > 0) setTimeout(answer, delay);
    else answer();
  }

  private answer(dn: string, connId: string | undefined, indication: Indication): void {
    const tevent: Tevent = { message: 'EventUserEvent', ThisDN: dn };
    if (connId !== undefined) tevent.ConnID = connId;
    tevent.UserData = [[SCREEN_CAPTURE_KEY, indication]];
    const built: SendEventBody = { message: 'RequestSendEvent', ThisDN: dn, Event: tevent };
    const body = this.options.tamper ? this.options.tamper(built) : built;
    if (!body) return;
    this.link.request(body).then(
      (reply) => {
        if (reply.message === 'EventError') {
          this.errors.push(new Error(`indication ${indication} on ${dn} refused: ${JSON.stringify(reply)}`));
        }
      },
      (e: Error) => this.errors.push(e),
    );
  }
}
