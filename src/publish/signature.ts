/**
 * The seam to a bundle's signature (manifest.sig, issue 17). Until report/signature.ts lands on
 * main, a bundle carrying a manifest.sig is published as "signature not checked": its hashes are
 * verified, but nothing is claimed about who made it. When it lands, `checkSignature` here becomes
 * a call to its checkSignature (same states), and nothing else in publish changes.
 */
import { access } from 'node:fs/promises';
import { join } from 'node:path';

/** Where issue 17 writes the signature of manifest.json. */
export const SIGNATURE_FILE = 'manifest.sig';

export type SignatureState =
  /** No manifest.sig: the hashes show accidents, not origin. */
  | { state: 'hashed' }
  /** A manifest.sig this harness cannot check yet: not evidence of origin, not a failure either. */
  | { state: 'unchecked'; reason: string }
  | { state: 'signed'; fingerprint: string; trusted: boolean; problem?: string };

/** A public key the reader trusts (`--public-key FILE`), as PEM text. */
export interface TrustedKey {
  file: string;
  pem: string;
}

export async function checkSignature(dir: string, _trusted?: TrustedKey): Promise<SignatureState> {
  const present = await access(join(dir, SIGNATURE_FILE)).then(
    () => true,
    () => false,
  );
  if (!present) return { state: 'hashed' };
  return {
    state: 'unchecked',
    reason: `${SIGNATURE_FILE} present, but this harness cannot check signatures yet (issue 17)`,
  };
}
