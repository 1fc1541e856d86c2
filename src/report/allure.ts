/**
 * The single-file Allure 3 HTML report, generated from the run's allure-results by the Allure CLI
 * (configured by allurerc.mjs at the harness root; a child process, as Allure exits on its errors),
 * then made to work offline. The child is started ahead (AllureCli.start, allure-cli-child.mjs):
 * it loads Allure while the run goes on, and only generates once asked.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import type { Socket } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
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

/** A child running the Allure command line, started before it is given its arguments. */
export class AllureCli {
  private output = '';
  /** How the child ended (a spawn that failed ends it too). */
  private readonly ended: Promise<string | undefined>;

  private constructor(private readonly child: ChildProcess) {
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
    // Until asked to run, it keeps nobody waiting: a harness that ends without a report just ends.
    this.hold(false);
  }

  /** Starts the child: it loads Allure's modules meanwhile. */
  static start(): AllureCli {
    // Where npm put Allure: under the harness in a checkout, hoisted beside it when installed as a package.
    const cli = join(dirname(fileURLToPath(import.meta.resolve('allure'))), '..', 'cli.js');
    // With the parent gone (killed while writing its report), Allure must not go on writing into the folder.
    const watchdog = join(HARNESS_ROOT, 'src', 'report', 'exit-with-parent.mjs');
    const child = join(HARNESS_ROOT, 'src', 'report', 'allure-cli-child.mjs');
    return new AllureCli(
      spawn(process.execPath, ['--import', pathToFileURL(watchdog).href, child, cli], {
        cwd: HARNESS_ROOT,
        stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      }),
    );
  }

  /** Whether it still waits for its arguments. */
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

  /** Runs `allure <args>` (once, while `waiting`); rejects with what it printed when it fails or takes over `timeoutMs`. */
  async run(args: string[], timeoutMs: number): Promise<void> {
    this.hold(true);
    this.child.send(args);
    const timer = setTimeout(() => this.child.kill('SIGKILL'), timeoutMs);
    const failure = await this.ended.finally(() => clearTimeout(timer));
    if (failure !== undefined) throw new Error(this.output.trim() || failure);
  }

  /** Ends the child unused. */
  dispose(): void {
    this.child.kill();
  }
}

/** `started`: an Allure command line started ahead (one that has ended meanwhile is started again). */
export async function generateAllureReport(
  resultsDir: string,
  outputDir: string,
  started?: AllureCli,
): Promise<void> {
  const config = join(HARNESS_ROOT, 'allurerc.mjs');
  const cli = started?.waiting ? started : AllureCli.start();
  try {
    await cli.run(['generate', resultsDir, '--output', outputDir, '--config', config], GENERATE_TIMEOUT_MS);
  } catch (error) {
    throw new Error(`allure generate failed: ${(error as Error).message}`);
  }
  const page = join(outputDir, 'index.html');
  await writeFile(page, offlineAllureHtml(await readFile(page, 'utf8')));
}
