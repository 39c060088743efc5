/**
 * Decrypting a v1–v3 envelope whose signatures were already verified.
 *
 *   const plaintext = await decryptEnvelope(envelope, identity, crypto); // Result<Uint8Array>
 *
 * Failures are deliberately coarse: a refused ephemeral key or KEM ciphertext
 * is DECRYPT_FAILED:KEY_AGREEMENT, everything else (wrong key, altered bytes)
 * the opaque DECRYPT_FAILED:DECRYPTION. ML-KEM's implicit rejection turns a
 * tampered KEM ciphertext into a wrong key, hence DECRYPTION, not an oracle.
 */
import type { CryptoProvider, KeyPair } from '../crypto/provider.js';
import { attempt, isXlinkError, type Result, xlinkError } from '../errors.js';
import type { Envelope } from './envelope.js';
import { isEncryptedVersion, usesKem } from './header.js';
import { deriveEnvelopeKey } from './key-schedule.js';

export interface EnvelopeRecipientKeys {
  readonly did: string;
  readonly x25519: KeyPair;
  readonly mlKem768: KeyPair;
}

export async function decryptEnvelope(
  envelope: Envelope,
  recipient: EnvelopeRecipientKeys,
  crypto: CryptoProvider,
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
      crypto.x25519SharedSecret(recipient.x25519.secretKey, header.ephemeralPublicKey as Uint8Array),
    );
    const kemSharedSecret = usesKem(header.version)
      ? await keyAgreement(() =>
          crypto.mlKem768Decapsulate(header.kemCiphertext as Uint8Array, recipient.mlKem768.secretKey),
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
      crypto,
    );
    return crypto.aes256GcmDecrypt(key, header.iv as Uint8Array, body, protectedBytes);
  });
}

/** Any refusal by the key agreement itself becomes KEY_AGREEMENT, keeping its cause. */
async function keyAgreement(run: () => Promise<Uint8Array>): Promise<Uint8Array> {
  try {
    return await run();
  } catch (error) {
    if (!isXlinkError(error)) throw error;
    throw xlinkError('DECRYPT_FAILED:KEY_AGREEMENT', 'the envelope key agreement was refused', { cause: error });
  }
}
