/**
 * Where the harness's own files are (package.json, features/, cucumber.mjs, allurerc.mjs), whether
 * it runs from a checkout's TypeScript sources or from the compiled package (dist/, whose modules
 * sit at another depth, bundled into chunks).
 */
import { existsSync } from 'node:fs';
import { dirname, join, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The nearest folder above `from` holding a package.json. */
function packageRootAbove(from: string): string {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    if (dirname(dir) === dir) throw new Error(`screencap-cert: no package.json above ${from}`);
  }
}

/** The harness's root folder, with a trailing separator. */
export const HARNESS_ROOT = `${packageRootAbove(dirname(fileURLToPath(import.meta.url)))}${sep}`;

/** True when running the compiled JavaScript of the package, false when tsx runs the sources. */
export const COMPILED = !import.meta.url.endsWith('.ts');
