/** The Allure report of a run, made by a child started ahead, which reads the results as it writes them. */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { generateAllureReport } from '../src/report/allure.ts';
import { ReportProcess } from '../src/report/report-process.ts';
import { scratchDir } from './helpers.ts';
import { oneScenario } from './messages.ts';

const scratch = () => scratchDir('allure');

describe('the Allure report started ahead', () => {
  /** Results that exist, and an output folder Allure cannot make (a file stands where its parent would). */
  async function unwritable(): Promise<[string, string]> {
    const dir = await scratch();
    await mkdir(join(dir, 'allure-results'));
    await writeFile(join(dir, 'a-file'), '');
    return [join(dir, 'allure-results'), join(dir, 'a-file', 'report')];
  }

  test('what Allure said is the error when generating fails', async () => {
    const [results, report] = await unwritable();
    await assert.rejects(
      generateAllureReport(
        results,
        report,
        ReportProcess.start({ allure: { resultsDir: results, outputDir: report } }),
      ),
      (e: Error) => e.message.startsWith('allure generate failed: ') && /a-file/.test(e.message),
    );
  });

  test('the results it wrote from the messages and those written behind its back are both in the report', async () => {
    const dir = await scratch();
    const [results, report] = [join(dir, 'allure-results'), join(dir, 'allure-report')];
    const child = ReportProcess.start({
      allureResultsDir: results,
      allure: { resultsDir: results, outputDir: report },
    });
    // Written by the child as the messages come, and read by it as it writes them.
    for (const e of oneScenario('PASSED')) child.message(`${JSON.stringify(e)}\n`);
    await child.messageReports(30_000);
    // Written behind its back: read when the report is made.
    const result = { uuid: 'r3', name: 'not told of', historyId: 'r3', status: 'passed', stage: 'finished' };
    await writeFile(join(results, 'r3-result.json'), JSON.stringify({ ...result, start: 1, stop: 2 }));
    await generateAllureReport(results, report, child);
    const tests = JSON.parse(await readFile(join(report, 'test-results.json'), 'utf8')) as {
      byId: Record<string, { name: string }>;
    };
    assert.deepEqual(
      Object.values(tests.byId)
        .map((t) => t.name)
        .sort(),
      ['a scenario', 'not told of'],
    );
  });

  test('a child whose results from the messages are not whole makes no report of them', async () => {
    const dir = await scratch();
    const [results, report] = [join(dir, 'allure-results'), join(dir, 'allure-report')];
    const child = ReportProcess.start({
      // Cucumber's reports cannot be written: what the child makes of the messages is not whole.
      cucumberDir: join(dir, 'no-such-folder'),
      allureResultsDir: results,
      allure: { resultsDir: results, outputDir: report },
    });
    for (const e of oneScenario('PASSED')) child.message(`${JSON.stringify(e)}\n`);
    await assert.rejects(child.messageReports(30_000), /no-such-folder/);
    await assert.rejects(
      generateAllureReport(results, report, child),
      /allure generate failed: .*no-such-folder/,
    );
    await assert.rejects(readFile(join(report, 'index.html')), { code: 'ENOENT' });
  });

  test('one that has ended before it was asked is started again', async () => {
    const [results, report] = await unwritable();
    const ended = ReportProcess.start({ allure: { resultsDir: results, outputDir: report } });
    ended.dispose();
    await assert.rejects(
      generateAllureReport(results, report, ended),
      // Allure's own answer, not the ended child's: a new one ran.
      (e: Error) => /a-file/.test(e.message) && !/signal/.test(e.message),
    );
  });

  test('a process that never asks for a report is not kept waiting by it', async () => {
    const module = fileURLToPath(new URL('../src/report/report-process.ts', import.meta.url));
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        '-e',
        `import(${JSON.stringify(module)}).then((m) => m.ReportProcess.start({ cucumberDir: ${JSON.stringify(tmpdir())}, allure: { resultsDir: 'results', outputDir: 'report' } }))`,
      ],
      { stdio: 'ignore' },
    );
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    const [code, signal] = await once(child, 'exit');
    clearTimeout(timer);
    assert.deepEqual([code, signal], [0, null]);
  });
});
