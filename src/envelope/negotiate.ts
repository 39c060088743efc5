/**
 * Version negotiation and the downgrade rule (docs/protocol.md).
 *
 *   negotiateVersion(['signed', 'v1', 'v2', 'v3'], recipientDocument.versions); // 'v2' for a v2 peer
 *   assertNotDowngraded('v1', senderDocument.versions, ownVersions);           // throws if v2 was possible
 *
 * Both sides compute the same answer from signed identity documents, so an
 * attacker who strips the KEM ciphertext or the ML-DSA signature and relabels
 * the envelope cannot make the receiver accept the weaker version.
 */
import { xlinkError } from '../errors.js';
import { ENVELOPE_VERSIONS, type EnvelopeVersion } from '../identity/document.js';

export type EncryptedVersion = Exclude<EnvelopeVersion, 'signed'>;

const ENCRYPTED_VERSIONS: readonly EncryptedVersion[] = ['v1', 'v2', 'v3'];

/** The highest encrypted version both lists hold, or undefined. */
export function negotiateVersion(
  own: readonly EnvelopeVersion[],
  peer: readonly EnvelopeVersion[],
): EncryptedVersion | undefined {
  for (let i = ENCRYPTED_VERSIONS.length - 1; i >= 0; i--) {
    const version = ENCRYPTED_VERSIONS[i] as EncryptedVersion;
    if (own.includes(version) && peer.includes(version)) return version;
  }
  return undefined;
}

/** Throws DOWNGRADE_DETECTED:VERSION when an encrypted `version` is below what both sides support. */
export function assertNotDowngraded(
  version: EnvelopeVersion,
  senderVersions: readonly EnvelopeVersion[],
  receiverVersions: readonly EnvelopeVersion[],
): void {
  if (version === 'signed') return;
  const expected = negotiateVersion(senderVersions, receiverVersions);
  if (expected !== undefined && rank(version) < rank(expected)) {
    throw xlinkError(
      'DOWNGRADE_DETECTED:VERSION',
      `a ${version} envelope, but sender and receiver both support ${expected}`,
      { field: 'v' },
    );
  }
}

function rank(version: EnvelopeVersion): number {
  return ENVELOPE_VERSIONS.indexOf(version);
}
