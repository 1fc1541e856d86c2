/**
 * `screencap-cert publish` over 1,000 bundles left in place (--link), as a user starts it: wall
 * time and the site's size. The bundles are certificates (JSON, HTML, manifest) made by the
 * harness's result model, without the Allure and Cucumber reports of a live run: hashing those
 * would scale with their size, not with the number of bundles.
 */
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeFleet } from '../../test/bundles.ts';
import { timeCli } from '../lib/proc.ts';
import type { BenchCase, BenchRow } from '../types.ts';

const BUNDLES = 1000;

async function bytesUnder(dir: string): Promise<number> {
  let total = 0;
  for (const e of await readdir(dir, { recursive: true, withFileTypes: true }))
    if (e.isFile()) total += (await stat(join(e.parentPath, e.name))).size;
  return total;
}

export const publishSite: BenchCase = {
  id: 'publish',
  title: `publish a site from ${BUNDLES} bundles (screencap-cert publish --link)`,
  async run(): Promise<BenchRow[]> {
    const work = await mkdtemp(join(tmpdir(), 'screencap-bench-publish-'));
    try {
      await writeFleet(join(work, 'reports'), BUNDLES, { versions: 10, tservers: 5 });
      const site = join(work, 'site');
      const { seconds, peakRss, code, out } = await timeCli([
        'publish',
        join(work, 'reports'),
        '--out',
        site,
        '--link',
      ]);
      const summary = /^Published .*$/m.exec(out)?.[0] ?? 'no summary printed';
      const bytes = await bytesUnder(site);
      return [
        {
          id: 'publish.wall',
          label: `publish ${BUNDLES} bundles, wall time`,
          value: seconds,
          unit: 's',
          target: { compare: 'below', value: 10 },
          ...(peakRss === undefined ? {} : { peakRss }),
          note: `exit ${code}; ${summary}`,
        },
        {
          id: 'publish.size',
          label: `site of ${BUNDLES} linked bundles, size`,
          value: bytes / 1e6,
          unit: 'MB',
          target: { compare: 'below', value: 50 },
          note: 'pages, badges and index.json; the bundles stay where they are',
        },
      ];
    } finally {
      await rm(work, { recursive: true, force: true });
    }
  },
};
