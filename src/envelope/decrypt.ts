/**
 * Decrypting a v1–v3 envelope whose signatures were already verified.
 *
 *   const plaintext = await decryptEnvelope({ did, x25519, mlKem768 }, envelope, { crypto }); // Result<Uint8Array>
 *
 * `x25519` is the recipient's prepared X25519 key (`crypto.x25519PrivateKey`),
 * imported once. Failures are deliberately coarse: a refused ephemeral key or
 * KEM ciphertext is DECRYPT_FAILED:KEY_AGREEMENT, everything else (wrong key,
 * altered bytes) the opaque DECRYPT_FAILED:DECRYPTION. ML-KEM's implicit
 * rejection turns a tampered KEM ciphertext into a wrong key, hence
 * DECRYPTION, not an oracle.
 */
import type { Aead, Hashing, KeyPair, PostQuantumKem, X25519PrivateKey } from '../crypto/provider.js';
import { attempt, isXlinkError, type Result, xlinkError } from '../errors.js';
import type { Envelope } from './envelope.js';
import { isEncryptedVersion, usesKem } from './header.js';
import { deriveEnvelopeKey } from './key-schedule.js';

export interface EnvelopeRecipient {
  readonly did: string;
  readonly x25519: X25519PrivateKey;
  readonly mlKem768: KeyPair;
}

/** What decrypting needs of a backend. */
export type EnvelopeOpeningCrypto = Pick<PostQuantumKem, 'mlKem768Decapsulate'> &
  Pick<Hashing, 'hkdfSha256'> &
  Pick<Aead, 'aes256GcmDecrypt'>;

export function decryptEnvelope(
  recipient: EnvelopeRecipient,
  envelope: Envelope,
  { crypto }: { crypto: EnvelopeOpeningCrypto },
): Promise<Result<Uint8Array>> {
  return attempt(async () => {
    const { header, protectedBytes, body } = envelope;
    if (!isEncryptedVersion(header.version)) {
      throw xlinkError('INVALID_ARGUMENT', 'a signed-only envelope has nothing to decrypt', { field: 'v' });
    }
    if (header.to !== recipient.did) {
      throw xlinkError(
        'VERIFICATION_FAILED:WRONG_RECIPIENT',
        `the envelope is for ${header.to}, not ${recipient.did}`,
        {
          field: 'to',
        },
      );
    }
    const x25519SharedSecret = await keyAgreement(() =>
      recipient.x25519.sharedSecret(header.ephemeralPublicKey as Uint8Array),
    );
    const kemSharedSecret = usesKem(header.version)
      ? await keyAgreement(() =>
          crypto.mlKem768Decapsulate(recipient.mlKem768.secretKey, header.kemCiphertext as Uint8Array),
        )
      : undefined;
    const key = await deriveEnvelopeKey(
      {
        header,
        recipientX25519PublicKey: recipient.x25519.publicKey,
        x25519SharedSecret,
        ...(kemSharedSecret === undefined
          ? {}
          : { recipientMlKem768PublicKey: recipient.mlKem768.publicKey, kemSharedSecret }),
      },
      { crypto },
    );
    return crypto.aes256GcmDecrypt(key, header.iv as Uint8Array, body, protectedBytes);
  });
}

/** Any refusal by the key agreement itself becomes KEY_AGREEMENT, keeping its cause. */
async function keyAgreement(run: () => Uint8Array | Promise<Uint8Array>): Promise<Uint8Array> {
  try {
    return await run();
  } catch (error) {
    if (!isXlinkError(error)) throw error;
    throw xlinkError('DECRYPT_FAILED:KEY_AGREEMENT', 'the envelope key agreement was refused', { cause: error });
  }
}
