/**
 * A failed step in words: one sentence naming what the step awaited and what it saw instead, for
 * the certificate. The error's whole text (its stack, with this machine's paths) is for the debug
 * file only.
 */

/** chai's `<what>: expected <found> to [deep ]equal <expected>` (and `AssertionError: ` before it). */
const CHAI_EQUAL = /^(?:(.*?): )?expected (.+?) to (?:deeply |deep )?(?:equal|be|eql) (.+)$/s;
/** How the verdict step (steps/rules.steps.ts) names its failure. */
export const RULES_NOT_PASSED = 'rules not passed';
/** Cucumber's own timeout. */
const TIMED_OUT = /^function timed out, ensure the (?:promise|callback) resolves within (\d+) milliseconds/;
/** `Error: `, `AssertionError [ERR_ASSERTION]: `, `TimeoutError: ` at the start of a message. */
const ERROR_NAME = /^(?:[A-Z][A-Za-z]*)?Error(?: \[[A-Z_]+\])?: /;

/** The message without its stack: the lines before the first `    at ...`, with no error name. */
export function withoutStack(message: string): string {
  const lines = message.split('\n');
  const firstFrame = lines.findIndex((l) => /^\s+at /.test(l));
  const text = (firstFrame < 0 ? lines : lines.slice(0, firstFrame)).join('\n').trim();
  return text.replace(ERROR_NAME, '');
}

/** A `file:///...` URL or an absolute path of this machine: not for a certificate. */
const MACHINE_PATH = /(?<![\w:/.])(?:file:\/\/)?(?:\/[\w.@+-]+){2,}(?::\d+(?::\d+)?)?/g;

function oneLine(text: string, max = 400): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

/**
 * `step`: the step's text (`the T-Server acknowledges it`), or a hook's name. `message`: what
 * Cucumber reported (an error with its stack). One sentence, with no stack and no local path.
 */
export function stepFailureSentence(step: string | undefined, message: string | undefined): string {
  const where = step ? `“${step}”` : 'a step';
  const text = withoutStack(message ?? '');
  const timeout = TIMED_OUT.exec(text);
  if (timeout) return `${where} awaited an answer for ${timeout[1]} ms and saw none (the step timed out).`;
  // The verdict step lists the rules that failed; their findings say the rest.
  if (text.startsWith(RULES_NOT_PASSED)) {
    const rules = [...new Set([...text.matchAll(/^[-\s]*([A-Z][A-Z0-9-]+) \(seed /gm)].map((m) => m[1]))];
    return `${where}: ${rules.join(', ') || 'a rule'} failed (the rule's findings say where and how).`;
  }
  const chai = CHAI_EQUAL.exec(text.split('\n')[0] ?? '');
  if (chai) {
    const [, what, found, expected] = chai;
    const awaited = what ? `${oneLine(what, 200)} to be ${oneLine(expected ?? '')}` : oneLine(expected ?? '');
    const saw =
      found === 'undefined'
        ? 'it was absent'
        : `it saw ${oneLine(found ?? '').replace(MACHINE_PATH, '<path>')} instead`;
    return `${where} awaited ${awaited.replace(MACHINE_PATH, '<path>')}; ${saw}.`;
  }
  const said = oneLine(text).replace(MACHINE_PATH, '<path>');
  return said ? `${where} failed: ${said.replace(/\.?$/, '.')}` : `${where} failed without saying why.`;
}
