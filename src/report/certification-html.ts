/**
 * The certificate as one self-contained HTML page (inline CSS, no script, nothing fetched), in
 * sections a reviewer reads top-down and prints to PDF: Verdict, Scope, Results, Observations,
 * System under test and environment, Reference configuration, How to verify this bundle.
 */

import { escapeXml as x } from '../markup.ts';
import { describeChaos, type LoadFigures, type Percentiles } from '../result/load.ts';
import { OUTCOMES, type ScenarioResult, UNJUDGED, type Verdict } from '../result/outcomes.ts';
import { jsonOf } from '../tlib/depth.ts';
import {
  type Certification,
  type CertifiedFinding,
  type CertifiedInterruption,
  type CertifiedRule,
  recoveryInWords,
} from './certification.ts';

const LABEL: Record<string, string> = {
  passed: 'passed',
  failed: 'failed',
  'not-applicable': 'not applicable',
  'not-observable': 'not observable',
  'not-exercised': 'not exercised',
  'not-run': 'not run',
  incomplete: 'incomplete',
};

/** The sections, in order: their ids are what links and tests find them by. */
export const SECTIONS = [
  ['verdict-section', 'Verdict'],
  ['scope', 'Scope'],
  ['results', 'Results'],
  ['observations', 'Observations'],
  ['serviceability', 'Serviceability'],
  ['environment', 'System under test and environment'],
  ['configuration', 'Reference configuration'],
  ['verification', 'How to verify this bundle'],
] as const;

/** What each verdict means (and the exit code the command gave). */
const VERDICT_MEANING: Record<Verdict, string> = {
  passed: 'PASSED (exit 0): every rule that applies to the certified seats was judged, and all passed.',
  failed: 'FAILED (exit 1): a rule failed, or the system under test left, or the run was stopped.',
  incomplete:
    'INCOMPLETE (exit 3; 0 with --allow-incomplete): nothing failed, but some rule that applies was not observable or not exercised; its row says what would cover it.',
};

/** Findings drawn per rule; certification.json holds them all. */
const MAX_FINDINGS_SHOWN = 20;

const badge = (outcome: string) => `<span class="badge ${x(outcome)}">${x(LABEL[outcome] ?? outcome)}</span>`;

const CSS = `
*{box-sizing:border-box}
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:1rem auto;max-width:90rem;padding:0 1rem;color:#1f2937;line-height:1.35;font-size:14px}
header h1{font-size:1.25rem;margin:0}header p{margin:.1rem 0;color:#4b5563;font-size:.85rem}
h2{font-size:1.1rem;margin:1.2rem 0 .4rem;border-bottom:1px solid #e5e7eb;padding-bottom:.2rem}
table{border-collapse:collapse;width:100%;table-layout:fixed}
th,td{border:1px solid #e5e7eb;padding:.3rem .45rem;text-align:left;vertical-align:top;overflow-wrap:anywhere}
th{background:#f9fafb;font-size:.85rem}
col.rule{width:13rem}col.seat{width:6rem}col.outcome{width:8.5rem}col.count{width:6rem}
col.status{width:6rem}col.links{width:11rem}
.badge{display:inline-block;padding:.05rem .5rem;border-radius:.8rem;font-size:.8rem;font-weight:600;white-space:nowrap}
.passed{background:#dcfce7;color:#166534}.failed{background:#fee2e2;color:#991b1b}
.not-applicable,.not-run{background:#e5e7eb;color:#374151}.not-observable,.not-exercised,.incomplete{background:#fef3c7;color:#92400e}
.verdict{font-size:1.4rem;padding:.15rem .9rem;vertical-align:middle}
.summary{font-size:1.05rem;font-weight:600;margin:.3rem 0}
.banner{padding:.4rem .8rem;border-radius:.4rem;margin:.4rem 0;font-weight:600}
.banner.unfinished{background:#fef3c7;border:1px solid #f59e0b}.banner.selftest{background:#e0e7ff;border:1px solid #6366f1}
.muted{color:#4b5563;font-size:.85rem}
ul.attention{margin:.2rem 0;padding-left:1.2rem}
tr.detail>td{background:#fcfcfd;border-top:none}
.finding{margin:.25rem 0;padding:.3rem .5rem;border-left:4px solid #c62828;background:#fdecea}
.finding .what{font-weight:600}.finding .meta{font-size:.82rem;color:#4b5563}
pre{white-space:pre-wrap;overflow-wrap:anywhere;margin:.2rem 0;font-size:.78rem}
pre.message{color:#7f1d1d}
dl{display:grid;grid-template-columns:max-content 1fr;gap:.15rem 1rem;margin:.3rem 0}dt{font-weight:600}dd{margin:0}
code{font-size:.82rem}
a{color:#1d4ed8}
@media print{
  @page{size:A4 landscape;margin:12mm}
  body{max-width:none;margin:0;padding:0;font-size:10pt}
  *{print-color-adjust:exact;-webkit-print-color-adjust:exact}
  h2{break-after:avoid}
  tr.rule,tr.scenario,.finding,dl{break-inside:avoid}
  tr.rule{break-after:avoid}
  thead{display:table-header-group}
  a{color:inherit;text-decoration:none}
  .links a::after{content:" (" attr(href) ")";font-size:.75em;color:#4b5563}
}
`;

function evidenceLinks(folder: string | undefined): string {
  if (!folder) return '';
  const f = x(folder);
  return `<span class="links"><a class="diagram" href="${f}/sequence.svg">sequence diagram</a> · <a class="trace" href="${f}/trace.ndjson">trace</a></span>`;
}

/** The finding's words without the offending message's description (shown once, under it). */
function findingWords(f: CertifiedFinding): string {
  const words = f.message ? f.text.split(` in #${f.message.seq} `)[0] : f.text;
  if (!f.field) return x(words ?? f.text);
  const rest = (words ?? '').replace(
    `${f.field.name} should be ${f.field.expected}, was ${f.field.found}`,
    '',
  );
  return `<code>${x(f.field.name)}</code> expected <code>${x(f.field.expected)}</code>, found <code>${x(f.field.found)}</code>${x(rest)}`;
}

function findingHtml(rule: string, f: CertifiedFinding, i: number): string {
  const m = f.message;
  const meta = m
    ? `message #${x(m.seq)}: ${x(m.party)} ${m.direction === 'out' ? 'sent' : 'received'} ${x(String(m.message.message))} at ${x(m.time)}`
    : '';
  return `<div class="finding" id="finding-${x(rule)}-${i}">
<div class="what">${x(rule)}: ${findingWords(f)}</div>
<div class="meta">in “${x(f.scenario)}”${meta ? `; ${meta}` : ''} ${evidenceLinks(f.evidence)}</div>
${m ? `<pre class="message">${x(jsonOf(m.message))}</pre>` : ''}</div>`;
}

function ruleRows(r: CertifiedRule): string {
  const judged = r.judgedBy?.length ? `<div class="muted">judged by ${x(r.judgedBy.join(', '))}</div>` : '';
  const row = `<tr id="rule-${x(r.rule)}" class="rule ${x(r.outcome)}">
<td><code>${x(r.rule)}</code><div class="muted">seed ${x(r.section)} ${x(r.sectionTitle)}</div></td><td>${x(r.seat)}</td>
<td>${x(r.text)}${r.reading ? `<div class="muted">Reading: ${x(r.reading)}</div>` : ''}</td>
<td>${badge(r.outcome)}${judged}</td><td>${r.scenarios.length}</td></tr>`;
  if (r.outcome === 'passed' || r.outcome === 'not-applicable') return row;
  const shown = r.findings.slice(0, MAX_FINDINGS_SHOWN).map((f, i) => findingHtml(r.rule, f, i));
  if (r.findings.length > MAX_FINDINGS_SHOWN)
    shown.push(
      `<p class="muted">… and ${r.findings.length - MAX_FINDINGS_SHOWN} more finding(s), in certification.json</p>`,
    );
  const detail = shown.length
    ? shown.join('\n')
    : `<div class="muted">${UNJUDGED.has(r.outcome) ? 'What would cover it: ' : ''}${x(r.reason)}</div>`;
  return `${row}\n<tr class="detail ${x(r.outcome)}" id="detail-${x(r.rule)}"><td colspan="5">${detail}</td></tr>`;
}

function scenarioRow(s: ScenarioResult): string {
  return `<tr class="scenario ${x(s.status)}"><td>${x(s.name)}<div class="muted">${x(s.uri)}</div></td><td>${badge(s.status)}</td><td>${s.rules
    .map((r) => `<code>${x(r.rule)}</code> ${badge(r.outcome)}`)
    .join(' ')}</td><td>${x(s.error ?? '')}</td><td>${evidenceLinks(s.evidence)}</td></tr>`;
}

function recoveryWords(i: CertifiedInterruption): string {
  const { took, steps } = recoveryInWords(i);
  return `${x(took)}<div class="muted">${x(steps)}</div>`;
}

function serviceabilitySection(c: Certification): string {
  if (c.serviceability.length === 0)
    return '<p>Nothing was interrupted in this run (no dropped connection, restart or link to the switch down), so no recovery was measured.</p>';
  return `<p class="muted">Each interruption, the party that had to recover, how long it took (from the interruption: reconnect, register as a client, re-register its DNs, and for a recorder answer the next operation) and the outcome of the rule that judges it.</p>
<table id="interruptions"><colgroup><col><col><col><col><col class="outcome"><col class="links"></colgroup>
<thead><tr><th>Interrupted</th><th>Party</th><th>Scenario</th><th>Recovery</th><th>Outcome</th><th>Evidence</th></tr></thead>
<tbody>
${c.serviceability
  .map(
    (i) =>
      `<tr class="interruption ${x(i.outcome ?? '')}"><td>${x(i.what)}<div class="muted">${x(i.at)}</div></td><td>${x(i.party)}</td><td>${x(i.scenario)}</td><td>${recoveryWords(i)}</td><td><code>${x(i.rule)}</code> ${i.outcome ? badge(i.outcome) : 'not evaluated'}</td><td>${evidenceLinks(i.evidence)}</td></tr>`,
  )
  .join('\n')}
</tbody></table>`;
}

function section(id: (typeof SECTIONS)[number][0], body: string): string {
  const title = SECTIONS.find(([s]) => s === id)?.[1] ?? id;
  return `<section id="${id}"><h2>${x(title)}</h2>\n${body}\n</section>`;
}

const dl = (rows: ReadonlyArray<readonly [string, string]>) =>
  `<dl>${rows.map(([k, v]) => `<dt>${x(k)}</dt><dd>${x(v)}</dd>`).join('')}</dl>`;

function verdictSection(c: Certification): string {
  const attention = c.rules.filter((r) => r.outcome === 'failed' || UNJUDGED.has(r.outcome));
  const run = c.run;
  return `<section id="verdict-section"><h2>Verdict</h2>
<p><span id="verdict" class="badge verdict ${x(c.verdict)}">${x(c.verdict.toUpperCase())}</span> <span class="summary" id="summary">${x(c.summary)}</span></p>
${c.complete ? '' : '<div class="banner unfinished" id="unfinished">UNFINISHED: the run stopped before every scenario finished; this certificate shows what ran, and the verdict is FAILED.</div>'}
${run.breakage ? `<div class="banner selftest">Self-test with a deliberately broken party (<code>${x(run.breakage)}</code>): this run certifies nothing.</div>` : ''}
${attention.length ? `<ul class="attention">${attention.map((r) => `<li><a href="#rule-${x(r.rule)}">${x(r.rule)}</a> ${badge(r.outcome)} ${x(r.text)}</li>`).join('')}</ul>` : ''}
<p class="muted">${x(VERDICT_MEANING[c.verdict])}</p>
</section>`;
}

const latencyCells = (p: Percentiles) =>
  [p.count, p.p50, p.p90, p.p99, p.p999, p.max].map((v) => `<td>${x(String(v))}</td>`).join('');

/** What a load run measured: the operations judged and the latency figures (load.html has the charts). */
function loadFigures(l: LoadFigures): string {
  const o = l.operations;
  const rows = [
    ['indication, all', l.latencyMs.indication],
    ...Object.entries(l.latencyMs.byOperation).map(([op, p]) => [`indication, ${op}`, p] as const),
    ['EventACK', l.latencyMs.ack],
  ] as const;
  return `<h3 id="load">Load</h3>
<p>${x(`${l.agents} agents, ${l.rate} operations/s offered for ${l.durationS} s against the ${l.tserver}, with the ${l.recorder}. ${o.sent} of ${o.offered} operations sent (${o.notSent} not sent: every agent busy), ${o.acked} EventACK, ${o.errors} EventError, ${o.noReply} without a reply; ${o.indications} indications received, ${o.timedOut} timed out. ${o.judged} operations judged by the rules, ${o.failed} failed one. Throughput ${l.throughput.sentPerS.toFixed(1)} operations/s sent, ${l.throughput.indicationsPerS.toFixed(1)} indications/s; peak memory ${(l.peakRssBytes / 2 ** 20).toFixed(0)} MiB.`)}</p>
<table id="latency"><thead><tr><th>Latency (ms)</th><th>count</th><th>p50</th><th>p90</th><th>p99</th><th>p99.9</th><th>max</th></tr></thead>
<tbody>${rows.map(([name, p]) => `<tr><td>${x(name)}</td>${latencyCells(p)}</tr>`).join('\n')}</tbody></table>
${l.chaos ? `<p id="chaos">${x(`Dropped connections (chaos): ${describeChaos(l.chaos)}`)}</p>\n` : ''}<p class="muted">Each scenario below is one operation, its rules judged on every time it was sent; load.html charts latency and throughput per second.</p>`;
}

export function certificationHtml(c: Certification): string {
  const run = c.run;
  const t = c.totals;
  const commit = run.harness.commit
    ? `${run.harness.commit}${run.harness.dirty ? ' (with uncommitted changes)' : ''}`
    : 'unknown (not a git work tree)';
  const scope = dl([
    ['Certified seat', c.scope.certifiedSeats.join(', ')],
    [
      'Profile',
      `${c.scope.profile}${c.scope.profile === 'self' ? ' (the harness plays every seat: it certifies the harness itself)' : ''}`,
    ],
    ['Rules that apply', `${c.scope.applicableRules.length}: ${c.scope.applicableRules.join(', ')}`],
    ['Evidence', c.scope.evidence.join('; ') || 'none named'],
    [
      'Scenarios',
      `${run.tags ? `selected by ${run.tags}: ` : ''}${t.scenarios.passed} passed, ${t.scenarios.failed} failed, ${t.scenarios['not-run']} not run`,
    ],
  ]);
  const results = `${c.load ? loadFigures(c.load) : ''}<p class="muted">${OUTCOMES.map((o) => `${t.rules[o]} ${LABEL[o]}`).join(', ')}. Failed rules first, then those not judged with what would cover them, then passed.</p>
<table id="rules"><colgroup><col class="rule"><col class="seat"><col><col class="outcome"><col class="count"></colgroup>
<thead><tr><th>Rule</th><th>Seat</th><th>Requires</th><th>Outcome</th><th>Scenarios</th></tr></thead>
<tbody>
${c.rules.map(ruleRows).join('\n')}
</tbody></table>
<h3>Scenarios</h3>
<table id="scenarios"><colgroup><col><col class="status"><col><col><col class="links"></colgroup>
<thead><tr><th>Scenario</th><th>Status</th><th>Rules</th><th>Why not passed</th><th>Evidence</th></tr></thead>
<tbody>
${c.scenarios.map(scenarioRow).join('\n')}
</tbody></table>`;
  const observations = c.observations.length
    ? `<p class="muted">What the harness saw that no rule judges: notes, not findings.</p><ul>${c.observations
        .map(
          (o) =>
            `<li>${x(o.text)} <span class="muted">(“${x(o.scenario)}”)</span> ${evidenceLinks(o.evidence)}</li>`,
        )
        .join('')}</ul>`
    : '<p>The harness noted nothing beyond what the rules judge (no EventError, no unreadable message, no reply slower than half its allowed time).</p>';
  const environment = dl([
    [
      'System under test',
      run.sut
        ? `${run.sut.vendor} ${run.sut.product} ${run.sut.version}`
        : 'not configured (sut: vendor, product, version)',
    ],
    ['T-Server', run.tservers.map((s) => `${s.name} ${s.version}`).join(', ') || 'none registered'],
    ['Harness', `${run.harness.name} ${run.harness.version}, commit ${commit}`],
    ['Node.js', run.node],
    ['Operating system', run.platform],
    ['Run', `${run.runId}: ${run.startedAt} to ${run.endedAt} (${(run.durationMs / 1000).toFixed(1)} s)`],
    [
      'Integrity',
      run.signedBy
        ? `signed (Ed25519, manifest.sig) by the key with fingerprint ${run.signedBy}`
        : 'hashed, not signed: manifest.json holds the SHA-256 of every file (it shows accidents, not who made the bundle)',
    ],
  ]);
  const configuration = run.config
    ? `<p class="muted">The effective configuration (file, environment and defaults). Secrets appear as <code>{env:NAME}</code>, never their values.</p><pre id="config">${x(JSON.stringify(run.config, null, 2))}</pre>`
    : '<p>No configuration: the defaults.</p>';
  const verification = `<pre>${c.verification.map(x).join('\n')}</pre>
<ul>
<li><a href="manifest.json">manifest.json</a>: the SHA-256 of every file here${run.signedBy ? '; <a href="manifest.sig">manifest.sig</a>: its Ed25519 signature' : ''}</li>
<li><a href="certification.json">certification.json</a>: this certificate for tools</li>
<li><code>exchanges/&lt;feature&gt;/&lt;scenario&gt;/</code>: each scenario's sequence.svg, trace.ndjson and findings.txt</li>
${c.load ? '<li><a href="load.html">load.html</a>, <a href="load.json">load.json</a>: the load run\'s figures, per second</li>' : '<li><a href="cucumber.html">cucumber.html</a>, <a href="allure-report/index.html">allure-report/index.html</a>, <a href="junit.xml">junit.xml</a>, <a href="messages.ndjson">messages.ndjson</a> (a live run)</li>'}
</ul>`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<title>screencap-cert certificate — ${x(c.verdict.toUpperCase())}</title>
<style>${CSS}</style></head><body>
<header><h1>Control for Third Party Screen Recording — conformance certificate</h1>
<p>Run ${x(run.runId)}, ${x(run.startedAt)} · profile ${x(run.profile)} · ${x(run.sut ? `${run.sut.vendor} ${run.sut.product} ${run.sut.version}` : 'system under test not named')}</p></header>
${verdictSection(c)}
${section('scope', scope)}
${section('results', results)}
${section('observations', observations)}
${section('serviceability', serviceabilitySection(c))}
${section('environment', environment)}
${section('configuration', configuration)}
${section('verification', verification)}
</body></html>
`;
}
