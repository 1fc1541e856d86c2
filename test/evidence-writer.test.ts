/** Evidence files written in the background (report/exchanges.ts EvidenceWriter, on background-writes.mjs): all of them, bounded, failures told. */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { EvidenceWriter } from '../src/report/exchanges.ts';
import { scratchDir } from './helpers.ts';

const bundleDir = () => scratchDir('evidence-files');

test('every file of every scenario is written under its bundle name once settled; other attachments are not', async () => {
  const dir = await bundleDir();
  const files = new EvidenceWriter(dir);
  for (let s = 0; s < 50; s++) {
    files.write(`exchanges/log/s-${s}`, 'message-trace.ndjson', `{"s":${s}}\n`);
    files.write(`exchanges/log/s-${s}`, 'sequence-diagram.svg', Buffer.from(`<svg>${s}</svg>`));
    files.write(`exchanges/log/s-${s}`, 'screenshot.png', 'not evidence');
  }
  await files.settled();
  for (let s = 0; s < 50; s++) {
    assert.equal(await readFile(join(dir, `exchanges/log/s-${s}/trace.ndjson`), 'utf8'), `{"s":${s}}\n`);
    assert.equal(await readFile(join(dir, `exchanges/log/s-${s}/sequence.svg`), 'utf8'), `<svg>${s}</svg>`);
    assert.equal(existsSync(join(dir, `exchanges/log/s-${s}/screenshot.png`)), false);
  }
});

test('past the bytes allowed in flight, a file is written at once: memory stays bounded', async () => {
  const dir = await bundleDir();
  const files = new EvidenceWriter(dir, 10);
  files.write('exchanges/log/a', 'rule-findings.txt', 'small');
  // 5 bytes in flight: this one would make 15, so it is on disk when write returns.
  files.write('exchanges/log/b', 'rule-findings.txt', 'ten bytes!');
  assert.equal(readFileSync(join(dir, 'exchanges/log/b/findings.txt'), 'utf8'), 'ten bytes!');
  await files.settled();
  assert.equal(await readFile(join(dir, 'exchanges/log/a/findings.txt'), 'utf8'), 'small');
});

test('a write that fails is told by settled, naming its folder; the others are still written', async () => {
  const dir = await bundleDir();
  // A file where one scenario's folder should be: that folder cannot be made.
  await mkdir(join(dir, 'exchanges'));
  await writeFile(join(dir, 'exchanges/bad'), 'in the way');
  const files = new EvidenceWriter(dir);
  files.write('exchanges/bad/a', 'rule-findings.txt', 'a');
  files.write('exchanges/good/b', 'rule-findings.txt', 'b');
  await assert.rejects(files.settled(), (e: NodeJS.ErrnoException) => {
    assert.match(e.message, /exchanges\/bad/);
    assert.ok(e.code === 'ENOTDIR' || e.code === 'EEXIST', e.code);
    return true;
  });
  assert.equal(await readFile(join(dir, 'exchanges/good/b/findings.txt'), 'utf8'), 'b');
});
