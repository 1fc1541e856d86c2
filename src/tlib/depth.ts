/**
 * How deeply JSON text nests, read before it is parsed: V8 parses any depth, but everything that
 * walks a parsed value recursively (JSON.stringify, the SIP log writer, validators) overflows the
 * stack on a value some thousands deep. A line or body nested deeper than its bound is refused whole;
 * a value that got past (parsed by someone else) is written and compared with jsonOf and sameValue.
 */
import { isDeepStrictEqual } from 'node:util';

/** JSON nesting that any valid tlib-json message stays within: KV lists nest at most 64 deep (two levels each). */
export const MAX_JSON_DEPTH = 160;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_ARRAY = 0x5b;
const OPEN_OBJECT = 0x7b;
const CLOSE_ARRAY = 0x5d;
const CLOSE_OBJECT = 0x7d;

/**
 * Whether valid JSON text of `length` bytes can nest deeper than `max`: a value nested d deep is
 * written with d opening and d closing brackets, so a shorter text parses to a value within the
 * bound, whatever nestsDeeperThan would say of it.
 */
export function mayNestDeeperThan(length: number, max = MAX_JSON_DEPTH): boolean {
  return length >= 2 * (max + 1);
}

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

/** What a value nested past MAX_JSON_DEPTH is written as, from there on. */
const NESTED_TOO_DEEP = `(nested more than ${MAX_JSON_DEPTH} deep)`;

/** `value` with whatever lies `depth` levels down written as NESTED_TOO_DEEP (as JSON.stringify sees it: toJSON first). */
function cutAt(value: unknown, depth: number): unknown {
  const v =
    typeof (value as { toJSON?: unknown } | null)?.toJSON === 'function'
      ? (value as { toJSON(): unknown }).toJSON()
      : value;
  if (v === null || typeof v !== 'object') return v;
  if (depth === 0) return NESTED_TOO_DEEP;
  if (Array.isArray(v)) return v.map((x) => cutAt(x, depth - 1));
  // fromEntries defines each key: an own `__proto__` stays a key.
  return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, cutAt(x, depth - 1)]));
}

/**
 * A value's JSON, as JSON.stringify writes it, whatever a peer sent: one nested deeper than
 * JSON.stringify can go (a list 100,000 deep overflows the stack) is written cut at
 * MAX_JSON_DEPTH, deeper than any valid tlib-json message nests (no T-Server passes it on).
 */
export function jsonOf(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return JSON.stringify(cutAt(value, MAX_JSON_DEPTH)) ?? String(value);
  }
}

/**
 * Whether two values a peer sent are alike (isDeepStrictEqual); two nested deeper than it can
 * recurse are alike when their JSON is (jsonOf: alike as far as MAX_JSON_DEPTH).
 */
export function sameValue(a: unknown, b: unknown): boolean {
  if (Object.is(a, b)) return true;
  try {
    return isDeepStrictEqual(a, b);
  } catch {
    return jsonOf(a) === jsonOf(b);
  }
}
