/**
 * What a certificate says about the configuration it ran with: the effective configuration as a
 * reference (secrets stay `{env:NAME}`, a literal credential is masked), and the evidence sources
 * it implies (the simulator, an external T-Server, the Workspace API, a SIP Server log).
 */
import type { HarnessConfig } from '../config/schema.ts';

/** Keys whose literal values are credentials (a header, a test agent's password). */
const SECRET_KEY = /pass(word)?|secret|token|authori[sz]ation|api[-_]?key|cookie/i;
/** A value that only names where a secret comes from is safe to show. */
const REFERENCE_ONLY = /^(?:[^{}]*\{env:[A-Za-z_][A-Za-z0-9_]*\}[^{}]*)+$/;
export const MASKED = '(set; not shown)';

function mask(value: unknown, secret: boolean): unknown {
  if (Array.isArray(value)) return value.map((v) => mask(v, secret));
  if (value !== null && typeof value === 'object')
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [k, mask(v, secret || SECRET_KEY.test(k))]),
    );
  if (!secret || value === undefined) return value;
  return typeof value === 'string' && REFERENCE_ONLY.test(value) ? value : MASKED;
}

/** The configuration as the certificate shows it. */
export function configurationSnapshot(config: HarnessConfig): unknown {
  return mask(config, false);
}

/** The evidence a live run with this configuration judges, in words. */
export function evidenceSources(config: HarnessConfig): string[] {
  const t = config.tserver;
  const sources = [
    t.mode === 'embedded'
      ? 'embedded T-Server simulator (the harness sees every message it relays)'
      : t.mode === 'container'
        ? `T-Server simulator container (${t.image})`
        : `external T-Server at ${t.host}:${t.port} (tlib-json)`,
  ];
  const link = config.desktop.link;
  if (link.type === 'workspace')
    sources.push(
      link.url ? `Workspace API at ${link.url}` : "Workspace API (the embedded simulator's front)",
    );
  if (t.sipLog) sources.push('SIP Server log written by the embedded simulator (tserver.sipLog)');
  if (config.recorder.container) sources.push(`recorder container (${config.recorder.container})`);
  return sources;
}
