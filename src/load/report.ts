/**
 * A load run's own report, beside its certificate in the bundle: `load.json` (the LoadResult: every
 * figure, the timeline, the rules' judgement) and `load.html` (self-contained: inline CSS and SVG).
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { OPERATIONS } from '../domain/screencap.ts';
import { escapeXml as esc } from '../markup.ts';
import { scenarioEvidence } from '../report/evidence.ts';
import { ExchangeFolders, writeExchangeFile } from '../report/exchanges.ts';
import { describeChaos, type Percentiles } from '../result/load.ts';
import type { SuiteResult } from '../result/outcomes.ts';
import { lineChart } from './chart.ts';
import type { LoadResult } from './runner.ts';

export const LOAD_JSON = 'load.json';
export const LOAD_HTML = 'load.html';

/** The folder load scenarios' evidence is filed under: exchanges/load/<operation>/. */
const LOAD_FEATURE = 'load';

/**
 * Writes load.json, load.html and, per scenario, the sequence diagram and trace of one operation
 * (the first that failed, else the first); returns the suite with each scenario's evidence folder.
 */
export async function writeLoadReport(result: LoadResult, dir: string): Promise<SuiteResult> {
  const { evidence, ...json } = result;
  await writeFile(join(dir, LOAD_JSON), `${JSON.stringify(json, null, 2)}\n`);
  await writeFile(join(dir, LOAD_HTML), loadReportHtml(result));
  const folders = new ExchangeFolders();
  const tserver = result.tservers[0];
  const scenarios = result.suite.scenarios.map((s) => {
    const window = evidence.get(s.name);
    if (!window) return s;
    const folder = folders.allocate(LOAD_FEATURE, s.name);
    const entries = [...new Map(window.records.map((r) => [r.entry.seq, r.entry])).values()].sort(
      (a, b) => a.seq - b.seq,
    );
    const attachments = scenarioEvidence({
      entries,
      records: window.records,
      outcomes: window.outcomes,
      tserver,
      limits: { requestTimeoutMs: result.config.requestTimeoutMs },
    });
    for (const a of attachments) writeExchangeFile(dir, folder, a.fileName, a.body);
    return { ...s, evidence: folder };
  });
  return { ...result.suite, scenarios };
}

const CSS = `
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:2rem auto;max-width:60rem;padding:0 1rem;color:#1f2937}
h2{margin-top:2rem;border-bottom:1px solid #e5e7eb;padding-bottom:.3rem}
table{border-collapse:collapse;font-size:.92rem;margin:.5rem 0}
th,td{border:1px solid #e5e7eb;padding:.3rem .6rem;text-align:right}
th:first-child,td:first-child{text-align:left}th{background:#f9fafb}
.banner{padding:.7rem 1rem;border-radius:.4rem;font-weight:600}
.passed{background:#dcfce7;color:#166534}.failed{background:#fee2e2;color:#991b1b}.incomplete{background:#fef3c7;color:#92400e}
code{font-size:.85rem}`;

const ms = (v: number) => v.toFixed(3);
const count = (v: number) => v.toLocaleString('en-US');

function table(head: readonly string[], rows: ReadonlyArray<readonly (string | number)[]>): string {
  const cells = (r: readonly (string | number)[], tag: string) =>
    `<tr>${r.map((c) => `<${tag}>${esc(String(c))}</${tag}>`).join('')}</tr>`;
  return `<table>${cells(head, 'th')}${rows.map((r) => cells(r, 'td')).join('')}</table>`;
}

function latencyRow(name: string, p: Percentiles): Array<string | number> {
  return [name, count(p.count), ms(p.p50), ms(p.p90), ms(p.p99), ms(p.p999), ms(p.max), ms(p.mean)];
}

export function loadReportHtml(r: LoadResult): string {
  const c = { ...r.config, ...r.figures };
  const t = r.figures.operations;
  const { verdict: v, reasons } = r.suite;
  const verdict = `<p class="banner ${v}">${v.toUpperCase()}: ${esc(
    v === 'passed'
      ? 'every rule that applies was judged on every operation, and all passed.'
      : reasons.join('; '),
  )} (the certificate: certification.html)</p>`;
  const counts = new Map(r.ruleCounts.map((c) => [c.rule, c]));
  const rules = r.suite.rules.filter((x) => x.outcome !== 'not-applicable');
  const latencyChart = lineChart({
    title: 'Indication latency per second (received in that second)',
    xLabel: 'seconds into the run',
    yLabel: 'ms (log scale)',
    log: true,
    series: [
      { name: 'p50', color: '#2563eb', points: r.timeline.map((s) => [s.second, s.latencyMs.p50]) },
      { name: 'p99', color: '#ea580c', points: r.timeline.map((s) => [s.second, s.latencyMs.p99]) },
      { name: 'max', color: '#991b1b', points: r.timeline.map((s) => [s.second, s.latencyMs.max]) },
    ],
  });
  const throughputChart = lineChart({
    title: 'Throughput per second',
    xLabel: 'seconds into the run',
    yLabel: 'per second',
    series: [
      { name: 'operations sent', color: '#2563eb', points: r.timeline.map((s) => [s.second, s.sent]) },
      {
        name: 'indications',
        color: '#16a34a',
        dashed: true,
        points: r.timeline.map((s) => [s.second, s.indications]),
      },
      { name: 'failed a rule', color: '#991b1b', points: r.timeline.map((s) => [s.second, s.failed]) },
      { name: 'timed out', color: '#7c3aed', points: r.timeline.map((s) => [s.second, s.timedOut]) },
      { name: 'EventError', color: '#a16207', points: r.timeline.map((s) => [s.second, s.errors]) },
    ],
  });
  const examples = [
    ...r.examples.noReply.map((e) => `<li>no reply: ${esc(e)}</li>`),
    ...r.examples.recorderErrors.map((e) => `<li>mock recorder: ${esc(e)}</li>`),
  ];
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>screencap-cert load: ${c.agents} agents, ${c.rate}/s, ${c.durationS} s</title>
<style>${CSS}</style></head><body>
<h1>Load: ${count(c.agents)} agents, ${count(c.rate)} operations/s, ${c.durationS} s</h1>
<p>Started ${esc(r.startedAt)}. T-Server: ${esc(c.tserver)}. Recorder: ${esc(c.recorder)}. Agent DNs ${esc(c.dns)}, one connection each.
Each agent cycles <code>${esc(c.operationCycle.join(' → '))}</code>, one operation at a time, and stops waiting for an indication after ${c.answerTimeoutMs} ms.
Every operation is judged by the rules of the conformance suite (profile ${esc(r.profile)}).</p>
${verdict}
<h2>Rules</h2>
${table(
  [
    'rule',
    'outcome',
    'operations failed',
    'passed',
    'not judged',
    'instances checked',
    'the first finding or why',
  ],
  rules.map((x) => {
    const c = counts.get(x.rule);
    const o = c?.operations;
    return [
      x.rule,
      x.outcome,
      count(o?.failed ?? 0),
      count(o?.passed ?? 0),
      count((o?.['not-observable'] ?? 0) + (o?.['not-exercised'] ?? 0)),
      count(c?.checked ?? 0),
      x.outcome === 'passed' ? '' : (x.reason.split('\n')[0] ?? ''),
    ];
  }),
)}
<h2>Operations</h2>
${table(
  ['', 'count'],
  [
    ['offered (rate × duration)', count(t.offered)],
    ['sent', count(t.sent)],
    ['not sent (every agent busy)', count(t.notSent)],
    ['EventACK', count(t.acked)],
    ['EventError', count(t.errors)],
    ['no reply', count(t.noReply)],
    ['indications received', count(t.indications)],
    ['indications timed out', count(t.timedOut)],
    ['operations judged by the rules', count(t.judged)],
    ['operations that failed a rule', count(t.failed)],
  ],
)}
<p>Throughput: ${c.throughput.sentPerS.toFixed(1)} operations/s sent, ${c.throughput.indicationsPerS.toFixed(1)} indications/s received.
Peak memory (RSS) of the load process${c.tserver.startsWith('embedded') ? ', embedded simulator and mock recorder included' : ''}: ${(c.peakRssBytes / 2 ** 20).toFixed(0)} MiB.</p>
${
  c.chaos
    ? `<h2 id="chaos">Dropped connections (chaos)</h2>
<p>${esc(describeChaos(c.chaos))}</p>`
    : ''
}
${
  r.errors.length
    ? `<h2>EventError by code</h2>${table(
        ['code', 'count'],
        r.errors.map((e) => [e.name, count(e.count)]),
      )}`
    : ''
}
<h2>Latency (ms)</h2>
<p>Indication: from the desktop sending the operation to the desktop receiving the indication. ACK: to its EventACK.</p>
${table(
  ['', 'count', 'p50', 'p90', 'p99', 'p99.9', 'max', 'mean'],
  [
    latencyRow('indication, all', c.latencyMs.indication),
    ...OPERATIONS.map((op) => latencyRow(`indication, ${op}`, c.latencyMs.byOperation[op] as Percentiles)),
    latencyRow('EventACK', c.latencyMs.ack),
  ],
)}
${latencyChart}
${throughputChart}
${examples.length ? `<h2>First problems</h2><ul>${examples.join('')}</ul>` : ''}
</body></html>
`;
}
