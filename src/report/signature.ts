/**
 * A bundle's signature: manifest.sig holds an Ed25519 signature of manifest.json's exact bytes,
 * with the public key that made it and its fingerprint. The manifest alone is hashed, not signed:
 * anyone can recompute its sums after editing a file; only the holder of the private key can sign.
 */
import { createHash, createPrivateKey, createPublicKey, type KeyObject, sign, verify } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { rememberSecret } from '../secrets.ts';
import { MANIFEST_FILE, SIGNATURE_FILE } from './manifest.ts';

export { SIGNATURE_FILE };
/** The private key (PKCS#8 PEM) `run --sign` and `report sign` sign with. */
export const SIGNING_KEY_ENV = 'SCREENCAP_SIGNING_KEY';

export interface SignatureFile {
  algorithm: 'ed25519';
  /** Of the public key: `SHA256:` and the base64 SHA-256 of its DER (SubjectPublicKeyInfo). */
  fingerprint: string;
  /** The public key (SPKI PEM), so the signature can be checked and its key compared. */
  publicKey: string;
  /** Base64 Ed25519 signature of manifest.json's bytes. */
  signature: string;
}

export interface Signer {
  fingerprint: string;
  publicKey: KeyObject;
  privateKey: KeyObject;
}

export function fingerprintOf(publicKey: KeyObject): string {
  const der = publicKey.export({ type: 'spki', format: 'der' });
  return `SHA256:${createHash('sha256').update(der).digest('base64').replace(/=+$/, '')}`;
}

function ed25519(key: KeyObject, what: string): KeyObject {
  if (key.asymmetricKeyType !== 'ed25519')
    throw new Error(`${what} is a ${key.asymmetricKeyType ?? 'symmetric'} key, not an Ed25519 key`);
  return key;
}

/** The signer from SCREENCAP_SIGNING_KEY, or an error saying what is wrong with it (never its value). */
export function signerFromEnv(env: NodeJS.ProcessEnv = process.env): Signer {
  const pem = env[SIGNING_KEY_ENV];
  if (!pem)
    throw new Error(`${SIGNING_KEY_ENV} is not set: it holds the Ed25519 private key (PEM) to sign with`);
  rememberSecret(pem);
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey(pem);
  } catch (e) {
    throw new Error(`${SIGNING_KEY_ENV} is not a private key in PEM (${(e as Error).message})`);
  }
  ed25519(privateKey, SIGNING_KEY_ENV);
  const publicKey = createPublicKey(privateKey);
  return { fingerprint: fingerprintOf(publicKey), publicKey, privateKey };
}

/** A public key (PEM) from a file, for `report verify --public-key`. */
export async function readPublicKey(file: string): Promise<KeyObject> {
  const text = await readFile(file, 'utf8').catch((e: Error) => {
    throw new Error(`cannot read public key ${file}: ${e.message}`);
  });
  try {
    return ed25519(createPublicKey(text), file);
  } catch (e) {
    throw new Error(`${file}: not an Ed25519 public key in PEM (${(e as Error).message})`);
  }
}

/** Signs the bundle's manifest as it is now (write it first). */
export async function signManifest(dir: string, signer: Signer): Promise<void> {
  const manifest = await readFile(join(dir, MANIFEST_FILE));
  const file: SignatureFile = {
    algorithm: 'ed25519',
    fingerprint: signer.fingerprint,
    publicKey: signer.publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    signature: sign(null, manifest, signer.privateKey).toString('base64'),
  };
  await writeFile(join(dir, SIGNATURE_FILE), `${JSON.stringify(file, null, 2)}\n`);
}

export type SignatureCheck =
  | { state: 'hashed' }
  | {
      state: 'signed';
      fingerprint: string;
      /** What is wrong, or undefined when the signature holds (and, with a trusted key, is by it). */
      problem?: string;
      /** The signature was checked against a key the reader gave (--public-key), not only its own. */
      trusted: boolean;
    };

async function readSignature(dir: string): Promise<SignatureFile | undefined> {
  const text = await readFile(join(dir, SIGNATURE_FILE), 'utf8').catch((e: NodeJS.ErrnoException) => {
    if (e.code === 'ENOENT') return undefined;
    throw e;
  });
  if (text === undefined) return undefined;
  const parsed = JSON.parse(text) as Partial<SignatureFile>;
  if (
    parsed.algorithm !== 'ed25519' ||
    typeof parsed.signature !== 'string' ||
    typeof parsed.publicKey !== 'string'
  )
    throw new Error(`${SIGNATURE_FILE}: expected an ed25519 signature with its publicKey`);
  return parsed as SignatureFile;
}

/**
 * Checks manifest.sig against manifest.json: with `trusted` (the key the reader trusts), that this
 * key made it; without, only that the signature matches the key it names (which proves no origin).
 */
export async function checkSignature(dir: string, trusted?: KeyObject): Promise<SignatureCheck> {
  const file = await readSignature(dir);
  if (!file) return { state: 'hashed' };
  const embedded = createPublicKey(file.publicKey);
  const fingerprint = fingerprintOf(embedded);
  const result = (problem?: string): SignatureCheck => ({
    state: 'signed',
    fingerprint,
    trusted: trusted !== undefined,
    ...(problem ? { problem } : {}),
  });
  if (fingerprint !== file.fingerprint)
    return result(`${SIGNATURE_FILE} names key ${file.fingerprint} but holds key ${fingerprint}`);
  if (trusted && fingerprintOf(trusted) !== fingerprint)
    return result(`signed by key ${fingerprint}, not by the given public key ${fingerprintOf(trusted)}`);
  const manifest = await readFile(join(dir, MANIFEST_FILE));
  if (!verify(null, manifest, trusted ?? embedded, Buffer.from(file.signature, 'base64')))
    return result(
      `${MANIFEST_FILE} is not as it was signed: it was changed after ${SIGNATURE_FILE} was made (the signature was not renewed)`,
    );
  return result();
}
