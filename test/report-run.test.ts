/**
 * Every `screencap-cert run` leaves its evidence in reports/<run-id>/ (DESIGN section 5): Cucumber's
 * HTML, messages and JUnit, Allure results and report, the certificate, and a manifest that
 * `report verify` checks. A failure names the rule, its seed section, the expectation and the
 * offending message.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtemp, readdir, readFile, readlink, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { XMLParser } from 'fast-xml-parser';
import type { Certification } from '../src/report/certification.ts';
import { type CliRun, runCli } from './cli.ts';

const BIN = new URL('../bin/screencap-cert.js', import.meta.url).pathname;
const ROOT = new URL('..', import.meta.url).pathname;
const root = await mkdtemp(join(tmpdir(), 'screencap-reports-'));
after(() => rm(root, { recursive: true, force: true }));

interface Run extends CliRun {
  dir: string;
  cert: Certification;
}

async function run(args: string[], env: Record<string, string> = {}): Promise<Run> {
  const reports = join(root, args.join('-') || 'all');
  // This file checks the Allure report (and --no-allure-report).
  const cli = await runCli(['run', ...args, '--reports', reports], env, { allureReport: true });
  const [id, ...others] = (await readdir(reports)).filter((f) => f !== 'latest');
  assert.equal(others.length, 0, 'one folder per run');
  assert.equal(await readlink(join(reports, 'latest')), id, 'latest points at the run');
  const dir = join(reports, id as string);
  const cert = JSON.parse(await readFile(join(dir, 'certification.json'), 'utf8')) as Certification;
  return { ...cli, dir, cert };
}

const cli = (args: string[]) => spawnSync(process.execPath, [BIN, ...args], { cwd: ROOT, encoding: 'utf8' });

/** The scenarios Cucumber parsed in a run (its pickles): each must have run, and have its evidence. */
const pickles = async (dir: string) =>
  (await readFile(join(dir, 'messages.ndjson'), 'utf8')).split('\n').filter((l) => l.startsWith('{"pickle"'))
    .length;

const testcases = async (dir: string) => {
  const xml = await readFile(join(dir, 'junit.xml'), 'utf8');
  const parsed = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '' }).parse(xml);
  return parsed.testsuite as {
    tests: string;
    failures: string;
    testcase: Array<{ name: string; failure?: unknown }>;
  };
};

// The three runs' reports are checked side by side: each waits on its own runs (their scenarios
// and timeouts), in folders of its own. Within each, one test at a time (some edit the run's files).
describe('the reports of a run', { concurrency: true }, () => {
  const oneAtATime = { concurrency: 1 };
  describe('the reports of a passing run', oneAtATime, () => {
    let passing: Run;
    before(async () => {
      passing = await run([]);
    });

    test('are all in the run folder, with a copy of the Gherkin that ran', async () => {
      const files = await readdir(passing.dir);
      for (const f of [
        'cucumber.html',
        'messages.ndjson',
        'junit.xml',
        'allure-results',
        'allure-report',
        'certification.json',
        'certification.html',
        'manifest.json',
        'features',
      ])
        assert.ok(files.includes(f), `${f} in ${files.join(', ')}`);
      assert.deepEqual(await readdir(join(passing.dir, 'features')), await readdir(join(ROOT, 'features')));
      assert.ok((await readdir(join(passing.dir, 'allure-results'))).some((f) => f.endsWith('-result.json')));
      assert.match(passing.output, /Reports: .*certification\.html/);
    });

    test('certification.json: verdict, every rule of the catalog with its seed section and scenarios, and the run', async () => {
      const { cert, summary } = passing;
      assert.equal(cert.verdict, 'passed');
      assert.equal(cert.complete, true);
      assert.equal(cert.rules.length, summary.rules.length);
      for (const r of cert.rules) {
        assert.equal(r.outcome, 'passed', r.rule);
        assert.match(r.section, /^(1\.\d(\.\d)?|reading)$/);
        assert.ok(r.sectionTitle && r.scenarios.length > 0, `${r.rule}: seed section title and scenarios`);
      }
      assert.ok(cert.scenarios.length >= 48, `${cert.scenarios.length} scenarios`);
      assert.equal(cert.scenarios.length, await pickles(passing.dir), 'every scenario parsed ran');
      assert.ok(cert.scenarios.every((s) => s.status === 'passed'));
      const pkg = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8'));
      const meta = cert.run;
      assert.deepEqual([meta.harness.name, meta.harness.version], [pkg.name, pkg.version]);
      const head = spawnSync('git', ['rev-parse', 'HEAD'], { cwd: ROOT, encoding: 'utf8' });
      if (head.status === 0) {
        assert.equal(meta.harness.commit, head.stdout.trim());
        assert.equal(typeof meta.harness.dirty, 'boolean');
      }
      assert.deepEqual(
        [meta.profile, meta.sut, meta.node, meta.breakage],
        ['self', null, process.version, null],
      );
      assert.deepEqual(
        meta.tservers,
        [{ name: 'screencap-cert-sim', version: '0.1.0' }],
        'from EventClientRegistered',
      );
      assert.ok(Date.parse(meta.startedAt) < Date.parse(meta.endedAt));
    });

    test('junit.xml parses and has one testcase per scenario', async () => {
      const suite = await testcases(passing.dir);
      assert.equal(suite.testcase.length, passing.cert.scenarios.length);
      assert.equal(Number(suite.failures), 0);
      // An example of an outline is named `<outline> - #1.2: <example>`.
      const names = suite.testcase.map((t) => t.name.replace(/^.* - #[\d.]+: /, '')).sort();
      assert.deepEqual(names, passing.cert.scenarios.map((s) => s.name).sort());
    });

    test('the HTML reports are self-contained: nothing is loaded from the network', async () => {
      for (const page of ['cucumber.html', 'certification.html', 'allure-report/index.html']) {
        const html = await readFile(join(passing.dir, page), 'utf8');
        assert.doesNotMatch(html, /<(script|link|img|iframe)\b[^>]*\b(src|href)=["']?(https?:)?\/\//i, page);
        assert.doesNotMatch(html, /googletagmanager/, page);
      }
    });

    test('report verify passes on the run, and names a file changed, missing or added', async () => {
      const ok = cli(['report', 'verify', passing.dir]);
      assert.equal(ok.status, 0, ok.stdout + ok.stderr);
      await writeFile(join(passing.dir, 'junit.xml'), '<testsuite/>');
      await rm(join(passing.dir, 'features', 'ack-and-error.feature'));
      await writeFile(join(passing.dir, 'extra.txt'), 'x');
      const bad = cli(['report', 'verify', passing.dir]);
      assert.equal(bad.status, 1);
      assert.match(bad.stdout, /^changed: junit\.xml$/m);
      assert.match(bad.stdout, /^missing: features\/ack-and-error\.feature$/m);
      assert.match(bad.stdout, /^added: extra\.txt$/m);
    });

    test('report summarizes the run', () => {
      const r = cli(['report', passing.dir]);
      assert.equal(r.status, 0, r.stderr);
      assert.match(r.stdout, new RegExp(`Run ${passing.cert.run.runId}`));
      assert.match(r.stdout, /PASS REC-CONNID/);
      assert.match(r.stdout, /Verdict: PASSED/);
    });
  });

  describe('the reports of a run that fails a rule', oneAtATime, () => {
    let broken: Run;
    before(async () => {
      broken = await run(['--break', 'recorder-drops-connid', '--no-allure-report']);
    });

    test('certification.json names the rule, its seed section, the expectation and the offending message', () => {
      const { cert } = broken;
      assert.equal(cert.verdict, 'failed');
      assert.equal(cert.run.breakage, 'recorder-drops-connid');
      const rule = cert.rules.find((r) => r.rule === 'REC-CONNID');
      assert.equal(rule?.outcome, 'failed');
      assert.deepEqual([rule?.section, rule?.sectionTitle], ['1.3.1', 'Recording Vendor to T-Server']);
      assert.ok(rule && rule.findings.length >= 5, 'one finding per indication without its ConnID');
      for (const f of rule?.findings ?? []) {
        const connId = /Event\.ConnID should be "([0-9a-f]{16})".*, was absent/.exec(f.text)?.[1];
        assert.ok(connId, f.text);
        const offending = f.message;
        assert.ok(offending, `the offending message of: ${f.text}`);
        assert.equal(offending.party, 'recorder', 'the recorder sent it');
        assert.equal(offending.message.message, 'RequestSendEvent');
        assert.equal(
          (offending.message.Event as { ConnID?: string } | undefined)?.ConnID,
          undefined,
          'the ConnID is indeed absent',
        );
        assert.ok(
          offending?.findings?.some((t) => t.startsWith(`REC-CONNID: Event.ConnID should be "${connId}"`)),
        );
      }
    });

    test('certification.html shows the failed rule first, each finding in words once, linked to its evidence', async () => {
      const html = await readFile(join(broken.dir, 'certification.html'), 'utf8');
      const start = html.indexOf('id="rule-REC-CONNID"');
      const row = html.slice(start, html.indexOf('</tr>', start));
      assert.match(row, /class="rule failed"/);
      assert.match(row, /1\.3\.1 Recording Vendor to T-Server/);
      assert.ok(
        start < html.indexOf('<tr id="rule-', html.indexOf('id="detail-REC-CONNID"')),
        'the failed rule is the first row',
      );
      const detail = html.slice(
        html.indexOf('id="detail-REC-CONNID"'),
        html.indexOf('</tr>', html.indexOf('id="detail-REC-CONNID"')),
      );
      const first = detail.split('<div class="finding"')[1] ?? '';
      assert.match(first, /<code>Event\.ConnID<\/code> expected <code>&quot;[0-9a-f]{16}&quot;/);
      assert.match(first, /found <code>absent<\/code>/);
      assert.match(first, /message #\d+: recorder sent RequestSendEvent at \d{4}-/);
      const message = /<pre class="message">([^<]*)<\/pre>/.exec(first)?.[1] ?? '';
      assert.ok(message.includes('RequestSendEvent'));
      assert.equal(first.split('&quot;RequestSendEvent&quot;').length - 1, 1, 'the offending message once');
      const link = /href="(exchanges\/[a-z0-9-]+\/[a-z0-9-]+)\/sequence\.svg"/.exec(first)?.[1];
      assert.ok(link, 'the finding links to its sequence diagram');
      assert.match(
        await readFile(join(broken.dir, link, 'sequence.svg'), 'utf8'),
        /class="message offending"/,
      );
      assert.match(
        await readFile(join(broken.dir, link, 'trace.ndjson'), 'utf8'),
        /"findings":\["REC-CONNID: /,
      );
      assert.match(html, /Self-test with a deliberately broken party/);
    });

    test('no certificate holds a stack trace or a path of this machine outside its configuration; stacks go to the debug file', async () => {
      const { config: _config, ...run } = broken.cert.run;
      const json = JSON.stringify({ ...broken.cert, run });
      const html = await readFile(join(broken.dir, 'certification.html'), 'utf8');
      const page = html.replace(/<section id="configuration">[\s\S]*?<\/section>/, '');
      for (const [what, text] of [
        ['certification.json', json],
        ['certification.html', page],
      ] as const) {
        assert.doesNotMatch(
          text,
          /\n\s+at |\\n\s+at |node:internal|AssertionError/,
          `${what}: a stack trace`,
        );
        for (const path of [ROOT.replace(/\/$/, ''), tmpdir(), process.env.HOME ?? '/root'])
          assert.ok(!text.includes(path), `${what} names ${path}`);
      }
      // The steps record; the rules judge: the step that fails is the verdict step, naming the rule.
      const failedStep = broken.cert.scenarios.find((s) => s.status === 'failed');
      assert.equal(
        failedStep?.error,
        "“the exchange conforms to the tagged rules”: REC-CONNID failed (the rule's findings say where and how).",
      );
      const debug = await readFile(join(broken.dir, 'debug', 'step-failures.txt'), 'utf8');
      assert.match(debug, /AssertionError: rules not passed/);
      assert.match(debug, /\n\s+at /, 'the debug file keeps the stacks');
    });

    test("the failing scenarios carry a findings text, a highlighted diagram and a marked trace, in Cucumber's messages and in Allure", async () => {
      const envelopes = (await readFile(join(broken.dir, 'messages.ndjson'), 'utf8'))
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l));
      const attachments = envelopes.flatMap((e) => (e.attachment ? [e.attachment] : []));
      const named = (name: string) => attachments.filter((a) => a.fileName === name);
      const scenarios = broken.cert.scenarios.length;
      assert.equal(scenarios, await pickles(broken.dir));
      assert.equal(named('sequence-diagram.svg').length, scenarios, 'a diagram for every scenario');
      assert.equal(named('message-trace.ndjson').length, scenarios, 'a trace for every scenario');
      const findings = named('rule-findings.txt');
      const breaking = broken.cert.scenarios.filter((s) => s.rules.some((r) => r.outcome !== 'passed'));
      assert.ok(breaking.length >= 5);
      assert.equal(
        findings.length,
        breaking.length,
        'a findings text for every scenario where a rule did not pass',
      );
      assert.match(findings[0].body, /^REC-CONNID failed \(seed 1\.3\.1 Recording Vendor to T-Server\)/);
      const svgs = named('sequence-diagram.svg').map((a) => Buffer.from(a.body, 'base64').toString());
      assert.equal(svgs.filter((s) => s.includes('class="message offending"')).length, findings.length);
      const traces = named('message-trace.ndjson').map((a) => a.body as string);
      assert.equal(traces.filter((t) => t.includes('"findings":["REC-CONNID: ')).length, findings.length);

      const allure = join(broken.dir, 'allure-results');
      const files = await readdir(allure);
      assert.equal(files.filter((f) => f.endsWith('.svg')).length, scenarios);
      assert.equal(files.filter((f) => f.endsWith('.ndjson')).length, scenarios);
    });

    test('junit.xml has a failure for each failed scenario', async () => {
      const suite = await testcases(broken.dir);
      assert.equal(suite.testcase.length, broken.cert.scenarios.length);
      assert.equal(Number(suite.failures), broken.cert.scenarios.filter((s) => s.status === 'failed').length);
    });

    test('the certificate lists failed rules first and, in its verdict, links to them', async () => {
      const order = broken.cert.rules.map((r) => r.outcome);
      assert.equal(order[0], 'failed');
      assert.equal(broken.cert.scenarios[0]?.status, 'failed', 'failed scenarios first');
      assert.match(broken.cert.summary, /^REC-CONNID failed; \d+ scenario\(s\) failed\.$/);
      const html = await readFile(join(broken.dir, 'certification.html'), 'utf8');
      assert.match(html, /<ul class="attention"><li><a href="#rule-REC-CONNID">REC-CONNID<\/a>/);
    });

    test('--no-allure-report: the Allure results are written, the Allure HTML is not, and no warning says so', async () => {
      const files = await readdir(broken.dir);
      assert.ok(files.includes('allure-results'));
      assert.ok(!files.includes('allure-report'), files.join(' '));
      assert.doesNotMatch(broken.output, /Allure/);
    });

    test('exits 1 and still verifies', () => {
      assert.equal(broken.code, 1);
      assert.equal(cli(['report', 'verify', broken.dir]).status, 0);
    });
  });

  describe('the Serviceability section', oneAtATime, () => {
    let recovering: Run;
    let neverBack: Run;
    let uninterrupted: Run;
    before(async () => {
      [recovering, neverBack, uninterrupted] = await Promise.all([
        run(['--tags', '@serviceability or @rule:DESK-NO-RESEND', '--no-allure-report']),
        // Each recovery the recorder never makes is waited out: 3 s (not the default 10 s) still
        // leaves the desktop, which does reconnect, ample time to.
        run(['--tags', '@serviceability', '--break', 'recorder-never-reconnects', '--no-allure-report'], {
          SCREENCAP_TIMEOUTS_RECOVER_MS: '3000',
        }),
        run(['--tags', '@rule:REC-CONNID and not @serviceability and not @calls', '--no-allure-report']),
      ]);
    });

    const section = async (r: Run) => {
      const html = await readFile(join(r.dir, 'certification.html'), 'utf8');
      const start = html.indexOf('<section id="serviceability">');
      assert.ok(start >= 0, 'the certificate has a Serviceability section');
      return html.slice(start, html.indexOf('</section>', start));
    };

    test('lists each interruption: what, which party, how long it took to recover, the outcome of its rule', async () => {
      const { cert, output } = recovering;
      const by = (what: RegExp, party: string) =>
        cert.serviceability.filter((i) => what.test(i.what) && i.party === party);
      assert.ok(by(/^its connection was dropped$/, 'the recorder').length >= 1, output);
      assert.ok(by(/^its connection was dropped$/, 'the desktop').length >= 1, output);
      assert.ok(by(/a T-Server restart/, 'the recorder').length >= 1, output);
      assert.ok(by(/a T-Server restart/, 'the desktop').length >= 1, output);
      assert.equal(by(/^the link to the switch was down$/, 'the desktop').length, 1, output);
      for (const i of cert.serviceability) {
        assert.equal(i.recovered, true, `${i.what}: ${i.party}`);
        assert.ok(typeof i.recoveredAfterMs === 'number' && i.recoveredAfterMs >= 0, JSON.stringify(i));
        assert.ok(i.recoveredAfterMs < 10_000, `within timeouts.recoverMs: ${JSON.stringify(i)}`);
        assert.ok(
          i.steps.every((s) => typeof s.afterMs === 'number'),
          JSON.stringify(i),
        );
        assert.ok(['REC-RECOVERS', 'DESK-RECOVERS', 'DESK-NO-RESEND'].includes(i.rule));
      }
      // A recorder's recovery ends with its answer to the next operation, after it re-registered.
      const dropped = by(/^its connection was dropped$/, 'the recorder')[0];
      assert.match(dropped?.steps.at(-1)?.what ?? '', /^answer the first operation after recovering/);
      assert.ok((dropped?.recoveredAfterMs ?? -1) >= (dropped?.reregisteredAfterMs ?? Infinity));
      const judged = cert.serviceability.filter((i) => i.outcome !== undefined);
      assert.ok(judged.length >= 5 && judged.every((i) => i.outcome === 'passed'), JSON.stringify(judged));
      const html = await section(recovering);
      assert.equal(html.split('<tr class="interruption').length - 1, cert.serviceability.length);
      assert.match(html, /the link to the switch was down<div[^>]*>[^<]*<\/div><\/td><td>the desktop<\/td>/);
      assert.match(html, /recovered after \d+ ms/);
      assert.match(html, /<code>REC-RECOVERS<\/code> <span[^>]*>passed/);
    });

    test('the console of run and of report lists the same interruptions, one line each', () => {
      const listed = (out: string) => {
        const [, count, lines] = /\nServiceability: (\d+) interruption\(s\)\n((?: {2}.*\n)*)/.exec(out) ?? [];
        return { count: Number(count), lines: (lines ?? '').trimEnd().split('\n') };
      };
      const printed = listed(recovering.output);
      assert.equal(printed.count, recovering.cert.serviceability.length, recovering.output);
      assert.equal(printed.lines.length, printed.count);
      assert.match(
        printed.lines.join('\n'),
        /PASS REC-RECOVERS +its connection was dropped, the recorder: re-registered after \d+ ms, recovered after \d+ ms \(“/,
      );
      const report = cli(['report', recovering.dir]);
      assert.equal(report.status, recovering.code, report.stderr);
      assert.deepEqual(listed(report.stdout), printed);
      const failed = listed(cli(['report', neverBack.dir]).stdout);
      assert.match(failed.lines.join('\n'), /FAIL REC-RECOVERS +.*the recorder: did not recover in time/);
      assert.doesNotMatch(uninterrupted.output, /Serviceability:/);
    });

    test('a recorder that never reconnects shows each recovery it failed, step by step', async () => {
      const { cert, output } = neverBack;
      assert.equal(neverBack.code, 1, output);
      const recorder = cert.serviceability.filter(
        (i) => i.party === 'the recorder' && i.what !== 'it was restarted',
      );
      assert.ok(recorder.length >= 2, output);
      for (const i of recorder) {
        assert.equal(i.recovered, false, JSON.stringify(i));
        assert.equal(i.recoveredAfterMs, undefined);
        assert.ok(i.steps.some((s) => /^register as a client again/.test(s.what) && s.afterMs === undefined));
      }
      assert.ok(
        recorder.some((i) => i.outcome === 'failed'),
        JSON.stringify(recorder),
      );
      // The desktop, which does reconnect, is measured in the same run as recovering.
      assert.ok(cert.serviceability.some((i) => i.party === 'the desktop' && i.recovered));
      const html = await section(neverBack);
      assert.match(
        html,
        /did not recover in time<div class="muted">register as a client again \(EventClientRegistered\): not done/,
      );
      assert.match(html, /<code>REC-RECOVERS<\/code> <span[^>]*>failed/);
    });

    test('a run without interruptions says so in one line', async () => {
      assert.ok(
        uninterrupted.cert.scenarios.some((s) => s.status === 'passed'),
        uninterrupted.output,
      );
      assert.deepEqual(uninterrupted.cert.serviceability, []);
      assert.match(await section(uninterrupted), /<p>Nothing was interrupted in this run/);
    });
  });
});
