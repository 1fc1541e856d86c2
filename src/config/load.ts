/**
 * Loads the configuration: a JSON or YAML file, then environment overrides (`SCREENCAP_<PATH>`, e.g.
 * SCREENCAP_TSERVER_PORT=7000), validated by the schema. An error names the key, the value found,
 * where it came from, and what was expected.
 */
import { readFileSync } from 'node:fs';
import type { z } from 'zod';
import { rememberSecret } from '../secrets.ts';
import { configSchema, type HarnessConfig } from './schema.ts';
import { parseYaml } from './yaml.ts';

type Kind = 'string' | 'number' | 'boolean' | 'list' | 'json';

/** Every key that can come from the environment, and how its text is read. */
const ENV_KEYS: ReadonlyArray<[path: string, kind: Kind]> = [
  ['profile', 'string'],
  ['tserver.mode', 'string'],
  ['tserver.host', 'string'],
  ['tserver.port', 'number'],
  ['tserver.adminUrl', 'string'],
  ['tserver.image', 'string'],
  ['tserver.dns', 'list'],
  ['tserver.sipLog', 'string'],
  ['tserver.strict', 'boolean'],
  ['agents.dns', 'list'],
  ['agents.voiceDns', 'json'],
  ['agents.voiceCall', 'string'],
  ['recorder.dns', 'list'],
  ['recorder.container', 'string'],
  ['recorder.restartCommand', 'string'],
  ['recorder.restartTimeoutMs', 'number'],
  ['desktop.stimulus.command', 'string'],
  ['desktop.stimulus.timeoutMs', 'number'],
  ['desktop.stimulus.http.method', 'string'],
  ['desktop.stimulus.http.url', 'string'],
  ['desktop.stimulus.http.body', 'string'],
  ['desktop.stimulus.http.headers', 'json'],
  ['desktop.link.type', 'string'],
  ['desktop.link.url', 'string'],
  ['desktop.link.authUrl', 'string'],
  ['desktop.link.agents', 'json'],
  ['desktop.sendsAfterLinkDown', 'number'],
  ['tserver.workspacePort', 'number'],
  ['tserver.workspaceAgents', 'json'],
  ['tserver.journalBytes', 'number'],
  ['timeouts.answerMs', 'number'],
  ['timeouts.requestMs', 'number'],
  ['timeouts.readyMs', 'number'],
  ['timeouts.recoverMs', 'number'],
  ['mapping.start', 'string'],
  ['mapping.stop', 'string'],
  ['mapping.pause', 'string'],
  ['mapping.resume', 'string'],
  ['mapping.query', 'string'],
  ['initialState', 'string'],
  ['sut.vendor', 'string'],
  ['sut.product', 'string'],
  ['sut.version', 'string'],
  ['reports.keep', 'number'],
];

/** `tserver.adminUrl` -> `SCREENCAP_TSERVER_ADMIN_URL` */
export function envName(path: string): string {
  return `SCREENCAP_${path
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .replace(/\./g, '_')
    .toUpperCase()}`;
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

function readEnvValue(text: string, kind: Kind): unknown {
  switch (kind) {
    case 'number':
      return /^-?\d+(\.\d+)?$/.test(text.trim()) ? Number(text) : text;
    case 'boolean': {
      const word = text.trim().toLowerCase();
      return word === 'true' ? true : word === 'false' ? false : text;
    }
    case 'list':
      return text
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean);
    case 'json':
      try {
        return JSON.parse(text);
      } catch {
        return text;
      }
    default:
      return text;
  }
}

function setPath(target: Record<string, unknown>, path: string[], value: unknown): void {
  let node = target;
  for (const key of path.slice(0, -1)) {
    const next = node[key];
    if (next === null || typeof next !== 'object' || Array.isArray(next)) node[key] = {};
    node = node[key] as Record<string, unknown>;
  }
  node[path.at(-1) as string] = value;
}

function getPath(source: unknown, path: PropertyKey[]): unknown {
  let node = source;
  for (const key of path) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<PropertyKey, unknown>)[key];
  }
  return node;
}

function parseFile(file: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new ConfigError(`cannot read config file ${file}: ${(e as Error).message}`);
  }
  try {
    return file.endsWith('.json') ? JSON.parse(text) : (parseYaml(text) ?? {});
  } catch (e) {
    throw new ConfigError(
      `config file ${file} is not valid ${file.endsWith('.json') ? 'JSON' : 'YAML'}: ${(e as Error).message}`,
    );
  }
}

function describeIssue(
  issue: z.core.$ZodIssue,
  raw: unknown,
  sources: Map<string, string>,
  file: string | undefined,
): string {
  const key = issue.path.join('.') || '(top level)';
  const found = getPath(raw, issue.path);
  const source = sources.get(key) ?? (file ? file : 'defaults');
  const shown = found === undefined ? 'nothing' : JSON.stringify(found);
  return `${key}: ${issue.message}; found ${shown} (from ${source})`;
}

/** Loads and validates; throws ConfigError listing every problem. */
export function loadConfig(file?: string, env: NodeJS.ProcessEnv = process.env): HarnessConfig {
  const raw = (file ? parseFile(file) : {}) as Record<string, unknown>;
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new ConfigError(`config file ${file}: expected a mapping of keys, got ${JSON.stringify(raw)}`);
  }
  const sources = new Map<string, string>();
  for (const [path, kind] of ENV_KEYS) {
    const name = envName(path);
    const text = env[name];
    if (text === undefined || text === '') continue;
    setPath(raw, path.split('.'), readEnvValue(text, kind));
    sources.set(path, `environment variable ${name}`);
  }
  const result = configSchema.safeParse(raw);
  if (!result.success) {
    const lines = result.error.issues.map((i) => `  ${describeIssue(i, raw, sources, file)}`);
    throw new ConfigError(`invalid configuration${file ? ` in ${file}` : ''}:\n${lines.join('\n')}`);
  }
  return result.data;
}

/** Replaces {op}, {dn}, {connId} and {env:NAME} in a stimulus template. */
export function fillTemplate(
  template: string,
  values: Record<string, string>,
  env: NodeJS.ProcessEnv = process.env,
): string {
  return template.replace(
    /\{(env:)?([A-Za-z_][A-Za-z0-9_]*)\}/g,
    (whole, isEnv: string | undefined, name: string) => {
      if (isEnv) {
        const value = env[name];
        if (value === undefined)
          throw new ConfigError(`the stimulus template needs environment variable ${name}, which is not set`);
        // Resolved secrets are hidden from everything written from now on (secrets.ts).
        rememberSecret(value);
        return value;
      }
      return name in values ? (values[name] as string) : whole;
    },
  );
}
