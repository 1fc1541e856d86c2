/** `screencap-cert publish`: a static certification site from report folders (src/publish). */
import { join, relative } from 'node:path';
import type { Command } from 'commander';
import { publish } from '../publish/site.ts';
import { readPublicKey } from '../report/signature.ts';
import { CannotRunError } from '../result/exit-codes.ts';
import { parsePositiveInt } from './options.ts';
import { SUMMARIES } from './summaries.ts';

export function registerPublishCommand(program: Command): void {
  program
    .command('publish')
    .description(SUMMARIES.publish)
    .argument('<reports...>', 'folders holding report bundles (a reports root, or bundles themselves)')
    .requiredOption('--out <dir>', 'the site folder (re-publishing adds new bundles and keeps the old ones)')
    .option(
      '--link',
      'leave the bundles where they are and link to their certificates (default: copy each bundle into the site)',
    )
    .option(
      '--keep <n>',
      'keep only the newest N verified runs per system under test, profile and counterparts (a matrix cell)',
      parsePositiveInt,
    )
    .option(
      '--public-key <file>',
      'the Ed25519 public key (PEM) bundles must be signed with: unsigned or otherwise signed bundles fail verification',
    )
    .addHelpText(
      'after',
      '\nA bundle that fails verification (its manifest, or its signature) is listed on the site as such and never counted.\nExit codes: 0 the site was written (failed bundles are listed, and printed); 2 it could not be.',
    )
    .action(
      async (reports: string[], opts: { out: string; link?: boolean; keep?: number; publicKey?: string }) => {
        const trusted = opts.publicKey
          ? {
              file: opts.publicKey,
              key: await readPublicKey(opts.publicKey).catch((e: Error) => {
                throw new CannotRunError(`--public-key ${opts.publicKey}: ${e.message}`);
              }),
            }
          : undefined;
        const result = await publish({
          from: reports,
          out: opts.out,
          ...(opts.link ? { link: true } : {}),
          ...(opts.keep ? { keep: opts.keep } : {}),
          ...(trusted ? { trusted } : {}),
        }).catch((e: Error) => {
          throw new CannotRunError(e.message);
        });
        for (const r of result.rejected)
          process.stderr.write(
            `not verified, listed only: ${r.source}: ${r.problems.slice(0, 3).join('; ')}\n`,
          );
        const site = relative(process.cwd(), opts.out) || '.';
        const lines = [
          `Published ${result.added.length} new bundle(s), ${result.unchanged} already there, ${result.rejected.length} failed verification${
            result.dropped.length ? `, ${result.dropped.length} dropped by --keep` : ''
          }.`,
          `Site: ${join(site, 'index.html')} (${result.index.bundles.length} bundle(s) in ${join(site, 'index.json')})`,
        ];
        process.stdout.write(`${lines.join('\n')}\n`);
      },
    );
}
