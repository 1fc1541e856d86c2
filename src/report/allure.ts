/**
 * The single-file Allure 3 HTML report, generated from the run's allure-results by Allure's report
 * API as `allure generate` does (configured by allurerc.mjs at the harness root), then made to work
 * offline. The run's report child makes it (report-process.ts), as Allure exits on its errors: it
 * loads Allure and reads each result while the scenarios run, and writes the report once asked.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ReportProcess } from './report-process.ts';

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

/**
 * `started`: the child started ahead for this report (one that has ended meanwhile, or none, and
 * one is started now).
 */
export async function generateAllureReport(
  resultsDir: string,
  outputDir: string,
  started?: ReportProcess,
): Promise<void> {
  const child = started?.waiting ? started : ReportProcess.start({ allure: { resultsDir, outputDir } });
  try {
    await child.generateAllure(GENERATE_TIMEOUT_MS);
  } catch (error) {
    throw new Error(`allure generate failed: ${(error as Error).message}`);
  }
  const page = join(outputDir, 'index.html');
  await writeFile(page, offlineAllureHtml(await readFile(page, 'utf8')));
}
