/**
 * Secret values resolved in this process ({env:NAME} in a template, credentials from the
 * environment), so that nothing written — reports, console, logs — repeats one, whatever brought
 * it there (a failing command's output, a response that echoes its request's headers).
 */

const secrets = new Set<string>();
/** Shorter values are too likely to occur by chance in ordinary text ("1", "on") to be worth hiding. */
const MIN_LENGTH = 4;
export const REDACTED = '[redacted]';

/** Remembers `value` as a secret (from now on `redact` hides it). */
export function rememberSecret(value: string): void {
  if (value.length >= MIN_LENGTH) secrets.add(value);
}

/** `text` with every remembered secret value replaced by REDACTED. */
export function redact(text: string): string {
  let out = text;
  for (const secret of secrets) if (out.includes(secret)) out = out.replaceAll(secret, REDACTED);
  return out;
}
