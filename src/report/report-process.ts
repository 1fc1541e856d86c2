/**
 * The run's report child (report-child.mjs), started with the run so that its reports are made on
 * another core while the scenarios run: from the run's messages as they come, Cucumber's HTML and
 * JUnit reports, the Allure results and the evidence files; and the Allure report, with Allure
 * loaded and each result read as it is written. Until asked for a report, it keeps nobody waiting: a harness that ends
 * without one just ends.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import type { Socket } from 'node:net';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { isMainThread, threadId } from 'node:worker_threads';
import { HARNESS_ROOT } from './metadata.ts';

/** What is kept of the child's output for an error message: its end. */
const OUTPUT_KEPT = 64 * 1024;

export interface ReportTasks {
  /** Cucumber's HTML and JUnit reports into this folder, from the messages it is handed. */
  cucumberDir?: string;
  /** The Allure results into this folder, from the messages it is handed. */
  allureResultsDir?: string;
  /**
   * The scenarios' evidence files into the bundle `dir`, from the attachments `names` names (their
   * file names in the reports -> in the bundle), where it is told each scenario's go (evidence()).
   */
  evidence?: { dir: string; names: Readonly<Record<string, string>> };
  /** The Allure report of `resultsDir` into `outputDir`. */
  allure?: { resultsDir: string; outputDir: string };
}

/**
 * The Allure results' thread label, as allure-js-commons names the thread that runs the scenarios
 * (this one): the child writes them, in a process of its own.
 */
const threadLabel = () =>
  process.env.ALLURE_THREAD_NAME ?? `pid-${process.pid}-worker-${isMainThread ? 'main' : threadId}`;

export class ReportProcess {
  private output = '';
  /** Why the child failed, or undefined once it did all it was started for (a spawn that failed ends it too). */
  private readonly ended: Promise<string | undefined>;
  /** Asks in flight: while any is, the child keeps the harness waiting for its answer. */
  private asking = 0;

  private constructor(private readonly child: ChildProcess) {
    const keep = (chunk: string) => {
      this.output = (this.output + chunk).slice(-OUTPUT_KEPT);
    };
    child.stdout?.setEncoding('utf8').on('data', keep);
    child.stderr?.setEncoding('utf8').on('data', keep);
    // A child gone early makes its stdin fail; what it did not write is rebuilt (reported-run.ts).
    child.stdin?.on('error', () => {});
    this.ended = new Promise((resolve) => {
      child.once('error', (e) => resolve(e.message));
      child.once('close', (code, signal) =>
        resolve(
          code === 0 ? undefined : `it ended with ${signal ? `signal ${signal}` : `exit code ${code}`}`,
        ),
      );
    });
    this.hold(false);
  }

  /** Starts the child for `tasks`: it loads what they need meanwhile. */
  static start(tasks: ReportTasks): ReportProcess {
    // With the parent gone (killed while writing its report), the child must not go on writing into the folder.
    const watchdog = join(HARNESS_ROOT, 'src', 'report', 'exit-with-parent.mjs');
    const child = join(HARNESS_ROOT, 'src', 'report', 'report-child.mjs');
    const fromMessages = [tasks.cucumberDir, tasks.allureResultsDir, tasks.evidence].some(
      (t) => t !== undefined,
    );
    const args = [
      ...(tasks.cucumberDir ? ['--cucumber', tasks.cucumberDir] : []),
      ...(tasks.allureResultsDir ? ['--allure-results', tasks.allureResultsDir] : []),
      ...(tasks.evidence ? ['--evidence', tasks.evidence.dir, JSON.stringify(tasks.evidence.names)] : []),
      ...(tasks.allure
        ? ['--allure', join(HARNESS_ROOT, 'allurerc.mjs'), tasks.allure.resultsDir, tasks.allure.outputDir]
        : []),
    ];
    return new ReportProcess(
      spawn(process.execPath, ['--import', pathToFileURL(watchdog).href, child, ...args], {
        cwd: HARNESS_ROOT,
        env: { ...process.env, ALLURE_THREAD_NAME: threadLabel() },
        stdio: [fromMessages ? 'pipe' : 'ignore', 'pipe', 'pipe', 'ipc'],
      }),
    );
  }

  /** Whether it is still running, able to be asked. */
  get waiting(): boolean {
    return this.child.connected && !this.child.killed;
  }

  private hold(open: boolean): void {
    for (const handle of [
      this.child,
      this.child.channel,
      this.child.stdin,
      this.child.stdout,
      this.child.stderr,
    ]) {
      const h = handle as Pick<Socket, 'ref' | 'unref'> | null | undefined;
      if (open) h?.ref();
      else h?.unref();
    }
  }

  /** Keeps the harness running while `ask` is answered. */
  private async asked<T>(ask: () => Promise<T>): Promise<T> {
    if (this.asking++ === 0) this.hold(true);
    try {
      return await ask();
    } finally {
      if (--this.asking === 0) this.hold(false);
    }
  }

  /** Hands it Cucumber messages (JSON, one line each, newlines included), and evidenceFolder() lines among them. */
  message(lines: string): void {
    if (this.child.stdin?.writable) this.child.stdin.write(lines);
  }

  /** The line that tells it where a scenario's evidence goes: handed among the messages, before its attachments. */
  static evidenceFolder(testCaseStartedId: string, folder: string): string {
    return `${JSON.stringify({ evidence: { testCaseStartedId, folder } })}\n`;
  }

  /**
   * The messages are complete: resolves once it has written what it makes of them (Cucumber's
   * reports, the Allure results); rejects saying why it did not.
   */
  messageReports(timeoutMs: number): Promise<void> {
    return this.asked(async () => {
      if (!this.waiting) throw new Error((await this.ended) ?? 'it had ended');
      this.child.stdin?.end();
      const answer = new Promise<string | null>((resolve) => {
        const listener = (m: unknown) => {
          if (typeof m === 'object' && m !== null && 'messageReports' in m) {
            this.child.off('message', listener);
            resolve((m as { messageReports: string | null }).messageReports);
          }
        };
        this.child.on('message', listener);
        this.child.send('end-messages');
      });
      const why = await this.answered(answer, timeoutMs);
      if (why !== null) throw new Error(why);
    });
  }

  /** Makes the Allure report from the results as they are now (once); rejects with what Allure said. */
  generateAllure(timeoutMs: number): Promise<void> {
    return this.asked(async () => {
      this.child.send('generate');
      const failure = await this.answered(this.ended, timeoutMs);
      if (failure !== undefined) throw new Error(this.output.trim() || failure);
    });
  }

  /** `answer`, or why the child ended first; the child is killed when it takes over `timeoutMs`. */
  private async answered<T>(answer: Promise<T>, timeoutMs: number): Promise<T | string> {
    const timer = setTimeout(() => this.child.kill('SIGKILL'), timeoutMs);
    const gone = this.ended.then((why) => this.output.trim() || why || 'it ended without answering');
    try {
      return await Promise.race([answer, gone]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Ends the child unused. */
  dispose(): void {
    this.child.kill();
  }
}
