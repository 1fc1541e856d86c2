/**
 * Text a client chose (an application name, a message or attribute name, a value) printed into
 * the log: a character that could end or split a line (or the tab between a name and its value)
 * is written as `\uXXXX`, so one message is always one message in the log, whatever a client
 * sends. A backslash before `u` is escaped too, so reading the escapes back gives the text exactly.
 * A SIP Server's own log prints no such escapes; a literal `\uXXXX` in one is read as its character.
 */
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are exactly what must be escaped.
const UNSAFE = /[\u0000-\u001f\u007f\u0085\u2028\u2029]|\\(?=u)/g;
const ESCAPED = /\\u([0-9a-fA-F]{4})/g;

export function escapeLogText(text: string): string {
  return text.replace(UNSAFE, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

export function unescapeLogText(text: string): string {
  return text.includes('\\u')
    ? text.replace(ESCAPED, (_, hex: string) => String.fromCharCode(Number.parseInt(hex, 16)))
    : text;
}
