/**
 * A scenario's exchange as a sequence diagram, rendered to a self-contained SVG (no script, no
 * external font or image): lifelines for the desktops, the T-Server, the recorders and any other
 * client; one arrow per message between a client and the T-Server, labelled with its name and key
 * fields; the messages failed rules point at drawn in red with what was found. Text is escaped as
 * character data (quotes kept, `…` as `&#8230;`: escapeXmlText), attribute values fully.
 */

import { SCREEN_CAPTURE_KEY, screenCaptureValue } from '../domain/screencap.ts';
import { escapeXml, escapeXmlText } from '../markup.ts';
import type { Role, WireRecord } from '../rules/observations.ts';
import { asText } from '../tlib/codec.ts';
import { jsonOf } from '../tlib/depth.ts';
import type { WireMessage } from '../tlib/messages.ts';

export interface DiagramOptions {
  /** Journal seq -> findings against that message (see offendingMessages). */
  marks?: ReadonlyMap<number, readonly string[]>;
  /** Under the T-Server's name: how it named itself in EventClientRegistered. */
  tserver?: string;
  /** Messages drawn at most (default MAX_DRAWN): the trace holds them all, a picture of more helps no one. */
  maxRows?: number;
  /** A message's JSON for its tooltip (default jsonOf): the trace may share it (MessageJson). */
  messageJson?: (message: WireMessage) => string;
}

/** Some 40 times a conformance scenario's messages; a SIP Server log's scenario may hold millions. */
export const MAX_DRAWN = 2000;

type Column = Role | 'tserver';
const COLUMN_ORDER: readonly Column[] = ['desktop', 'tserver', 'recorder', 'bystander', 'client'];

const GUTTER = 120;
const SPACING = 460;
const BOX = { width: 220, height: 40 };
const TOP = 20 + BOX.height + 24;
const ROW = 26;
const FINDING_LINE = 15;
/** Width of a character of a label or a finding line, to know how many fit. */
const CHAR_WIDTH = 6.2;
const MAX_FINDING_LINES = 3;
const RED = '#c62828';

function clip(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** `006b02a6c5a1e001` -> `006b…e001`: the label stays between two lifelines; the tooltip has it whole. */
export function abbreviate(connId: string): string {
  return connId.length > 10 ? `${connId.slice(0, 4)}…${connId.slice(-4)}` : connId;
}

/** `RequestSendEvent ref=3 ThisDN=7001 screen-capture=start ConnID=006b…e001` */
export function arrowLabel(message: WireMessage): string {
  const event = (message.Event ?? {}) as Partial<WireMessage>;
  let label = asText(message.message);
  if (message.ReferenceID !== undefined) label += ` ref=${asText(message.ReferenceID)}`;
  if (message.ThisDN !== undefined) label += ` ThisDN=${asText(message.ThisDN)}`;
  const capture = screenCaptureValue(message.UserData) ?? screenCaptureValue(event.UserData);
  if (capture !== undefined) label += ` ${SCREEN_CAPTURE_KEY}=${asText(capture)}`;
  const connId = message.ConnID ?? event.ConnID;
  if (connId !== undefined) label += ` ConnID=${abbreviate(asText(connId))}`;
  if (message.ErrorCode !== undefined) label += ` error ${asText(message.ErrorCode)}`;
  if (message.ApplicationName !== undefined) label += ` ${asText(message.ApplicationName)}`;
  return label;
}

/** `text` cut into lines of at most `width` characters, at most `max` of them. */
function wrap(text: string, width: number, max: number): string[] {
  const lines: string[] = [];
  let rest = text;
  while (rest && lines.length < max) {
    let cut = rest.length <= width ? rest.length : rest.lastIndexOf(' ', width);
    if (cut <= 0) cut = width;
    lines.push(rest.slice(0, cut));
    rest = rest.slice(cut).trimStart();
  }
  if (rest) lines[lines.length - 1] = clip(`${lines[lines.length - 1]} ${rest}`, width);
  return lines;
}

interface Lifeline {
  column: Column;
  x: number;
  /** The application name the party registered with (RequestRegisterClient), when seen. */
  application?: string;
}

/** The application name a client registered with: its own request, or the T-Server's note of its peer. */
function applicationOf(r: WireRecord): string | undefined {
  if (r.sent && r.message.message === 'RequestRegisterClient' && r.message.ApplicationName !== undefined)
    return asText(r.message.ApplicationName);
  return r.entry.party === 'tserver' ? r.entry.peerApplication : undefined;
}

function lifelines(records: readonly WireRecord[]): Map<string, Lifeline> {
  const seen = new Map<string, { column: Column; application?: string }>([
    ['T-Server', { column: 'tserver' }],
  ]);
  for (const r of records) {
    const known = seen.get(r.client) ?? { column: r.role };
    known.application ??= applicationOf(r);
    seen.set(r.client, known);
  }
  const ordered = [...seen].sort(
    ([, a], [, b]) => COLUMN_ORDER.indexOf(a.column) - COLUMN_ORDER.indexOf(b.column),
  );
  return new Map(
    ordered.map(([name, line], i) => [name, { ...line, x: GUTTER + BOX.width / 2 + i * SPACING }]),
  );
}

/** Label lines above an arrow, each at most this far below the previous. */
const LABEL_LINE = 13;
/** Characters of a label line: what fits in the gap beside the T-Server. */
const LABEL_WIDTH = Math.floor((SPACING - 24) / CHAR_WIDTH);

export function sequenceDiagram(records: readonly WireRecord[], options: DiagramOptions = {}): string {
  const marks = options.marks ?? new Map<number, readonly string[]>();
  const lines = lifelines(records);
  const tserverX = lines.get('T-Server')?.x ?? 0;
  const start = records[0]?.entry.micros ?? 0;
  const width = GUTTER + BOX.width + (lines.size - 1) * SPACING + 20;
  const findingWidth = Math.floor((width - GUTTER) / CHAR_WIDTH);
  // The rows, each followed by a line end: one rope, flattened once as the document is (joining
  // rows an array holds copies each flat first).
  let rows = '';
  let y = TOP;
  const maxRows = options.maxRows ?? MAX_DRAWN;
  const json = options.messageJson ?? jsonOf;
  // Each row is built by concatenation, without arrays to join: a busy log's scenarios draw tens of thousands.
  for (const r of records.length > maxRows ? records.slice(0, maxRows) : records) {
    const seq = r.entry.seq;
    const found = marks.get(seq);
    // The arrow is the message: its own description (`in #29 recorder -> ...`) need not be repeated.
    const findingLines = found
      ? wrap(found.map((f) => f.split(` in #${seq} `)[0]).join(' | '), findingWidth, MAX_FINDING_LINES)
      : [];
    const clientX = lines.get(r.client)?.x ?? 0;
    const from = r.sent ? clientX : tserverX;
    const to = r.sent ? tserverX : clientX;
    // The label sits in the gap beside the T-Server, on the client's side: off every lifeline.
    const labelX = tserverX + (clientX < tserverX ? -SPACING / 2 : SPACING / 2);
    const label = `${arrowLabel(r.message)}${r.entry.problem ? ' [invalid]' : ''}`;
    const labelLines = wrap(label, LABEL_WIDTH, 2);
    const extra = (labelLines.length - 1) * LABEL_LINE;
    const height = ROW + extra + findingLines.length * FINDING_LINE;
    const arrowY = y + 18 + extra;
    const ms = ((r.entry.micros - start) / 1000).toFixed(1);
    // The tooltip: who sent it when, the findings against it, the whole message.
    // Escaped piece by piece (escaping is character by character): the message's JSON is tested as
    // made, not copied into one string with the rest first.
    const about = `#${seq} ${r.entry.time} ${r.client} ${r.sent ? 'sent' : 'received'}${found ? `\n${found.join('\n')}` : ''}`;
    const tooltip = `${escapeXmlText(about)}\n${escapeXmlText(json(r.message))}`;
    let row = `<g class="${found ? 'message offending' : 'message'}" data-seq="${seq}"><title>${tooltip}</title>`;
    if (found) row += `<rect x="0" y="${y + 2}" width="100%" height="${height - 2}" fill="#fdecea"/>`;
    row += `<text x="8" y="${arrowY + 4}" class="time">#${seq} +${ms} ms</text><line x1="${from}" y1="${arrowY}" x2="${to}" y2="${arrowY}" stroke="${found ? RED : '#1f2937'}" stroke-width="${found ? 2.5 : 1.3}" marker-end="url(#${found ? 'head-red' : 'head'})"/>`;
    for (const [i, line] of labelLines.entries())
      row += `<text x="${labelX}" y="${arrowY - 5 - (labelLines.length - 1 - i) * LABEL_LINE}" text-anchor="middle" class="${found ? 'label bad' : 'label'}">${escapeXmlText(line)}</text>`;
    for (const [i, line] of findingLines.entries())
      row += `<text x="${GUTTER}" y="${arrowY + 17 + i * FINDING_LINE}" class="finding">${i === 0 ? '&#10007; ' : '  '}${escapeXmlText(line)}</text>`;
    rows += `${row}</g>\n`;
    y += height;
  }
  if (records.length === 0)
    rows += `<text x="8" y="${y + 18}" class="time">no message was exchanged</text>\n`;
  if (records.length > maxRows) {
    rows += `<text x="8" y="${y + 18}" class="time">&#8230; and ${records.length - maxRows} later message(s), not drawn (the first ${maxRows} are; the message trace holds them all)</text>\n`;
    y += ROW;
  }
  const height = y + 40;
  const heads = lifelineHeads(lines, height, options.tserver);
  const head = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="sequence diagram">`,
    '<title>Message sequence: clients and the T-Server</title>',
    '<defs>',
    '<marker id="head" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="8" markerHeight="8" orient="auto-start-reverse"><path d="M0,0L10,5L0,10z" fill="#1f2937"/></marker>',
    `<marker id="head-red" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="8" markerHeight="8" orient="auto-start-reverse"><path d="M0,0L10,5L0,10z" fill="${RED}"/></marker>`,
    '</defs>',
    '<style>',
    'text{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;font-size:11.5px;fill:#1f2937}',
    '.label{paint-order:stroke;stroke:#fff;stroke-width:3px}',
    `.bad{fill:${RED};font-weight:bold}`,
    `.finding{fill:${RED};font-size:11px}`,
    '.time{fill:#6b7280;font-size:11px;font-family:ui-monospace,Menlo,Consolas,monospace}',
    '.name{font-weight:bold;font-size:13px}.sub{fill:#4b5563;font-size:11px}',
    '</style>',
    '<rect width="100%" height="100%" fill="#fff"/>',
    heads,
  ].join('\n');
  return `${head}\n${rows}</svg>`;
}

/** A lifeline's heading: the application name and the seat (`ScreenRecorder` / `recorder seat · client 3`). */
function heading(name: string, line: Lifeline, tserver: string | undefined): [string, string] {
  if (line.column === 'tserver') return [name, tserver ?? 'tserver'];
  const title = line.application ?? name;
  const seat = line.column === 'desktop' || line.column === 'recorder' ? `${line.column} seat` : line.column;
  return [title, title === name || name === line.column ? seat : `${seat} · ${name}`];
}

function lifelineHeads(
  lines: ReadonlyMap<string, Lifeline>,
  height: number,
  tserver: string | undefined,
): string {
  return [...lines]
    .map(([name, line]) => {
      const { column, x } = line;
      const [title, sub] = heading(name, line, tserver);
      return [
        `<g class="lifeline" data-party="${escapeXml(name)}">`,
        `<line x1="${x}" y1="${20 + BOX.height}" x2="${x}" y2="${height - 10}" stroke="#9ca3af" stroke-dasharray="4 4"/>`,
        `<rect x="${x - BOX.width / 2}" y="20" width="${BOX.width}" height="${BOX.height}" rx="6" fill="${column === 'tserver' ? '#e0ecff' : '#f3f4f6'}" stroke="#6b7280"/>`,
        `<title>${escapeXmlText(`${title}\n${sub}`)}</title>`,
        `<text x="${x}" y="37" text-anchor="middle" class="name">${escapeXmlText(clip(title, 26))}</text>`,
        `<text x="${x}" y="52" text-anchor="middle" class="sub">${escapeXmlText(clip(sub, 30))}</text>`,
        '</g>',
      ].join('');
    })
    .join('\n');
}
