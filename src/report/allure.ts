/**
 * The single-file Allure 3 HTML report, generated from the run's allure-results by the Allure CLI
 * (configured by allurerc.mjs at the harness root; a child process, as Allure exits on its errors),
 * then made to work offline.
 */
import { execFile } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { HARNESS_ROOT } from './metadata.ts';

const run = promisify(execFile);

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

export async function generateAllureReport(resultsDir: string, outputDir: string): Promise<void> {
  // Where npm put Allure: under the harness in a checkout, hoisted beside it when installed as a package.
  const cli = join(dirname(fileURLToPath(import.meta.resolve('allure'))), '..', 'cli.js');
  const config = join(HARNESS_ROOT, 'allurerc.mjs');
  try {
    // With the parent gone (killed while writing its report), Allure must not go on writing into the folder.
    const watchdog = join(HARNESS_ROOT, 'src', 'report', 'exit-with-parent.mjs');
    const args = [
      '--import',
      pathToFileURL(watchdog).href,
      cli,
      'generate',
      resultsDir,
      '--output',
      outputDir,
    ];
    await run(process.execPath, [...args, '--config', config], {
      cwd: HARNESS_ROOT,
      timeout: 120_000,
    });
  } catch (error) {
    const e = error as { stderr?: string; stdout?: string; message: string };
    throw new Error(`allure generate failed: ${e.stderr || e.stdout || e.message}`);
  }
  const page = join(outputDir, 'index.html');
  await writeFile(page, offlineAllureHtml(await readFile(page, 'utf8')));
}
