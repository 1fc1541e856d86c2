/**
 * Makes a desktop under test act: runs the configured command, or sends the configured HTTP
 * request, with {op}, {dn} and {connId} filled in. A command's values reach it through its
 * environment (the template names them, quoted for where they stand), so no value can run as shell
 * code and no secret stands in any process's arguments. Errors quote the template, and nothing they
 * repeat (a command's output, a response body) shows a resolved secret.
 */
import { spawn } from 'node:child_process';
import { ConfigError, fillTemplate } from '../config/load.ts';
import type { Stimulus } from '../config/schema.ts';
import { redact, rememberSecret } from '../secrets.ts';

export interface StimulusValues {
  op: string;
  dn: string;
  /** The active call's ConnID, or empty. */
  connId: string;
}

/** The environment variable each template value is passed in. */
const VALUE_VARIABLES: Record<keyof StimulusValues, string> = {
  op: 'SCREENCAP_OP',
  dn: 'SCREENCAP_DN',
  connId: 'SCREENCAP_CONN_ID',
};

const PLACEHOLDER = /\{(env:)?([A-Za-z_][A-Za-z0-9_]*)\}/y;

/**
 * The command for `/bin/sh -c`: each `{name}` becomes a reference to the variable holding its value,
 * quoted for the quoting it stands in (none, '...' or "..."), so the shell expands it as one word
 * and never reads it as code. Unknown `{name}`s are left as written.
 */
export function shellCommand(template: string, env: NodeJS.ProcessEnv = process.env): string {
  let out = '';
  let quote: '' | "'" | '"' = '';
  for (let i = 0; i < template.length; ) {
    const c = template[i] as string;
    PLACEHOLDER.lastIndex = i;
    const m = PLACEHOLDER.exec(template);
    if (m) {
      const [whole, isEnv, name] = m as unknown as [string, string | undefined, string];
      const variable = isEnv ? name : VALUE_VARIABLES[name as keyof StimulusValues];
      if (isEnv && env[name] === undefined)
        throw new ConfigError(`the stimulus template needs environment variable ${name}, which is not set`);
      if (isEnv) rememberSecret(env[name] as string);
      out += variable === undefined ? whole : reference(variable, quote);
      i += whole.length;
      continue;
    }
    if (c === '\\' && quote !== "'") {
      out += template.slice(i, i + 2);
      i += 2;
      continue;
    }
    if ((c === "'" || c === '"') && (quote === '' || quote === c)) quote = quote ? '' : c;
    out += c;
    i++;
  }
  return out;
}

function reference(variable: string, quote: '' | "'" | '"'): string {
  if (quote === '"') return `\${${variable}}`;
  if (quote === "'") return `'"\${${variable}}"'`;
  return `"\${${variable}}"`;
}

/**
 * Runs a command template (see shellCommand) with `values` in its environment; rejects naming
 * `what` (the template quoted in it) when it cannot start, fails, or outlasts `timeoutMs`.
 */
export async function runShellCommand(
  template: string,
  what: string,
  values: Partial<StimulusValues>,
  timeoutMs: number,
): Promise<void> {
  const command = shellCommand(template);
  const env = { ...process.env };
  for (const [key, variable] of Object.entries(VALUE_VARIABLES)) {
    const value = values[key as keyof StimulusValues];
    if (value !== undefined) env[variable] = value;
  }
  const child = spawn('/bin/sh', ['-c', command], { stdio: ['ignore', 'pipe', 'pipe'], env });
  let output = '';
  child.stdout.on('data', (d) => (output = (output + d).slice(-2000)));
  child.stderr.on('data', (d) => (output = (output + d).slice(-2000)));
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve, reject) => {
    child.on('error', (e) => reject(new Error(`${what} could not start: ${redact(e.message)}`)));
    child.on('close', (c, s) => resolve([c, s]));
  });
  clearTimeout(timer);
  if (code !== 0) {
    const why =
      signal === 'SIGKILL' ? `did not finish within ${timeoutMs} ms` : `exited with ${code ?? signal}`;
    throw new Error(`${what} ${why}${output ? `:\n${redact(output.trim())}` : ''}`);
  }
}

/** Why fetch failed: its own message is only "fetch failed"; the cause says ECONNREFUSED, a timeout, ... */
function failureCause(e: Error): string {
  const cause = e.cause as (Error & { code?: string }) | undefined;
  if (!cause) return e.message;
  return `${e.message} (${cause.code && !cause.message.includes(cause.code) ? `${cause.code}: ` : ''}${cause.message})`;
}

async function sendRequest(
  http: NonNullable<Stimulus['http']>,
  values: StimulusValues,
  timeoutMs: number,
): Promise<void> {
  const fill = (t: string) => fillTemplate(t, { ...values });
  const headers = Object.fromEntries(Object.entries(http.headers).map(([k, v]) => [k, fill(v)]));
  const res = await fetch(fill(http.url), {
    method: http.method,
    headers,
    body: http.body === undefined ? null : fill(http.body),
    signal: AbortSignal.timeout(timeoutMs),
  }).catch((e: Error) => {
    throw new Error(
      `stimulus ${http.method} ${http.url} for ${values.op} on ${values.dn} failed: ${redact(failureCause(e))}`,
    );
  });
  if (!res.ok) {
    const text = redact((await res.text()).slice(0, 500));
    throw new Error(
      `stimulus ${http.method} ${http.url} for ${values.op} on ${values.dn} answered ${res.status}: ${text}`,
    );
  }
}

export function applyStimulus(stimulus: Stimulus, values: StimulusValues): Promise<void> {
  return stimulus.command !== undefined
    ? runShellCommand(
        stimulus.command,
        `stimulus command "${stimulus.command}" for ${values.op} on ${values.dn}`,
        values,
        stimulus.timeoutMs,
      )
    : sendRequest(stimulus.http as NonNullable<Stimulus['http']>, values, stimulus.timeoutMs);
}
