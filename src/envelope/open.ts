/**
 * The verify-only path: decode an envelope and check its signatures against
 * the key its sender DID names. No decryption code is imported, so a device
 * or gateway bundle that only verifies stays small.
 *
 *   const opened = await openEnvelope(bytes, { crypto });
 *   if (opened.ok && !opened.value.encrypted) use(opened.value.payload);
 *
 * Limits: this proves who signed the bytes, nothing more. Timestamp window,
 * replay, registry, revocation and scope are the receiver's pipeline
 * (Agent.receive, the gateway). For a sender with an ML-DSA-65 key pass
 * `mlDsa65PublicKey` (from its verified identity document): a signed-only
 * envelope from it then needs both signatures.
 */
import type { CryptoProvider } from '../crypto/provider.js';
import { err, ok, type Result } from '../errors.js';
import { parseDid } from '../identity/did.js';
import { type DecodeOptions, decodeEnvelope, type EnvelopeEncoding } from './decode.js';
import type { Envelope } from './envelope.js';
import { isEncryptedVersion } from './header.js';
import { verifyEnvelopeSignatures } from './verify.js';

export interface OpenOptions extends DecodeOptions {
  readonly crypto: CryptoProvider;
  readonly mlDsa65PublicKey?: Uint8Array;
}

export interface OpenedEnvelope {
  readonly envelope: Envelope;
  readonly encoding: EnvelopeEncoding;
  readonly encrypted: boolean;
  /** The clear payload of a signed-only envelope; the ciphertext otherwise. */
  readonly payload: Uint8Array;
}

export async function openEnvelope(input: unknown, options: OpenOptions): Promise<Result<OpenedEnvelope>> {
  const decoded = decodeEnvelope(input, options);
  if (!decoded.ok) return decoded;
  const { envelope, encoding } = decoded.value;
  const sender = parseDid(envelope.header.from);
  if (!sender.ok) return sender;
  const keys = {
    did: sender.value.did,
    ed25519PublicKey: sender.value.publicKey,
    ...(options.mlDsa65PublicKey === undefined ? {} : { mlDsa65PublicKey: options.mlDsa65PublicKey }),
  };
  const verified = await verifyEnvelopeSignatures(envelope, keys, options.crypto);
  if (!verified.ok) return err(verified.error);
  return ok({ envelope, encoding, encrypted: isEncryptedVersion(envelope.header.version), payload: envelope.body });
}
