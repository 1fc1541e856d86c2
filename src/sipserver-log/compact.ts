/**
 * A kept message as plain JSON data that shares no memory with the log it was read from: a string
 * read from a line may be a slice of the whole line, and equal values (DNs, names, keys) of the
 * messages kept are one copy. Only what the rules keep pays for this, not every message read.
 */
const SHARED_MAX = 10_000;
let sharedStrings = new Map<string, string>();

function sharedString(value: string): string {
  const known = sharedStrings.get(value);
  if (known !== undefined) return known;
  if (sharedStrings.size >= SHARED_MAX) sharedStrings = new Map();
  // A round trip through JSON makes a flat copy (V8 has no other way to let go of the parent).
  const own = JSON.parse(JSON.stringify(value)) as string;
  sharedStrings.set(own, own);
  return own;
}

/** A copy sharing no memory with the text it was read from (a substring may keep its whole line). */
export function detached<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

export function compact(value: unknown): unknown {
  switch (typeof value) {
    case 'string':
      return sharedString(value);
    case 'number':
      return Number.isFinite(value) ? value + 0 : null;
    case 'boolean':
      return value;
    case 'object': {
      if (value === null) return null;
      if (Array.isArray(value)) return value.map((v) => (v === undefined ? null : compact(v)));
      if (Object.getPrototypeOf(value) !== Object.prototype) return detached(value);
      const out: Record<string, unknown> = {};
      for (const [key, v] of Object.entries(value)) {
        if (key === '__proto__') return detached(value);
        if (v !== undefined) out[sharedString(key)] = compact(v);
      }
      return out;
    }
    default:
      return detached(value);
  }
}
