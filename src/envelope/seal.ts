/**
 * Encrypting envelopes: v1 (X25519), v2 (+ML-KEM-768), v3 (+ML-DSA-65).
 *
 *   const sealed = await sealEnvelope({
 *     version: 'v2', sender: { did, ed25519SecretKey }, recipient: verifiedRecipientDocument,
 *     scope: 'chat', timestamp: Date.now(), supportedVersions: ['signed', 'v1', 'v2'], plaintext,
 *   }, crypto);
 *
 * `recipient` must come from a verified identity document: its X25519 key is
 * the only one ever encrypted to. There is no fallback key; without it the
 * result is ENCRYPT_FAILED:NO_X25519_KEY. Each call uses a fresh ephemeral
 * X25519 key (`crypto.x25519Ephemeral`) and draws the IV and (unless given)
 * the nonce from `crypto.randomBytes`.
 */
import { assertBytes } from '../codec/bytes.js';
import { type CryptoProvider, ML_KEM_768_PUBLIC_KEY_LENGTH, X25519_KEY_LENGTH } from '../crypto/provider.js';
import { attempt, type Result, xlinkError } from '../errors.js';
import type { EnvelopeVersion } from '../identity/document.js';
import type { Envelope } from './envelope.js';
import { type EnvelopeHeader, encodeHeader, IV_LENGTH, usesKem } from './header.js';
import { deriveEnvelopeKey } from './key-schedule.js';
import type { EncryptedVersion } from './negotiate.js';
import { type EnvelopeSigner, type ReplayFields, replayFields, signEncodedEnvelope } from './sign.js';

export interface SealRecipient {
  readonly did: string;
  readonly x25519PublicKey?: Uint8Array;
  /** Required for v2 and v3. */
  readonly mlKem768PublicKey?: Uint8Array;
}

export interface SealInput extends ReplayFields {
  readonly version: EncryptedVersion;
  readonly sender: EnvelopeSigner & { readonly did: string };
  readonly recipient: SealRecipient;
  readonly scope: string;
  readonly supportedVersions: readonly EnvelopeVersion[];
  readonly plaintext: Uint8Array;
}

/** Encrypts and signs. */
export async function sealEnvelope(input: SealInput, crypto: CryptoProvider): Promise<Result<Envelope>> {
  const encrypted = await encryptEnvelopeBody(input, crypto);
  if (!encrypted.ok) return encrypted;
  const { header, protectedBytes, body } = encrypted.value;
  return attempt(() => signEncodedEnvelope(header, protectedBytes, body, input.sender, crypto));
}

/** An encrypted, not yet signed envelope: the header as signed and the ciphertext. */
export interface EncryptedBody {
  readonly header: EnvelopeHeader;
  readonly protectedBytes: Uint8Array;
  readonly body: Uint8Array;
}

/** The encryption half of `sealEnvelope`, for callers that report progress between the halves. */
export async function encryptEnvelopeBody(
  input: Omit<SealInput, 'sender'> & { readonly sender: { readonly did: string } },
  crypto: CryptoProvider,
): Promise<Result<EncryptedBody>> {
  return attempt(async () => {
    const { version, sender, recipient, plaintext } = input;
    assertBytes(plaintext, 'plaintext');
    const recipientX25519PublicKey = recipient.x25519PublicKey;
    if (recipientX25519PublicKey === undefined) {
      throw xlinkError('ENCRYPT_FAILED:NO_X25519_KEY', `no X25519 key is known for ${recipient.did}`, {
        field: 'recipient.x25519PublicKey',
      });
    }
    assertBytes(recipientX25519PublicKey, 'recipient.x25519PublicKey', X25519_KEY_LENGTH);
    const { ephemeralPublicKey, sharedSecret: x25519SharedSecret } =
      await crypto.x25519Ephemeral(recipientX25519PublicKey);
    let kem: { ciphertext: Uint8Array; sharedSecret: Uint8Array; publicKey: Uint8Array } | undefined;
    if (usesKem(version)) {
      const publicKey = recipient.mlKem768PublicKey;
      assertBytes(publicKey, 'recipient.mlKem768PublicKey', ML_KEM_768_PUBLIC_KEY_LENGTH);
      kem = { ...(await crypto.mlKem768Encapsulate(publicKey)), publicKey };
    }
    const header: EnvelopeHeader = {
      version,
      from: sender.did,
      to: recipient.did,
      scope: input.scope,
      supportedVersions: input.supportedVersions,
      ...replayFields(input, crypto),
      ephemeralPublicKey,
      iv: crypto.randomBytes(IV_LENGTH),
      ...(kem === undefined ? {} : { kemCiphertext: kem.ciphertext }),
    };
    const protectedBytes = encodeHeader(header);
    const key = await deriveEnvelopeKey(
      {
        header,
        recipientX25519PublicKey,
        x25519SharedSecret,
        ...(kem === undefined ? {} : { recipientMlKem768PublicKey: kem.publicKey, kemSharedSecret: kem.sharedSecret }),
      },
      crypto,
    );
    const body = await crypto.aes256GcmEncrypt(key, header.iv as Uint8Array, plaintext, protectedBytes);
    return { header, protectedBytes, body };
  });
}
