/**
 * Attribute lines of a logged T-Lib message (spec/sipserver-log.md, "Attributes"): printing a
 * message's attributes, and reading them back into the message, one line at a time.
 *
 * RequestSendEvent is printed flat, as SIP Server prints its sibling RequestDistributeEvent: the
 * Tevent's messageType is `AttributeUserEvent`, and its ConnID and UserData are the request's. The
 * Tevent's thisDN is a second `AttributeThisDN` line after the request's own. A log that shows
 * only one cannot tell the two apart (`unshown` says so, and the rules that need it cannot test).
 */
import { MAX_KV_DEPTH } from '../tlib/codec.ts';
import type { KVList, KVValue, WireMessage } from '../tlib/messages.ts';
import { bytesAre, decode } from './decode.ts';
import { escapeLogText, unescapeLogText } from './escape.ts';

/** Fields of RequestSendEvent's Tevent that a log may leave unshown. */
export type TeventField = 'Event.ThisDN' | 'Event.message';

/** A message that leaves nothing unshown (one array for all of them: a log holds millions). */
export const NOTHING_UNSHOWN: readonly TeventField[] = Object.freeze([]);

const TEVENT_ATTRIBUTES = new Set(['ConnID', 'UserData']);
/** Connection IDs: AttributeConnID, and AttributePreviousConnID of EventPartyChanged. */
const CONN_IDS = new Set(['ConnID', 'PreviousConnID']);
const KV_HEADER = /^\[\d+\]/;
const BINARY = /^\[(\d+)\]((?: [0-9a-fA-F]{2})*)$/;
const NUMBER = /^-?\d+(?:\.\d+)?$/;
/** A nested list's key line, with what follows `(list)` on it (its first pair, if any). */
const NESTED = /^'([^\t]*?)'\s*\(list\)(.*)$/;
/** An error's text on its own indented line, in brackets. */
const ERROR_TEXT = /^[([].*[)\]]$/;

// --- printing ------------------------------------------------------------------------------------

/** One attribute per line: characters that would end the line are printed escaped (escape.ts). */
const oneLine = escapeLogText;

function isKvList(value: unknown): value is KVList {
  return (
    Array.isArray(value) && value.every((p) => Array.isArray(p) && p.length === 2 && typeof p[0] === 'string')
  );
}

function isBinary(value: unknown): value is { binary: string } {
  return typeof (value as { binary?: unknown } | null)?.binary === 'string';
}

/** `AttributeEventSequenceNumber` is printed as 16 hex digits. */
const HEX_SEQUENCE = /^[0-9a-fA-F]{16}$/;

function scalar(key: string, value: unknown): string {
  if (key === 'EventSequenceNumber' && Number.isSafeInteger(value) && (value as number) >= 0)
    return (value as number).toString(16).padStart(16, '0');
  if (typeof value === 'string') {
    // A ConnID is printed bare, as 16 hex digits (any other text is quoted, so it reads back whole).
    return CONN_IDS.has(key) && /^[0-9a-fA-F]+$/.test(value) ? value : `'${oneLine(value)}'`;
  }
  if (typeof value === 'number') return String(value);
  return oneLine(JSON.stringify(value) ?? String(value));
}

/** `[27] 7b 22 61 22..`: a KV list's length and first bytes (here of its JSON form). */
function kvHeader(list: KVList): string {
  const bytes = Buffer.from(JSON.stringify(list));
  return `[${bytes.length}] ${[...bytes.subarray(0, 4)].map((b) => b.toString(16).padStart(2, '0')).join(' ')}..`;
}

function pairLines(list: KVList, depth: number, out: string[]): void {
  const tabs = '\t'.repeat(depth);
  for (const [key, value] of list) {
    const k = `${tabs}'${oneLine(key)}'`;
    if (isKvList(value)) {
      out.push(`${k}\t(list)`);
      pairLines(value, depth + 1, out);
    } else if (isBinary(value)) {
      const bytes = Buffer.from(value.binary, 'base64');
      out.push(
        `${k}\t[${bytes.length}]${[...bytes].map((b) => ` ${b.toString(16).padStart(2, '0')}`).join('')}`,
      );
    } else {
      out.push(`${k}\t${scalar('', value)}`);
    }
  }
}

function attributeLines(key: string, value: unknown, out: string[]): void {
  if (isKvList(value)) {
    out.push(`\tAttribute${oneLine(key)}\t${kvHeader(value)}`);
    pairLines(value, 2, out);
  } else {
    out.push(`\tAttribute${oneLine(key)}\t${scalar(key, value)}`);
  }
}

/** The attribute lines of `message` (each starting with a tab, without line ends). */
export function printAttributes(message: WireMessage): string[] {
  const out: string[] = [];
  for (const [key, value] of Object.entries(message)) {
    if (key === 'message') continue;
    if (key === 'Event' && message.message === 'RequestSendEvent' && value && typeof value === 'object') {
      for (const [field, v] of Object.entries(value)) {
        if (field === 'message')
          out.push(`\tAttributeUserEvent\t${typeof v === 'string' ? oneLine(v) : scalar('', v)}`);
        else attributeLines(field, v, out);
      }
    } else {
      attributeLines(key, value, out);
    }
  }
  return out;
}

// --- reading -------------------------------------------------------------------------------------

function unquote(text: string): string | undefined {
  return text.length >= 2 && text.startsWith("'") && text.endsWith("'")
    ? unescapeLogText(text.slice(1, -1))
    : undefined;
}

/** A bare value: an integer (or decimal) is a number; anything else is kept as its text. */
function bare(text: string): string | number {
  if (NUMBER.test(text)) {
    const n = Number(text);
    if (Number.isSafeInteger(n) || !Number.isInteger(n)) return n;
  }
  return text;
}

function pairValue(text: string): KVValue {
  const quoted = unquote(text);
  if (quoted !== undefined) return quoted;
  const binary = BINARY.exec(text);
  if (binary && (binary[2] as string).length / 3 === Number(binary[1])) {
    return { binary: Buffer.from((binary[2] as string).replaceAll(' ', ''), 'hex').toString('base64') };
  }
  return bare(text);
}

/** Which attributes to read (names without the `Attribute` prefix): all of them, or these. */
export type AttributeSelection = 'all' | ReadonlySet<string>;

const TAB = 0x09;
const BACKSLASH = 0x5c;
const PREFIX = 'Attribute';

/**
 * Whether the attribute named at `bytes[at...]` (up to a tab or `end`) is one of `names`, by its
 * bytes. A name with an escape in it is read as text (`attribute`) to be sure.
 */
function selects(names: ReadonlySet<string>, bytes: Uint8Array, at: number, end: number): boolean {
  const from = bytesAre(bytes, at, PREFIX) ? at + PREFIX.length : at;
  let to = from;
  while (to < end && bytes[to] !== TAB) if (bytes[to++] === BACKSLASH) return true;
  const length = to - from;
  for (const name of names) if (name.length === length && bytesAre(bytes, from, name)) return true;
  return false;
}

/** Collects a message's attribute lines (in order), then builds the message. */
export class AttributeReader {
  private readonly attributes: Array<[name: string, value: unknown]> = [];
  /** Open KV lists: [0] is the current attribute's list, [n] the list nested n deep. */
  private lists: KVList[] = [];
  /** Inside an attribute that is not read: its KV pairs are passed over too. */
  private skipping = false;
  /** Lines that could not be read, with why: kept on the entry as its `problem`. */
  readonly problems: string[] = [];

  constructor(private readonly selection: AttributeSelection = 'all') {}

  /**
   * Line `lineNo` of the log as its bytes (see `add`): decoded only if it is read. Most attributes
   * of most messages are not (a call event's attached data, another request's DN).
   */
  addLine(bytes: Buffer, start: number, end: number, lineNo: number): void {
    if (bytes[start + 1] === TAB) {
      if (this.skipping) return;
    } else if (this.selection !== 'all' && !selects(this.selection, bytes, start + 1, end)) {
      this.lists = [];
      this.skipping = true;
      return;
    }
    this.add(decode(bytes, start, end), lineNo);
  }

  /** Line `lineNo` of the log, starting with a tab, without its line end. */
  add(line: string, lineNo: number): void {
    let depth = 1;
    while (line.charCodeAt(depth) === 9) depth++;
    const content = line.slice(depth);
    if (depth === 1) return this.attribute(content);
    if (this.skipping) return;
    // Deeper lists are not read: what holds the message afterwards recurses (and tlib-json refuses them).
    if (depth - 1 > MAX_KV_DEPTH) {
      if (depth - 2 === MAX_KV_DEPTH)
        this.problems.push(`line ${lineNo}: a KV list nested more than ${MAX_KV_DEPTH} deep (not read)`);
      return;
    }
    if (this.lists.length === 0 && depth === 2 && ERROR_TEXT.test(content)) {
      // `(Invalid attribute)` under an error code: the error's text, when no ErrorMessage says it.
      const last = this.attributes.at(-1);
      if (last?.[0] === 'ErrorCode' && !this.attributes.some(([n]) => n === 'ErrorMessage'))
        this.attributes.push(['ErrorMessage', content.slice(1, -1)]);
      return;
    }
    if (this.lists.length < depth - 1) {
      this.problems.push(`line ${lineNo}: a KV pair outside a KV list`);
      return;
    }
    this.lists.length = depth - 1;
    this.pair(content, this.lists[depth - 2] as KVList, lineNo);
  }

  /**
   * An attribute line one tab deep, as the reading thread read it (line-tokens.ts): its name
   * (without `Attribute`), and its value `bytes[value, end)` (`value` -1: none).
   */
  addAttribute(name: string, bytes: Buffer, value: number, end: number): void {
    this.lists = [];
    this.skipping = this.selection !== 'all' && !this.selection.has(name);
    if (!this.skipping) this.value(name, value === -1 ? '' : decode(bytes, value, end));
  }

  private attribute(content: string): void {
    this.lists = [];
    const tab = content.indexOf('\t');
    const raw = tab === -1 ? content : content.slice(0, tab);
    const name = unescapeLogText(raw.startsWith(PREFIX) ? raw.slice(PREFIX.length) : raw);
    this.skipping = this.selection !== 'all' && !this.selection.has(name);
    if (!this.skipping) this.value(name, tab === -1 ? '' : content.slice(tab + 1));
  }

  /** An attribute read: `text` is its value as printed. */
  private value(name: string, text: string): void {
    let value: unknown;
    if (KV_HEADER.test(text)) {
      const list: KVList = [];
      this.lists = [list];
      value = list;
    } else if (CONN_IDS.has(name)) {
      value = unquote(text) ?? text;
    } else if (name === 'EventSequenceNumber' && HEX_SEQUENCE.test(text)) {
      value = Number.parseInt(text, 16);
    } else {
      value = unquote(text) ?? bare(text);
    }
    this.attributes.push([name, value]);
  }

  private pair(content: string, list: KVList, lineNo: number): void {
    const nested = content.includes('(list)') ? NESTED.exec(content) : null;
    if (nested) {
      // `'key'\t(list)`, `'key'(list)`, or `'key'(list) 'inner'\t'value'`: its first pair on its line.
      if (this.lists.length > MAX_KV_DEPTH) {
        this.problems.push(`line ${lineNo}: a KV list nested more than ${MAX_KV_DEPTH} deep (not read)`);
        return;
      }
      const inner: KVList = [];
      list.push([unescapeLogText(nested[1] as string), inner]);
      this.lists.push(inner);
      const first = (nested[2] as string).trim();
      if (first !== '') this.pair(first, inner, lineNo);
      return;
    }
    const tab = content.indexOf('\t');
    if (tab === -1) {
      this.problems.push(`line ${lineNo}: a KV pair without a value`);
      return;
    }
    const key = unquote(content.slice(0, tab)) ?? content.slice(0, tab);
    list.push([key, pairValue(content.slice(tab + 1))]);
  }

  /** The message named `name`; for RequestSendEvent, also the Tevent fields the log did not show. */
  build(name: string): { message: WireMessage; unshown: readonly TeventField[] } {
    const message: WireMessage = { message: name };
    if (name !== 'RequestSendEvent') {
      for (const [key, value] of this.attributes) if (!(key in message)) message[key] = value;
      return { message, unshown: NOTHING_UNSHOWN };
    }
    const event: Record<string, unknown> = {};
    for (const [key, value] of this.attributes) {
      if (key === 'UserEvent') event.message ??= value;
      else if (key === 'ThisDN' && 'ThisDN' in message) event.ThisDN ??= value;
      else if (TEVENT_ATTRIBUTES.has(key)) event[key] ??= value;
      else if (!(key in message)) message[key] = value;
    }
    const unshown: TeventField[] = [];
    if (event.message === undefined) unshown.push('Event.message');
    if (event.ThisDN === undefined) unshown.push('Event.ThisDN');
    // The flat form's one ThisDN serves both (the spec's reading); `unshown` keeps that honest.
    const { message: type, ThisDN = message.ThisDN, ...rest } = event;
    message.Event = {
      ...(type === undefined ? {} : { message: type }),
      ...(ThisDN === undefined ? {} : { ThisDN }),
      ...rest,
    };
    return { message, unshown };
  }
}
