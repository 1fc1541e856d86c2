/**
 * `screencap-cert report`: read a run's folder (its summary), check it (`verify`: its hashes and
 * signature), sign it (`sign`), and keep the newest runs (`prune`).
 */
import { access, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type Command, InvalidArgumentError } from 'commander';
import { loadConfig } from '../config/load.ts';
import type { Certification } from '../report/certification.ts';
import { MANIFEST_FILE } from '../report/manifest.ts';
import { formatPruned, pruneRuns } from '../report/prune.ts';
import { findRunDir } from '../report/run-dir.ts';
import { readPublicKey } from '../report/signature.ts';
import { checkBundle, signBundle } from '../report/verify-bundle.ts';
import { CannotRunError, exitCodeOf } from '../result/exit-codes.ts';
import { formatSummary, signingKey } from './run.ts';
import { SUMMARIES } from './summaries.ts';

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
    `  ${r.signedBy ? `signed by key ${r.signedBy} (check with report verify --public-key)` : 'hashed, not signed'}`,
  ].join('\n');
}

export function registerReportCommand(program: Command): void {
  const report = program
    .command('report')
    .description(SUMMARIES.report)
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
      process.stdout.write(`${describeRun(dir, c)}\n${formatSummary(c, c.serviceability)}`);
      process.exitCode = exitCodeOf(c.verdict);
    });
  report
    .command('verify')
    .description(
      "recompute the SHA-256 of every file of a run's folder against its manifest.json and, when signed, check manifest.sig",
    )
    .argument('<dir>', 'the run folder')
    .option('--public-key <file>', 'the Ed25519 public key (PEM) the bundle must be signed by')
    .action(async (dir: string, opts: { publicKey?: string }) => {
      const key = opts.publicKey
        ? await readPublicKey(opts.publicKey).catch((e: Error) => {
            throw new CannotRunError(e.message);
          })
        : undefined;
      const check = await checkBundle(dir, key && opts.publicKey ? { key, file: opts.publicKey } : undefined);
      process.stdout.write(`${check.lines.join('\n')}\n`);
      process.exitCode = check.ok ? 0 : 1;
    });
  report
    .command('sign')
    .description(
      'sign a finished run folder: its manifest, with the Ed25519 private key (PEM) in SCREENCAP_SIGNING_KEY; the certificate names the key',
    )
    .argument('<dir>', 'the run folder')
    .action(async (dir: string) => {
      const signer = signingKey();
      await signBundle(dir, signer).catch((e: Error) => {
        throw new CannotRunError(e.message);
      });
      process.stdout.write(`signed ${dir} with key ${signer.fingerprint}\n`);
    });
  report
    .command('prune')
    .description(
      "remove old run folders, keeping the newest N and the one `latest` points at; prints each run's size",
    )
    .option('--keep <n>', 'runs to keep (default: reports.keep of the configuration)', (v) => {
      const n = Number(v);
      if (!Number.isInteger(n) || n < 1)
        throw new InvalidArgumentError('expected a whole number, at least 1');
      return n;
    })
    .option('--config <file>', 'configuration file (its reports.keep)')
    // --reports is report's own option (where the runs are), read here with it.
    .action(async (_opts: unknown, command: Command) => {
      const opts = command.optsWithGlobals<{ keep?: number; config?: string; reports: string }>();
      const keep = opts.keep ?? loadConfig(opts.config ?? process.env.SCREENCAP_CONFIG).reports.keep;
      if (!keep)
        throw new CannotRunError('how many runs to keep? give --keep N or reports.keep in the configuration');
      process.stdout.write(formatPruned(await pruneRuns(opts.reports, keep)));
    });
}
