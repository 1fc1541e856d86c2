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

/** Characters beyond Latin-1 (whole code points), and lone surrogates. */
const BEYOND_LATIN1 = /[\u{100}-\u{10ffff}]/gu;
/** The same, code unit by code unit: a test far quicker than the whole code points' over a tooltip's JSON. */
const ANY_BEYOND_LATIN1 = /[\u0100-\uffff]/;
/** Any character escapeXmlText changes: one test passes most text (a tooltip's JSON) as it is. */
const TEXT_SPECIAL = /[&<>\u0100-\uffff]/;

/** `&#8230;` for `…`; a lone surrogate (no character) as U+FFFD, as writing it as UTF-8 would. */
function reference(c: string): string {
  const code = c.codePointAt(0) as number;
  return `&#${code >= 0xd800 && code <= 0xdfff ? 0xfffd : code};`;
}

/**
 * Character data of an element (never an attribute value): `&`, `<` and `>` escaped, as XML
 * needs, and characters beyond Latin-1 as references. Quotes stay as they are, so a message's JSON
 * passes through untouched (not half again its size); and a document of such text stays a
 * one-byte string, which V8 joins and encodes as UTF-8 several times faster than a two-byte one.
 */
export function escapeXmlText(text: string): string {
  if (!TEXT_SPECIAL.test(text)) return text;
  const escaped = text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');
  return ANY_BEYOND_LATIN1.test(escaped) ? escaped.replace(BEYOND_LATIN1, reference) : escaped;
}
