/** `screencap-cert config check FILE`: validates a configuration as a run would read it. */
import type { Command } from 'commander';
import { ConfigError, loadConfig } from '../config/load.ts';
import type { HarnessConfig } from '../config/schema.ts';
import { profileTagExpression } from '../conformance/profiles.ts';
import { SUMMARIES } from './summaries.ts';

/** What is valid but will not work as the user probably means. */
export function configWarnings(c: HarnessConfig): string[] {
  const warnings: string[] = [];
  const connects = c.profile === 'recorder' || c.profile === 'desktop';
  if (connects && c.tserver.mode === 'embedded' && c.tserver.port === 0)
    warnings.push(
      `tserver.port is 0 with the ${c.profile} profile: the embedded T-Server takes a free port at run time, which the ${c.profile} under test cannot know beforehand; set tserver.port, or read it from the ready line or \`run --ready-file\``,
    );
  return warnings;
}

export function registerConfigCommand(program: Command): void {
  const config = program.command('config').description(SUMMARIES.config);
  config
    .command('check')
    .argument('<file>', 'JSON or YAML configuration')
    .description('validate a configuration (with SCREENCAP_* overrides applied) and say what a run would do')
    .action((file: string) => {
      try {
        const c = loadConfig(file);
        const t = c.tserver;
        const where =
          t.mode === 'embedded'
            ? `embedded simulator on ${t.host}:${t.port || '(any free port)'}`
            : t.mode === 'tcp'
              ? `external T-Server at ${t.host}:${t.port}`
              : `simulator image ${t.image}`;
        process.stdout.write(
          [
            `${file}: valid`,
            `  profile: ${c.profile}${c.sut ? ` (system under test: ${c.sut.vendor} ${c.sut.product} ${c.sut.version})` : ''}`,
            `  T-Server: ${where}`,
            `  agent DNs: ${c.agents.dns.join(', ')}; recorder DNs: ${(c.recorder.dns ?? c.agents.dns).join(', ')}`,
            `  scenarios: ${profileTagExpression(c) ?? 'all'}`,
            '',
          ].join('\n'),
        );
        for (const warning of configWarnings(c)) process.stderr.write(`warning: ${warning}\n`);
      } catch (e) {
        if (!(e instanceof ConfigError)) throw e;
        process.stderr.write(`${e.message}\n`);
        process.exitCode = 1;
      }
    });
}
