/**
 * Encrypting envelopes: v1 (X25519), v2 (+ML-KEM-768), v3 (+ML-DSA-65).
 *
 *   const sealed = await sealEnvelope(sender, recipientDocument, {
 *     version: 'v2', scope: 'chat', payload, contentType: 'json', timestamp: Date.now(),
 *     supportedVersions: ['signed', 'v1', 'v2'],
 *   }, { crypto });
 *
 * `recipient` must come from a verified identity document: its X25519 key is
 * the only one ever encrypted to. There is no fallback key; without it the
 * result is ENCRYPT_FAILED:NO_X25519_KEY. Each call uses a fresh ephemeral
 * X25519 key (`crypto.x25519Ephemeral`) and draws the IV and (unless given)
 * the nonce from `crypto.randomBytes`.
 */
import { assertBytes } from '../codec/bytes.js';
import {
  type Aead,
  type Hashing,
  type KeyAgreement,
  ML_KEM_768_PUBLIC_KEY_LENGTH,
  type PostQuantumKem,
  X25519_KEY_LENGTH,
} from '../crypto/provider.js';
import { attempt, type Result, xlinkError } from '../errors.js';
import type { EnvelopeVersion } from '../identity/document.js';
import { assertContentType, type ContentType } from './content-type.js';
import type { Envelope } from './envelope.js';
import { type EnvelopeHeader, encodeHeader, IV_LENGTH, usesKem } from './header.js';
import { deriveEnvelopeKey } from './key-schedule.js';
import type { EncryptedVersion } from './negotiate.js';
import {
  type EnvelopeSender,
  type EnvelopeSigningCrypto,
  type ReplayFields,
  replayFields,
  signEncodedEnvelope,
} from './sign.js';

export interface SealRecipient {
  readonly did: string;
  readonly x25519PublicKey?: Uint8Array;
  /** Required for v2 and v3. */
  readonly mlKem768PublicKey?: Uint8Array;
}

export interface SealedEnvelopeMessage extends ReplayFields {
  readonly version: EncryptedVersion;
  readonly scope: string;
  readonly payload: Uint8Array;
  /** What `payload` is; default opaque bytes. */
  readonly contentType?: ContentType;
  /** The sender's versions, as its identity document lists them (signed, so a downgrade shows). */
  readonly supportedVersions: readonly EnvelopeVersion[];
}

/** What encrypting needs of a backend. */
export type EnvelopeSealingCrypto = EnvelopeSigningCrypto &
  KeyAgreement &
  Pick<PostQuantumKem, 'mlKem768Encapsulate'> &
  Pick<Hashing, 'hkdfSha256'> &
  Pick<Aead, 'aes256GcmEncrypt'>;

/** Encrypts to `recipient` and signs as `sender`. */
export async function sealEnvelope(
  sender: EnvelopeSender,
  recipient: SealRecipient,
  message: SealedEnvelopeMessage,
  { crypto }: { crypto: EnvelopeSealingCrypto },
): Promise<Result<Envelope>> {
  const encrypted = await encryptEnvelopeBody(sender.did, recipient, message, { crypto });
  if (!encrypted.ok) return encrypted;
  const { header, protectedBytes, body } = encrypted.value;
  return attempt(() => signEncodedEnvelope(header, protectedBytes, body, sender, crypto));
}

/** An encrypted, not yet signed envelope: the header as signed and the ciphertext. */
export interface EncryptedBody {
  readonly header: EnvelopeHeader;
  readonly protectedBytes: Uint8Array;
  readonly body: Uint8Array;
}

/** The encryption half of `sealEnvelope`, for callers that report progress between the halves. */
export function encryptEnvelopeBody(
  senderDid: string,
  recipient: SealRecipient,
  message: SealedEnvelopeMessage,
  { crypto }: { crypto: EnvelopeSealingCrypto },
): Promise<Result<EncryptedBody>> {
  return attempt(async () => {
    const { version, payload } = message;
    assertBytes(payload, 'payload');
    const contentType = message.contentType ?? 'bytes';
    assertContentType(contentType);
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
      from: senderDid,
      to: recipient.did,
      scope: message.scope,
      contentType,
      supportedVersions: message.supportedVersions,
      ...replayFields(message, crypto),
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
      { crypto },
    );
    const body = await crypto.aes256GcmEncrypt(key, header.iv as Uint8Array, payload, protectedBytes);
    return { header, protectedBytes, body };
  });
}
