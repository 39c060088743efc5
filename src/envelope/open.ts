/**
 * The verify-only path: decode an envelope and check its signatures against
 * the key its sender DID names. No decryption code is imported, so a bundle
 * that only verifies stays small.
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
import type { Ed25519Verifying, PostQuantumSignatures } from '../crypto/provider.js';
import { attempt, type Result, unwrap } from '../errors.js';
import { parseDid } from '../identity/did.js';
import { type DecodeOptions, decodeEnvelope } from './decode.js';
import type { EnvelopeEncoding } from './encode.js';
import type { Envelope } from './envelope.js';
import { isEncryptedVersion } from './header.js';
import { verifyEnvelope } from './verify.js';

export interface OpenOptions extends DecodeOptions {
  readonly crypto: Ed25519Verifying & Pick<PostQuantumSignatures, 'mlDsa65Verify'>;
  readonly mlDsa65PublicKey?: Uint8Array;
}

export interface OpenedEnvelope {
  readonly envelope: Envelope;
  readonly encoding: EnvelopeEncoding;
  readonly encrypted: boolean;
  /** The clear payload of a signed-only envelope; the ciphertext otherwise. */
  readonly payload: Uint8Array;
}

export function openEnvelope(input: unknown, options: OpenOptions): Promise<Result<OpenedEnvelope>> {
  return attempt(async () => {
    const { envelope, encoding } = unwrap(decodeEnvelope(input, options));
    const sender = unwrap(parseDid(envelope.header.from));
    const keys = {
      did: sender.did,
      verifier: await options.crypto.ed25519Verifier(sender.publicKey),
      ...(options.mlDsa65PublicKey === undefined ? {} : { mlDsa65PublicKey: options.mlDsa65PublicKey }),
    };
    unwrap(await verifyEnvelope(keys, envelope, options));
    return { envelope, encoding, encrypted: isEncryptedVersion(envelope.header.version), payload: envelope.body };
  });
}
