/**
 * The single-file Allure 3 HTML report, generated from the run's allure-results by Allure's report
 * API as `allure generate` does (configured by allurerc.mjs at the harness root), then made to work
 * offline. A child process makes it (allure-report-child.mjs), as Allure exits on its errors; it is
 * started with the run (AllureReportProcess.start), loads Allure and prepares the report while the
 * scenarios run, reads each result as soon as it is written (resultWritten), and reads whatever it
 * was not told of and writes the report once asked.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import type { Socket } from 'node:net';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { HARNESS_ROOT } from './metadata.ts';

/** What is kept of the child's output for an error message: its end. */
const OUTPUT_KEPT = 64 * 1024;
const GENERATE_TIMEOUT_MS = 120_000;

/**
 * Allure 3.18 always writes Google Analytics into its page (allure-framework/allure3#476): a
 * certificate must not call out when opened, so that block is removed. Any other reference the
 * page would load from the network makes generation fail rather than ship.
 */
export function offlineAllureHtml(html: string): string {
  const stripped = html.replace(
    /\s*<script async src="https:\/\/www\.googletagmanager\.com\/[^"]*"><\/script>\s*<script>[^<]*?gtag\('config'[^<]*<\/script>/,
    '',
  );
  const external = /<(?:script|link|img|iframe)\b[^>]*\b(?:src|href)=["']?(?:https?:)?\/\/[^"'\s>]*/i.exec(
    stripped,
  );
  if (external || stripped.includes('googletagmanager'))
    throw new Error(`the Allure report would load from the network: ${external?.[0] ?? 'googletagmanager'}`);
  return stripped;
}

/** The children started ahead and not yet asked for their report, by their results folder. */
const started = new Map<string, AllureReportProcess>();

/**
 * `name` is written whole in `resultsDir` (and will not be written again): the child making that
 * folder's report reads it now, while the scenarios run, rather than after them. A folder no child
 * reads is left alone; a file no child was told of is read when the report is made.
 */
export function resultWritten(resultsDir: string, name: string): void {
  started.get(resolve(resultsDir))?.read(name);
}

/** A child making one Allure report, started before its results are complete. */
export class AllureReportProcess {
  private output = '';
  /** Why the child failed, or undefined once it wrote the report (a spawn that failed ends it too). */
  private readonly ended: Promise<string | undefined>;

  private constructor(
    private readonly child: ChildProcess,
    private readonly resultsDir: string,
  ) {
    const keep = (chunk: string) => {
      this.output = (this.output + chunk).slice(-OUTPUT_KEPT);
    };
    child.stdout?.setEncoding('utf8').on('data', keep);
    child.stderr?.setEncoding('utf8').on('data', keep);
    this.ended = new Promise((resolve) => {
      child.once('error', (e) => resolve(e.message));
      child.once('close', (code, signal) =>
        resolve(
          code === 0 ? undefined : `it ended with ${signal ? `signal ${signal}` : `exit code ${code}`}`,
        ),
      );
    });
    // Until asked, it keeps nobody waiting: a harness that ends without a report just ends.
    this.hold(false);
    started.set(resultsDir, this);
    void this.ended.finally(() => this.forget());
  }

  /** No more results are handed to it (it was asked for its report, or it ended). */
  private forget(): void {
    if (started.get(this.resultsDir) === this) started.delete(this.resultsDir);
  }

  /** Starts the child for the report of `resultsDir` into `outputDir`: it loads Allure meanwhile. */
  static start(resultsDir: string, outputDir: string): AllureReportProcess {
    // With the parent gone (killed while writing its report), Allure must not go on writing into the folder.
    const watchdog = join(HARNESS_ROOT, 'src', 'report', 'exit-with-parent.mjs');
    const child = join(HARNESS_ROOT, 'src', 'report', 'allure-report-child.mjs');
    const config = join(HARNESS_ROOT, 'allurerc.mjs');
    return new AllureReportProcess(
      spawn(
        process.execPath,
        ['--import', pathToFileURL(watchdog).href, child, config, resultsDir, outputDir],
        { cwd: HARNESS_ROOT, stdio: ['ignore', 'pipe', 'pipe', 'ipc'] },
      ),
      resolve(resultsDir),
    );
  }

  /** Whether it still waits to be asked. */
  get waiting(): boolean {
    return this.child.connected && !this.child.killed;
  }

  private hold(open: boolean): void {
    for (const handle of [this.child, this.child.channel, this.child.stdout, this.child.stderr]) {
      const h = handle as Pick<Socket, 'ref' | 'unref'> | null | undefined;
      if (open) h?.ref();
      else h?.unref();
    }
  }

  /** Has it read the results file `name`, written whole (see resultWritten). */
  read(name: string): void {
    if (this.waiting) this.child.send({ read: name });
  }

  /** Makes the report from the results as they are now (once, while `waiting`); rejects with what Allure said. */
  async generate(timeoutMs: number): Promise<void> {
    this.forget();
    this.hold(true);
    this.child.send('generate');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), timeoutMs);
    const failure = await this.ended.finally(() => clearTimeout(timer));
    if (failure !== undefined) throw new Error(this.output.trim() || failure);
  }

  /** Ends the child unused. */
  dispose(): void {
    this.forget();
    this.child.kill();
  }
}

/**
 * `started`: the child started ahead for this report (one that has ended meanwhile, or none, and
 * one is started now).
 */
export async function generateAllureReport(
  resultsDir: string,
  outputDir: string,
  started?: AllureReportProcess,
): Promise<void> {
  const child = started?.waiting ? started : AllureReportProcess.start(resultsDir, outputDir);
  try {
    await child.generate(GENERATE_TIMEOUT_MS);
  } catch (error) {
    throw new Error(`allure generate failed: ${(error as Error).message}`);
  }
  const page = join(outputDir, 'index.html');
  await writeFile(page, offlineAllureHtml(await readFile(page, 'utf8')));
}
