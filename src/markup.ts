const SPECIAL = /[&<>"']/;
const TEXT_SPECIAL = /[&<>]/;

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

/**
 * Character data of an element (never an attribute value): only `&`, `<` and `>` escaped, as XML
 * needs. Quotes stay as they are, so a message's JSON passes through untouched and half the size.
 */
export function escapeXmlText(text: string): string {
  return TEXT_SPECIAL.test(text)
    ? text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;')
    : text;
}
