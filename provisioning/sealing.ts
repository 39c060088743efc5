/**
 * Sealed artifacts: a burn artifact encrypted to a burn station's X25519 key
 * and signed by the operator, so that seeds never sit in clear on a shared
 * disk. It is an xlink v1 envelope (docs/protocol.md), compact encoding:
 * ephemeral X25519, HKDF-SHA256, AES-256-GCM, Ed25519 signature; nothing
 * here is new cryptography.
 *
 *   const sealed = await sealArtifact(artifactBytes, { operator, station, crypto, timestamp });
 *   const { artifact, sender } = await openArtifact(sealed, { station: stationKeys, operatorDid, crypto });
 *
 * The envelope's scope is `xlink.artifact`; the station is named by its
 * did:key and identity document (`xlink provision keygen` writes both), the
 * operator is the sender. Opening checks the signature first, then that the
 * sender is the operator (when `operatorDid` is given), then decrypts: a
 * wrong station key, altered bytes or a foreign signer give
 * PROVISION_ARTIFACT_INVALID with the envelope's own code in the message.
 */
import type { CryptoProvider, Ed25519Signer } from 'xlink/crypto';
import { decryptEnvelope, encodeEnvelope, openEnvelope, sealEnvelope } from 'xlink/envelope';
import { quote, xlinkError } from 'xlink/errors';
import type { DocumentKeys } from 'xlink/identity';

export const ARTIFACT_SCOPE = 'xlink.artifact';
/** Appended to a clear artifact's name. */
export const SEALED_EXTENSION = '.sealed';

export interface SealingStation {
  readonly did: string;
  readonly x25519PublicKey: Uint8Array;
}

export async function sealArtifact(
  artifact: Uint8Array,
  options: {
    operator: { did: string; signer: Ed25519Signer };
    station: SealingStation;
    crypto: CryptoProvider;
    timestamp: number;
  },
): Promise<Uint8Array> {
  const { operator, station, crypto, timestamp } = options;
  const sealed = await sealEnvelope(
    operator,
    station,
    { version: 'v1', scope: ARTIFACT_SCOPE, payload: artifact, supportedVersions: ['signed', 'v1'], timestamp },
    { crypto },
  );
  if (!sealed.ok) {
    throw xlinkError('PROVISION_ARTIFACT_INVALID', `sealing failed: ${sealed.error.code}: ${sealed.error.message}`);
  }
  return encodeEnvelope(sealed.value, 'compact');
}

export interface OpenedArtifact {
  readonly artifact: Uint8Array;
  /** The DID that signed it. */
  readonly sender: string;
}

export async function openArtifact(
  sealed: Uint8Array,
  options: { station: DocumentKeys; operatorDid?: string | undefined; crypto: CryptoProvider },
): Promise<OpenedArtifact> {
  const { station, operatorDid, crypto } = options;
  const refused = (message: string): Error => xlinkError('PROVISION_ARTIFACT_INVALID', message, { field: 'artifact' });
  const opened = await openEnvelope(sealed, { crypto });
  if (!opened.ok) throw refused(`not a sealed artifact: ${opened.error.code}: ${opened.error.message}`);
  const { envelope } = opened.value;
  const sender = envelope.header.from;
  if (operatorDid !== undefined && sender !== operatorDid) {
    throw refused(`sealed by ${quote(sender)}, not by the operator ${operatorDid}`);
  }
  if (envelope.header.scope !== ARTIFACT_SCOPE || !opened.value.encrypted) {
    throw refused(`not a sealed artifact: scope ${quote(envelope.header.scope)}`);
  }
  const recipient = {
    did: station.did,
    x25519: await crypto.x25519PrivateKey(station.x25519.secretKey),
    mlKem768: station.mlKem768,
  };
  const artifact = await decryptEnvelope(recipient, envelope, { crypto });
  if (!artifact.ok) throw refused(`does not open with this station key: ${artifact.error.code}`);
  return { artifact: artifact.value, sender };
}
