/**
 * A conformance run that leaves its reports in `reports/<run-id>/`: what is written as it goes
 * (Cucumber's messages; by the report child, from those messages, Cucumber's HTML and JUnit
 * reports, the Allure results and the evidence files), then the certificate, the Allure HTML and
 * the manifest. A run that stops early (SIGINT, a crash) still gets a report of what ran, incomplete.
 */
import { createWriteStream, type WriteStream } from 'node:fs';
import { cp, mkdir, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { finished } from 'node:stream/promises';
import type { HarnessConfig } from '../config/schema.ts';
import { generateAllureReport } from '../report/allure.ts';
import { Batch } from '../report/batch.ts';
import { configurationSnapshot, evidenceSources } from '../report/configuration.ts';
import { BUNDLE_NAMES } from '../report/exchanges.ts';
import { HARNESS_ROOT, type SutIdentity } from '../report/metadata.ts';
import { ReportProcess } from '../report/report-process.ts';
import type { RunDir } from '../report/run-dir.ts';
import type { Signer } from '../report/signature.ts';
import { Bundle, type WrittenReport } from '../report/write.ts';
import type { SuiteResult } from '../result/outcomes.ts';
import { redact } from '../secrets.ts';
import { type Envelope, ScenarioCollector, type SuiteOptions, suiteResult } from './run.ts';

/** Each failed step's whole error, stack and all: for whoever debugs the harness, never the certificate. */
export const DEBUG_FILE = 'debug/step-failures.txt';

/** The single-file Allure report's folder in the bundle. */
const ALLURE_REPORT_DIR = 'allure-report';

/** How long the report child may take to close what it makes of the messages once they are complete. */
const MESSAGE_REPORTS_TIMEOUT_MS = 60_000;

const exists = (path: string) =>
  stat(path).then(
    () => true,
    () => false,
  );

export interface RunFacts {
  /** The effective configuration: the certificate's reference configuration and evidence sources. */
  config?: HarnessConfig;
  signer?: Signer;
  profile?: string;
  dns?: readonly string[];
  sut?: SutIdentity;
  tags?: string;
  breakage?: string;
}

export interface ReportOptions {
  /** Generate the single-file Allure report (default true; its results are written either way). */
  allureReport?: boolean;
}

export class ReportedRun {
  private readonly collector = new ScenarioCollector();
  /** Kept to rebuild what the report child makes of them (reports, results, evidence) should it not. */
  private readonly envelopes: Envelope[] = [];
  private lastMessageAt = Date.now();
  /** messages.ndjson: each message as one JSON line, as Cucumber's `message` format writes it. */
  private readonly messages: WriteStream;
  /**
   * Started with the run: it writes Cucumber's HTML and JUnit reports, the Allure results and the
   * evidence files from the messages as they come, and has loaded Allure by the time its report is made.
   */
  private readonly reports: ReportProcess;
  private readonly allureReport: boolean;

  private constructor(
    private readonly bundle: Bundle,
    private readonly facts: RunFacts,
    options: ReportOptions,
  ) {
    this.messages = createWriteStream(join(bundle.run.dir, 'messages.ndjson'));
    // Said when the report is written (finished() rejects with it), not thrown meanwhile.
    this.messages.on('error', () => {});
    // Asked not to (`run --no-allure-report`): its results stay, for `allure generate` later.
    this.allureReport = options.allureReport !== false;
    this.reports = ReportProcess.start({
      cucumberDir: bundle.run.dir,
      allureResultsDir: this.allureResults,
      evidence: { dir: bundle.run.dir, names: BUNDLE_NAMES },
      ...(this.allureReport
        ? { allure: { resultsDir: this.allureResults, outputDir: this.allureReportDir } }
        : {}),
    });
  }

  static async start(
    reportsRoot: string,
    facts: RunFacts = {},
    options: ReportOptions = {},
  ): Promise<ReportedRun> {
    return new ReportedRun(await Bundle.open(reportsRoot), facts, options);
  }

  get run(): RunDir {
    return this.bundle.run;
  }

  /** What runSuite needs to write into the run's folder and to let this run read it as it goes. */
  get suiteOptions(): Pick<SuiteOptions, 'collector' | 'onMessage'> {
    return {
      collector: this.collector,
      onMessage: (envelope) => {
        this.envelopes.push(envelope);
        this.lastMessageAt = Date.now();
        this.unwritten.add([`${JSON.stringify(envelope)}\n`, true]);
        // Where its evidence goes (the collector has just given it its folder), before its attachments.
        const started = envelope.testCaseStarted?.id;
        const folder = started && this.collector.evidenceFolder(started);
        if (started && folder) this.unwritten.add([ReportProcess.evidenceFolder(started, folder), false]);
      },
    };
  }

  /**
   * Lines not yet written, written together in batches: to the report child, and to
   * messages.ndjson those that are Cucumber's messages (`true`).
   */
  private readonly unwritten = new Batch<[string, boolean]>((lines) => {
    // A run stopped midway may still say something after its report was begun: not in it.
    if (this.messages.writable)
      this.messages.write(
        lines
          .filter(([, message]) => message)
          .map(([line]) => line)
          .join(''),
      );
    this.reports.message(lines.map(([line]) => line).join(''));
  });

  /** The result so far of a run that stopped before Cucumber finished (`why`: in words). */
  private finished: Promise<WrittenReport> | undefined;

  /**
   * Resolves once Cucumber has said nothing for `quietMs` (at most `maxMs`): with new scenarios
   * halted, the scenario under way has finished writing its evidence, so what is hashed stays as hashed.
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
   * Writes the rest of the report. When Cucumber never finished (the run was stopped), its reports
   * show the messages seen so far, as a run that failed.
   */
  finish(result: SuiteResult): Promise<WrittenReport> {
    // Once: a stop (SIGINT) and the run's own end can race, and the bundle is hashed as written.
    // A stop while it is written (a later call) is what the certificate ends with: never a pass
    // from a run that exits as interrupted.
    if (this.finished) {
      this.lastResult = result;
      return this.finished;
    }
    this.lastResult = result;
    this.finished = this.write(result);
    return this.finished;
  }

  private lastResult: SuiteResult | undefined;

  private async write(result: SuiteResult): Promise<WrittenReport> {
    // What the certificate links to and the manifest hashes is on disk first: the messages and what
    // the report child makes of them (Cucumber's reports, the Allure results, the evidence).
    this.unwritten.flush();
    const messageReports = this.messageReports();
    this.messages.end();
    // The Allure report, the longest of what is left, is asked for now, while the rest is written
    // and hashed: the child makes it once the results it writes are complete. Should the child have
    // failed (it makes no report of results it did not finish), another makes it once they are
    // rebuilt here: never one reading them while they are.
    const allure = (
      this.reports.waiting ? this.makeAllureReport() : Promise.reject(new Error('the report child ended'))
    )
      .catch(async () => {
        await messageReports;
        await this.makeAllureReport({ rebuilt: true });
      })
      .then(
        () => [],
        (e: Error) => [e.message],
      );
    await finished(this.messages);
    const problems = await messageReports;
    const { config, signer, ...facts } = this.facts;
    return this.bundle.write({
      result,
      facts: {
        tservers: this.collector.tservers,
        ...facts,
        ...(config
          ? { config: configurationSnapshot(config), evidenceSources: evidenceSources(config) }
          : {}),
      },
      artifacts: async () => {
        await this.artifacts();
        return [...problems, ...(await allure)];
      },
      // Cucumber's reports, the evidence and the Allure results are all written by now; the Allure
      // report is being written.
      settled: true,
      writing: [ALLURE_REPORT_DIR],
      final: () => this.lastResult ?? result,
      ...(signer ? { signer } : {}),
    });
  }

  /**
   * Cucumber's HTML and JUnit reports, the Allure results and the evidence files, closed by the
   * report child once it has every message (a run that never finished ends as failed); rebuilt
   * from the messages kept here if it could not. Returns what went wrong.
   */
  private async messageReports(): Promise<string[]> {
    try {
      await this.reports.messageReports(MESSAGE_REPORTS_TIMEOUT_MS);
      return [];
    } catch (error) {
      // It makes no report of results it may have half written: the Allure report is made by another.
      this.reports.dispose();
      // (Loaded only then: the formatters are the child's to load.)
      const partial = await import('../report/partial.ts');
      const envelopes = [...this.envelopes];
      await partial.rebuildCucumberReports(this.run.dir, envelopes);
      await partial.rebuildAllureResults(this.allureResults, envelopes);
      partial.rebuildEvidence(this.run.dir, envelopes, (id) => this.collector.evidenceFolder(id));
      return [
        `the report child did not write Cucumber's reports, the Allure results and the evidence (${(error as Error).message}): rebuilt from the run's messages`,
      ];
    }
  }

  /** The Gherkin that ran and the debug file. */
  private async artifacts(): Promise<void> {
    // The Gherkin that was run travels with its evidence, under the manifest like every artifact.
    await cp(join(HARNESS_ROOT, 'features'), join(this.run.dir, 'features'), {
      recursive: true,
      filter: async (src) => src.endsWith('.feature') || (await stat(src)).isDirectory(),
    });
    const failures = this.collector.stepFailures;
    if (failures.length) {
      await mkdir(join(this.run.dir, 'debug'), { recursive: true });
      const text = failures.map((f) => `${f.scenario}\n  step: ${f.step}\n${f.message}\n`).join('\n');
      await writeFile(join(this.run.dir, DEBUG_FILE), redact(text));
    }
  }

  private get allureResults(): string {
    return join(this.run.dir, 'allure-results');
  }

  private get allureReportDir(): string {
    return join(this.run.dir, ALLURE_REPORT_DIR);
  }

  /**
   * The Allure report, by the report child (which makes it once the results it writes are whole,
   * and none if they never are); `rebuilt`: the results were rebuilt here, once it had failed.
   * Their folder is the child's to make: it is looked for only once rebuilt.
   */
  private async makeAllureReport({ rebuilt = false } = {}): Promise<void> {
    if (!this.allureReport) return;
    if (rebuilt && !(await exists(this.allureResults)))
      throw new Error('no Allure results were written, so there is no Allure report');
    await generateAllureReport(this.allureResults, this.allureReportDir, this.reports);
  }
}
