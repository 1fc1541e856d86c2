// `npm run build`: the package's JavaScript and type declarations in dist/.
// esbuild bundles the command line, the public API (src/index.ts) and Cucumber's steps and support
// code in one build, split into shared chunks: support code and the command line share one copy of
// each module (the run's stop signal, the settings), and each command still loads only its own
// chunks. Dependencies stay external (installed beside the package). TypeScript emits the
// declarations of the public API (dist/types/).
import { execFileSync } from 'node:child_process';
import { chmod, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { build } from 'esbuild';

const CLI = 'dist/cli.js';

/** Cucumber's files, each an entry of its own: cucumber.mjs's globs find them in dist/. */
async function cucumberEntries(dir) {
  const files = (await readdir(dir)).filter((f) => f.endsWith('.ts'));
  return Object.fromEntries(files.map((f) => [`${dir}/${f.slice(0, -'.ts'.length)}`, `${dir}/${f}`]));
}

await rm('dist', { recursive: true, force: true });
await build({
  entryPoints: {
    cli: 'src/cli/main.ts',
    index: 'src/index.ts',
    // Cucumber imports it by its path (src/report/run-dir.ts).
    'allure-results': 'src/report/allure-results.ts',
    // verify-log's reading thread, started by its path (src/sipserver-log/reader.ts).
    'line-thread': 'src/sipserver-log/line-thread.ts',
    ...(await cucumberEntries('steps')),
    ...(await cucumberEntries('support')),
  },
  outdir: 'dist',
  chunkNames: 'chunks/[name]-[hash]',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  packages: 'external',
  logLevel: 'warning',
});
await writeFile(CLI, `#!/usr/bin/env node\n${await readFile(CLI, 'utf8')}`);
await chmod(CLI, 0o755);
execFileSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.build.json'], {
  stdio: 'inherit',
});
