/**
 * Makes a desktop under test act: runs the configured command, or sends the configured HTTP
 * request, with {op}, {dn} and {connId} filled in. Errors quote the template, never a resolved
 * secret.
 */
import { spawn } from 'node:child_process';
import { fillTemplate } from '../config/load.ts';
import type { Stimulus } from '../config/schema.ts';

export interface StimulusValues {
  op: string;
  dn: string;
  /** The active call's ConnID, or empty. */
  connId: string;
}

async function runCommand(template: string, values: StimulusValues, timeoutMs: number): Promise<void> {
  const command = fillTemplate(template, { ...values });
  const child = spawn('/bin/sh', ['-c', command], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (d) => (output = (output + d).slice(-2000)));
  child.stderr.on('data', (d) => (output = (output + d).slice(-2000)));
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve, reject) => {
    child.on('error', (e) =>
      reject(new Error(`stimulus command "${template}" could not start: ${e.message}`)),
    );
    child.on('close', (c, s) => resolve([c, s]));
  });
  clearTimeout(timer);
  if (code !== 0) {
    const why =
      signal === 'SIGKILL' ? `did not finish within ${timeoutMs} ms` : `exited with ${code ?? signal}`;
    throw new Error(
      `stimulus command "${template}" for ${values.op} on ${values.dn} ${why}${output ? `:\n${output.trim()}` : ''}`,
    );
  }
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
      `stimulus ${http.method} ${http.url} for ${values.op} on ${values.dn} failed: ${e.message}`,
    );
  });
  if (!res.ok) {
    const text = (await res.text()).slice(0, 500);
    throw new Error(
      `stimulus ${http.method} ${http.url} for ${values.op} on ${values.dn} answered ${res.status}: ${text}`,
    );
  }
}

export function applyStimulus(stimulus: Stimulus, values: StimulusValues): Promise<void> {
  return stimulus.command !== undefined
    ? runCommand(stimulus.command, values, stimulus.timeoutMs)
    : sendRequest(stimulus.http as NonNullable<Stimulus['http']>, values, stimulus.timeoutMs);
}
