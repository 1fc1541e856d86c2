/**
 * YAML text read, the `yaml` package loaded on first use: it is some 60 CommonJS modules, which
 * every command would otherwise load at start-up, though most runs are given no YAML file.
 */
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

/** The value of the YAML document `text`; throws as `yaml`'s parse does. */
export function parseYaml(text: string): unknown {
  return (require('yaml') as typeof import('yaml')).parse(text);
}
