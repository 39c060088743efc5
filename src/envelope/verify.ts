/**
 * Checking an envelope's signatures against its sender's keys.
 *
 *   const checked = await verifyEnvelope({ did, verifier, mlDsa65PublicKey }, envelope, { crypto });
 *   if (!checked.ok) checked.error.code; // VERIFICATION_FAILED:SIGNATURE_MISMATCH, …
 *
 * Rules: the Ed25519 signature always; the ML-DSA-65 one in v3, and in a
 * signed-only envelope exactly when the sender has an ML-DSA-65 key (a missing
 * one is DOWNGRADE_DETECTED:STRIPPED). Both must verify. Signatures are checked
 * over the bytes of `envelopeSignedBytes`, never over a re-encoded object.
 * `verifier` is the sender's prepared Ed25519 key (a registry entry holds one),
 * so a gateway imports each sender's key once, not once per message.
 */
import type { Ed25519Verifier, PostQuantumSignatures } from '../crypto/provider.js';
import { attempt, quote, type Result, xlinkError } from '../errors.js';
import { type Envelope, envelopeSignedBytes } from './envelope.js';

export interface EnvelopeSenderKeys {
  readonly did: string;
  readonly verifier: Ed25519Verifier;
  readonly mlDsa65PublicKey?: Uint8Array;
}

export function verifyEnvelope(
  sender: EnvelopeSenderKeys,
  envelope: Envelope,
  { crypto }: { crypto: Pick<PostQuantumSignatures, 'mlDsa65Verify'> },
): Promise<Result<void>> {
  return attempt(async () => {
    const { header, signature, mlDsaSignature } = envelope;
    if (header.from !== sender.did) {
      throw xlinkError(
        'INVALID_ARGUMENT',
        `the envelope is from ${quote(header.from)}, the keys belong to ${quote(sender.did)}`,
        { field: 'sender' },
      );
    }
    const { mlDsa65PublicKey } = sender;
    if (header.version === 'signed' && mlDsa65PublicKey !== undefined && mlDsaSignature === undefined) {
      throw xlinkError(
        'DOWNGRADE_DETECTED:STRIPPED',
        `${sender.did} signs with ML-DSA-65, but its signature is missing`,
        {
          field: 'pqsig',
        },
      );
    }
    const message = envelopeSignedBytes(envelope);
    if (!(await sender.verifier.verify(message, signature))) {
      throw xlinkError(
        'VERIFICATION_FAILED:SIGNATURE_MISMATCH',
        `the Ed25519 signature does not verify under ${sender.did}`,
        {
          field: 'sig',
        },
      );
    }
    if (mlDsaSignature === undefined) return;
    if (mlDsa65PublicKey === undefined) {
      throw xlinkError(
        'VERIFICATION_FAILED:PQ_SIGNATURE_MISMATCH',
        `${sender.did} has no ML-DSA-65 key to verify with`,
        {
          field: 'pqsig',
        },
      );
    }
    if (!(await crypto.mlDsa65Verify(mlDsa65PublicKey, message, mlDsaSignature))) {
      throw xlinkError(
        'VERIFICATION_FAILED:PQ_SIGNATURE_MISMATCH',
        `the ML-DSA-65 signature does not verify under ${sender.did}'s key`,
        { field: 'pqsig' },
      );
    }
  });
}
