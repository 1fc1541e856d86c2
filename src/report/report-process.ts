/**
 * The run's report child (report-child.mjs), started with the run so that its reports are made on
 * another core while the scenarios run: Cucumber's HTML and JUnit reports from the run's messages
 * as they come, and the Allure report, with Allure loaded and each result read as it is written.
 * Until asked for a report, it keeps nobody waiting: a harness that ends without one just ends.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import type { Socket } from 'node:net';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Batch } from './batch.ts';
import { HARNESS_ROOT } from './metadata.ts';

/** What is kept of the child's output for an error message: its end. */
const OUTPUT_KEPT = 64 * 1024;

export interface ReportTasks {
  /** Cucumber's HTML and JUnit reports into this folder, from the messages it is handed. */
  cucumberDir?: string;
  /** The Allure report of `resultsDir` into `outputDir`. */
  allure?: { resultsDir: string; outputDir: string };
}

/** The children started ahead and not yet asked for their Allure report, by their results folder. */
const readers = new Map<string, ReportProcess>();

/**
 * `name` is written whole in `resultsDir` (and will not be written again): the child making that
 * folder's Allure report reads it now, while the scenarios run, rather than after them. A folder no
 * child reads is left alone; a file no child was told of is read when the report is made.
 */
export function resultWritten(resultsDir: string, name: string): void {
  readers.get(resolve(resultsDir))?.read(name);
}

export class ReportProcess {
  private output = '';
  /** Why the child failed, or undefined once it did all it was started for (a spawn that failed ends it too). */
  private readonly ended: Promise<string | undefined>;
  private readonly resultsDir: string | undefined;
  /** Asks in flight: while any is, the child keeps the harness waiting for its answer. */
  private asking = 0;

  private constructor(
    private readonly child: ChildProcess,
    tasks: ReportTasks,
  ) {
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
    this.resultsDir = tasks.allure && resolve(tasks.allure.resultsDir);
    if (this.resultsDir) readers.set(this.resultsDir, this);
    void this.ended.finally(() => this.forget());
  }

  /** Starts the child for `tasks`: it loads what they need meanwhile. */
  static start(tasks: ReportTasks): ReportProcess {
    // With the parent gone (killed while writing its report), the child must not go on writing into the folder.
    const watchdog = join(HARNESS_ROOT, 'src', 'report', 'exit-with-parent.mjs');
    const child = join(HARNESS_ROOT, 'src', 'report', 'report-child.mjs');
    const args = [
      ...(tasks.cucumberDir ? ['--cucumber', tasks.cucumberDir] : []),
      ...(tasks.allure
        ? ['--allure', join(HARNESS_ROOT, 'allurerc.mjs'), tasks.allure.resultsDir, tasks.allure.outputDir]
        : []),
    ];
    return new ReportProcess(
      spawn(process.execPath, ['--import', pathToFileURL(watchdog).href, child, ...args], {
        cwd: HARNESS_ROOT,
        stdio: [tasks.cucumberDir ? 'pipe' : 'ignore', 'pipe', 'pipe', 'ipc'],
      }),
      tasks,
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

  private forget(): void {
    if (this.resultsDir && readers.get(this.resultsDir) === this) readers.delete(this.resultsDir);
  }

  /** Hands it Cucumber messages (JSON, one line each, newlines included). */
  message(line: string): void {
    if (this.child.stdin?.writable) this.child.stdin.write(line);
  }

  /**
   * Allure results written whole, named to the child together (a message each, some 600 a run, was
   * a system call and a wake-up of the child each).
   */
  private readonly unread = new Batch<string>((names) => {
    if (this.waiting) this.child.send({ read: names });
  });

  /** Has it read the Allure results file `name`, written whole (see resultWritten). */
  read(name: string): void {
    if (this.waiting) this.unread.add(name);
  }

  /** The messages are complete: resolves once it has written Cucumber's reports; rejects saying why it did not. */
  cucumberReports(timeoutMs: number): Promise<void> {
    return this.asked(async () => {
      if (!this.waiting) throw new Error((await this.ended) ?? 'it had ended');
      this.child.stdin?.end();
      const answer = new Promise<string | null>((resolve) => {
        const listener = (m: unknown) => {
          if (typeof m === 'object' && m !== null && 'cucumberReports' in m) {
            this.child.off('message', listener);
            resolve((m as { cucumberReports: string | null }).cucumberReports);
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
      this.forget();
      this.unread.flush();
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
    this.forget();
    this.child.kill();
  }
}
