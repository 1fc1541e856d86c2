/**
 * `report verify` and `report sign` on a bundle: every file's hash against the manifest, the
 * manifest's signature (by the key the reader trusts, when given), and the certificate's word on
 * both. Each problem is named; a bundle without a signature is called hashed, never signed.
 */
import type { KeyObject } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type Certification, verificationOf } from './certification.ts';
import { MANIFEST_FILE, SIGNATURE_FILE, verifyManifest, writeManifest } from './manifest.ts';
import { checkSignature, type Signer, signManifest } from './signature.ts';
import { writeCertificate } from './write.ts';

export interface BundleCheck {
  ok: boolean;
  /** What to print, one finding a line; the last says the verdict. */
  lines: string[];
}

async function certificateOf(dir: string): Promise<Certification | undefined> {
  return readFile(join(dir, 'certification.json'), 'utf8').then(
    (t) => JSON.parse(t) as Certification,
    () => undefined,
  );
}

export async function checkBundle(
  dir: string,
  trusted?: { key: KeyObject; file: string },
): Promise<BundleCheck> {
  const v = await verifyManifest(dir);
  const lines: string[] = [];
  for (const [what, files] of [
    ['changed', v.changed],
    ['missing', v.missing],
    ['added', v.added],
    ['not a file', v.unsigned],
  ] as const)
    for (const f of files) lines.push(`${what}: ${f}`);
  const problems = v.ok ? [] : [`the files are not as ${MANIFEST_FILE} says`];
  const signature = await checkSignature(dir, trusted?.key);
  const claimed = (await certificateOf(dir))?.run?.signedBy ?? null;
  if (signature.state === 'hashed') {
    lines.push(
      `hashed, not signed: there is no ${SIGNATURE_FILE}; the hashes show accidental changes, not who made the bundle`,
    );
    if (trusted) problems.push(`hashed, not signed: there is no signature to check against ${trusted.file}`);
    if (claimed)
      problems.push(`the certificate says it is signed by ${claimed}, but there is no ${SIGNATURE_FILE}`);
  } else {
    if (signature.problem) problems.push(`signature: ${signature.problem}`);
    else
      lines.push(
        trusted
          ? `signed: the signature holds, by the key in ${trusted.file} (${signature.fingerprint})`
          : `signed by key ${signature.fingerprint}: the signature holds, but that key was not checked against one you trust (give --public-key FILE)`,
      );
    if (claimed !== signature.fingerprint)
      problems.push(
        `the certificate names ${claimed ? `key ${claimed}` : 'no signing key'}, but ${SIGNATURE_FILE} is by ${signature.fingerprint}`,
      );
  }
  lines.push(
    ...problems.map((p) => `FAILED: ${p}`),
    ...(problems.length ? [] : [`OK: every file of ${dir} is as ${MANIFEST_FILE} says`]),
  );
  return { ok: problems.length === 0, lines };
}

/**
 * Signs a finished bundle: only one whose files are as its manifest says (a signature vouches for
 * them); the certificate is rewritten to name the key, then hashed again and signed.
 */
export async function signBundle(dir: string, signer: Signer): Promise<void> {
  const v = await verifyManifest(dir);
  if (!v.ok)
    throw new Error(
      `${dir} is not as its ${MANIFEST_FILE} says (${[...v.changed, ...v.missing, ...v.added, ...v.unsigned].slice(0, 5).join(', ')}): it will not be signed`,
    );
  const existing = await checkSignature(dir);
  if (existing.state === 'signed' && existing.fingerprint !== signer.fingerprint)
    throw new Error(`${dir} is already signed by key ${existing.fingerprint}`);
  const certification = await certificateOf(dir);
  if (!certification) throw new Error(`${dir} has no certification.json`);
  const run = { ...certification.run, signedBy: signer.fingerprint };
  await writeCertificate(dir, { ...certification, run, verification: verificationOf(run) });
  await writeManifest(dir);
  await signManifest(dir, signer);
}
