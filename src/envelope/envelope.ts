/**
 * The logical envelope, independent of its encoding, and the exact bytes its
 * signatures cover.
 *
 *   const bytes = envelopeSignedBytes(envelope); // COSE Sig_structure, RFC 9052 §4.4
 *   await verifier.verify(bytes, envelope.signature);  // the sender's prepared Ed25519 key
 *
 * `protectedBytes` is the header exactly as signed: for a compact envelope the
 * bytes received, for a JSON envelope the canonical encoding of its strictly
 * parsed fields. Nothing re-serialises the JSON object itself.
 */
import { AES_GCM_TAG_LENGTH, ED25519_SIGNATURE_LENGTH, ML_DSA_65_SIGNATURE_LENGTH } from '../crypto/provider.js';
import { xlinkError } from '../errors.js';
import { coseSign1SigStructure } from './cose-sign1.js';
import { type EnvelopeHeader, isEncryptedVersion } from './header.js';

export interface Envelope {
  readonly header: EnvelopeHeader;
  /** Deterministic CBOR of `header`. */
  readonly protectedBytes: Uint8Array;
  /** The clear payload (`signed`) or the AES-GCM ciphertext followed by its tag (v1–v3). */
  readonly body: Uint8Array;
  /** Ed25519 over `envelopeSignedBytes`. */
  readonly signature: Uint8Array;
  /** ML-DSA-65 over the same bytes: in v3, and in a signed-only envelope from a sender with an ML-DSA key. */
  readonly mlDsaSignature?: Uint8Array;
}

/** What every signature of the envelope signs: `["Signature1", protected, h'', body]` in CBOR. */
export function envelopeSignedBytes(envelope: Pick<Envelope, 'protectedBytes' | 'body'>): Uint8Array {
  return coseSign1SigStructure(envelope.protectedBytes, envelope.body);
}

/**
 * Checks the parts outside the header against its version; throws
 * ENVELOPE_INVALID:LENGTH|MALFORMED or DOWNGRADE_DETECTED:STRIPPED.
 */
export function checkEnvelopeParts(envelope: Envelope): Envelope {
  const { header, body, signature, mlDsaSignature } = envelope;
  if (signature.length !== ED25519_SIGNATURE_LENGTH) {
    throw xlinkError(
      'ENVELOPE_INVALID:LENGTH',
      `"sig" expected ${ED25519_SIGNATURE_LENGTH} bytes, got ${signature.length}`,
      {
        field: 'sig',
      },
    );
  }
  if (mlDsaSignature !== undefined && mlDsaSignature.length !== ML_DSA_65_SIGNATURE_LENGTH) {
    throw xlinkError(
      'ENVELOPE_INVALID:LENGTH',
      `"pqsig" expected ${ML_DSA_65_SIGNATURE_LENGTH} bytes, got ${mlDsaSignature.length}`,
      { field: 'pqsig' },
    );
  }
  if (isEncryptedVersion(header.version) && body.length < AES_GCM_TAG_LENGTH) {
    throw xlinkError(
      'ENVELOPE_INVALID:LENGTH',
      `"ct" expected at least the ${AES_GCM_TAG_LENGTH}-byte tag, got ${body.length} bytes`,
      { field: 'ct' },
    );
  }
  if (header.version === 'v3' && mlDsaSignature === undefined) {
    throw xlinkError('DOWNGRADE_DETECTED:STRIPPED', 'a v3 envelope must carry its ML-DSA-65 signature', {
      field: 'pqsig',
    });
  }
  if ((header.version === 'v1' || header.version === 'v2') && mlDsaSignature !== undefined) {
    throw xlinkError('ENVELOPE_INVALID:MALFORMED', `a ${header.version} envelope carries no ML-DSA-65 signature`, {
      field: 'pqsig',
    });
  }
  return envelope;
}
