/**
 * Signing envelopes, and signed-only envelopes (no encryption code imported).
 *
 *   const sender = { did, signer: await crypto.ed25519Signer(seed) };
 *   const signed = await signEnvelope(sender, { to: gatewayDid, scope: 'telemetry', payload, contentType: 'json',
 *     timestamp: clock.now() }, { crypto });
 *   if (signed.ok) mqtt.publish(topic, encodeEnvelope(signed.value, 'compact'));
 *
 * A signed-only envelope carries its payload in clear; receivers accept it only
 * when asked to (`allowCleartext`). Give `mlDsa65SecretKey` when the sender's
 * identity document lists an ML-DSA-65 key: receivers then require both
 * signatures. A device without a clock passes `counter` (from a
 * CounterSequence) and no timestamp; without a good random source, `counter`
 * too. Constrained senders use the telemetry profile (telemetry.ts) instead.
 */
import { assertBytes } from '../codec/bytes.js';
import {
  type Ed25519Signer,
  ML_DSA_65_SECRET_KEY_LENGTH,
  type PostQuantumSignatures,
  type Randomness,
} from '../crypto/provider.js';
import { attempt, quote, type Result, xlinkError } from '../errors.js';
import { didFromEd25519PublicKey } from '../identity/did.js';
import type { EnvelopeVersion } from '../identity/document.js';
import { assertContentType, type ContentType } from './content-type.js';
import { type Envelope, envelopeSignedBytes } from './envelope.js';
import { type EnvelopeHeader, encodeHeader, NONCE_LENGTH } from './header.js';

export interface EnvelopeSender {
  /** The sender's did:key; it must name `signer`'s key. */
  readonly did: string;
  readonly signer: Ed25519Signer;
  /** Signs v3 and signed-only envelopes with ML-DSA-65 too. */
  readonly mlDsa65SecretKey?: Uint8Array;
}

/** What signing and sealing need of a backend: nonces, and ML-DSA-65 for a sender that has the key. */
export type EnvelopeSigningCrypto = Randomness & Partial<Pick<PostQuantumSignatures, 'mlDsa65Sign'>>;

/** Replay token and time: a nonce needs a timestamp; a counter may go without. */
export interface ReplayFields {
  /** Milliseconds since the Unix epoch; required with a nonce. */
  readonly timestamp?: number;
  /** 16 bytes; drawn from `crypto.randomBytes` when neither nonce nor counter is given. */
  readonly nonce?: Uint8Array;
  readonly counter?: number;
}

export interface SignedEnvelopeMessage extends ReplayFields {
  /** The recipient's did:key. */
  readonly to: string;
  readonly scope: string;
  readonly payload: Uint8Array;
  /** What `payload` is; default opaque bytes. */
  readonly contentType?: ContentType;
  /** The sender's versions as its identity document lists them; default ['signed']. */
  readonly supportedVersions?: readonly EnvelopeVersion[];
}

/** A signed-only envelope: the payload in clear, signed by `sender`. */
export function signEnvelope(
  sender: EnvelopeSender,
  message: SignedEnvelopeMessage,
  { crypto }: { crypto: EnvelopeSigningCrypto },
): Promise<Result<Envelope>> {
  return attempt(async () => {
    assertBytes(message.payload, 'payload');
    const contentType = message.contentType ?? 'bytes';
    assertContentType(contentType);
    const header: EnvelopeHeader = {
      version: 'signed',
      from: sender.did,
      to: message.to,
      scope: message.scope,
      contentType,
      supportedVersions: message.supportedVersions ?? ['signed'],
      ...replayFields(message, crypto),
    };
    return signEncodedEnvelope(header, encodeHeader(header), message.payload, sender, crypto);
  });
}

/** Signs a header already encoded (for an encrypted envelope it is the AES-GCM AAD) with its body. */
export async function signEncodedEnvelope(
  header: EnvelopeHeader,
  protectedBytes: Uint8Array,
  body: Uint8Array,
  sender: EnvelopeSender,
  crypto: EnvelopeSigningCrypto,
): Promise<Envelope> {
  assertSignerNamesDid(sender);
  const { mlDsa65SecretKey } = sender;
  if (header.version === 'v3' && mlDsa65SecretKey === undefined) {
    throw xlinkError('INVALID_ARGUMENT', 'a v3 envelope needs the ML-DSA-65 secret key', { field: 'mlDsa65SecretKey' });
  }
  const message = envelopeSignedBytes({ protectedBytes, body });
  const signature = await sender.signer.sign(message);
  const signsPostQuantum = mlDsa65SecretKey !== undefined && (header.version === 'v3' || header.version === 'signed');
  if (!signsPostQuantum) return { header, protectedBytes, body, signature };
  assertBytes(mlDsa65SecretKey, 'mlDsa65SecretKey', ML_DSA_65_SECRET_KEY_LENGTH);
  if (typeof crypto.mlDsa65Sign !== 'function') {
    throw xlinkError('INVALID_ARGUMENT', '"crypto" has no mlDsa65Sign for this ML-DSA-65 sender', { field: 'crypto' });
  }
  const mlDsaSignature = await crypto.mlDsa65Sign(mlDsa65SecretKey, message);
  return { header, protectedBytes, body, signature, mlDsaSignature };
}

/** The header's replay fields; a fresh random nonce unless a nonce or counter was given. */
export function replayFields(input: ReplayFields, crypto: Randomness): ReplayFields {
  const { timestamp, counter } = input;
  if (counter !== undefined) return timestamp === undefined ? { counter } : { counter, timestamp };
  const nonce = input.nonce ?? crypto.randomBytes(NONCE_LENGTH);
  return timestamp === undefined ? { nonce } : { nonce, timestamp };
}

/** The DID each prepared signer's key names, computed once per signer rather than once per message. */
const didOfSigner = new WeakMap<Ed25519Signer, string>();

function assertSignerNamesDid(sender: EnvelopeSender): void {
  const { signer } = sender;
  let did = didOfSigner.get(signer);
  if (did === undefined) {
    did = didFromEd25519PublicKey(signer.publicKey);
    didOfSigner.set(signer, did);
  }
  if (did !== sender.did) {
    throw xlinkError('INVALID_ARGUMENT', `"signer" belongs to ${did}, not to the sender ${quote(sender.did)}`, {
      field: 'signer',
    });
  }
}
