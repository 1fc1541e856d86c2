/**
 * One conformance scenario's parties and their shared journal. Each seat is played by a harness
 * party (mock desktop, mock recorder, the simulator) or, per the profile, by the system under test,
 * which the harness observes through the shared simulator's journal. Step definitions are thin
 * calls into this; everything here can be used without Cucumber.
 */

import { type Indication, isIndication, type Operation, screenCaptureValue } from '../domain/screencap.ts';
import { harnessApplicationName, isHarnessApplication } from '../harness-clients.ts';
import { type EntryPredicate, Journal, type JournalEntry, pseudoEntry, RESTARTED } from '../journal.ts';
import type { Endpoint, Link, ServerIdentity } from '../link/link.ts';
import { ReconnectingLink } from '../link/reconnecting-link.ts';
import { TlibLink } from '../link/tlib-link.ts';
import { desktopBehaviour, reconnects, recorderBehaviour, tserverEngine } from '../parties/breakages.ts';
import { MockDesktop } from '../parties/desktop.ts';
import { MockRecorder } from '../parties/recorder.ts';
import type { Interruption, RuleOutcome } from '../result/outcomes.ts';
import { profileScope } from '../result/verdict.ts';
import { createCheckContext } from '../rules/checkers.ts';
import { outcomesDespiteDrops } from '../rules/dropped.ts';
import { evaluateRules } from '../rules/evaluate.ts';
import { type Role, toRecords, type WireRecord } from '../rules/observations.ts';
import { outstanding } from '../rules/outstanding.ts';
import { interruptionsIn } from '../rules/recovery.ts';
import { type AgentModel, agentModel } from '../rules/voice-calls.ts';
import type { HarnessSettings } from '../settings.ts';
import { type Simulator, startSimulator } from '../sim/index.ts';
import type { WorkspaceFront } from '../sim/workspace/front.ts';
import { sipServerLogFile } from '../sipserver-log/writer.ts';
import type { TReply, WireMessage } from '../tlib/messages.ts';
import { nowMicros } from '../tlib/time.ts';
import { inProcessControl, type SimulatorControl } from './control.ts';
import type { Refusal } from './refusals.ts';
import type { RunContext } from './run-context.ts';
import { standingRegistrations } from './standing.ts';
import { applyStimulus, runShellCommand } from './stimulus.ts';
import {
  connectWorkspaceDesktop,
  frontAgents,
  frontSeat,
  stagingSeat,
  type WorkspaceSeat,
} from './workspace-desktop.ts';

/** Whether two `address:port` are one endpoint (an IPv4 peer of a dual-stack socket is `::ffff:a.b.c.d`). */
function sameEndpoint(a: string | undefined, b: string): boolean {
  const plain = (x: string) => x.replace(/^::ffff:/, '');
  return a !== undefined && plain(a) === plain(b);
}

/** How long the harness's own desktops and recorders wait before their first reconnection attempt. */
const HARNESS_FIRST_BACKOFF_MS = 5;

/** Who receives: a harness party by its journal name, or the system under test in a seat. */
export type Receiver = { party: string } | { sut: 'desktop' | 'recorder' };

export class ScenarioHarness {
  readonly journal: Journal;
  readonly desktops = new Map<string, MockDesktop>();
  readonly recorders: MockRecorder[] = [];
  readonly clients = new Map<string, TlibLink>();
  /** Journal party name -> role, for the rules. */
  readonly roles = new Map<string, Role>();
  private readonly links: Link[] = [];
  /** The connection each reconnecting party has now, and the journal's mark when it opened (for the barrier). */
  private readonly partyLinks = new Map<string, { link: TlibLink; since: number }>();
  private sim: Simulator | undefined;
  /** A fault this scenario left on the T-Server (the link to the switch down), cleared at close. */
  private faulted = false;
  /** The control holding a party's registrations (holdRegistrations), to release them at close. */
  private parking: SimulatorControl | undefined;
  /** The control whose strict mode this scenario turned on, to turn it back at close. */
  private strictSet: SimulatorControl | undefined;
  /** The Workspace API front in front of the scenario's T-Server, for a Workspace API desktop without a GWS URL. */
  private front: WorkspaceFront | undefined;
  /** Per DN a desktop sends on, its agent's voice DNs as the scenario set them (over agents.voiceDns). */
  private readonly voiceDns = new Map<string, readonly string[]>();
  /** Per voice DN, the call the scenario made there and, during a consultation, the consultation call. */
  private readonly calls = new Map<string, { connId: string; consultation?: string }>();
  private readonly stopCopying: () => void;
  /** What the parties' links did to recover from drops (backoff, attempts), for the report. */
  readonly recoveryLog: string[] = [];

  constructor(
    readonly settings: HarnessSettings,
    readonly run: RunContext,
  ) {
    this.journal = new Journal({ maxBytes: run.config.tserver.journalBytes });
    // The shared simulator's view of this scenario: what the system under test sent and received,
    // starting with the DNs it still had registered when the scenario began.
    for (const e of standingRegistrations(run.tserverJournal?.entries ?? [], isHarnessApplication))
      this.journal.copy(e);
    const unsubscribe = run.tserverJournal?.subscribe((e, bytes) => this.journal.copy(e, bytes));
    this.stopCopying = unsubscribe ?? (() => {});
  }

  private get sut(): RunContext['sutSeat'] {
    return this.run.sutSeat;
  }

  /** The scenario's own simulator (self profile), started on first use. */
  private async ownSimulator(): Promise<Simulator> {
    const engine = tserverEngine(this.settings.breakage);
    const sipLog = this.settings.config.tserver.sipLog;
    this.sim ??= await startSimulator({
      adminPort: false,
      journal: this.journal,
      strict: this.settings.config.tserver.strict,
      ...(engine ? { engine } : {}),
      ...(sipLog ? { sipLog: sipServerLogFile(sipLog).writer } : {}),
    });
    return this.sim;
  }

  private async endpoint(): Promise<Endpoint> {
    const staging = stagingSeat(this.settings.config);
    if (staging)
      throw new Error(
        `the harness reaches the T-Server only through the Workspace API at ${staging.url}: this step needs a tlib-json connection to it`,
      );
    return this.run.endpoint ?? (await this.ownSimulator());
  }

  /** Calls, faults and DN lists: the simulator's, when the T-Server is one. */
  async control(what: string): Promise<SimulatorControl> {
    if (this.run.control) return this.run.control;
    if (!this.run.endpoint && !stagingSeat(this.settings.config))
      return inProcessControl(await this.ownSimulator());
    throw new Error(
      `${what} needs the simulator's admin API, and the T-Server under test has none configured (tserver.adminUrl)`,
    );
  }

  async configureDns(dns: string[]): Promise<void> {
    const control = await this.control('a configured DN list');
    if (!control.configureDns) throw new Error('this T-Server cannot be given a DN list from here');
    await control.configureDns(dns);
  }

  private async connect(party: string, role: Role, registerClient = true): Promise<TlibLink> {
    const link = await this.openLink(party, role, registerClient);
    this.links.push(link);
    return link;
  }

  private async openLink(party: string, role: Role, registerClient = true): Promise<TlibLink> {
    const { host, port } = await this.endpoint();
    this.roles.set(party, role);
    return TlibLink.connect({
      host,
      port,
      applicationName: harnessApplicationName(party),
      party,
      journal: this.journal,
      timeoutMs: this.settings.requestTimeoutMs,
      registerClient,
    });
  }

  /** A desktop's or recorder's link: it reconnects after a drop, as a conforming party does (unless broken not to). */
  private async connectParty(party: string, role: 'desktop' | 'recorder'): Promise<Link> {
    if (role === 'recorder' && !reconnects(this.settings.breakage)) return this.connect(party, role);
    const link = await ReconnectingLink.connect({
      connect: async () => {
        const since = this.journal.mark;
        const current = await this.openLink(party, role);
        this.partyLinks.set(party, { link: current, since });
        return current;
      },
      // The simulator is back within milliseconds: a first wait of 50 ms (the default, polite to a
      // real T-Server) would be most of a recovery scenario; attempts still back off from here.
      initialBackoffMs: HARNESS_FIRST_BACKOFF_MS,
      log: (line) => this.recoveryLog.push(line),
    });
    this.links.push(link);
    return link;
  }

  /** Where each agent's calls are: the configuration's agents, with the voice DNs this scenario set. */
  agents(): AgentModel {
    const { voiceDns, voiceCall } = this.settings.config.agents;
    return agentModel({ voiceCall, voiceDns: { ...voiceDns, ...Object.fromEntries(this.voiceDns) } });
  }

  /**
   * An agent desktop sending on `dn`, its agent's calls on `voiceDns` (default: as configured): a
   * mock, or the desktop under test (already registered: readiness checked it).
   */
  async addDesktop(dn: string, voiceDns?: readonly string[]): Promise<void> {
    if (voiceDns) this.voiceDns.set(dn, voiceDns);
    if (this.sut === 'desktop') return;
    const party = this.desktops.size === 0 ? 'desktop' : `desktop ${dn}`;
    const workspace = this.settings.config.desktop.link.type === 'workspace';
    const link = workspace
      ? await this.connectWorkspace(party, dn)
      : await this.connectParty(party, 'desktop');
    const agentDns = this.agents().voiceDnsOf(dn);
    const behaviour = desktopBehaviour(this.settings.breakage, {
      voiceDns: agentDns,
      otherAgentsDns: this.settings.config.agents.dns.filter((d) => d !== dn && !agentDns.includes(d)),
    });
    this.desktops.set(
      dn,
      await MockDesktop.start({
        link,
        dn,
        voiceDns: agentDns,
        voiceCall: this.settings.config.agents.voiceCall,
        // The Workspace API reports the calls of every DN of the agent's place: nothing more to register.
        ...(workspace ? { registersVoiceDns: false } : {}),
        ...behaviour,
      }),
    );
  }

  /** The desktop's link over the Workspace API: to the configured GWS, or to a front started in front of the scenario's T-Server. */
  private async connectWorkspace(party: string, dn: string): Promise<Link> {
    this.roles.set(party, 'desktop');
    const link = await connectWorkspaceDesktop(await this.workspaceSeat(), dn, {
      party,
      journal: this.journal,
      timeoutMs: this.settings.requestTimeoutMs,
    });
    this.links.push(link);
    return link;
  }

  private async workspaceSeat(): Promise<WorkspaceSeat> {
    const staging = stagingSeat(this.settings.config);
    if (staging) return staging;
    const agents = frontAgents(this.settings.config, this.agents());
    // Loaded by the scenarios that use it (CometD's server and its transports).
    const { startWorkspaceFront } = await import('../sim/workspace/front.ts');
    this.front ??= await startWorkspaceFront({
      tserver: await this.endpoint(),
      agents,
      requestTimeoutMs: this.settings.requestTimeoutMs,
    });
    return frontSeat(this.front.url, agents);
  }

  /** A recorder monitoring `dns`: a mock, or the recorder under test. */
  async addRecorder(dns: string[]): Promise<void> {
    if (this.sut === 'recorder') return;
    const party = this.recorders.length === 0 ? 'recorder' : `recorder ${this.recorders.length + 1}`;
    this.recorders.push(await this.startRecorder(party, dns));
  }

  private async startRecorder(party: string, dns: readonly string[]): Promise<MockRecorder> {
    return MockRecorder.start({
      link: await this.connectParty(party, 'recorder'),
      dns,
      mapping: this.settings.mapping,
      initialState: this.settings.initialState,
      ...recorderBehaviour(this.settings.breakage),
    });
  }

  /**
   * Restarts the recorder: each of the harness's is stopped and started again (a new connection, a
   * fresh state), the recorder under test by recorder.restartCommand. The journal says so first
   * (RESTARTED), for the rules. Returns the journal mark before.
   */
  async restartRecorder(): Promise<number> {
    const mark = await this.markNow();
    if (this.sut === 'recorder') {
      const { restartCommand, restartTimeoutMs } = this.run.config.recorder;
      if (!restartCommand)
        throw new Error('restarting the recorder under test needs recorder.restartCommand');
      const control = await this.control('restarting the recorder under test');
      if (!control.noteRestart) throw new Error('this T-Server cannot journal a restart of its clients');
      await control.noteRestart((application) => !isHarnessApplication(application));
      await runShellCommand(
        restartCommand,
        `recorder.restartCommand "${restartCommand}"`,
        {},
        restartTimeoutMs,
      );
      return mark;
    }
    for (const [i, old] of this.recorders.entries()) {
      const party = old.link.party;
      this.journal.append({ party, direction: 'in', ...pseudoEntry(RESTARTED) });
      await old.link.close();
      this.recorders[i] = await MockRecorder.restart(old, await this.connectParty(party, 'recorder'));
    }
    return mark;
  }

  /** A client that monitors `dn` and does nothing else. */
  async addBystander(name: string, dn: string): Promise<void> {
    const link = await this.connect(name, 'bystander');
    await link.registerDn(dn);
    this.clients.set(name, link);
  }

  /** Who plays the desktop on `dn`. */
  desktopOn(dn: string): Receiver {
    if (this.sut === 'desktop') return { sut: 'desktop' };
    const d = this.desktops.get(dn);
    if (!d)
      throw new Error(
        `no agent desktop on DN ${dn}; the scenario has ${[...this.desktops.keys()].join(', ') || 'none'}`,
      );
    return { party: d.link.party };
  }

  /** Every recorder of the scenario. */
  recorderReceivers(): Receiver[] {
    return this.sut === 'recorder'
      ? [{ sut: 'recorder' }]
      : this.recorders.map((r) => ({ party: r.link.party }));
  }

  /**
   * Entries a receiver got; undefined when the harness cannot see them (the system under test
   * behind an external T-Server).
   */
  receivedBy(receiver: Receiver): EntryPredicate | undefined {
    if ('party' in receiver) return (e) => e.party === receiver.party && e.direction === 'in';
    if (!this.run.tserverJournal) return undefined;
    return (e) => e.party === 'tserver' && e.direction === 'out' && !isHarnessApplication(e.peerApplication);
  }

  private get waitMs(): number {
    return Math.max(this.settings.requestTimeoutMs, this.settings.answerTimeoutMs);
  }

  /** Waits for `receiver` to get an event `name` on `dn` after `mark`; undefined if it cannot be observed. */
  async waitForEvent(
    receiver: Receiver,
    name: string,
    dn: string,
    mark: number,
    match: (m: WireMessage) => boolean,
    what = name,
  ): Promise<JournalEntry | undefined> {
    const received = this.receivedBy(receiver);
    if (!received) return undefined;
    const who = 'party' in receiver ? receiver.party : `the ${receiver.sut} under test`;
    return this.journal.waitFor(
      (e) => received(e) && e.message.message === name && e.message.ThisDN === dn && match(e.message),
      {
        after: mark,
        timeoutMs: this.waitMs,
        description: `${who} to receive ${what} on DN ${dn}`,
        near: received,
      },
    );
  }

  waitForScreenCapture(
    receiver: Receiver,
    dn: string,
    value: Operation | Indication,
    mark: number,
  ): Promise<JournalEntry | undefined> {
    return this.waitForEvent(
      receiver,
      'EventUserEvent',
      dn,
      mark,
      (m) => screenCaptureValue(m.UserData) === value,
      `EventUserEvent screen-capture=${value}`,
    );
  }

  /** The next indication the desktop on `dn` receives after `mark`. */
  waitForIndication(dn: string, mark: number): Promise<JournalEntry | undefined> {
    return this.waitForEvent(
      this.desktopOn(dn),
      'EventUserEvent',
      dn,
      mark,
      (m) => isIndication(screenCaptureValue(m.UserData)),
      'an indication (EventUserEvent screen-capture=enabled|disabled|paused)',
    );
  }

  /** Who follows the calls on voice DN `dn`: the desktop of the agent whose calls are there. */
  private desktopWithCallsOn(dn: string): Receiver {
    if (this.sut === 'desktop') return { sut: 'desktop' };
    for (const d of this.desktops.values()) if (d.voiceDns.includes(dn)) return { party: d.link.party };
    return this.desktopOn(dn);
  }

  private callsOn(dn: string): { connId: string; consultation?: string } {
    const calls = this.calls.get(dn);
    if (!calls) throw new Error(`no call established on DN ${dn} in this scenario`);
    return calls;
  }

  /** Waits until the desktop following the calls on `dn` got call event `name` for `connId`. */
  private async untilDesktopGot(name: string, dn: string, connId: string, mark: number): Promise<void> {
    await this.waitForEvent(this.desktopWithCallsOn(dn), name, dn, mark, (m) => m.ConnID === connId);
  }

  /** Establishes a call on `dn` and waits until the agent's desktop knows of it. */
  async establishCall(dn: string): Promise<string> {
    const control = await this.control('a call');
    const mark = this.journal.mark;
    const connId = await control.createCall(dn);
    this.calls.set(dn, { connId });
    await this.untilDesktopGot('EventEstablished', dn, connId, mark);
    return connId;
  }

  /** Releases the call on `dn` (a consultation call beside it stays, the agent's only call). */
  async releaseCall(dn: string): Promise<void> {
    const { connId, consultation } = this.callsOn(dn);
    const mark = this.journal.mark;
    await (await this.control('releasing a call')).releaseCall(connId);
    if (consultation) this.calls.set(dn, { connId: consultation });
    else this.calls.delete(dn);
    await this.untilDesktopGot('EventReleased', dn, connId, mark);
  }

  /** Holds the call on `dn` and establishes a consultation call there (EventHeld, EventEstablished). */
  async consult(dn: string): Promise<string> {
    const calls = this.callsOn(dn);
    const mark = this.journal.mark;
    const consultation = await (await this.control('a consultation call')).changeCall(
      calls.connId,
      'consult',
    );
    calls.consultation = consultation;
    await this.untilDesktopGot('EventHeld', dn, calls.connId, mark);
    await this.untilDesktopGot('EventEstablished', dn, consultation, mark);
    return consultation;
  }

  /** The consultation call on `dn` is released and the held call retrieved (EventReleased, EventRetrieved). */
  async endConsultation(dn: string): Promise<void> {
    const calls = this.callsOn(dn);
    const { consultation } = calls;
    if (!consultation) throw new Error(`no consultation call on DN ${dn} in this scenario`);
    const control = await this.control('ending a consultation');
    const mark = this.journal.mark;
    await control.releaseCall(consultation);
    delete calls.consultation;
    await control.changeCall(calls.connId, 'retrieve');
    await this.untilDesktopGot('EventReleased', dn, consultation, mark);
    await this.untilDesktopGot('EventRetrieved', dn, calls.connId, mark);
  }

  /** A transfer or conference completes: the call on `dn` goes on under a new ConnID (EventPartyChanged). */
  async changeParty(dn: string, change: 'transfer' | 'conference'): Promise<string> {
    const calls = this.callsOn(dn);
    const mark = this.journal.mark;
    const connId = await (await this.control(`a ${change}`)).changeCall(calls.connId, change);
    calls.connId = connId;
    await this.untilDesktopGot('EventPartyChanged', dn, connId, mark);
    return connId;
  }

  /** The ConnID of the voice call of the agent whose desktop sends on `dn` (agents.voiceCall's reading), if any. */
  callOn(dn: string): string | undefined {
    const agents = this.agents();
    for (const voiceDn of agents.voiceDnsOf(dn)) {
      const calls = this.calls.get(voiceDn);
      if (calls) return (agents.voiceCall !== 'held' && calls.consultation) || calls.connId;
    }
    return undefined;
  }

  /** The ConnID of the call established first on `dn` (held during a consultation). */
  firstCallOn(dn: string): string | undefined {
    return this.calls.get(dn)?.connId;
  }

  /** The desktop on `dn` sends an operation (the desktop under test through its stimulus); resolves to its reply. */
  async operate(dn: string, operation: Operation): Promise<{ reply: TReply | undefined; mark: number }> {
    const mark = this.journal.mark;
    if (this.sut !== 'desktop')
      return { reply: await (this.desktops.get(dn) ?? this.missingDesktop(dn)).send(operation), mark };
    const stimulus = this.run.config.desktop.stimulus;
    if (!stimulus) throw new Error('the desktop profile needs desktop.stimulus in the configuration');
    // A desktop may report a refused operation as a failure (an HTTP 409): judged by its reply below.
    const failed = await applyStimulus(stimulus, { op: operation, dn, connId: this.callOn(dn) ?? '' }).then(
      () => undefined,
      (e: Error) => e,
    );
    const sent = (e: JournalEntry) =>
      e.party === 'tserver' &&
      e.direction === 'in' &&
      e.message.message === 'RequestSendEvent' &&
      !isHarnessApplication(e.peerApplication);
    const request = await this.journal
      .waitFor(sent, {
        after: mark,
        timeoutMs: this.waitMs,
        description: `the desktop under test to send RequestSendEvent (${operation} on DN ${dn}) after its stimulus`,
      })
      .catch((e: Error) => {
        throw failed ?? e;
      });
    const reply = await this.journal.waitFor(
      (e) =>
        e.party === 'tserver' &&
        e.direction === 'out' &&
        e.peerId === request.peerId &&
        e.message.ReferenceID === request.message.ReferenceID,
      {
        after: request.seq,
        timeoutMs: this.waitMs,
        description: `the T-Server's reply to the desktop's ${operation}`,
      },
    );
    if (failed && reply.message.message !== 'EventError') throw failed;
    return { reply: reply.message as unknown as TReply, mark };
  }

  private missingDesktop(dn: string): never {
    throw new Error(
      `no agent desktop on DN ${dn}; the scenario has ${[...this.desktops.keys()].join(', ') || 'none'}`,
    );
  }

  /** Provokes a refusal from a fresh raw client; resolves to the entry of the EventError it got. */
  /**
   * Sends `refusal`'s request from a client of its own and returns the T-Server's reply: the
   * EventError it must answer, or (`reply: 'EventACK'`) the acknowledgement of a T-Server that
   * accepts it.
   */
  async provoke(
    refusal: Refusal,
    dn: string,
    name = 'client',
    reply: 'EventError' | 'EventACK' = 'EventError',
  ): Promise<JournalEntry> {
    if (refusal.fault) await (await this.control('fault injection')).addFault(refusal.fault);
    const link = await this.connect(name, 'client', !refusal.unregisteredClient);
    this.clients.set(name, link);
    if (refusal.registersDn) await link.registerDn(dn);
    const mark = this.journal.mark;
    const request = refusal.build(dn);
    if (typeof request === 'string') link.sendBytes(request);
    else link.sendRaw(request);
    return this.journal.waitFor(
      (e) => e.party === name && e.direction === 'in' && e.message.message === reply,
      {
        after: mark,
        timeoutMs: this.settings.requestTimeoutMs,
        description:
          reply === 'EventError'
            ? `EventError ${refusal.code} for ${refusal.name}`
            : `EventACK for ${refusal.name}`,
        near: (e) => e.party === name,
      },
    );
  }

  /** The journal's mark once everything the T-Server journaled so far is in it: what comes after is the scenario's next step. */
  private async markNow(): Promise<number> {
    await this.run.syncJournal();
    return this.journal.mark;
  }

  /** Drops the connection of the party in `seat` (every harness one, or the system under test's); returns the journal mark before. */
  async dropConnection(seat: 'desktop' | 'recorder'): Promise<number> {
    const control = await this.control('dropping a connection');
    if (!control.disconnect) throw new Error("this T-Server's connections cannot be dropped from here");
    const mark = await this.markNow();
    if (this.sut === seat) {
      const dns =
        seat === 'recorder'
          ? (this.run.config.recorder.dns ?? this.run.config.agents.dns)
          : this.run.config.agents.dns;
      // At once: a party dropped DN by DN could be dropped again once it is back.
      await control.disconnect({ registrantOf: dns, except: isHarnessApplication });
      return mark;
    }
    const parties =
      seat === 'recorder'
        ? this.recorders.map((r) => r.link.party)
        : [...this.desktops.values()].map((d) => d.link.party);
    for (const party of parties) await control.disconnect({ application: harnessApplicationName(party) });
    return mark;
  }

  /**
   * Holds the DN registrations of the party in `seat` (the harness's, or the system under test's)
   * at the T-Server until `releaseRegistrations`: however fast it reconnects, it monitors nothing
   * meanwhile, which the T-Server's journal shows.
   */
  async holdRegistrations(seat: 'desktop' | 'recorder'): Promise<void> {
    const control = await this.control('holding registrations');
    if (!control.parkRegistrations)
      throw new Error("this T-Server cannot hold a client's registrations from here");
    const parties =
      seat === 'recorder'
        ? this.recorders.map((r) => r.link.party)
        : [...this.desktops.values()].map((d) => d.link.party);
    const applications = new Set(parties.map(harnessApplicationName));
    await control.parkRegistrations((application) =>
      this.sut === seat ? !isHarnessApplication(application) : applications.has(application as string),
    );
    this.parking = control;
  }

  /** Performs the registrations held since `holdRegistrations`. */
  async releaseRegistrations(): Promise<void> {
    await this.parking?.parkRegistrations?.(undefined);
    this.parking = undefined;
  }

  /** The link to the switch goes down: the T-Server refuses every RequestSendEvent with EventError 54 until `linkBack`. */
  async linkDown(): Promise<void> {
    await (await this.control('a link to the switch that is down')).addFault({ kind: 'link-down' });
    this.faulted = true;
  }

  /** The link to the switch is back: the T-Server's faults are cleared. */
  async linkBack(): Promise<void> {
    await (await this.control('a link to the switch that is back')).clearFaults();
    this.faulted = false;
  }

  /** Stops and starts the T-Server on the same port; returns the journal mark before. */
  async restartTServer(): Promise<number> {
    const control = await this.control('a T-Server restart');
    if (!control.restart) throw new Error('this T-Server cannot be restarted from here');
    const mark = await this.markNow();
    await control.restart();
    // No call survives a T-Server restart: a desktop under test is told of none ({connId} empty).
    this.calls.clear();
    return mark;
  }

  /** Waits, up to timeouts.recoverMs, until `receiver` has registered `dn` again after `mark`. */
  async waitForRegistration(receiver: Receiver, dn: string, mark: number): Promise<JournalEntry | undefined> {
    const received = this.receivedBy(receiver);
    if (!received) return undefined;
    const who = 'party' in receiver ? receiver.party : `the ${receiver.sut} under test`;
    return this.journal.waitFor(
      (e) => received(e) && e.message.message === 'EventRegistered' && e.message.ThisDN === dn,
      {
        after: mark,
        timeoutMs: this.settings.recoverTimeoutMs,
        description: `${who} to register DN ${dn} again (timeouts.recoverMs)`,
        near: received,
      },
    );
  }

  /**
   * The clients the T-Server delivered `operation` to after `mark`, by application name, from its
   * own journal (it distributes in the same turn as it acknowledges, so after the EventACK the list
   * is complete); undefined where the harness does not see the T-Server's side.
   */
  async deliveredOperation(operation: Operation, mark: number): Promise<string[] | undefined> {
    if (!this.sim && !this.run.tserverJournal) return undefined;
    await this.run.syncJournal();
    return this.journal
      .filter(
        (e) =>
          e.party === 'tserver' &&
          e.direction === 'out' &&
          e.message.message === 'EventUserEvent' &&
          screenCaptureValue(e.message.UserData) === operation,
        mark,
      )
      .map((e) => e.peerApplication ?? e.peer ?? '(unknown client)');
  }

  /** Puts the simulator in strict mode (`sim --strict`) for this scenario. */
  async strictTServer(): Promise<void> {
    const control = await this.control('strict mode');
    if (!control.strict)
      throw new Error("this T-Server's strict mode cannot be set from here (sim --strict)");
    await control.strict(true);
    this.strictSet = control;
  }

  /**
   * Waits until the exchange can be judged: whatever is still expected (a reply, a delivery, an
   * indication) has come or run out of its configured time; then a barrier proves that nothing
   * more was on its way to the harness's parties (see `barrier`). What the barrier brings may
   * itself expect something (an operation delivered twice awaits its answer), so once more.
   */
  async settle(): Promise<void> {
    await this.run.syncJournal();
    await this.awaitOutstanding();
    await this.barrier();
    await this.run.syncJournal();
    await this.awaitOutstanding();
  }

  private async awaitOutstanding(): Promise<void> {
    const times = {
      requestTimeoutMs: this.settings.requestTimeoutMs,
      answerTimeoutMs: this.settings.answerTimeoutMs,
    };
    for (;;) {
      const now = nowMicros();
      const due = outstanding(this.checkContext(), times)
        .map((o) => o.dueMicros)
        .filter((t) => t > now);
      if (due.length === 0) return;
      // Anything new may settle it (or expect more): look again at every message, or when the first is due.
      await this.journal
        .waitFor(() => true, {
          after: this.journal.mark,
          timeoutMs: Math.ceil((Math.min(...due) - now) / 1000),
          description: 'any message',
        })
        .catch(() => undefined);
    }
  }

  /**
   * Proves that every message the T-Server had written to each harness party has arrived. A
   * simulator of ours journals each message as it writes it: the party must have received as many
   * on its connection. Any other T-Server orders what it writes on a connection: a reply to a
   * harmless request (registering a DN the party already monitors) comes after all of it.
   */
  private async barrier(): Promise<void> {
    const links = [
      ...this.links.filter((l) => l instanceof TlibLink).map((link) => ({ link, since: 0 })),
      ...this.partyLinks.values(),
    ].filter(({ link }) => link.isOpen);
    const own = this.run.shared?.journal ?? this.sim?.journal;
    // Counting needs every entry: a journal that dropped some (a flood) falls back to the round trip.
    const counts = own && own.dropped === 0 && this.journal.dropped === 0 ? own : undefined;
    await Promise.all(
      links.map(({ link, since }) =>
        counts ? this.journalBarrier(counts, link, since) : this.roundTrip(link),
      ),
    );
  }

  /** Resolves once every message the T-Server wrote to the harness's parties so far has arrived (see `barrier`). */
  untilDelivered(): Promise<void> {
    return this.barrier();
  }

  /** `since`: the journal's mark when `link` connected (what its party received before came on another connection). */
  private async journalBarrier(simJournal: Journal, link: TlibLink, since: number): Promise<void> {
    const written = simJournal.filter(
      (e) => e.party === 'tserver' && e.direction === 'out' && sameEndpoint(e.peerAddress, link.local),
    ).length;
    const received = (e: JournalEntry) => e.party === link.party && e.direction === 'in';
    const count = () => this.journal.filter(received, since).length;
    if (count() >= written) return;
    await this.journal
      .waitFor(() => count() >= written, {
        timeoutMs: this.settings.requestTimeoutMs,
        description: `${link.party} to receive the ${written} messages the simulator wrote to it`,
      })
      .catch(() => undefined); // what never arrived is missing, and the rules say so
  }

  private async roundTrip(link: TlibLink): Promise<void> {
    const dns = new Set<string>();
    for (const e of this.journal.filter((x) => x.party === link.party && x.direction === 'in')) {
      if (typeof e.message.ThisDN !== 'string') continue;
      if (e.message.message === 'EventRegistered') dns.add(e.message.ThisDN);
      if (e.message.message === 'EventUnregistered') dns.delete(e.message.ThisDN);
    }
    const [dn] = dns;
    await link
      .request(
        dn === undefined
          ? { message: 'RequestRegisterClient', ApplicationName: link.applicationName }
          : { message: 'RequestRegisterAddress', ThisDN: dn },
      )
      .catch(() => undefined); // a T-Server that does not answer is judged by the rules, not here
  }

  private checkContext() {
    return createCheckContext(this.records(), {
      agents: this.agents(),
      mapping: this.settings.mapping,
      initialState: this.settings.initialState,
      answerTimeoutMs: this.settings.answerTimeoutMs,
      recoverMs: this.settings.recoverTimeoutMs,
      sendsAfterLinkDown: this.settings.config.desktop.sendsAfterLinkDown,
      requestTimeoutMs: this.settings.requestTimeoutMs,
    });
  }

  /** What was interrupted in this scenario and how each party recovered (the certificate's Serviceability). */
  interruptions(): Interruption[] {
    return interruptionsIn(this.checkContext());
  }

  /** Every client–T-Server message the harness saw, each from one observer: what rules judge and reports draw. */
  records(): WireRecord[] {
    const sutRole = this.sut === 'desktop' || this.sut === 'recorder' ? this.sut : undefined;
    return toRecords(this.journal.entries, {
      parties: this.roles,
      isHarnessApplication,
      ...(sutRole ? { otherClientsRole: sutRole } : {}),
    });
  }

  /** The T-Server as it named itself to the harness's parties (EventClientRegistered), once one connected. */
  get tserver(): ServerIdentity | undefined {
    return this.links.find((l) => l.server.name !== '')?.server;
  }

  /** Evaluates rules over everything the harness saw: its parties' links, and the SUT through the simulator. */
  evaluate(ruleIds: readonly string[]): RuleOutcome[] {
    const scope = profileScope(this.run.config.profile);
    const outcomes = evaluateRules(ruleIds, this.checkContext(), { scope });
    // What the journal let go of (a client flooding it): no pass on part of the evidence a rule reads.
    return outcomesDespiteDrops(outcomes, this.journal);
  }

  async close(): Promise<void> {
    this.stopCopying();
    // A shared simulator outlives the scenario: nothing held, and back to the run's own setting.
    await this.releaseRegistrations();
    if (this.faulted) await this.linkBack();
    await this.strictSet?.strict?.(this.settings.config.tserver.strict);
    // A shared T-Server outlives the scenario: leave no call behind for the next one.
    if (this.run.endpoint && this.calls.size) {
      const control = await this.control('releasing calls');
      const connIds = [...this.calls.values()].flatMap((c) => [c.connId, c.consultation ?? []].flat());
      await Promise.allSettled(connIds.map((connId) => control.releaseCall(connId)));
    }
    await Promise.allSettled(this.links.map((l) => l.close()));
    await this.front?.stop();
    await this.sim?.stop();
  }
}
