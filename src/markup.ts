const SPECIAL = /[&<>"']/;

/** Text inside HTML or SVG: the five characters markup reads specially, escaped (`&` first). */
export function escapeXml(text: unknown): string {
  const s = String(text ?? '');
  // Native passes beat a callback per character: a message's JSON (a tooltip) quotes every key.
  return SPECIAL.test(s)
    ? s
        .replaceAll('&', '&amp;')
        .replaceAll('<', '&lt;')
        .replaceAll('>', '&gt;')
        .replaceAll('"', '&quot;')
        .replaceAll("'", '&#39;')
    : s;
}
