/**
 * The envelope key: one AES-256 key per message from the ephemeral X25519
 * secret and, in v2/v3, the ML-KEM-768 secret (docs/protocol.md).
 *
 *   const key = await deriveEnvelopeKey({ header, recipientX25519PublicKey, x25519SharedSecret }, { crypto });
 *
 * The v2/v3 combiner follows X-Wing (draft-connolly-cfrg-xwing-kem): both
 * secrets go into one KDF call together with the KEM ciphertext and the
 * recipient's public keys, so the key stays secret while either X25519 or
 * ML-KEM-768 holds, and no ciphertext can be re-bound to another key. The
 * info also binds the version and both DIDs: a ciphertext re-signed by a third
 * party or replayed to another recipient derives a different key.
 */
import { concatBytes, utf8Encode } from '../codec/bytes.js';
import { encodeCbor } from '../codec/cbor.js';
import { AES_256_KEY_LENGTH, type Hashing } from '../crypto/provider.js';
import { xlinkError } from '../errors.js';
import { type EnvelopeHeader, usesKem } from './header.js';

const KEY_SCHEDULE_SALT = 'xlink envelope key schedule 1';

export interface KeyScheduleInput {
  readonly header: EnvelopeHeader;
  readonly recipientX25519PublicKey: Uint8Array;
  readonly x25519SharedSecret: Uint8Array;
  /** v2/v3 only. */
  readonly recipientMlKem768PublicKey?: Uint8Array;
  readonly kemSharedSecret?: Uint8Array;
}

export async function deriveEnvelopeKey(
  input: KeyScheduleInput,
  { crypto }: { crypto: Pick<Hashing, 'hkdfSha256'> },
): Promise<Uint8Array> {
  const { header, recipientX25519PublicKey, x25519SharedSecret } = input;
  const { version, from, to, ephemeralPublicKey, kemCiphertext } = header;
  if (ephemeralPublicKey === undefined) {
    throw xlinkError('ENVELOPE_INVALID:MALFORMED', `a ${version} envelope has no key agreement`, { field: 'epk' });
  }
  const context = [version, from, to, ephemeralPublicKey, recipientX25519PublicKey];
  let ikm = x25519SharedSecret;
  if (usesKem(version)) {
    const { recipientMlKem768PublicKey, kemSharedSecret } = input;
    if (kemCiphertext === undefined || recipientMlKem768PublicKey === undefined || kemSharedSecret === undefined) {
      throw xlinkError('INVALID_ARGUMENT', `a ${version} key needs the KEM ciphertext, secret and recipient key`, {
        field: 'kemSharedSecret',
      });
    }
    context.push(kemCiphertext, recipientMlKem768PublicKey);
    ikm = concatBytes(kemSharedSecret, x25519SharedSecret);
  }
  return crypto.hkdfSha256(ikm, utf8Encode(KEY_SCHEDULE_SALT), encodeCbor(context), AES_256_KEY_LENGTH);
}
