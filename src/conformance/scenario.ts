/**
 * One conformance scenario's parties and their shared journal: an embedded simulator (or a broken
 * one), mock desktops, mock recorders, bystanders and raw clients. Step definitions are thin calls
 * into this; everything here can be unit-tested without Cucumber.
 */
import { Journal, type JournalEntry } from '../journal.ts';
import { TlibLink } from '../link/tlib-link.ts';
import { desktopBehaviour, recorderBehaviour, tserverEngine } from '../parties/breakages.ts';
import { MockDesktop } from '../parties/desktop.ts';
import { MockRecorder } from '../parties/recorder.ts';
import { createCheckContext } from '../rules/checkers.ts';
import { type EvaluationOptions, evaluateRules, type RuleOutcome } from '../rules/evaluate.ts';
import { type Role, toRecords } from '../rules/observations.ts';
import { type Indication, isIndication, type Operation, screenCaptureValue } from '../screencap.ts';
import type { HarnessSettings } from '../settings.ts';
import { type Simulator, startSimulator } from '../sim/index.ts';
import type { TReply, WireMessage } from '../tlib/messages.ts';
import type { Refusal } from './refusals.ts';

export class ScenarioHarness {
  readonly journal = new Journal();
  readonly desktops = new Map<string, MockDesktop>();
  readonly recorders: MockRecorder[] = [];
  readonly clients = new Map<string, TlibLink>();
  /** Journal party name -> role, for the rules. */
  readonly roles = new Map<string, Role>();
  private readonly links: TlibLink[] = [];
  private sim: Simulator | undefined;
  private readonly calls = new Map<string, string>();

  constructor(readonly settings: HarnessSettings) {}

  /** The T-Server knows only these DNs from now on. */
  async configureDns(dns: string[]): Promise<void> {
    (await this.simulator()).tserver.configureDns(dns);
  }

  async simulator(): Promise<Simulator> {
    this.sim ??= await startSimulator({
      adminPort: false,
      journal: this.journal,
      ...(tserverEngine(this.settings.breakage) ? { engine: tserverEngine(this.settings.breakage) } : {}),
    });
    return this.sim;
  }

  private async connect(party: string, role: Role, registerClient = true): Promise<TlibLink> {
    const sim = await this.simulator();
    this.roles.set(party, role);
    const link = await TlibLink.connect({
      host: sim.host,
      port: sim.port,
      applicationName: `screencap-${party.replace(/\s+/g, '-')}`,
      party,
      journal: this.journal,
      timeoutMs: this.settings.requestTimeoutMs,
      registerClient,
    });
    this.links.push(link);
    return link;
  }

  async addDesktop(dn: string): Promise<MockDesktop> {
    const party = this.desktops.size === 0 ? 'desktop' : `desktop ${dn}`;
    const link = await this.connect(party, 'desktop');
    const desktop = await MockDesktop.start({ link, dn, ...desktopBehaviour(this.settings.breakage) });
    this.desktops.set(dn, desktop);
    return desktop;
  }

  async addRecorder(dns: string[]): Promise<MockRecorder> {
    const party = this.recorders.length === 0 ? 'recorder' : `recorder ${this.recorders.length + 1}`;
    const link = await this.connect(party, 'recorder');
    const recorder = await MockRecorder.start({
      link,
      dns,
      mapping: this.settings.mapping,
      initialState: this.settings.initialState,
      ...recorderBehaviour(this.settings.breakage),
    });
    this.recorders.push(recorder);
    return recorder;
  }

  /** A client that monitors `dn` and does nothing else. */
  async addBystander(name: string, dn: string): Promise<TlibLink> {
    const link = await this.connect(name, 'bystander');
    await link.registerDn(dn);
    this.clients.set(name, link);
    return link;
  }

  desktop(dn: string): MockDesktop {
    const d = this.desktops.get(dn);
    if (!d)
      throw new Error(
        `no agent desktop on DN ${dn}; the scenario has ${[...this.desktops.keys()].join(', ') || 'none'}`,
      );
    return d;
  }

  /** Establishes a call on `dn` and waits until the DN's desktop knows of it. */
  async establishCall(dn: string): Promise<string> {
    const sim = await this.simulator();
    const mark = this.journal.mark;
    const call = sim.tserver.createCall(dn);
    this.calls.set(dn, call.connId);
    const desktop = this.desktops.get(dn);
    if (desktop) await this.waitForEvent(desktop.link.party, 'EventEstablished', dn, mark, () => true);
    return call.connId;
  }

  async releaseCall(dn: string): Promise<void> {
    const connId = this.calls.get(dn);
    if (!connId) throw new Error(`no call established on DN ${dn} in this scenario`);
    const mark = this.journal.mark;
    (await this.simulator()).tserver.releaseCall(connId);
    this.calls.delete(dn);
    const desktop = this.desktops.get(dn);
    if (desktop) await this.waitForEvent(desktop.link.party, 'EventReleased', dn, mark, () => true);
  }

  callOn(dn: string): string | undefined {
    return this.calls.get(dn);
  }

  /** The desktop on `dn` sends an operation; resolves to its reply. */
  async operate(dn: string, operation: Operation): Promise<{ reply: TReply | undefined; mark: number }> {
    const mark = this.journal.mark;
    const reply = await this.desktop(dn).send(operation);
    return { reply, mark };
  }

  /** Waits for `party` to receive an event of `name` on `dn` after `mark`. */
  waitForEvent(
    party: string,
    name: string,
    dn: string,
    mark: number,
    match: (m: WireMessage) => boolean,
    what = name,
  ): Promise<JournalEntry> {
    return this.journal.waitFor(
      (e) =>
        e.party === party &&
        e.direction === 'in' &&
        e.message.message === name &&
        e.message.ThisDN === dn &&
        match(e.message),
      {
        after: mark,
        timeoutMs: Math.max(this.settings.requestTimeoutMs, this.settings.answerTimeoutMs),
        description: `${party} to receive ${what} on DN ${dn}`,
        near: (e) => e.party === party,
      },
    );
  }

  /** Waits for `party` to receive the EventUserEvent carrying `value` (an operation or an indication). */
  waitForScreenCapture(
    party: string,
    dn: string,
    value: Operation | Indication,
    mark: number,
  ): Promise<JournalEntry> {
    return this.waitForEvent(
      party,
      'EventUserEvent',
      dn,
      mark,
      (m) => screenCaptureValue(m.UserData) === value,
      `EventUserEvent screen-capture=${value}`,
    );
  }

  /** The next indication the desktop on `dn` receives after `mark`. */
  waitForIndication(dn: string, mark: number): Promise<JournalEntry> {
    return this.waitForEvent(
      this.desktop(dn).link.party,
      'EventUserEvent',
      dn,
      mark,
      (m) => isIndication(screenCaptureValue(m.UserData)),
      'an indication (EventUserEvent screen-capture=enabled|disabled|paused)',
    );
  }

  /** Provokes a refusal from a fresh raw client; resolves to the entry of the EventError it got (or throws). */
  async provoke(refusal: Refusal, dn: string, name = 'client'): Promise<JournalEntry> {
    const sim = await this.simulator();
    if (refusal.fault) sim.tserver.faults.add(refusal.fault);
    const link = await this.connect(name, 'client', !refusal.unregisteredClient);
    this.clients.set(name, link);
    if (refusal.registersDn) await link.registerDn(dn);
    const mark = this.journal.mark;
    const request = refusal.build(dn);
    if (typeof request === 'string') link.sendBytes(request);
    else link.sendRaw(request);
    return this.journal.waitFor(
      (e) => e.party === name && e.direction === 'in' && e.message.message === 'EventError',
      {
        after: mark,
        timeoutMs: this.settings.requestTimeoutMs,
        description: `EventError ${refusal.code} for ${refusal.name}`,
        near: (e) => e.party === name,
      },
    );
  }

  /** Waits until the journal has been quiet for `quietMs` (at most the answer timeout and a bit). */
  async settle(quietMs = 40): Promise<void> {
    const deadline = Date.now() + this.settings.answerTimeoutMs + 500;
    let seen = this.journal.mark;
    while (Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, quietMs));
      if (this.journal.mark === seen) return;
      seen = this.journal.mark;
    }
  }

  /** Evaluates rules over everything the harness's parties saw. */
  evaluate(ruleIds: readonly string[], options: EvaluationOptions = {}): RuleOutcome[] {
    const records = toRecords(this.journal.entries, { parties: this.roles });
    const ctx = createCheckContext(records, {
      mapping: this.settings.mapping,
      initialState: this.settings.initialState,
      answerTimeoutMs: this.settings.answerTimeoutMs,
    });
    return evaluateRules(ruleIds, ctx, options);
  }

  async close(): Promise<void> {
    await Promise.allSettled(this.links.map((l) => l.close()));
    await this.sim?.stop();
  }
}
