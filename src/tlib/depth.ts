/**
 * How deeply JSON text nests, read before it is parsed: V8 parses any depth, but everything that
 * walks a parsed value recursively (JSON.stringify, the SIP log writer, validators) overflows the
 * stack on a value some thousands deep. A line or body nested deeper than its bound is refused whole.
 */

/** JSON nesting that any valid tlib-json message stays within: KV lists nest at most 64 deep (two levels each). */
export const MAX_JSON_DEPTH = 160;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_ARRAY = 0x5b;
const OPEN_OBJECT = 0x7b;
const CLOSE_ARRAY = 0x5d;
const CLOSE_OBJECT = 0x7d;

/** Whether the JSON text `bytes` opens more than `max` arrays or objects inside one another (strings skipped). */
export function nestsDeeperThan(bytes: Uint8Array, max = MAX_JSON_DEPTH): boolean {
  // Nesting deeper than `max` takes more than `max` opening brackets.
  if (bytes.length <= max) return false;
  let depth = 0;
  let inString = false;
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i] as number;
    if (inString) {
      if (b === BACKSLASH) i++;
      else if (b === QUOTE) inString = false;
    } else if (b === QUOTE) inString = true;
    else if (b === OPEN_ARRAY || b === OPEN_OBJECT) {
      if (++depth > max) return true;
    } else if (b === CLOSE_ARRAY || b === CLOSE_OBJECT) depth--;
  }
  return false;
}
