/** `screencap-cert report`: read a run's folder — its summary, or whether its files are as signed. */
import { access, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Command } from 'commander';
import type { Certification } from '../report/certification.ts';
import { MANIFEST_FILE, verifyManifest } from '../report/manifest.ts';
import { findRunDir } from '../report/run-dir.ts';
import { exitCodeOf } from '../result/exit-codes.ts';
import { formatSummary } from './run.ts';

function describeRun(dir: string, c: Certification): string {
  const r = c.run;
  const commit = r.harness.commit
    ? `${r.harness.commit.slice(0, 12)}${r.harness.dirty ? '+dirty' : ''}`
    : 'unknown';
  return [
    `Run ${r.runId} (${dir})`,
    `  harness ${r.harness.name} ${r.harness.version} ${commit}, Node ${r.node}, profile ${r.profile}`,
    `  T-Server ${r.tservers.map((t) => `${t.name} ${t.version}`).join(', ') || 'none registered'}`,
    `  ${r.startedAt} to ${r.endedAt}${c.complete ? '' : ', INCOMPLETE'}${r.breakage ? `, self-test with ${r.breakage}` : ''}`,
  ].join('\n');
}

export function registerReportCommand(program: Command): void {
  const report = program
    .command('report')
    .description("summarize a run's report (default: the latest)")
    .argument('[run]', 'a run folder, or a run id under --reports', 'latest')
    .option('--reports <dir>', 'where the runs are', 'reports')
    .action(async (run: string, opts: { reports: string }) => {
      const dir = await findRunDir(opts.reports, run);
      const c = JSON.parse(await readFile(join(dir, 'certification.json'), 'utf8')) as Certification;
      // The manifest is written last: without it the report was cut short, whatever the certificate says.
      const signed = await access(join(dir, MANIFEST_FILE)).then(
        () => true,
        () => false,
      );
      if (!signed) {
        process.stdout.write(
          `${describeRun(dir, c)}\nVerdict: UNFINISHED (no ${MANIFEST_FILE}: the report was never finished, so it certifies nothing)\n`,
        );
        process.exitCode = 1;
        return;
      }
      process.stdout.write(`${describeRun(dir, c)}\n${formatSummary(c)}`);
      process.exitCode = exitCodeOf(c.verdict);
    });
  report
    .command('verify')
    .description("recompute the SHA-256 of every file of a run's folder and compare with its manifest.json")
    .argument('<dir>', 'the run folder')
    .action(async (dir: string) => {
      const v = await verifyManifest(dir);
      for (const [what, files] of [
        ['changed', v.changed],
        ['missing', v.missing],
        ['added', v.added],
        ['not a file', v.unsigned],
      ] as const)
        for (const f of files) process.stdout.write(`${what}: ${f}\n`);
      process.stdout.write(
        v.ok
          ? `OK: every file of ${dir} is as manifest.json says\n`
          : 'FAILED: the report is not as it was signed\n',
      );
      process.exitCode = v.ok ? 0 : 1;
    });
}
