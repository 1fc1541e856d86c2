/**
 * Who ran what, where and when: the facts a certificate states about its run (harness version and
 * commit, Node, profile, system under test, the T-Server as it named itself, start and end).
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { HARNESS_ROOT } from '../harness-root.ts';
import type { ServerIdentity } from '../link/link.ts';

const run = promisify(execFile);

export { HARNESS_ROOT };

export interface SutIdentity {
  vendor: string;
  product: string;
  version: string;
}

export interface RunMetadata {
  runId: string;
  startedAt: string;
  endedAt: string;
  durationMs: number;
  harness: {
    name: string;
    version: string;
    /** `git rev-parse HEAD` of the harness, null outside a git work tree. */
    commit: string | null;
    /** Uncommitted changes in the harness's work tree, null when unknown. */
    dirty: boolean | null;
  };
  node: string;
  platform: string;
  /** Which seat is the system under test (`self`: the harness plays every seat). */
  profile: string;
  /** The agent DNs the run exercised (agents.dns), so a SIP Server log of the period can be restricted to them. */
  dns: string[] | null;
  sut: SutIdentity | null;
  /** Every T-Server identity the parties were told in EventClientRegistered. */
  tservers: ServerIdentity[];
  tags: string | null;
  /** A deliberately broken party (self-test of the suite): such a run certifies nothing. */
  breakage: string | null;
  /** What was judged, when not a live run: `SIP Server log: a.log (12.0 MB), ... from ... to ...`. */
  source: string | null;
  /** Where the messages judged came from: `embedded T-Server simulator`, `Workspace API`, `SIP Server log`. */
  evidenceSources: string[];
  /** The effective configuration (templates keep `{env:NAME}`; literal secrets are masked), null when none was used. */
  config: unknown;
  /** The fingerprint of the key the bundle is signed with, null when it is only hashed. */
  signedBy: string | null;
}

export interface MetadataInput {
  runId: string;
  startedAt: Date;
  endedAt: Date;
  tservers: readonly ServerIdentity[];
  profile?: string;
  dns?: readonly string[];
  sut?: SutIdentity;
  tags?: string;
  breakage?: string;
  source?: string;
  evidenceSources?: readonly string[];
  config?: unknown;
  signedBy?: string;
}

async function git(args: string[]): Promise<string | null> {
  // An installed package has no .git of its own: git would answer for the project installing it.
  if (!existsSync(join(HARNESS_ROOT, '.git'))) return null;
  try {
    const { stdout } = await run('git', args, { cwd: HARNESS_ROOT, timeout: 10_000 });
    return stdout;
  } catch {
    return null;
  }
}

let identity: Promise<RunMetadata['harness']> | undefined;

/**
 * The harness's name, version and commit, asked once per process (Bundle.open asks early): git is
 * then forked while the process is small, and runs beside the command's work, not after it.
 */
export function harnessIdentity(): Promise<RunMetadata['harness']> {
  identity ??= readHarnessIdentity();
  return identity;
}

async function readHarnessIdentity(): Promise<RunMetadata['harness']> {
  const pkg = JSON.parse(await readFile(`${HARNESS_ROOT}package.json`, 'utf8')) as {
    name: string;
    version: string;
  };
  const [head, status] = await Promise.all([
    git(['rev-parse', 'HEAD']),
    git(['status', '--porcelain', '--untracked-files=normal']),
  ]);
  return {
    name: pkg.name,
    version: pkg.version,
    commit: head?.trim() || null,
    dirty: status === null ? null : status.trim() !== '',
  };
}

export async function runMetadata(input: MetadataInput): Promise<RunMetadata> {
  return {
    runId: input.runId,
    startedAt: input.startedAt.toISOString(),
    endedAt: input.endedAt.toISOString(),
    durationMs: input.endedAt.getTime() - input.startedAt.getTime(),
    harness: await harnessIdentity(),
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
    profile: input.profile ?? 'self',
    dns: input.dns ? [...input.dns] : null,
    sut: input.sut ?? null,
    tservers: [...input.tservers],
    tags: input.tags ?? null,
    breakage: input.breakage ?? null,
    source: input.source ?? null,
    evidenceSources: [...(input.evidenceSources ?? [])],
    config: input.config ?? null,
    signedBy: input.signedBy ?? null,
  };
}
