/**
 * publish at a modest scale (200 bundles, linked in place): every bundle is a row, every matrix
 * cell is the latest run of its version and T-Server, and the site stays small. Its speed is
 * measured by the bench (npm run bench -- publish: 1,000 bundles), not here.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { matrixOf, type VerifiedRow } from '../src/publish/model.ts';
import { publish } from '../src/publish/site.ts';
import { writeFleet } from './bundles.ts';

let work: string | undefined;
after(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

async function bytesUnder(dir: string): Promise<number> {
  let total = 0;
  for (const e of await readdir(dir, { recursive: true, withFileTypes: true }))
    if (e.isFile()) total += (await stat(join(e.parentPath, e.name))).size;
  return total;
}

test('200 linked bundles: one row each, the latest run in every matrix cell, a small site', async () => {
  work = await mkdtemp(join(tmpdir(), 'screencap-publish-scale-'));
  const runs = await writeFleet(join(work, 'reports'), 200, { versions: 4, tservers: 5 });
  const site = join(work, 'site');
  const result = await publish({ from: [join(work, 'reports')], out: site, link: true });
  assert.equal(result.added.length, 200);
  assert.equal(result.rejected.length, 0);

  const m = matrixOf(result.index.bundles);
  assert.equal(m.rows.length, 4);
  assert.equal(m.columns.length, 5);
  for (const row of m.rows)
    for (const [column, cell] of row.cells) {
      const latest = runs
        .filter(
          (r) =>
            r.sut.version === row.subject.sut.version &&
            column.startsWith(`T-Server: SIPServer ${r.tserver.version} `),
        )
        .at(-1);
      assert.equal(cell.runId, latest?.runId, `${row.subject.sut.version} x ${column}`);
      assert.equal(cell.verdict, latest?.failing ? 'failed' : 'passed');
    }
  // Linked, not duplicated: the site holds its pages and index, not the bundles.
  const bytes = await bytesUnder(site);
  assert.ok(bytes < 2_000_000, `${bytes} bytes`);
  assert.deepEqual(await readdir(join(site, 'bundles')), []);

  const again = await publish({ from: [join(work, 'reports')], out: site, link: true, keep: 3 });
  const kept = again.index.bundles.filter((r): r is VerifiedRow => r.verified);
  assert.equal(kept.length, 60, 'three per version and T-Server');
  assert.equal(again.dropped.length, 140);
});
