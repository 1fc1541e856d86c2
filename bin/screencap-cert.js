#!/usr/bin/env node
// Runs the TypeScript sources of a checkout directly (tsx compiles them on load): what the tests
// and developers run, with no build to go stale. The package's own `screencap-cert` is the
// compiled dist/cli.js (`npm run build`; `npm ci` builds it).
// `npm test` builds once and every test runs the compiled command (SCREENCAP_COMPILED=1): no
// process pays for compiling the sources at start-up.
if (process.env.SCREENCAP_COMPILED === '1') await import('../dist/cli.js');
else {
  const { register } = await import('tsx/esm/api');
  register();
  await import('../src/cli/main.ts');
}
