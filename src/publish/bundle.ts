/**
 * Reads one bundle (a run's or verify-log's report folder) for publishing: its certificate, read
 * tolerantly (certification@1 to @3 alike: later sections are optional fields), verified
 * against its manifest and, when it has one, its signature. A bundle that fails is returned as
 * such, with what failed, and never as evidence.
 */
import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { MANIFEST_FILE, verifyManifest } from '../report/manifest.ts';
import { OUTCOMES, type Outcome, VERDICTS, type Verdict } from '../result/outcomes.ts';
import { checkSignature, type SignatureState, type TrustedKey } from './signature.ts';

export const CERTIFICATE_JSON = 'certification.json';
export const CERTIFICATE_HTML = 'certification.html';
/** A verify-log bundle holds the log's full result beside its certificate. */
const VERIFY_LOG_JSON = 'verify-log.json';
/** Its parties are read only from a file this size or smaller (a busy log's result is large). */
const MAX_VERIFY_LOG_BYTES = 64 << 20;

export interface Sut {
  vendor: string;
  product: string;
  version: string;
}

/** Who the system under test dealt with: a T-Server as it named itself, a party the harness played, a log's client. */
export interface Counterpart {
  seat: 'tserver' | 'desktop' | 'recorder';
  name: string;
  version: string;
}

/** What a verified bundle certifies, as the site shows and index.json lists it. */
export interface BundleFacts {
  runId: string;
  kind: 'run' | 'verify-log';
  sut: Sut;
  /** false: the run named no SUT (`sut` in the configuration); the site names it by profile. */
  sutNamed: boolean;
  profile: string;
  startedAt: string;
  durationMs: number;
  verdict: Verdict;
  /** A deliberately broken party of the harness (a self-test): it certifies nothing. */
  breakage: string | null;
  counterparts: Counterpart[];
  /** Where the evidence came from: `simulator`, `staging via Workspace API`, `SIP Server log`, ... */
  sources: string[];
  rules: Array<{ rule: string; outcome: Outcome }>;
  hashes: {
    /** SHA-256 of manifest.json's bytes: names this bundle's exact content. */
    manifest: string;
    /** SHA-256 of certification.json, as the manifest records it. */
    certificate: string;
  };
  signature: SignatureState;
}

export type BundleRead =
  | { ok: true; facts: BundleFacts }
  | { ok: false; problems: string[]; claimed?: { runId?: string; verdict?: string } };

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const text = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

async function readJson(file: string): Promise<unknown> {
  return JSON.parse(await readFile(file, 'utf8'));
}

/** The simulator's own name for itself (sim/tserver.ts): a run against it is a simulator run. */
const SIMULATOR_NAME = 'screencap-cert-sim';
const WORKSPACE_NAME = /^Genesys Workspace API\b/;

function sutOf(run: Json): { sut: Sut; named: boolean } {
  const sut = isObject(run.sut) ? run.sut : undefined;
  const vendor = text(sut?.vendor);
  const product = text(sut?.product);
  const version = text(sut?.version);
  if (vendor && product && version) return { sut: { vendor, product, version }, named: true };
  const harness = isObject(run.harness) ? run.harness : {};
  const profile = text(run.profile) ?? 'self';
  return profile === 'self'
    ? {
        sut: {
          vendor: text(harness.name) ?? 'screencap-cert',
          product: 'harness self-test',
          version: text(harness.version) ?? '?',
        },
        named: false,
      }
    : {
        sut: { vendor: '(not named)', product: `${profile} under test`, version: '(not named)' },
        named: false,
      };
}

function tserversOf(run: Json): Counterpart[] {
  const list = Array.isArray(run.tservers) ? run.tservers : [];
  return list.filter(isObject).map((t) => ({
    seat: 'tserver' as const,
    name: text(t.name) ?? '(unnamed T-Server)',
    version: text(t.version) ?? '?',
  }));
}

/** In a live run, the harness plays every seat but the certified one (the T-Server only when it is its simulator). */
function playedBy(run: Json, tservers: readonly Counterpart[]): Counterpart[] {
  const profile = text(run.profile) ?? 'self';
  if (profile === 'self') return [];
  const harness = isObject(run.harness) ? run.harness : {};
  const version = text(harness.version) ?? '?';
  const seats = (['desktop', 'recorder'] as const).filter((s) => s !== profile);
  // Through a staging Workspace API the harness's desktop is the staging agent's session.
  const via = tservers.some((t) => WORKSPACE_NAME.test(t.name)) ? ' (through the Workspace API)' : '';
  return seats.map((seat) => ({ seat, name: `screencap-cert mock ${seat}${via}`, version }));
}

/** The clients of a SIP Server log other than the certified seat, by application name. */
async function logParties(dir: string, profile: string): Promise<Counterpart[]> {
  const file = join(dir, VERIFY_LOG_JSON);
  const size = (await stat(file)).size;
  if (size > MAX_VERIFY_LOG_BYTES)
    return [
      { seat: 'desktop', name: `(log clients not listed: ${VERIFY_LOG_JSON} is over 64 MB)`, version: '' },
    ];
  const result = await readJson(file);
  const parties = isObject(result) && Array.isArray(result.parties) ? result.parties.filter(isObject) : [];
  const seen = new Map<string, Counterpart>();
  for (const p of parties) {
    const seat = p.role === 'desktop' || p.role === 'recorder' ? p.role : undefined;
    if (!seat || seat === profile) continue;
    const name = text(p.application) ?? '(no application name)';
    seen.set(`${seat}\n${name}`, { seat, name, version: 'as in the log' });
  }
  return [...seen.values()].sort((a, b) => a.seat.localeCompare(b.seat) || a.name.localeCompare(b.name));
}

function sourcesOf(run: Json, kind: BundleFacts['kind'], tservers: readonly Counterpart[]): string[] {
  // Issue 17's certificates name their evidence sources themselves.
  const named = Array.isArray(run.evidenceSources) ? run.evidenceSources.filter((s) => text(s)) : [];
  if (named.length) return named as string[];
  const live = tservers.some((t) => WORKSPACE_NAME.test(t.name))
    ? 'staging via Workspace API'
    : tservers.every((t) => t.name === SIMULATOR_NAME)
      ? 'simulator'
      : 'external T-Server';
  if (kind === 'run') return [live];
  const combined = /^live run /.test(text(run.source) ?? '');
  return combined ? [live, 'SIP Server log'] : ['SIP Server log'];
}

function rulesOf(c: Json): BundleFacts['rules'] {
  const rules = Array.isArray(c.rules) ? c.rules.filter(isObject) : [];
  return rules.flatMap((r) => {
    const rule = text(r.rule);
    const outcome = OUTCOMES.find((o) => o === r.outcome);
    return rule && outcome ? [{ rule, outcome }] : [];
  });
}

/** Whether the hashes hold (manifest.sig is not among them: it signs the manifest). */
async function hashProblems(dir: string): Promise<string[]> {
  const v = await verifyManifest(dir);
  return [
    ...v.changed.map((f) => `changed since hashed: ${f}`),
    ...v.missing.map((f) => `missing: ${f}`),
    ...v.added.map((f) => `added since hashed: ${f}`),
    ...v.unsigned.map((f) => `not a file: ${f}`),
  ];
}

function signatureProblem(s: SignatureState, trusted: TrustedKey | undefined): string | undefined {
  if (s.state === 'signed' && s.problem) return `signature: ${s.problem}`;
  if (trusted && s.state === 'hashed') return `hashed, not signed: nothing to check against ${trusted.file}`;
  return undefined;
}

/**
 * Reads and verifies the bundle in `dir`. `trusted`: the key bundles must be signed with (then an
 * unsigned bundle fails); without it a signature is checked only against its own key.
 */
export async function readBundle(dir: string, trusted?: TrustedKey): Promise<BundleRead> {
  let certificate: unknown;
  try {
    certificate = await readJson(join(dir, CERTIFICATE_JSON));
  } catch (e) {
    return { ok: false, problems: [`${CERTIFICATE_JSON} cannot be read: ${(e as Error).message}`] };
  }
  const c = isObject(certificate) ? certificate : {};
  const run = isObject(c.run) ? c.run : {};
  const claimed = {
    ...(text(run.runId) ? { runId: text(run.runId) } : {}),
    ...(text(c.verdict) ? { verdict: text(c.verdict) } : {}),
  };
  const problems: string[] = [];
  let manifestBytes: Buffer | undefined;
  try {
    manifestBytes = await readFile(join(dir, MANIFEST_FILE));
    problems.push(...(await hashProblems(dir)));
  } catch (e) {
    problems.push(
      (e as NodeJS.ErrnoException).code === 'ENOENT'
        ? `no ${MANIFEST_FILE}: the report was never finished, so it certifies nothing`
        : `${MANIFEST_FILE}: ${(e as Error).message}`,
    );
  }
  const signature = await checkSignature(dir, trusted?.key);
  const badSignature = signatureProblem(signature, trusted);
  if (badSignature) problems.push(badSignature);
  const schema = text(c.schema) ?? '';
  if (!schema.startsWith('screencap-cert/certification@'))
    problems.push(`${CERTIFICATE_JSON}: not a screencap-cert certificate (schema "${schema}")`);
  const verdict = VERDICTS.find((v) => v === c.verdict);
  const runId = text(run.runId);
  const startedAt = text(run.startedAt);
  if (!verdict || !runId || !startedAt || Number.isNaN(Date.parse(startedAt)))
    problems.push(`${CERTIFICATE_JSON}: no verdict, run id or start time`);
  if (problems.length || !manifestBytes || !verdict || !runId || !startedAt)
    return { ok: false, problems, claimed };

  const manifest = (await readJson(join(dir, MANIFEST_FILE))) as { files: Record<string, string> };
  const kind = await stat(join(dir, VERIFY_LOG_JSON)).then(
    () => 'verify-log' as const,
    () => 'run' as const,
  );
  const profile = text(run.profile) ?? 'self';
  const tservers = tserversOf(run);
  const { sut, named } = sutOf(run);
  return {
    ok: true,
    facts: {
      runId,
      kind,
      sut,
      sutNamed: named,
      profile,
      startedAt,
      durationMs: typeof run.durationMs === 'number' ? run.durationMs : 0,
      verdict,
      breakage: text(run.breakage) ?? null,
      counterparts: [
        ...tservers,
        ...(kind === 'verify-log' ? await logParties(dir, profile) : playedBy(run, tservers)),
      ],
      sources: sourcesOf(run, kind, tservers),
      rules: rulesOf(c),
      hashes: {
        manifest: createHash('sha256').update(manifestBytes).digest('hex'),
        certificate: manifest.files[CERTIFICATE_JSON] ?? '',
      },
      signature,
    },
  };
}
