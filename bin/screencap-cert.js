#!/usr/bin/env node
// Runs the TypeScript sources of a checkout directly (tsx compiles them on load): what the tests
// and developers run, with no build to go stale. The package's own `screencap-cert` is the
// compiled dist/cli.js (`npm run build`; `npm ci` builds it).
import { register } from 'tsx/esm/api';

register();
await import('../src/cli/main.ts');
