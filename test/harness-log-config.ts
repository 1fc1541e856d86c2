/**
 * The configuration `verify-log` needs to read the simulator's SIP Server log of a conformance
 * run: the harness's own parties by application name (its raw test clients play no seat), and
 * where the agent on 7002 has calls (in one scenario its desktop sends on 7002 and its calls are
 * on 7001).
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { HARNESS_APP_PREFIX } from '../src/harness-clients.ts';

/** Writes that configuration into `dir`; returns its path. */
export async function writeHarnessLogConfig(dir: string): Promise<string> {
  const config = join(dir, 'config.json');
  await writeFile(
    config,
    JSON.stringify({
      agents: { voiceDns: { '7002': ['7002', '7001'] } },
      applications: {
        desktop: [`^${HARNESS_APP_PREFIX}desktop`],
        recorder: [`^${HARNESS_APP_PREFIX}recorder`],
      },
    }),
  );
  return config;
}
