/**
 * What the front accepts as a Bayeux request body (the CometD protocol's message array), checked
 * before cometd-nodejs-server sees it: that server assumes well-formed messages and throws, or
 * waits forever, on others (a body of `null`, `7`, `[null]`).
 */
import { show } from '../../tlib/codec.ts';

/** Messages in one request: a client sends a handful (handshake, connect, subscriptions). */
export const MAX_BAYEUX_MESSAGES = 64;

const OPTIONAL_STRINGS = ['clientId', 'subscription', 'connectionType', 'version', 'minimumVersion'];
const OPTIONAL_OBJECTS = ['ext', 'advice'];

/** The Bayeux messages of a parsed body, or what is wrong with it (naming the message and field). */
export function bayeuxProblem(body: unknown): string | undefined {
  if (!Array.isArray(body)) return `expected an array of Bayeux messages, got ${show(body)}`;
  if (body.length === 0) return 'expected at least one Bayeux message, got []';
  if (body.length > MAX_BAYEUX_MESSAGES)
    return `expected at most ${MAX_BAYEUX_MESSAGES} Bayeux messages, got ${body.length}`;
  for (const [i, message] of body.entries()) {
    const problem = messageProblem(message, `message [${i}]`);
    if (problem) return problem;
  }
  return undefined;
}

function messageProblem(message: unknown, at: string): string | undefined {
  if (message === null || typeof message !== 'object' || Array.isArray(message))
    return `${at}: expected an object, got ${show(message)}`;
  const m = message as Record<string, unknown>;
  if (typeof m.channel !== 'string' || !m.channel.startsWith('/'))
    return `${at}.channel: expected a channel name starting with /, got ${show(m.channel)}`;
  if (m.id !== undefined && typeof m.id !== 'string' && typeof m.id !== 'number')
    return `${at}.id: expected a string or number, got ${show(m.id)}`;
  for (const key of OPTIONAL_STRINGS) {
    const value = m[key];
    if (value === undefined) continue;
    const strings = key === 'subscription' && Array.isArray(value) ? value : [value];
    if (strings.some((s) => typeof s !== 'string'))
      return `${at}.${key}: expected a string, got ${show(value)}`;
  }
  for (const key of OPTIONAL_OBJECTS) {
    const value = m[key];
    if (value !== undefined && (value === null || typeof value !== 'object' || Array.isArray(value)))
      return `${at}.${key}: expected an object, got ${show(value)}`;
  }
  if (m.supportedConnectionTypes !== undefined) {
    const types = m.supportedConnectionTypes;
    if (!Array.isArray(types) || types.some((t) => typeof t !== 'string'))
      return `${at}.supportedConnectionTypes: expected an array of strings, got ${show(types)}`;
  }
  return undefined;
}
