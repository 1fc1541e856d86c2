/**
 * The report child writes Cucumber's HTML and JUnit reports from the messages it is handed, as
 * Cucumber's own formatters do; the harness rebuilds them from its own copy when the child cannot.
 */
import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { finished } from 'node:stream/promises';
import { describe, test } from 'node:test';
import { CucumberHtmlStream } from '@cucumber/html-formatter';
import { JUnitXmlPrinter } from '@cucumber/junit-xml-formatter';
import type { Envelope } from '@cucumber/messages';
import { rebuildCucumberReports } from '../src/report/partial.ts';
import { ReportProcess } from '../src/report/report-process.ts';
import { scratchDir } from './helpers.ts';

const scratch = () => scratchDir('report-process');

const at = (seconds: number) => ({ seconds, nanos: 0 });

/** A run of one scenario of one step, as Cucumber's messages say it. */
function oneScenario(status: 'PASSED' | 'FAILED', finished = true): Envelope[] {
  const uri = 'features/one.feature';
  const source = 'Feature: one\n  Scenario: a scenario\n    Given a step\n';
  const location = { line: 2, column: 3 };
  const envelopes: Envelope[] = [
    { source: { uri, data: source, mediaType: 'text/x.cucumber.gherkin+plain' } },
    {
      gherkinDocument: {
        uri,
        comments: [],
        feature: {
          location: { line: 1, column: 1 },
          tags: [],
          language: 'en',
          keyword: 'Feature',
          name: 'one',
          description: '',
          children: [
            {
              scenario: {
                id: 's1',
                location,
                tags: [],
                keyword: 'Scenario',
                name: 'a scenario',
                description: '',
                examples: [],
                steps: [
                  {
                    id: 'st1',
                    location: { line: 3, column: 5 },
                    keyword: 'Given ',
                    keywordType: 'Context',
                    text: 'a step',
                  },
                ],
              },
            },
          ],
        },
      },
    } as Envelope,
    {
      pickle: {
        id: 'p1',
        uri,
        location,
        name: 'a scenario',
        language: 'en',
        astNodeIds: ['s1'],
        tags: [],
        steps: [{ id: 'ps1', text: 'a step', type: 'Context', astNodeIds: ['st1'] }],
      },
    },
    { testRunStarted: { timestamp: at(1) } },
    { testCase: { id: 'tc1', pickleId: 'p1', testSteps: [{ id: 'ts1', pickleStepId: 'ps1' }] } },
    { testCaseStarted: { id: 'tcs1', testCaseId: 'tc1', attempt: 0, timestamp: at(1) } },
    { testStepStarted: { testCaseStartedId: 'tcs1', testStepId: 'ts1', timestamp: at(1) } },
    {
      testStepFinished: {
        testCaseStartedId: 'tcs1',
        testStepId: 'ts1',
        testStepResult: {
          status,
          duration: at(0),
          ...(status === 'FAILED' ? { message: 'it broke' } : {}),
        },
        timestamp: at(2),
      },
    },
    { testCaseFinished: { testCaseStartedId: 'tcs1', timestamp: at(2), willBeRetried: false } },
  ] as Envelope[];
  if (finished) envelopes.push({ testRunFinished: { success: status === 'PASSED', timestamp: at(2) } });
  return envelopes;
}

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
    await child.cucumberReports(30_000);
    const reports = await written(dir);
    assert.deepEqual(reports, await expected(envelopes));
    assert.match(reports.junit, /<testcase [^>]*name="a scenario"[\s\S]*<failure[\s\S]*it broke/);
    assert.match(reports.html, /"testStepResult":\{"status":"FAILED"/);
  });

  test('of a run that never finished (it was stopped) end it as failed', async () => {
    const dir = await scratch();
    const child = ReportProcess.start({ cucumberDir: dir });
    handed(child, oneScenario('PASSED', false));
    await child.cucumberReports(30_000);
    const { html, junit } = await written(dir);
    assert.match(html, /"testRunFinished":\{"success":false/);
    assert.match(html, /<\/html>\s*$/);
    assert.match(junit, /<testcase [^>]*name="a scenario"/);
  });

  test('that cannot be written are refused, saying why', async () => {
    const dir = join(await scratch(), 'no-such-folder');
    const child = ReportProcess.start({ cucumberDir: dir });
    handed(child, oneScenario('PASSED'));
    await assert.rejects(child.cucumberReports(30_000), /ENOENT.*no-such-folder/);
  });

  test('rebuilt by the harness from its own copy are whole, and the same', async () => {
    const envelopes = oneScenario('PASSED');
    const dir = await scratch();
    await rebuildCucumberReports(dir, envelopes);
    assert.deepEqual(await written(dir), await expected(envelopes));
    assert.deepEqual((await readdir(dir)).sort(), ['cucumber.html', 'junit.xml']);
  });
});
