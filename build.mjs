// `npm run build`: the package's JavaScript and type declarations in dist/.
// esbuild bundles the command line, the public API (src/index.ts) and Cucumber's steps and support
// code in one build, split into shared chunks: support code and the command line share one copy of
// each module (the run's stop signal, the settings), and each command still loads only its own
// chunks. Dependencies stay external (installed beside the package), but for those BUNDLED below.
// TypeScript emits the declarations of the public API (dist/types/).
//
// `node build.mjs --if-changed` (what `npm test` runs) reuses dist/ when it was built from the same
// inputs: `npm ci` has just built it, and rebuilding costs seconds of both cores.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmod, readdir, readFile, rm, writeFile } from 'node:fs/promises';

const CLI = 'dist/cli.js';
/** The SHA-256 of the inputs dist/ was built from. */
const STAMP = 'dist/.inputs.sha256';
const INPUT_DIRS = ['src', 'steps', 'support'];
const INPUT_FILES = [
  'build.mjs',
  'package.json',
  'package-lock.json',
  'tsconfig.json',
  'tsconfig.build.json',
];

/** One digest of every input's path and content. */
async function inputsDigest() {
  const nested = await Promise.all(
    INPUT_DIRS.map(async (dir) =>
      (await readdir(dir, { recursive: true, withFileTypes: true }))
        .filter((e) => e.isFile())
        .map((e) => `${e.parentPath ?? e.path}/${e.name}`),
    ),
  );
  const hash = createHash('sha256');
  for (const file of [...nested.flat(), ...INPUT_FILES].sort()) {
    hash.update(`${file}\0`);
    hash.update(await readFile(file));
    hash.update('\0');
  }
  return hash.digest('hex');
}

const digest = await inputsDigest();
if (process.argv.includes('--if-changed')) {
  const built = await readFile(STAMP, 'utf8').catch(() => '');
  if (built === digest) {
    console.log('dist/ is up to date with its sources: not rebuilt');
    process.exit(0);
  }
}

/** Cucumber's files, each an entry of its own: cucumber.mjs's globs find them in dist/. */
async function cucumberEntries(dir) {
  const files = (await readdir(dir)).filter((f) => f.endsWith('.ts'));
  return Object.fromEntries(files.map((f) => [`${dir}/${f.slice(0, -'.ts'.length)}`, `${dir}/${f}`]));
}

/**
 * Dependencies bundled into dist/ instead of imported from node_modules: zod is some 95 ES
 * modules, which Node finds, reads and links one by one at every start of a command that loads the
 * configuration (1.5-2.5x the time of the same code in one chunk). Only its types are the package's:
 * dist/types imports them, so it stays a dependency.
 */
const BUNDLED = new Set(['zod']);

/** `packages: 'external'` but for BUNDLED: every other bare import stays one (Node builtins too). */
const externalDependencies = {
  name: 'external-dependencies',
  setup(build) {
    build.onResolve({ filter: /^[^./]/ }, (args) => {
      if (args.kind === 'entry-point') return undefined;
      const [scope, name] = args.path.split('/');
      if (BUNDLED.has(scope.startsWith('@') ? `${scope}/${name}` : scope)) return undefined;
      return { path: args.path, external: true };
    });
  },
};

const { build } = await import('esbuild');
await rm('dist', { recursive: true, force: true });
await build({
  entryPoints: {
    cli: 'src/cli/main.ts',
    index: 'src/index.ts',
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
  plugins: [externalDependencies],
  logLevel: 'warning',
});
await writeFile(CLI, `#!/usr/bin/env node\n${await readFile(CLI, 'utf8')}`);
await chmod(CLI, 0o755);
execFileSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.build.json'], {
  stdio: 'inherit',
});
await writeFile(STAMP, digest);
