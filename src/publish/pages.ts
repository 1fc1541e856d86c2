/**
 * The site's pages, each one self-contained HTML (inline CSS, no script, nothing fetched): the
 * index (latest verdict per SUT and profile, and the bundles that failed verification), the
 * compatibility matrix, and a history per SUT and profile. Links are relative, so the site opens
 * from disk and serves from any static host.
 */
import { escapeXml } from '../markup.ts';
import { badgeMessage } from './badges.ts';
import {
  counterpartLabel,
  histories,
  isVerified,
  type Matrix,
  matrixOf,
  type RejectedRow,
  type Row,
  ruleHistory,
  type Subject,
  sutLabel,
  VERDICT_WORD,
  type VerifiedRow,
} from './model.ts';

const CSS = `
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:2rem auto;max-width:90rem;padding:0 1rem;color:#1f2937;line-height:1.4}
h1{margin:0 0 .3rem}h2{margin-top:2rem;border-bottom:1px solid #e5e7eb;padding-bottom:.3rem}
nav{margin:.3rem 0 1rem}nav a{margin-right:1rem}
table{border-collapse:collapse;font-size:.9rem}
th,td{border:1px solid #e5e7eb;padding:.35rem .5rem;text-align:left;vertical-align:top}
th{background:#f9fafb}
.badge{display:inline-block;padding:.1rem .5rem;border-radius:.8rem;font-size:.8rem;font-weight:600;white-space:nowrap;text-decoration:none}
.passed{background:#dcfce7;color:#166534}.failed{background:#fee2e2;color:#991b1b}
.incomplete,.not-observable,.not-exercised{background:#fef3c7;color:#92400e}
.not-applicable,.none{background:#f3f4f6;color:#6b7280}
.rejected{background:#fde68a;color:#78350f}
.small{font-size:.8rem;color:#4b5563}
td.cell{text-align:center}
.rules td{text-align:center;padding:.2rem .3rem}.rules td:first-child{text-align:left}
`;

/** Runs shown in the rule-by-rule grid of a history. */
const GRID_RUNS = 60;

const OUTCOME_MARK: Record<string, string> = {
  passed: '✓',
  failed: '✗',
  'not-observable': '?',
  'not-exercised': '–',
  'not-applicable': '·',
};

function page(title: string, depth: number, body: string): string {
  const up = '../'.repeat(depth);
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeXml(title)}</title>
<meta name="viewport" content="width=device-width,initial-scale=1">
<style>${CSS}</style></head>
<body><nav><a href="${up}index.html">Index</a><a href="${up}matrix.html">Compatibility matrix</a><a href="${up}index.json">index.json</a></nav>
${body}
</body></html>
`;
}

/** A verdict badge linking to the certificate (`up`: from the page to the site's root). */
function verdictLink(row: VerifiedRow, up: string): string {
  return `<a class="badge ${row.verdict}" href="${escapeXml(up + row.certificate)}" title="${escapeXml(`certificate of run ${row.runId}`)}">${VERDICT_WORD[row.verdict]}</a>`;
}

const date = (iso: string) => escapeXml(iso.slice(0, 16).replace('T', ' '));
const list = (items: readonly string[]) => items.map(escapeXml).join('<br>');

export function historyFile(subject: Subject): string {
  return `history/${subject.slug}.html`;
}

function subjectCell(subject: Subject, up: string): string {
  return `<a href="${escapeXml(up + historyFile(subject))}">${escapeXml(sutLabel(subject.sut))}</a>`;
}

function rejectedSection(rejected: readonly RejectedRow[]): string {
  if (!rejected.length) return '';
  const rows = rejected
    .map(
      (r) =>
        `<tr><td><span class="badge rejected">NOT VERIFIED</span></td><td><code>${escapeXml(r.source)}</code></td><td>${escapeXml(r.claimed?.runId ?? '?')}${
          r.claimed?.verdict ? ` (claims ${escapeXml(r.claimed.verdict)})` : ''
        }</td><td>${list(r.problems.slice(0, 10))}${r.problems.length > 10 ? `<br>(and ${r.problems.length - 10} more)` : ''}</td></tr>`,
    )
    .join('\n');
  return `<h2 id="rejected">Bundles that failed verification (${rejected.length})</h2>
<p>Listed, not counted: nothing on this site rests on them. Their certificates are not published.</p>
<table><thead><tr><th></th><th>Found at</th><th>Run</th><th>What failed</th></tr></thead><tbody>
${rows}
</tbody></table>`;
}

export function indexPage(rows: readonly Row[]): string {
  const lines = [...histories(rows).values()].map(({ subject, runs }) => {
    const latest = runs[runs.length - 1] as VerifiedRow;
    return `<tr><td>${subjectCell(subject, '')}</td><td>${escapeXml(subject.profile)}</td><td>${verdictLink(latest, '')}${
      latest.breakage ? ` <span class="small">self-test with ${escapeXml(latest.breakage)}</span>` : ''
    }</td><td>${date(latest.startedAt)}</td><td>${list(latest.sources)}</td><td>${list(latest.counterparts.map(counterpartLabel))}</td><td><img src="badges/${escapeXml(subject.slug)}.svg" alt="${escapeXml(`certified: ${badgeMessage(latest)}`)}"></td><td>${runs.length}</td></tr>`;
  });
  const rejected = rows.filter((r): r is RejectedRow => !r.verified);
  const verified = rows.filter(isVerified).length;
  return page(
    'Certification: latest verdicts',
    0,
    `<h1>Certification: latest verdicts</h1>
<p class="small">${verified} verified bundle(s)${rejected.length ? `, <a href="#rejected">${rejected.length} that failed verification</a>` : ''}. Each verdict links to its certificate; each system to its history.</p>
<table><thead><tr><th>System under test</th><th>Profile</th><th>Latest verdict</th><th>Date (UTC)</th><th>Evidence</th><th>Counterparts</th><th>Badge</th><th>Runs</th></tr></thead><tbody>
${lines.join('\n')}
</tbody></table>
${rejectedSection(rejected)}`,
  );
}

function matrixTable(m: Matrix): string {
  const head = m.columns.map((c) => `<th>${list(c.split(' + '))}</th>`).join('');
  const body = m.rows
    .map(({ subject, cells }) => {
      const tds = m.columns
        .map((c) => {
          const run = cells.get(c);
          return run
            ? `<td class="cell">${verdictLink(run, '')}<br><span class="small">${date(run.startedAt)}</span></td>`
            : '<td class="cell"><span class="badge none">not run</span></td>';
        })
        .join('');
      return `<tr><td>${subjectCell(subject, '')}</td><td>${escapeXml(subject.profile)}</td>${tds}</tr>`;
    })
    .join('\n');
  return `<table class="matrix"><thead><tr><th>System under test</th><th>Profile</th>${head}</tr></thead><tbody>
${body}
</tbody></table>`;
}

export function matrixPage(rows: readonly Row[]): string {
  return page(
    'Compatibility matrix',
    0,
    `<h1>Compatibility matrix</h1>
<p class="small">Rows: each version of each system under test, by profile. Columns: who it dealt with (the T-Server as it named itself; the desktop or recorder the harness played, or the clients of a SIP Server log). Each cell: the latest verified verdict, linking to its certificate.</p>
${matrixTable(matrixOf(rows))}`,
  );
}

/** Duration of each run as bars (an inline SVG: no script, no fetch). */
function durationChart(runs: readonly VerifiedRow[]): string {
  const max = Math.max(1, ...runs.map((r) => r.durationMs));
  const bar = 14;
  const height = 120;
  const width = runs.length * (bar + 4) + 50;
  const bars = runs
    .map((r, i) => {
      const h = Math.max(1, Math.round((r.durationMs / max) * (height - 20)));
      const fill = r.verdict === 'passed' ? '#4c1' : r.verdict === 'failed' ? '#e05d44' : '#dfb317';
      return `<rect x="${45 + i * (bar + 4)}" y="${height - h}" width="${bar}" height="${h}" fill="${fill}"><title>${escapeXml(`${r.startedAt}: ${(r.durationMs / 1000).toFixed(1)} s, ${VERDICT_WORD[r.verdict]}`)}</title></rect>`;
    })
    .join('');
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height + 4}" role="img" aria-label="duration of each run">
<text x="0" y="12" font-size="11" fill="#4b5563">${(max / 1000).toFixed(1)} s</text>
<line x1="42" y1="${height}" x2="${width}" y2="${height}" stroke="#9ca3af"/>${bars}</svg>`;
}

export function historyPage(subject: Subject, runs: readonly VerifiedRow[]): string {
  const newestFirst = [...runs].reverse();
  const table = newestFirst
    .map(
      (r) =>
        `<tr><td>${date(r.startedAt)}</td><td>${verdictLink(r, '../')}</td><td>${(r.durationMs / 1000).toFixed(1)} s</td><td>${list(r.sources)}</td><td>${list(r.counterparts.map(counterpartLabel))}</td><td><code>${escapeXml(r.runId)}</code>${r.breakage ? `<br><span class="small">self-test with ${escapeXml(r.breakage)}</span>` : ''}</td></tr>`,
    )
    .join('\n');
  // First failures are found over every run; the grid shows the latest ones (--keep bounds the rest).
  const shown = runs.slice(-GRID_RUNS);
  const rules = ruleHistory(runs).map((h) => ({ ...h, outcomes: h.outcomes.slice(-GRID_RUNS) }));
  const columns = shown
    .map((r) => `<th title="${escapeXml(r.startedAt)}">${escapeXml(r.startedAt.slice(5, 10))}</th>`)
    .join('');
  const ruleRows = rules
    .map((h) => {
      const cells = h.outcomes
        .map((o) =>
          o ? `<td class="${o}" title="${escapeXml(o)}">${OUTCOME_MARK[o] ?? '?'}</td>` : '<td></td>',
        )
        .join('');
      const first = h.firstFailed ? date(h.firstFailed.startedAt) : '';
      const since = h.failingSince ? date(h.failingSince.startedAt) : '';
      return `<tr><td><code>${escapeXml(h.rule)}</code></td>${cells}<td>${first}</td><td>${since}</td></tr>`;
    })
    .join('\n');
  const title = `${sutLabel(subject.sut)}, ${subject.profile} profile: history`;
  return page(
    title,
    1,
    `<h1>${escapeXml(title)}</h1>
<p class="small">${runs.length} verified run(s), oldest ${date(runs[0]?.startedAt ?? '')}, latest ${date(runs[runs.length - 1]?.startedAt ?? '')}. Badge: <img src="../badges/${escapeXml(subject.slug)}.svg" alt="badge"> (<a href="../badges/${escapeXml(subject.slug)}.json">endpoint JSON</a>)</p>
<h2>Verdicts</h2>
<table><thead><tr><th>Date (UTC)</th><th>Verdict</th><th>Duration</th><th>Evidence</th><th>Counterparts</th><th>Run</th></tr></thead><tbody>
${table}
</tbody></table>
<h2>Duration</h2>
${durationChart(runs)}
<h2>Rule by rule</h2>
<p class="small">✓ passed, ✗ failed, ? not observable, – not exercised, · not applicable; ${shown.length < runs.length ? `the latest ${shown.length} runs` : 'runs'}, oldest to newest.</p>
<table class="rules"><thead><tr><th>Rule</th>${columns}<th>First failed</th><th>Failing since</th></tr></thead><tbody>
${ruleRows}
</tbody></table>`,
  );
}
