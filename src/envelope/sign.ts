/**
 * Signing envelopes, and signed-only envelopes for devices (no encryption code).
 *
 *   const created = await createSignedEnvelope({
 *     crypto, senderDid: id.did, recipientDid: gatewayDid, scope: 'telemetry',
 *     plaintext: utf8Encode('{"temp":22.5}'), privateKey: id.ed25519.secretKey, timestamp: Date.now(),
 *   });
 *   if (created.ok) mqtt.publish(topic, envelopeToCompact(created.value));
 *
 * A signed-only envelope carries its payload in clear; receivers accept it only
 * when called with `allowCleartext: true`. Give `mlDsa65SecretKey` when the
 * sender's identity document lists an ML-DSA-65 key: receivers then require
 * both signatures. A device without a clock passes `counter` (from a
 * CounterSequence) and no timestamp; without a good random source, `counter` too.
 */
import { assertBytes } from '../codec/bytes.js';
import { type CryptoProvider, ED25519_KEY_LENGTH, ML_DSA_65_SECRET_KEY_LENGTH } from '../crypto/provider.js';
import { attempt, type Result, xlinkError } from '../errors.js';
import { didFromEd25519PublicKey } from '../identity/did.js';
import type { EnvelopeVersion } from '../identity/document.js';
import { type Envelope, envelopeSignedBytes } from './envelope.js';
import { type EnvelopeHeader, encodeHeader, NONCE_LENGTH } from './header.js';

export interface EnvelopeSigner {
  /** The 32-byte Ed25519 seed. */
  readonly ed25519SecretKey: Uint8Array;
  /** Signs v3 and signed-only envelopes with ML-DSA-65 too. */
  readonly mlDsa65SecretKey?: Uint8Array;
}

/** Encodes the header, signs it with the body, and returns the envelope. */
export async function signEnvelope(
  header: EnvelopeHeader,
  body: Uint8Array,
  signer: EnvelopeSigner,
  crypto: CryptoProvider,
): Promise<Envelope> {
  const protectedBytes = encodeHeader(header);
  return signEncodedEnvelope(header, protectedBytes, body, signer, crypto);
}

/** As signEnvelope, for a caller that already encoded the header (it is the AES-GCM AAD). */
export async function signEncodedEnvelope(
  header: EnvelopeHeader,
  protectedBytes: Uint8Array,
  body: Uint8Array,
  signer: EnvelopeSigner,
  crypto: CryptoProvider,
): Promise<Envelope> {
  assertBytes(signer.ed25519SecretKey, 'ed25519SecretKey', ED25519_KEY_LENGTH);
  const signsPostQuantum =
    header.version === 'v3' || (header.version === 'signed' && signer.mlDsa65SecretKey !== undefined);
  if (header.version === 'v3' && signer.mlDsa65SecretKey === undefined) {
    throw xlinkError('INVALID_ARGUMENT', 'a v3 envelope needs the ML-DSA-65 secret key', { field: 'mlDsa65SecretKey' });
  }
  const message = envelopeSignedBytes({ protectedBytes, body });
  const signature = await crypto.ed25519Sign(signer.ed25519SecretKey, message);
  if (!signsPostQuantum) return { header, protectedBytes, body, signature };
  const mlDsa65SecretKey = signer.mlDsa65SecretKey as Uint8Array;
  assertBytes(mlDsa65SecretKey, 'mlDsa65SecretKey', ML_DSA_65_SECRET_KEY_LENGTH);
  const pqSignature = await crypto.mlDsa65Sign(mlDsa65SecretKey, message);
  return { header, protectedBytes, body, signature, pqSignature };
}

/** Replay token and time: a nonce needs a timestamp; a counter may go without. */
export interface ReplayFields {
  /** Milliseconds since the Unix epoch; required with a nonce. */
  readonly timestamp?: number;
  /** 16 bytes; drawn from `crypto.randomBytes` when neither nonce nor counter is given. */
  readonly nonce?: Uint8Array;
  readonly counter?: number;
}

export interface CreateSignedEnvelopeInput extends ReplayFields {
  readonly crypto: CryptoProvider;
  readonly senderDid: string;
  readonly recipientDid: string;
  readonly scope: string;
  readonly plaintext: Uint8Array;
  /** The sender's 32-byte Ed25519 seed; must belong to `senderDid`. */
  readonly privateKey: Uint8Array;
  readonly mlDsa65SecretKey?: Uint8Array;
  /** The sender's versions as its identity document lists them; default ['signed']. */
  readonly supportedVersions?: readonly EnvelopeVersion[];
}

export async function createSignedEnvelope(input: CreateSignedEnvelopeInput): Promise<Result<Envelope>> {
  return attempt(async () => {
    const { crypto, senderDid, privateKey } = input;
    assertBytes(input.plaintext, 'plaintext');
    assertBytes(privateKey, 'privateKey', ED25519_KEY_LENGTH);
    const ownDid = didFromEd25519PublicKey(await crypto.ed25519PublicKey(privateKey));
    if (ownDid !== senderDid) {
      throw xlinkError('INVALID_ARGUMENT', `"privateKey" belongs to ${ownDid}, not to senderDid ${senderDid}`, {
        field: 'privateKey',
      });
    }
    const header: EnvelopeHeader = {
      version: 'signed',
      from: senderDid,
      to: input.recipientDid,
      scope: input.scope,
      supportedVersions: input.supportedVersions ?? ['signed'],
      ...replayFields(input, crypto),
    };
    const signer = { ed25519SecretKey: privateKey, ...optional('mlDsa65SecretKey', input.mlDsa65SecretKey) };
    return signEnvelope(header, input.plaintext, signer, crypto);
  });
}

/** The header's replay fields; a fresh random nonce unless a nonce or counter was given. */
export function replayFields(input: ReplayFields, crypto: CryptoProvider): ReplayFields {
  const { timestamp, counter } = input;
  if (counter !== undefined) return timestamp === undefined ? { counter } : { counter, timestamp };
  const nonce = input.nonce ?? crypto.randomBytes(NONCE_LENGTH);
  return timestamp === undefined ? { nonce } : { nonce, timestamp };
}

function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}
