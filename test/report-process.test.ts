/**
 * The report child writes Cucumber's HTML and JUnit reports and the Allure results from the
 * messages it is handed, as the formatters do inside Cucumber; the harness rebuilds them from its
 * own copy when the child cannot.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { finished } from 'node:stream/promises';
import { describe, test } from 'node:test';
import { CucumberHtmlStream } from '@cucumber/html-formatter';
import { JUnitXmlPrinter } from '@cucumber/junit-xml-formatter';
import type { Envelope } from '@cucumber/messages';
import { AllureResults } from '../src/report/allure-results.mjs';
import { rebuildAllureResults, rebuildCucumberReports } from '../src/report/partial.ts';
import { ReportProcess } from '../src/report/report-process.ts';
import { scratchDir } from './helpers.ts';
import { at, oneScenario } from './messages.ts';

const scratch = () => scratchDir('report-process');

/**
 * Cucumber's reports of `envelopes`, as the formatters Cucumber's `html` and `junit` formats run
 * write them (with their default options), straight, not through cucumber-reports.mjs: what the
 * child and the rebuild must match.
 */
async function expected(envelopes: Envelope[]): Promise<{ html: string; junit: string }> {
  const html = new CucumberHtmlStream();
  const chunks: string[] = [];
  html.on('data', (chunk: Buffer | string) => chunks.push(String(chunk)));
  let junit = '';
  const printer = new JUnitXmlPrinter({}, (chunk: string) => {
    junit += chunk;
  });
  for (const e of envelopes) {
    html.write(e);
    printer.update(e);
  }
  html.end();
  await finished(html);
  return { html: chunks.join(''), junit };
}

async function written(dir: string): Promise<{ html: string; junit: string }> {
  return {
    html: await readFile(join(dir, 'cucumber.html'), 'utf8'),
    junit: await readFile(join(dir, 'junit.xml'), 'utf8'),
  };
}

function handed(child: ReportProcess, envelopes: Envelope[]): void {
  for (const e of envelopes) child.message(`${JSON.stringify(e)}\n`);
}

describe("the report child's Cucumber reports", () => {
  test('are written from the messages handed to it, as the formatters write them', async () => {
    const envelopes = oneScenario('FAILED');
    const dir = await scratch();
    const child = ReportProcess.start({ cucumberDir: dir });
    handed(child, envelopes);
    await child.messageReports(30_000);
    const reports = await written(dir);
    assert.deepEqual(reports, await expected(envelopes));
    assert.match(reports.junit, /<testcase [^>]*name="a scenario"[\s\S]*<failure[\s\S]*it broke/);
    assert.match(reports.html, /"testStepResult":\{"status":"FAILED"/);
  });

  test('of a run that never finished (it was stopped) end it as failed', async () => {
    const dir = await scratch();
    const child = ReportProcess.start({ cucumberDir: dir });
    handed(child, oneScenario('PASSED', false));
    await child.messageReports(30_000);
    const { html, junit } = await written(dir);
    assert.match(html, /"testRunFinished":\{"success":false/);
    assert.match(html, /<\/html>\s*$/);
    assert.match(junit, /<testcase [^>]*name="a scenario"/);
  });

  test('that cannot be written are refused, saying why', async () => {
    const dir = join(await scratch(), 'no-such-folder');
    const child = ReportProcess.start({ cucumberDir: dir });
    handed(child, oneScenario('PASSED'));
    await assert.rejects(child.messageReports(30_000), /ENOENT.*no-such-folder/);
  });

  test('rebuilt by the harness from its own copy are whole, and the same', async () => {
    const envelopes = oneScenario('PASSED');
    const dir = await scratch();
    await rebuildCucumberReports(dir, envelopes);
    assert.deepEqual(await written(dir), await expected(envelopes));
    assert.deepEqual((await readdir(dir)).sort(), ['cucumber.html', 'junit.xml']);
  });
});

/**
 * `oneScenario` as the run gives it: tagged with a rule and a seat, its evidence attached in a
 * named After hook, and a BeforeAll hook that failed.
 */
function withHooks(): Envelope[] {
  const envelopes = oneScenario('PASSED');
  const hooks: Envelope[] = [
    { hook: { id: 'h0', type: 'BEFORE_TEST_RUN', sourceReference: {} } },
    { hook: { id: 'h1', type: 'AFTER_TEST_CASE', name: 'rule outcomes and evidence', sourceReference: {} } },
  ] as Envelope[];
  const failed = 'the T-Server did not start';
  const runHook: Envelope[] = [
    { testRunHookStarted: { id: 'rh0', testRunStartedId: 'r', hookId: 'h0', timestamp: at(1) } },
    {
      testRunHookFinished: {
        testRunHookStartedId: 'rh0',
        timestamp: at(1),
        result: {
          status: 'FAILED',
          duration: at(0),
          message: failed,
          exception: { type: 'Error', message: failed, stackTrace: `Error: ${failed}\n    at BeforeAll` },
        },
      },
    },
  ] as Envelope[];
  const afterHook: Envelope[] = [
    { testStepStarted: { testCaseStartedId: 'tcs1', testStepId: 'ts2', timestamp: at(2) } },
    {
      attachment: {
        testCaseStartedId: 'tcs1',
        testStepId: 'ts2',
        body: 'REC-CONNID passed',
        contentEncoding: 'IDENTITY',
        mediaType: 'text/plain',
        fileName: 'rule-findings.txt',
      },
    },
    {
      testStepFinished: {
        testCaseStartedId: 'tcs1',
        testStepId: 'ts2',
        testStepResult: { status: 'PASSED', duration: at(0) },
        timestamp: at(2),
      },
    },
  ] as Envelope[];
  const tags = [
    { name: '@rule:REC-CONNID', id: 't1', location: { line: 2, column: 3 } },
    { name: '@seat:recorder', id: 't2', location: { line: 2, column: 20 } },
  ];
  const out: Envelope[] = [];
  for (const e of envelopes) {
    const scenario = e.gherkinDocument?.feature?.children[0]?.scenario;
    if (scenario) Object.assign(scenario, { tags });
    if (e.pickle) Object.assign(e.pickle, { tags: tags.map((t) => ({ name: t.name, astNodeId: t.id })) });
    if (e.testCase)
      Object.assign(e.testCase, { testSteps: [...e.testCase.testSteps, { id: 'ts2', hookId: 'h1' }] });
    if (e.testRunStarted) out.push(...hooks, e, ...runHook);
    else if (e.testCaseFinished) out.push(...afterHook, e);
    else out.push(e);
  }
  return out;
}

interface AllureFiles {
  results: Array<{ name: string; status: string; labels: Array<{ name: string; value: string }> }>;
  containers: Array<{
    name: string;
    afters: Array<{ steps: Array<{ attachments: Array<{ source: string }> }> }>;
  }>;
  globals: Array<{ errors: Array<{ message: string; trace: string }> }>;
  files: Record<string, string>;
}

async function allureFiles(dir: string): Promise<AllureFiles> {
  const files: Record<string, string> = {};
  for (const f of await readdir(dir)) files[f] = await readFile(join(dir, f), 'utf8');
  const of = (suffix: string) =>
    Object.entries(files)
      .filter(([f]) => f.endsWith(suffix))
      .map(([, body]) => JSON.parse(body));
  return {
    results: of('-result.json'),
    containers: of('-container.json'),
    globals: of('-globals.json'),
    files,
  };
}

/** What allure-cucumberjs's formatter writes of `withHooks()` inside Cucumber, for the thread `thread`. */
function assertAllureResults(allure: AllureFiles, thread: string): void {
  assert.equal(allure.results.length, 1);
  const [result] = allure.results;
  assert.equal(result?.name, 'a scenario');
  assert.equal(result?.status, 'passed');
  const label = (name: string) => result?.labels.filter((l) => l.name === name).map((l) => l.value);
  assert.deepEqual(label('rule'), ['REC-CONNID']);
  assert.deepEqual(label('seat'), ['recorder']);
  assert.deepEqual(label('thread'), [thread]);
  // The After hook, by its name, with the evidence it attached.
  const hook = allure.containers.find((c) => c.name === 'rule outcomes and evidence');
  const source = hook?.afters[0]?.steps[0]?.attachments[0]?.source ?? '';
  assert.equal(allure.files[source], 'REC-CONNID passed');
  // The BeforeAll hook that failed, as a global error.
  assert.deepEqual(
    allure.globals.flatMap((g) => g.errors).map(({ message, trace }) => ({ message, trace })),
    [
      {
        message: 'BeforeAll hook failed: the T-Server did not start',
        trace: 'Error: the T-Server did not start\n    at BeforeAll',
      },
    ],
  );
}

describe("the report child's Allure results", () => {
  test("are written from the messages handed to it, as allure-cucumberjs's formatter writes them, for the harness's thread", async () => {
    const dir = join(await scratch(), 'allure-results');
    const child = ReportProcess.start({ allureResultsDir: dir });
    handed(child, withHooks());
    await child.messageReports(30_000);
    assertAllureResults(await allureFiles(dir), `pid-${process.pid}-worker-main`);
  });

  test('written in-process from the same messages are the same', async () => {
    const dir = join(await scratch(), 'allure-results');
    const results = new AllureResults(dir);
    for (const e of withHooks()) results.update(e);
    await results.end();
    assertAllureResults(await allureFiles(dir), `pid-${process.pid}-worker-main`);
  });

  test('that cannot be written are refused once all are handed over, naming the first', async () => {
    const dir = join(await scratch(), 'allure-results');
    const results = new AllureResults(dir);
    const envelopes = withHooks();
    const started = envelopes.findIndex((e) => e.testRunStarted) + 1;
    for (const e of envelopes.slice(0, started)) results.update(e);
    // The folder is gone, a file in its place, before the scenario's results are written.
    await rm(dir, { recursive: true });
    await writeFile(dir, '');
    for (const e of envelopes.slice(started)) results.update(e);
    await assert.rejects(results.end(), /could not write the Allure results: ENOTDIR.*allure-results/);
  });

  test('leave the whole of Cucumber to whoever loads it next in the process (the formatter loads with a part of it)', () => {
    const module = new URL('../src/report/allure-results.mjs', import.meta.url).href;
    const out = execFileSync(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        `import { createRequire } from 'node:module';
        await import(${JSON.stringify(module)});
        const cucumber = createRequire(${JSON.stringify(module)})('@cucumber/cucumber');
        process.stdout.write([typeof cucumber.Given, typeof cucumber.Formatter].join(' '));`,
      ],
      { encoding: 'utf8' },
    );
    assert.equal(out, 'function function');
  });

  test('rebuilt by the harness replace what the child left', async () => {
    const dir = join(await scratch(), 'allure-results');
    // What the child wrote before it failed: written again, the same scenario would be there twice.
    const left = new AllureResults(dir);
    for (const e of withHooks()) left.update(e);
    await left.end();
    await rebuildAllureResults(dir, withHooks());
    assertAllureResults(await allureFiles(dir), `pid-${process.pid}-worker-main`);
  });
});
