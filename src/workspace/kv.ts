/**
 * KV pairs of the Workspace API (`{key, type, value}`, spec/workspace-api.md) <-> T-Lib KV lists
 * (`[key, value]` pairs, spec/tlib-json.md). Both are ordered and may repeat keys, so the mapping is
 * one to one for strings, integers and nested lists; the Workspace API carries no binary values.
 */
import { MAX_KV_DEPTH, show } from '../tlib/codec.ts';
import type { KVList, KVValue } from '../tlib/messages.ts';

export type WorkspaceKvType = 'str' | 'int' | 'kvlist';

export interface WorkspaceKv {
  key: string;
  type: WorkspaceKvType;
  value: string | number | WorkspaceKv[];
}

export type KvResult = { ok: true; list: KVList } | { ok: false; problem: string };

/** A T-Lib KV list as Workspace API KV pairs; throws naming the key of a value it cannot carry. */
export function toWorkspaceKv(list: KVList): WorkspaceKv[] {
  return list.map(([key, value]) => ({ key, ...workspaceValue(key, value) }));
}

function workspaceValue(key: string, value: KVValue): Omit<WorkspaceKv, 'key'> {
  if (typeof value === 'string') return { type: 'str', value };
  if (typeof value === 'number') return { type: 'int', value };
  if (Array.isArray(value)) return { type: 'kvlist', value: toWorkspaceKv(value) };
  throw new Error(`UserData key "${key}": the Workspace API carries no binary values`);
}

/**
 * Workspace API KV pairs as a T-Lib KV list, or what is wrong with them (naming the path, e.g.
 * `userData[0].value`). A notification may nest any deep: lists deeper than T-Lib's are not read.
 */
export function fromWorkspaceKv(pairs: unknown, path = 'userData', depth = 1): KvResult {
  if (depth > MAX_KV_DEPTH)
    return { ok: false, problem: `${path}: KV lists nested more than ${MAX_KV_DEPTH} deep` };
  if (!Array.isArray(pairs))
    return { ok: false, problem: `${path}: expected an array of {key, type, value}, got ${show(pairs)}` };
  const list: KVList = [];
  for (const [i, pair] of pairs.entries()) {
    const at = `${path}[${i}]`;
    if (pair === null || typeof pair !== 'object')
      return { ok: false, problem: `${at}: expected {key, type, value}, got ${show(pair)}` };
    const { key, type, value } = pair as Record<string, unknown>;
    if (typeof key !== 'string' || key === '')
      return { ok: false, problem: `${at}.key: expected a non-empty string, got ${show(key)}` };
    if (type === 'str' && typeof value === 'string') list.push([key, value]);
    else if (type === 'int' && Number.isInteger(value)) list.push([key, value as number]);
    else if (type === 'kvlist') {
      const nested = fromWorkspaceKv(value, `${at}.value`, depth + 1);
      if (!nested.ok) return nested;
      list.push([key, nested.list]);
    } else if (type === 'str' || type === 'int') {
      return {
        ok: false,
        problem: `${at}.value: expected ${type === 'str' ? 'a string' : 'an integer'}, got ${show(value)}`,
      };
    } else {
      return { ok: false, problem: `${at}.type: expected str, int or kvlist, got ${show(type)}` };
    }
  }
  return { ok: true, list };
}
