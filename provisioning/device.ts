/**
 * One device from its seed: keys, DID, key id, signed identity document and
 * the clear burn artifact. The batch runs this per device, in its own thread
 * or in derivation threads (derive-thread.ts); the same function either way,
 * so the artifacts of a seed are the same bytes wherever it ran.
 *
 *   const { entry, artifact } = await deriveDevice({ serial, seed, createdAt }, spec, crypto);
 *
 * The seed, and the Ed25519 secret derived from it, are zeroed once the
 * artifact holds them.
 */
import { bytesToHex } from 'xlink/codec';
import type { CryptoProvider } from 'xlink/crypto';
import { xlinkError } from 'xlink/errors';
import {
  createIdentityDocument,
  documentKeysFromSeed,
  type EnvelopeVersion,
  identityDocumentToJson,
  keyIdOf,
} from 'xlink/identity';
import { type ArtifactFormat, encodeArtifact } from './artifacts.js';
import type { ManifestEntry } from './manifest.js';

/** Envelope versions every device document lists. */
export const DEVICE_VERSIONS: readonly EnvelopeVersion[] = ['signed', 'v1', 'v2'];

/** What every device of a batch shares. */
export interface DeviceSpec {
  readonly product: string;
  readonly batch: string;
  readonly scopes: readonly string[];
  readonly format: ArtifactFormat;
}

export interface DeviceJob {
  readonly serial: string;
  readonly seed: Uint8Array;
  readonly createdAt: number;
}

export interface DerivedDevice {
  readonly entry: ManifestEntry;
  /** The clear artifact: it holds the seed. */
  readonly artifact: Uint8Array;
}

export async function deriveDevice(job: DeviceJob, spec: DeviceSpec, crypto: CryptoProvider): Promise<DerivedDevice> {
  const { serial, seed, createdAt } = job;
  const derived = await documentKeysFromSeed(seed, { crypto });
  if (!derived.ok) throw xlinkError(derived.error.code, derived.error.message);
  const keys = derived.value;
  const document = await createIdentityDocument(keys, {
    crypto,
    versions: DEVICE_VERSIONS,
    sequence: 1,
    issuedAt: createdAt,
  });
  const kid = await keyIdOf(keys.ed25519.publicKey, { crypto });
  const artifact = encodeArtifact(spec.format, { seed, ed25519Seed: keys.ed25519.secretKey, kid }, serial);
  seed.fill(0);
  keys.ed25519.secretKey.fill(0);
  const entry: ManifestEntry = {
    serial,
    did: keys.did,
    kid: bytesToHex(kid),
    document: identityDocumentToJson(document),
    product: spec.product,
    batch: spec.batch,
    scopes: [...spec.scopes],
    createdAt,
  };
  return { entry, artifact };
}
