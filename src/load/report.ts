/** A load run's report: `load.json` (the LoadResult) and `load.html` (self-contained: inline CSS and SVG). */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { OPERATIONS } from '../domain/screencap.ts';
import { escapeXml as esc } from '../markup.ts';
import { lineChart } from './chart.ts';
import type { Percentiles } from './latency.ts';
import type { LoadResult } from './runner.ts';

export async function writeLoadReport(
  result: LoadResult,
  dir: string,
): Promise<{ json: string; html: string }> {
  await mkdir(dir, { recursive: true });
  const json = join(dir, 'load.json');
  const html = join(dir, 'load.html');
  await writeFile(json, `${JSON.stringify(result, null, 2)}\n`);
  await writeFile(html, loadReportHtml(result));
  return { json, html };
}

const CSS = `
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:2rem auto;max-width:60rem;padding:0 1rem;color:#1f2937}
h2{margin-top:2rem;border-bottom:1px solid #e5e7eb;padding-bottom:.3rem}
table{border-collapse:collapse;font-size:.92rem;margin:.5rem 0}
th,td{border:1px solid #e5e7eb;padding:.3rem .6rem;text-align:right}
th:first-child,td:first-child{text-align:left}th{background:#f9fafb}
.banner{padding:.7rem 1rem;border-radius:.4rem;font-weight:600}
.passed{background:#dcfce7;color:#166534}.failed{background:#fee2e2;color:#991b1b}
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
  const c = r.config;
  const t = r.totals;
  const verdict =
    r.verdict === 'passed'
      ? `<p class="banner passed">PASSED: every operation was acknowledged and answered with the right indication.</p>`
      : `<p class="banner failed">FAILED: ${esc(r.reasons.join('; '))}</p>`;
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
      { name: 'missing', color: '#991b1b', points: r.timeline.map((s) => [s.second, s.missing]) },
      { name: 'EventError', color: '#a16207', points: r.timeline.map((s) => [s.second, s.errors]) },
    ],
  });
  const examples = [
    ...r.examples.wrong.map(
      (w) =>
        `<li>DN ${esc(w.dn)}: ${esc(w.operation)} expected ${esc(w.expected.indication)} (ConnID ${esc(String(w.expected.connId))}), got ${esc(w.got.indication)} (ConnID ${esc(String(w.got.connId))})</li>`,
    ),
    ...r.examples.noReply.map((e) => `<li>no reply: ${esc(e)}</li>`),
    ...r.examples.recorderErrors.map((e) => `<li>mock recorder: ${esc(e)}</li>`),
  ];
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>screencap-cert load: ${c.agents} agents, ${c.rate}/s, ${c.durationS} s</title>
<style>${CSS}</style></head><body>
<h1>Load: ${count(c.agents)} agents, ${count(c.rate)} operations/s, ${c.durationS} s</h1>
<p>Started ${esc(r.startedAt)}. T-Server: ${esc(c.tserver)}. Recorder: ${esc(c.recorder)}. Agent DNs ${esc(c.dns)}, one connection each.
Each agent cycles <code>${esc(c.operationCycle.join(' → '))}</code>, one operation at a time; an indication is missing after ${c.answerTimeoutMs} ms.</p>
${verdict}
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
    ['indications matched', count(t.matched)],
    ['indications wrong', count(t.wrong)],
    ['indications missing', count(t.missing)],
    ['indications unexpected', count(t.unexpected)],
  ],
)}
<p>Throughput: ${r.throughput.sentPerS.toFixed(1)} operations/s sent, ${r.throughput.indicationsPerS.toFixed(1)} indications/s received.
Peak memory (RSS) of the load process${c.tserver.startsWith('embedded') ? ', embedded simulator and mock recorder included' : ''}: ${(r.memory.peakRssBytes / 2 ** 20).toFixed(0)} MiB.</p>
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
    latencyRow('indication, all', r.latencyMs.indication),
    ...OPERATIONS.map((op) => latencyRow(`indication, ${op}`, r.latencyMs.byOperation[op])),
    latencyRow('EventACK', r.latencyMs.ack),
  ],
)}
${latencyChart}
${throughputChart}
${examples.length ? `<h2>First problems</h2><ul>${examples.join('')}</ul>` : ''}
</body></html>
`;
}
