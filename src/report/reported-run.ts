/**
 * A conformance run that leaves its reports in `reports/<run-id>/`: what Cucumber writes as it
 * goes (HTML, messages, JUnit, Allure results), then the certificate, the Allure HTML and the
 * manifest. A run that stops early (SIGINT, a crash) still gets a report of what ran, incomplete.
 */
import { type Envelope, ScenarioCollector, type SuiteOptions, suiteResult } from '../conformance/run.ts';
import type { SuiteResult } from '../result/outcomes.ts';
import { runMetadata, type SutIdentity } from './metadata.ts';
import { rebuildCucumberReports } from './partial.ts';
import { createRunDir, cucumberOutputs, type RunDir } from './run-dir.ts';
import { type WrittenReport, writeRunReport } from './write.ts';

export interface RunFacts {
  profile?: string;
  dns?: readonly string[];
  sut?: SutIdentity;
  tags?: string;
  breakage?: string;
}

export class ReportedRun {
  private readonly collector = new ScenarioCollector();
  /** Kept to rebuild Cucumber's own reports if the run never closes them. */
  private readonly envelopes: Envelope[] = [];
  private lastMessageAt = Date.now();
  private readonly startedAt = new Date();

  private constructor(
    readonly run: RunDir,
    private readonly facts: RunFacts,
  ) {}

  static async start(reportsRoot: string, facts: RunFacts = {}): Promise<ReportedRun> {
    return new ReportedRun(await createRunDir(reportsRoot), facts);
  }

  /** What runSuite needs to write into the run's folder and to let this run read it as it goes. */
  get suiteOptions(): Pick<SuiteOptions, 'formats' | 'formatOptions' | 'collector' | 'onMessage'> {
    return {
      ...cucumberOutputs(this.run.dir),
      collector: this.collector,
      onMessage: (envelope) => {
        this.envelopes.push(envelope);
        this.lastMessageAt = Date.now();
      },
    };
  }

  /** The result so far of a run that stopped before Cucumber finished (`why`: in words). */
  private finished: Promise<WrittenReport> | undefined;

  /**
   * Resolves once Cucumber has said nothing for `quietMs` (at most `maxMs`): with new scenarios
   * halted, the scenario under way has finished writing its evidence, so what is signed stays as signed.
   */
  async quiesce(quietMs = 300, maxMs = 15_000): Promise<void> {
    const deadline = Date.now() + maxMs;
    while (Date.now() - this.lastMessageAt < quietMs && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  stoppedResult(options: Pick<SuiteOptions, 'config' | 'tags'>, why: string): SuiteResult {
    return suiteResult(this.collector, options, false, why);
  }

  /**
   * Writes the rest of the report. `cucumberClosed: false` when Cucumber never finished its own
   * reports (the run was stopped): they are rebuilt from the messages seen so far.
   */
  finish(result: SuiteResult, cucumberClosed = true): Promise<WrittenReport> {
    // Once: a stop (SIGINT) and the run's own end can race, and the bundle is signed as written.
    // A stop while it is written (a later call) is what the certificate ends with: never a pass
    // from a run that exits as interrupted.
    if (this.finished) {
      this.lastResult = result;
      return this.finished;
    }
    this.lastResult = result;
    this.finished = this.write(result, cucumberClosed);
    return this.finished;
  }

  private lastResult: SuiteResult | undefined;

  private async write(result: SuiteResult, cucumberClosed: boolean): Promise<WrittenReport> {
    if (!cucumberClosed) await rebuildCucumberReports(this.run.dir, [...this.envelopes]);
    const metadata = await runMetadata({
      runId: this.run.id,
      startedAt: this.startedAt,
      endedAt: new Date(),
      tservers: this.collector.tservers,
      ...this.facts,
    });
    return writeRunReport(this.run, result, metadata, undefined, () => this.lastResult ?? result);
  }
}
