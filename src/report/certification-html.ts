/** The certificate as one self-contained HTML page: inline CSS, no script, nothing fetched. */

import { escapeXml } from '../markup.ts';
import { OUTCOMES, type Verdict } from '../result/outcomes.ts';
import type { Certification, CertifiedRule } from './certification.ts';

const LABEL: Record<string, string> = {
  passed: 'passed',
  failed: 'failed',
  'not-applicable': 'not applicable',
  'not-observable': 'not observable',
  'not-exercised': 'not exercised',
  'not-run': 'not run',
  incomplete: 'incomplete',
};

/** What each verdict means (and the exit code the command gave). */
const VERDICT_MEANING: Record<Verdict, string> = {
  passed: 'PASSED (exit 0): every rule that applies to the certified seats was judged, and all passed.',
  failed: 'FAILED (exit 1): a rule failed, or the system under test left, or the run was stopped.',
  incomplete:
    'INCOMPLETE (exit 3; 0 with --allow-incomplete): nothing failed, but some applicable rule was not observable or not exercised; each row below says what would cover it.',
};

const badge = (outcome: string) =>
  `<span class="badge ${escapeXml(outcome)}">${escapeXml(LABEL[outcome] ?? outcome)}</span>`;

const CSS = `
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:2rem auto;max-width:78rem;padding:0 1rem;color:#1f2937;line-height:1.4}
h1{margin:0 0 .3rem}h2{margin-top:2rem;border-bottom:1px solid #e5e7eb;padding-bottom:.3rem}
table{border-collapse:collapse;width:100%;font-size:.92rem}
th,td{border:1px solid #e5e7eb;padding:.35rem .5rem;text-align:left;vertical-align:top}
th{background:#f9fafb}
.badge{display:inline-block;padding:.1rem .5rem;border-radius:.8rem;font-size:.8rem;font-weight:600;white-space:nowrap}
.passed{background:#dcfce7;color:#166534}.failed{background:#fee2e2;color:#991b1b}
.not-applicable,.not-run{background:#e5e7eb;color:#374151}.not-observable,.not-exercised,.incomplete{background:#fef3c7;color:#92400e}
.verdict{font-size:1.6rem;padding:.3rem 1rem}
.banner{padding:.7rem 1rem;border-radius:.4rem;margin:1rem 0;font-weight:600}
.banner.unfinished{background:#fef3c7;border:1px solid #f59e0b}.banner.selftest{background:#e0e7ff;border:1px solid #6366f1}
.reason{white-space:pre-wrap;font-size:.85rem;color:#4b5563}
.finding{margin:.4rem 0;padding:.4rem .6rem;border-left:4px solid #c62828;background:#fdecea}
pre.offending{white-space:pre-wrap;word-break:break-all;margin:.3rem 0 0;font-size:.8rem;color:#7f1d1d}
dl{display:grid;grid-template-columns:max-content 1fr;gap:.2rem 1rem}dt{font-weight:600}dd{margin:0}
code{font-size:.85rem}
`;

function ruleRow(r: CertifiedRule): string {
  const scenarios = r.scenarios.length
    ? `<details><summary>${r.scenarios.length} scenario(s)</summary><ul>${r.scenarios
        .map((s) => `<li>${escapeXml(s.name)} ${badge(s.outcome)}</li>`)
        .join('')}</ul></details>`
    : '—';
  const findings = r.findings
    .map(
      (f) =>
        `<div class="finding"><strong>${escapeXml(f.scenario)}</strong>: ${escapeXml(f.text)}${
          f.message
            ? `<pre class="offending">offending message #${escapeXml(f.message.seq)} (${escapeXml(f.message.party)} ${
                f.message.direction === 'out' ? 'sent' : 'received'
              }, ${escapeXml(f.message.time)}):\n${escapeXml(JSON.stringify(f.message.message))}</pre>`
            : ''
        }</div>`,
    )
    .join('');
  const why = r.outcome === 'passed' ? '' : findings || `<div class="reason">${escapeXml(r.reason)}</div>`;
  return `<tr id="rule-${escapeXml(r.rule)}" class="rule ${escapeXml(r.outcome)}">
<td><code>${escapeXml(r.rule)}</code></td><td>${escapeXml(r.section)} ${escapeXml(r.sectionTitle)}</td><td>${escapeXml(r.seat)}</td>
<td>${escapeXml(r.text)}${r.reading ? `<div class="reason">Reading: ${escapeXml(r.reading)}</div>` : ''}</td>
<td>${scenarios}</td><td>${badge(r.outcome)}${why}</td></tr>`;
}

export function certificationHtml(c: Certification): string {
  const run = c.run;
  const commit = run.harness.commit
    ? `${run.harness.commit}${run.harness.dirty ? ' (with uncommitted changes)' : ''}`
    : 'unknown (not a git work tree)';
  const tservers = run.tservers.map((t) => `${t.name} ${t.version}`).join(', ') || 'none registered';
  const sut = run.sut ? `${run.sut.vendor} ${run.sut.product} ${run.sut.version}` : 'not configured';
  const meta: Array<[string, string]> = [
    ['Run', run.runId],
    ['Harness', `${run.harness.name} ${run.harness.version}, commit ${commit}`],
    ['Profile', run.profile],
    ...(run.source ? ([['Evidence', run.source]] as Array<[string, string]>) : []),
    ['System under test', sut],
    ['T-Server', tservers],
    ['Tags', run.tags ?? 'all scenarios'],
    ['Started', run.startedAt],
    ['Ended', `${run.endedAt} (${(run.durationMs / 1000).toFixed(1)} s)`],
    ['Node.js', `${run.node} on ${run.platform}`],
  ];
  const t = c.totals;
  const scenarioRows = c.scenarios
    .map(
      (s) =>
        `<tr class="scenario"><td>${escapeXml(s.name)}</td><td><code>${escapeXml(s.uri)}</code></td><td>${badge(s.status)}</td><td>${s.rules
          .map((r) => `<code>${escapeXml(r.rule)}</code> ${badge(r.outcome)}`)
          .join(' ')}</td><td class="reason">${escapeXml(s.error ?? '')}</td></tr>`,
    )
    .join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<title>screencap-cert certification — ${escapeXml(c.verdict)}</title>
<style>${CSS}</style></head><body>
<h1>Control for Third Party Screen Recording — conformance certificate</h1>
<p>Verdict: <span id="verdict" class="badge verdict ${escapeXml(c.verdict)}">${escapeXml(c.verdict.toUpperCase())}</span></p>
${c.complete ? '' : '<div class="banner unfinished" id="unfinished">UNFINISHED: the run stopped before every scenario finished; this report shows what ran, and the verdict is FAILED.</div>'}
${run.breakage ? `<div class="banner selftest">Self-test with a deliberately broken party (<code>${escapeXml(run.breakage)}</code>): this run certifies nothing.</div>` : ''}
<p class="reason">${escapeXml(VERDICT_MEANING[c.verdict])}</p>
${c.reasons.length ? `<ul class="reasons">${c.reasons.map((r) => `<li>${escapeXml(r)}</li>`).join('')}</ul>` : ''}
<h2>Run</h2>
<dl>${meta.map(([k, v]) => `<dt>${escapeXml(k)}</dt><dd>${escapeXml(v)}</dd>`).join('')}</dl>
<h2>Rule coverage</h2>
<p>${OUTCOMES.map((o) => `${t.rules[o]} ${LABEL[o]}`).join(', ')}.</p>
<table id="rules"><thead><tr><th>Rule</th><th>Seed section</th><th>Seat</th><th>Requires</th><th>Scenarios</th><th>Outcome</th></tr></thead>
<tbody>
${c.rules.map(ruleRow).join('\n')}
</tbody></table>
<h2>Scenarios</h2>
<p>${t.scenarios.passed} passed, ${t.scenarios.failed} failed, ${t.scenarios['not-run']} not run.</p>
<table id="scenarios"><thead><tr><th>Scenario</th><th>Feature</th><th>Status</th><th>Rules</th><th>Why not passed</th></tr></thead>
<tbody>
${scenarioRows}
</tbody></table>
<h2>Evidence in this folder</h2>
<ul>
<li><a href="cucumber.html">cucumber.html</a>: every scenario with its steps, message trace and sequence diagram</li>
<li><a href="allure-report/index.html">allure-report/index.html</a>: the same in Allure</li>
<li><a href="junit.xml">junit.xml</a>, <a href="messages.ndjson">messages.ndjson</a> (Cucumber messages), <a href="certification.json">certification.json</a></li>
<li><a href="manifest.json">manifest.json</a>: SHA-256 of every file here; check with <code>npx screencap-cert report verify &lt;this folder&gt;</code></li>
</ul>
</body></html>
`;
}
