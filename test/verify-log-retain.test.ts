/** What the Retainer (verify-log) keeps of the requests it drops: their replies are dropped with them. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { LogMessage } from '../src/sipserver-log/parser.ts';
import type { WireMessage } from '../src/tlib/messages.ts';
import { Retainer, Selection } from '../src/verify-log/retain.ts';

const client = { socket: 1, number: 1, application: 'Desk', address: '127.0.0.1:1' };
const at = (line: number, direction: 'in' | 'out', message: WireMessage): LogMessage => ({
  direction,
  client,
  micros: line,
  message,
  source: { file: 'a.log', line },
  unshown: [],
});

test('the reply to a dropped request is dropped with it, whether its ReferenceID is printed as a number or as text, small or large', () => {
  const retainer = new Retainer(new Selection());
  const refs: Array<[request: unknown, reply: unknown]> = [
    [7, 7],
    [8, '8'],
    ['9', 9],
    [2 ** 40, 2 ** 40],
    [-1, '-1'],
    ['x', 'x'],
  ];
  let line = 0;
  for (const [request, reply] of refs) {
    retainer.add(at(++line, 'in', { message: 'RequestAnswerCall', ReferenceID: request }));
    retainer.add(at(++line, 'out', { message: 'EventACK', ReferenceID: reply }));
  }
  // A reply to no dropped request is kept (the rules judge it).
  retainer.add(at(++line, 'out', { message: 'EventACK', ReferenceID: 10 }));
  assert.deepEqual(
    retainer.entries().map((e) => e.message),
    [{ message: 'EventACK', ReferenceID: 10 }],
  );
});
