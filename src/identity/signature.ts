/**
 * Detached Ed25519 signatures between identities: the sender signs with its
 * identity, the receiver needs nothing but the sender's DID.
 *
 *   const signature = await signMessage(alice, bytes, { crypto });
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
import type { CryptoProvider } from '../crypto/provider.js';
import { err, errorDetail, ok, type Result } from '../errors.js';
import type { Identity } from './derive.js';
import { parseDid } from './did.js';

const MESSAGE_CONTEXT: Uint8Array = /* @__PURE__ */ utf8Encode('xlink signed message v1\u0000');

export function signMessage(
  identity: Pick<Identity, 'ed25519'>,
  message: Uint8Array,
  { crypto }: { crypto: CryptoProvider },
): Promise<Uint8Array> {
  return crypto.ed25519Sign(identity.ed25519.secretKey, concatBytes(MESSAGE_CONTEXT, message));
}

/** Strict verification against the key inside `did`; a bad DID fails with its INVALID_DID code. */
export async function verifyMessage(
  did: string,
  message: Uint8Array,
  signature: Uint8Array,
  { crypto }: { crypto: CryptoProvider },
): Promise<Result<true>> {
  const parsed = parseDid(did);
  if (!parsed.ok) return parsed;
  if (await crypto.ed25519Verify(parsed.value.publicKey, concatBytes(MESSAGE_CONTEXT, message), signature)) {
    return ok(true);
  }
  return err(
    errorDetail('VERIFICATION_FAILED:SIGNATURE_MISMATCH', `signature does not verify under ${did}`, 'signature'),
  );
}
