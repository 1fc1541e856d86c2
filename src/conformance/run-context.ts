/**
 * What a run shares across scenarios, by profile. `self`: nothing (each scenario gets its own
 * simulator). With a system under test the T-Server is shared: the embedded simulator on the
 * configured port (the SUT connects to it), an external tlib-json endpoint, or the simulator image.
 * Before the first scenario the run waits until the SUT is ready, and says what never happened.
 */
import { writeFile } from 'node:fs/promises';
import type { HarnessConfig } from '../config/schema.ts';
import type { RunningContainer } from '../container.ts';
import { ruleById } from '../domain/rule-catalog.ts';
import type { Seat } from '../domain/seats.ts';
import { harnessApplicationName, isHarnessApplication } from '../harness-clients.ts';
import { Journal } from '../journal.ts';
import type { Endpoint, Link } from '../link/link.ts';
import { TlibLink } from '../link/tlib-link.ts';
import { type BreakageId, tserverEngine } from '../parties/breakages.ts';
import { awaitIndication, operationRequest } from '../parties/desktop.ts';
import type { RuleOutcome } from '../result/outcomes.ts';
import { type Simulator, startSimulator } from '../sim/index.ts';
import { sipServerLogFile } from '../sipserver-log/writer.ts';
import { adminApiControl, inProcessControl, type SimulatorControl } from './control.ts';
import { JournalMirror } from './journal-mirror.ts';
import { connectWorkspaceDesktop, frontAgents, stagingSeat } from './workspace-desktop.ts';

/**
 * The system under test never registered the DNs it must monitor: the failure of the rule that
 * requires it (a finding, not a harness that could not start).
 */
export class NeverRegisteredError extends Error {
  override name = 'NeverRegisteredError';
  constructor(
    readonly rule: 'DESK-REGISTERED' | 'REC-REGISTERED',
    readonly finding: string,
  ) {
    super(finding);
  }
}

/** A scenario's outcomes once the SUT never registered: that rule failed, the scenario's others not exercised. */
export function neverRegisteredOutcomes(e: NeverRegisteredError, tagged: readonly string[]): RuleOutcome[] {
  const outcome = (rule: string, o: Pick<RuleOutcome, 'outcome' | 'reason' | 'findings'>): RuleOutcome => ({
    rule,
    section: ruleById(rule)?.section ?? '?',
    checked: 0,
    ...o,
  });
  return [
    outcome(e.rule, { outcome: 'failed', reason: e.finding, findings: [{ text: e.finding }] }),
    ...tagged
      .filter((r) => r !== e.rule)
      .map((r) =>
        outcome(r, {
          outcome: 'not-exercised',
          reason: `the scenario could not run: ${e.finding}`,
          findings: [],
        }),
      ),
  ];
}

interface Stoppable {
  stop(): Promise<void>;
}

export class RunContext {
  readonly sutSeat: Seat | undefined;
  /** The shared T-Server, when there is one. */
  readonly endpoint: Endpoint | undefined;
  /** The shared embedded simulator, whose journal shows what the SUT sent and received. */
  readonly shared: Simulator | undefined;
  readonly control: SimulatorControl | undefined;
  /** An external screencap-cert simulator's journal, followed through its admin API. */
  private readonly mirror: JournalMirror | undefined;
  private readonly resources: Stoppable[];
  /** The recorder image under test, when the run started it (recorder.container). */
  private readonly recorder: RunningContainer | undefined;

  private constructor(
    readonly config: HarnessConfig,
    parts: {
      endpoint?: Endpoint;
      shared?: Simulator;
      control?: SimulatorControl;
      mirror?: JournalMirror;
      resources?: Stoppable[];
      recorder?: RunningContainer;
    },
  ) {
    this.sutSeat = config.profile === 'self' ? undefined : config.profile;
    this.endpoint = parts.endpoint;
    this.shared = parts.shared;
    this.control = parts.control;
    this.mirror = parts.mirror;
    this.resources = [...(parts.mirror ? [parts.mirror] : []), ...(parts.resources ?? [])];
    this.recorder = parts.recorder;
  }

  /**
   * The T-Server's own journal, where the harness sees the system under test: the embedded
   * simulator's, or an external simulator's followed through its admin API; undefined elsewhere.
   */
  get tserverJournal(): Journal | undefined {
    return this.shared?.journal ?? this.mirror?.journal;
  }

  /** Resolves once the T-Server's journal here holds everything it had journaled by now (an external simulator's arrives over HTTP). */
  async syncJournal(): Promise<void> {
    await this.mirror?.sync(this.config.timeouts.requestMs);
  }

  /**
   * The journal of a screencap-cert simulator whose admin API is at `adminUrl`, when the system
   * under test is a client of it (a T-Server under test is not judged by its own account). A T-Server
   * whose admin API cannot give it (a bridge with call routes only) gives none: the harness then
   * sees only its own parties there.
   */
  private static async mirrorOf(config: HarnessConfig, adminUrl: string): Promise<JournalMirror | undefined> {
    if (config.profile !== 'recorder' && config.profile !== 'desktop') return undefined;
    const mirror = await JournalMirror.follow(adminUrl, { maxBytes: config.tserver.journalBytes }).catch(
      () => undefined,
    );
    try {
      await mirror?.sync(config.timeouts.requestMs);
    } catch (e) {
      await mirror?.stop();
      throw e;
    }
    return mirror;
  }

  /** `breakage`: a deliberately broken T-Server is played by the shared simulator, embedded or in its image. */
  static async start(config: HarnessConfig, breakage?: BreakageId): Promise<RunContext> {
    if (config.profile === 'self') return new RunContext(config, {});
    const t = config.tserver;
    // A staging GWS: the harness reaches the T-Server only through the Workspace API (and, where a
    // simulator stands in for staging, creates calls through its admin API).
    if (stagingSeat(config))
      return new RunContext(config, t.adminUrl ? { control: adminApiControl(t.adminUrl) } : {});
    if (t.mode === 'tcp') {
      const mirror = t.adminUrl ? await RunContext.mirrorOf(config, t.adminUrl) : undefined;
      return new RunContext(config, {
        endpoint: { host: t.host, port: t.port },
        ...(t.adminUrl ? { control: adminApiControl(t.adminUrl) } : {}),
        ...(mirror ? { mirror } : {}),
      });
    }
    if (t.mode === 'container') {
      const { startSimulatorContainer } = await import('../container.ts');
      const container = await startSimulatorContainer(t.image, [
        ...(t.dns ? ['--dn', t.dns.join(',')] : []),
        ...(breakage && tserverEngine(breakage) ? ['--break', breakage] : []),
      ]);
      const mirror = await RunContext.mirrorOf(config, container.adminUrl).catch(async (e: Error) => {
        await container.stop();
        throw e;
      });
      return new RunContext(config, {
        endpoint: container.endpoint,
        control: adminApiControl(container.adminUrl),
        resources: [container],
        ...(mirror ? { mirror } : {}),
      });
    }
    const engine = tserverEngine(breakage);
    const shared = await startSimulator({
      ...(engine ? { engine } : {}),
      host: t.host,
      port: t.port,
      adminPort: false,
      journal: new Journal({ maxBytes: t.journalBytes }),
      strict: t.strict,
      ...(t.dns ? { dns: t.dns } : {}),
      ...(t.sipLog ? { sipLog: sipServerLogFile(t.sipLog).writer } : {}),
      ...(t.workspacePort === undefined
        ? {}
        : { workspace: { port: t.workspacePort, agents: frontAgents(config) } }),
    });
    const resources: Stoppable[] = [shared];
    let recorder: RunningContainer | undefined;
    if (config.recorder.container) {
      const { startRecorderContainer } = await import('../container.ts');
      recorder = await startRecorderContainer(
        config.recorder.container,
        shared.local,
        config.recorder.dns ?? config.agents.dns,
      ).catch(async (e: Error) => {
        await shared.stop();
        throw e;
      });
      resources.unshift(recorder);
    }
    return new RunContext(config, {
      endpoint: { host: shared.host, port: shared.port },
      shared,
      control: inProcessControl(shared),
      resources,
      ...(recorder ? { recorder } : {}),
    });
  }

  /**
   * When the system under test connects to the embedded T-Server: says that it listens, on stderr
   * (`screencap-cert: T-Server listening on HOST:PORT ...`, a documented line to wait for) and, if
   * asked, in `readyFile` (`HOST:PORT` and a newline, written once it listens).
   */
  async announce(write: (line: string) => void, readyFile?: string): Promise<void> {
    if (!this.shared || !this.sutSeat) return;
    const address = `${this.shared.host}:${this.shared.port}`;
    write(
      `screencap-cert: T-Server listening on ${address} (tlib-json); the ${this.sutSeat} under test may connect now`,
    );
    if (readyFile) await writeFile(readyFile, `${address}\n`);
  }

  /** DNs the system under test must monitor before scenarios start. */
  private get sutDns(): string[] {
    if (this.sutSeat === 'recorder') return this.config.recorder.dns ?? this.config.agents.dns;
    if (this.sutSeat === 'desktop') return this.config.agents.dns;
    return [];
  }

  private unregisteredSutDns(tserver: Simulator['tserver']): string[] {
    return this.sutDns.filter(
      (dn) => !tserver.registrantsOf(dn).some((r) => !isHarnessApplication(r.application)),
    );
  }

  /** Why the system under test, once ready, can no longer be certified (it left the T-Server); undefined while it is there. */
  sutLost(): string | undefined {
    if (!this.shared) return undefined;
    const gone = this.unregisteredSutDns(this.shared.tserver);
    return gone.length
      ? `the ${this.sutSeat} under test left the T-Server at ${this.shared.address}: DN(s) ${gone.join(', ')} no longer monitored by it`
      : undefined;
  }

  /** Resolves when the SUT is ready; rejects saying exactly what never happened. */
  async waitUntilReady(log: (line: string) => void = () => {}): Promise<void> {
    const timeoutMs = this.config.timeouts.readyMs;
    if (this.shared && this.sutDns.length) {
      const tserver = this.shared.tserver;
      const missing = () => this.unregisteredSutDns(tserver);
      log(
        `waiting up to ${timeoutMs} ms for the ${this.sutSeat} under test to register DNs ${missing().join(', ')} on ${this.shared.address}`,
      );
      const deadline = Date.now() + timeoutMs;
      while (missing().length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      if (missing().length) {
        const output = this.recorder?.logTail();
        throw new NeverRegisteredError(
          this.sutSeat === 'desktop' ? 'DESK-REGISTERED' : 'REC-REGISTERED',
          `the ${this.sutSeat} under test never registered ${missing().join(', ')} on the T-Server at ${this.shared.address} within ${timeoutMs} ms` +
            ` (clients connected: ${tserver.clientCount}; DNs registered: ${JSON.stringify(tserver.registrations())})` +
            (this.recorder ? `; the recorder container's last output:\n${output || '(none)'}` : ''),
        );
      }
      return;
    }
    if ((this.endpoint && !this.shared) || stagingSeat(this.config))
      await this.queryUntilAnswered(timeoutMs, log);
  }

  /** A harness desktop outside any scenario: over tlib-json to the T-Server, or signed in to the Workspace API for `dn`. */
  private harnessDesktop(dn: string, purpose: string, timeoutMs: number): Promise<Link> {
    const staging = stagingSeat(this.config);
    const party = harnessApplicationName(purpose);
    if (staging) return connectWorkspaceDesktop(staging, dn, { party, timeoutMs });
    return TlibLink.connect({ ...(this.endpoint as Endpoint), applicationName: party, timeoutMs });
  }

  /** `the T-Server at host:port`, or behind the Workspace API. */
  private get tserverLabel(): string {
    const staging = stagingSeat(this.config);
    return staging
      ? `the T-Server behind the Workspace API at ${staging.url}`
      : `the T-Server at ${this.endpoint?.host}:${this.endpoint?.port}`;
  }

  /**
   * External T-Server: a harness desktop registers the first agent DN until the T-Server answers;
   * with a recorder under test, it also sends query until the recorder answers. A T-Server under
   * test is not asked for an EventACK here: how it answers RequestSendEvent is what its rules judge
   * (TSRV-REPLY), in the scenarios, where the answer is evidence.
   */
  private async queryUntilAnswered(timeoutMs: number, log: (line: string) => void): Promise<void> {
    const dn = this.config.agents.dns[0] as string;
    const needIndication = this.sutSeat === 'recorder';
    log(
      needIndication
        ? `waiting up to ${timeoutMs} ms for ${this.tserverLabel} to answer a query on DN ${dn} and the recorder under test to send an indication`
        : `waiting up to ${timeoutMs} ms for ${this.tserverLabel} to register the harness's client and DN ${dn}`,
    );
    const deadline = Date.now() + timeoutMs;
    let last = 'nothing was tried';
    while (Date.now() < deadline) {
      const link = await this.harnessDesktop(dn, 'readiness', Math.min(5000, timeoutMs)).catch((e: Error) => {
        last = e.message;
        return undefined;
      });
      if (link) {
        try {
          last = await this.tryQuery(link, dn, needIndication, deadline);
          if (last === '') return;
        } finally {
          await link.close();
        }
      }
      await new Promise((r) => setTimeout(r, 250));
    }
    throw new Error(`${this.tserverLabel} was not ready within ${timeoutMs} ms: ${last}`);
  }

  private async tryQuery(link: Link, dn: string, needIndication: boolean, deadline: number): Promise<string> {
    try {
      await link.registerDn(dn);
      if (!needIndication) return '';
      const mark = link.journal.mark;
      const reply = await link.request(operationRequest(dn, 'query'));
      if (reply.message !== 'EventACK')
        return `the query on DN ${dn} was answered with ${JSON.stringify(reply)}`;
      await awaitIndication(link.journal, dn, {
        after: mark,
        timeoutMs: Math.max(1, Math.min(this.config.timeouts.answerMs, deadline - Date.now())),
        description: `an indication answering the query on DN ${dn}`,
      });
      return '';
    } catch (e) {
      return (e as Error).message;
    }
  }

  /**
   * Brings the recorder under test to a known state before a scenario: `stop` on every agent DN,
   * each answered (outside any scenario's journal).
   */
  async resetRecorder(): Promise<void> {
    if (this.sutSeat !== 'recorder' || (!this.endpoint && !stagingSeat(this.config))) return;
    // One link per DN: over the Workspace API each agent DN is its own agent's session.
    for (const dn of this.config.agents.dns) {
      const link = await this.harnessDesktop(dn, 'reset', this.config.timeouts.requestMs);
      try {
        await link.registerDn(dn);
        const mark = link.journal.mark;
        await link.request(operationRequest(dn, 'stop'));
        await awaitIndication(link.journal, dn, {
          after: mark,
          timeoutMs: this.config.timeouts.answerMs,
          description: `the recorder under test to answer stop on DN ${dn} (resetting it before the scenario)`,
        }).catch(() => undefined); // a recorder that does not answer fails the scenario's own rules
      } finally {
        await link.close();
      }
    }
  }

  async stop(): Promise<void> {
    for (const r of this.resources) await r.stop().catch(() => undefined);
  }
}
