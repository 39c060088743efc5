/**
 * Detached Ed25519 signatures between identities: the sender signs with its
 * identity, the receiver needs nothing but the sender's DID.
 *
 *   const signature = await signMessage(signer, bytes);               // signer = await crypto.ed25519Signer(seed)
 *   const checked = await verifyMessage(alice.did, bytes, signature, { crypto });
 *   if (!checked.ok) console.log(checked.error.code);
 *
 * The signature covers a fixed context label and then the exact bytes given;
 * encoding a structure canonically first is the caller's job. The label keeps
 * these signatures apart from every other Ed25519 signature an identity makes
 * (identity documents, envelopes), so a message signed here can never be
 * replayed as one of those, whatever bytes a caller gets signed.
 */

import { concatBytes, utf8Encode } from '../codec/bytes.js';
import type { Ed25519Signer, Ed25519Verifying } from '../crypto/provider.js';
import { ok, type Result, refuse } from '../errors.js';
import { parseDid } from './did.js';

const MESSAGE_CONTEXT: Uint8Array = /* @__PURE__ */ utf8Encode('xlink signed message v1\u0000');

export async function signMessage(signer: Ed25519Signer, message: Uint8Array): Promise<Uint8Array> {
  return signer.sign(concatBytes(MESSAGE_CONTEXT, message));
}

/** Strict verification against the key inside `did`; a bad DID fails with its INVALID_DID code. */
export async function verifyMessage(
  did: string,
  message: Uint8Array,
  signature: Uint8Array,
  { crypto }: { crypto: Ed25519Verifying },
): Promise<Result<void>> {
  const parsed = parseDid(did);
  if (!parsed.ok) return parsed;
  const verifier = await crypto.ed25519Verifier(parsed.value.publicKey);
  if (await verifier.verify(concatBytes(MESSAGE_CONTEXT, message), signature)) {
    return ok(undefined);
  }
  return refuse('VERIFICATION_FAILED:SIGNATURE_MISMATCH', `the signature does not verify under ${did}`, 'signature');
}
