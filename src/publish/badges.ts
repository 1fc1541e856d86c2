/**
 * Badges for a README: an SVG (`certified | PASSED 2026-11-29`, coloured by verdict) and the same
 * as a JSON endpoint in the shields.io endpoint schema, so a badge service can draw it too.
 */
import { escapeXml } from '../markup.ts';
import type { Verdict } from '../result/outcomes.ts';
import { VERDICT_WORD, type VerifiedRow } from './model.ts';

export const BADGE_LABEL = 'certified';

/** shields.io's named colours, and their hex for our own SVG. */
const COLOUR: Record<Verdict, { name: string; hex: string }> = {
  passed: { name: 'brightgreen', hex: '#4c1' },
  incomplete: { name: 'yellow', hex: '#dfb317' },
  failed: { name: 'red', hex: '#e05d44' },
};

export function badgeColour(verdict: Verdict): { name: string; hex: string } {
  return COLOUR[verdict];
}

export function badgeMessage(row: Pick<VerifiedRow, 'verdict' | 'startedAt'>): string {
  return `${VERDICT_WORD[row.verdict]} ${row.startedAt.slice(0, 10)}`;
}

/** https://shields.io/badges/endpoint-badge */
export function badgeEndpoint(row: Pick<VerifiedRow, 'verdict' | 'startedAt'>): object {
  return {
    schemaVersion: 1,
    label: BADGE_LABEL,
    message: badgeMessage(row),
    color: COLOUR[row.verdict].name,
  };
}

/** Verdana 11px as badge services measure it, near enough: ~6.5 px a character plus padding. */
const width = (text: string) => Math.round(text.length * 6.5) + 12;

export function badgeSvg(row: Pick<VerifiedRow, 'verdict' | 'startedAt'>): string {
  const message = badgeMessage(row);
  const left = width(BADGE_LABEL);
  const right = width(message);
  const total = left + right;
  const title = `${BADGE_LABEL}: ${message}`;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${total}" height="20" role="img" aria-label="${escapeXml(title)}">
<title>${escapeXml(title)}</title>
<rect width="${left}" height="20" fill="#555"/>
<rect x="${left}" width="${right}" height="20" fill="${COLOUR[row.verdict].hex}"/>
<g fill="#fff" text-anchor="middle" font-family="Verdana,DejaVu Sans,sans-serif" font-size="11">
<text x="${left / 2}" y="14">${escapeXml(BADGE_LABEL)}</text>
<text x="${left + right / 2}" y="14">${escapeXml(message)}</text>
</g>
</svg>
`;
}
