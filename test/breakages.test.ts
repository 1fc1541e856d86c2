/**
 * The broken parties' ids: a literal union, every one of them changes its party, and an id that
 * names none is a clear error wherever it is given (never a conforming party run as if broken).
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { describe, test } from 'node:test';
import { InvalidArgumentError } from 'commander';
import { parseBreakage } from '../src/cli/options.ts';
import {
  BREAKAGES,
  breakageId,
  breakagesOf,
  desktopBehaviour,
  reconnects,
  recorderBehaviour,
  tserverEngine,
} from '../src/parties/breakages.ts';
import { runSettings } from '../src/settings.ts';

const MISSPELT = 'recorder-drop-connid';
const AGENT = { voiceDns: ['7001'], otherAgentsDns: ['7002'] };

/** What `id` changes of each seat's party; the conforming parties change nothing. */
function changes(id: (typeof BREAKAGES)[number]['id'] | undefined) {
  return {
    desktop: Object.keys(desktopBehaviour(id, AGENT)).length > 0,
    recorder: Object.keys(recorderBehaviour(id)).length > 0 || !reconnects(id),
    tserver: tserverEngine(id) !== undefined,
  };
}

describe('broken parties: ids checked, each one breaks its own seat', () => {
  test('each broken party changes the party of its seat and no other; none changes nothing', () => {
    assert.deepEqual(changes(undefined), { desktop: false, recorder: false, tserver: false });
    for (const b of BREAKAGES)
      assert.deepEqual(
        changes(b.id),
        { desktop: b.seat === 'desktop', recorder: b.seat === 'recorder', tserver: b.seat === 'tserver' },
        b.id,
      );
  });

  test('an unknown id is an error naming it and every valid id', () => {
    for (const b of BREAKAGES) assert.equal(breakageId(b.id), b.id);
    assert.throws(
      () => breakageId(MISSPELT),
      (e: Error) => {
        assert.match(e.message, new RegExp(`^unknown broken party "${MISSPELT}"; the broken parties are: `));
        for (const b of BREAKAGES) assert.ok(e.message.includes(b.id), `names ${b.id}`);
        return true;
      },
    );
  });

  test("an option for one seat takes only that seat's ids (empty: none) and names them", () => {
    const parse = parseBreakage('recorder');
    assert.equal(parse(''), undefined);
    assert.equal(parse('recorder-drops-connid'), 'recorder-drops-connid');
    assert.throws(
      () => parse('desktop-omits-connid'),
      (e: Error) =>
        e instanceof InvalidArgumentError &&
        e.message ===
          `unknown broken recorder "desktop-omits-connid"; the broken recorders are: ${breakagesOf('recorder').join(', ')}`,
    );
  });

  test('SCREENCAP_BREAK naming no broken party is an error that says where it came from', () => {
    assert.throws(
      () => runSettings({}, { SCREENCAP_BREAK: MISSPELT }),
      new RegExp(
        `^Error: SCREENCAP_BREAK: unknown broken party "${MISSPELT}"; the broken parties are: desktop-`,
      ),
    );
    assert.equal(runSettings({}, { SCREENCAP_BREAK: 'tserver-no-ack' }).breakage, 'tserver-no-ack');
    assert.equal(runSettings({}, { SCREENCAP_BREAK: '' }).breakage, undefined);
  });

  test('run --break with an unknown id could not run (exit 2), naming the valid ids, as the option is read', async () => {
    const child = spawn(process.execPath, ['bin/screencap-cert.js', 'run', '--break', MISSPELT], {
      cwd: new URL('..', import.meta.url).pathname,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    assert.equal(code, 2, output);
    assert.match(
      output,
      new RegExp(`unknown broken party "${MISSPELT}"; the broken parties are: .*tserver-no-ack`),
    );
    // Refused as the option is read, before anything starts.
    assert.match(output, /^error: option '--break <party>' argument 'recorder-drop-connid' is invalid/);
  });
});
