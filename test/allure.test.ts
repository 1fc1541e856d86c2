/** The Allure side of a run: its results written without a flush per file, its report made by a child started ahead. */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readdirSync, readFileSync } from 'node:fs';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { IFormatterOptions } from '@cucumber/cucumber';
import { generateAllureReport } from '../src/report/allure.ts';
import AllureResultsFormatter, { ResultsWriter } from '../src/report/allure-results.ts';
import { ReportProcess } from '../src/report/report-process.ts';
import { scratchDir } from './helpers.ts';

const scratch = () => scratchDir('allure');

describe('allure-results', () => {
  test('each result, container and attachment is one file, complete, under the name Allure reads', async () => {
    const dir = join(await scratch(), 'allure-results');
    const writer = new ResultsWriter(dir);
    const result = { uuid: 'r1', name: 'a scenario', historyId: 'h', status: 'passed' } as Parameters<
      ResultsWriter['writeResult']
    >[0];
    writer.writeResult(result);
    writer.writeGroup({ uuid: 'g1', children: ['r1'], befores: [], afters: [] });
    writer.writeAttachment('a-attachment.svg', Buffer.from('<svg/>'));
    writer.writeEnvironmentInfo({ 'node version': 'v20', empty: undefined });
    await writer.flushed();
    assert.deepEqual((await readdir(dir)).sort(), [
      'a-attachment.svg',
      'environment.properties',
      'g1-container.json',
      'r1-result.json',
    ]);
    assert.deepEqual(JSON.parse(await readFile(join(dir, 'r1-result.json'), 'utf8')), result);
    assert.equal(await readFile(join(dir, 'a-attachment.svg'), 'utf8'), '<svg/>');
    assert.equal(await readFile(join(dir, 'environment.properties'), 'utf8'), 'node\\ version=v20');
  });

  test('a file that could not be written is named once the writes are awaited', async () => {
    const writer = new ResultsWriter(join(await scratch(), 'allure-results'));
    writer.writeAttachment('no-such-folder/a-attachment.txt', Buffer.from('x'));
    await assert.rejects(writer.flushed(), /could not write the Allure results: .*no-such-folder/);
  });

  test("the formatter is allure-cucumberjs's, writing through ResultsWriter into formatOptions.resultsDir", async () => {
    const resultsDir = join(await scratch(), 'allure-results');
    const hooks = {
      beforeTestCaseHookDefinitions: [],
      afterTestCaseHookDefinitions: [],
      beforeTestRunHookDefinitions: [],
      afterTestRunHookDefinitions: [],
    };
    const options = {
      eventBroadcaster: new PassThrough(),
      supportCodeLibrary: hooks,
      parsedArgvOptions: { resultsDir },
      stream: new PassThrough(),
      log: () => {},
      cleanup: async () => {},
    } as unknown as IFormatterOptions;
    // allure-cucumberjs keeps its runtime private: read it as the runtime it is.
    const formatter = new AllureResultsFormatter(options) as unknown as {
      allureRuntime: { writer: unknown };
    };
    const writer = formatter.allureRuntime.writer;
    assert.ok(writer instanceof ResultsWriter, `the runtime writes through ${String(writer)}`);
    assert.equal(writer.resultsDir, resultsDir);
    // Cucumber's run ends when its formatters have finished: by then, every result is written
    // whole (looked at synchronously: no later turn of the event loop lets a write catch up).
    writer.writeResult({ uuid: 'r2' } as Parameters<ResultsWriter['writeResult']>[0]);
    await (formatter as unknown as AllureResultsFormatter).finished();
    assert.deepEqual(readdirSync(resultsDir), ['r2-result.json']);
    assert.deepEqual(JSON.parse(readFileSync(join(resultsDir, 'r2-result.json'), 'utf8')), { uuid: 'r2' });
    assert.throws(
      () => new AllureResultsFormatter({ ...options, parsedArgvOptions: {} }),
      /needs formatOptions\.resultsDir/,
    );
  });
});

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

  test('the results it was told of as they were written and those it was not are both in the report', async () => {
    const dir = await scratch();
    const [results, report] = [join(dir, 'allure-results'), join(dir, 'allure-report')];
    const writer = new ResultsWriter(results);
    const child = ReportProcess.start({ allure: { resultsDir: results, outputDir: report } });
    const result = (uuid: string, name: string) =>
      ({ uuid, name, historyId: uuid, status: 'passed', stage: 'finished', start: 1, stop: 2 }) as Parameters<
        ResultsWriter['writeResult']
      >[0];
    // Told of (resultWritten) once written, while the child loads Allure.
    writer.writeResult(result('r1', 'told of'));
    writer.writeResult(result('r2', 'also told of'));
    await writer.finish();
    // Written behind its back: read when the report is made.
    await writeFile(join(results, 'r3-result.json'), JSON.stringify(result('r3', 'not told of')));
    await generateAllureReport(results, report, child);
    const tests = JSON.parse(await readFile(join(report, 'test-results.json'), 'utf8')) as {
      byId: Record<string, { name: string }>;
    };
    assert.deepEqual(
      Object.values(tests.byId)
        .map((t) => t.name)
        .sort(),
      ['also told of', 'not told of', 'told of'],
    );
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
