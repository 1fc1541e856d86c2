/**
 * A bundle's signature, as publish weighs it: report/signature.ts checks manifest.sig; publish
 * names the key a reader trusts by its file, for the messages it lists.
 */
import type { KeyObject } from 'node:crypto';
import type { SignatureCheck } from '../report/signature.ts';

export { checkSignature } from '../report/signature.ts';

export type SignatureState = SignatureCheck;

/** A public key the reader trusts (`--public-key FILE`). */
export interface TrustedKey {
  file: string;
  key: KeyObject;
}
