/**
 * End-of-line verification: derive the DID from a burned (or to-be-burned)
 * artifact and check it against the manifest and the registry, as a test jig
 * does before a device ships.
 *
 *   const checked = await verifyArtifact('B7-000001.bin', bytes, { manifest, registry, crypto });
 *   // { serial, did, format, sealed } or PROVISION_VERIFY_FAILED / PROVISION_ARTIFACT_INVALID
 *
 * The DID is derived exactly as a device derives it (signingKeyFromSeed, the
 * same key as Agent.fromSeed). Checks: the manifest lists that DID; the
 * serial it lists is the one the file is named for (and, for the Moddable
 * form, the one inside it); the registry, when given, resolves the DID
 * (operator signature included, if the registry checks one) and it is not
 * revoked.
 */
import { basename } from 'node:path';
import { equalBytes } from 'xlink/codec';
import type { CryptoProvider } from 'xlink/crypto';
import { quote, xlinkError } from 'xlink/errors';
import { type DocumentKeys, didFromEd25519PublicKey, signingKeyFromSeed } from 'xlink/identity';
import type { TrustRegistry } from 'xlink/registry';
import { ARTIFACT_EXTENSIONS, type ArtifactFormat, decodeArtifact } from './artifacts.js';
import type { ManifestEntry } from './manifest.js';
import { openArtifact, SEALED_EXTENSION } from './sealing.js';

export interface VerifiedArtifact {
  readonly serial: string;
  readonly did: string;
  readonly format: ArtifactFormat;
  readonly sealed: boolean;
}

export interface VerifyArtifactOptions {
  /** Manifest entries by DID. */
  readonly manifest: ReadonlyMap<string, ManifestEntry>;
  readonly registry?: TrustRegistry;
  /** Opens sealed artifacts. */
  readonly station?: DocumentKeys;
  readonly operatorDid?: string;
  readonly crypto: CryptoProvider;
}

/** Seals start with CBOR tag 18 (0xd2): no clear artifact does. */
const SEALED_FIRST_BYTE = 0xd2;

export async function verifyArtifact(
  path: string,
  bytes: Uint8Array,
  options: VerifyArtifactOptions,
): Promise<VerifiedArtifact> {
  const { manifest, registry, station, crypto } = options;
  const sealed = path.endsWith(SEALED_EXTENSION) || bytes[0] === SEALED_FIRST_BYTE;
  let clear = bytes;
  if (sealed) {
    if (station === undefined) {
      throw xlinkError('PROVISION_ARTIFACT_INVALID', `${path} is sealed: give the station key to open it`, {
        field: 'station-key',
      });
    }
    clear = (await openArtifact(bytes, { station, operatorDid: options.operatorDid, crypto })).artifact;
  }
  const decoded = decodeArtifact(clear);
  const key = await signingKeyFromSeed(decoded.seed, { crypto });
  decoded.seed.fill(0);
  if (!key.ok) throw xlinkError('PROVISION_ARTIFACT_INVALID', `${path}: ${key.error.message}`);
  const did = didFromEd25519PublicKey(key.value.signer.publicKey);
  const mismatch = (why: string): Error =>
    xlinkError('PROVISION_VERIFY_FAILED', `${path} (${did}): ${why}`, { field: 'artifact' });
  // A device form's own Ed25519 secret and kid are what a constrained target signs with: they must be the seed's.
  if (decoded.ed25519Seed !== undefined) {
    const signer = await crypto.ed25519Signer(decoded.ed25519Seed);
    decoded.ed25519Seed.fill(0);
    if (!equalBytes(signer.publicKey, key.value.signer.publicKey))
      throw mismatch('its "ed25519" key is not the seed\'s');
  }
  if (decoded.kid !== undefined && !equalBytes(decoded.kid, key.value.kid))
    throw mismatch('its "kid" is not the seed\'s');
  const entry = manifest.get(did);
  if (entry === undefined) throw mismatch('the manifest does not list this DID');
  const named = serialOfFileName(basename(path), decoded.format);
  if (named !== undefined && named !== entry.serial) {
    throw mismatch(`the file is named for ${quote(named)} but the manifest gives this DID to ${quote(entry.serial)}`);
  }
  if (decoded.serial !== undefined && decoded.serial !== entry.serial) {
    throw mismatch(
      `the artifact names ${quote(decoded.serial)} but the manifest gives this DID to ${quote(entry.serial)}`,
    );
  }
  if (registry !== undefined) {
    const resolved = await registry.resolve(did);
    if (!resolved.ok) throw mismatch(`the registry refuses it: ${resolved.error.code}: ${resolved.error.message}`);
    if (resolved.value.revoked !== undefined)
      throw mismatch(`revoked in the registry: ${quote(resolved.value.revoked.reason)}`);
  }
  return { serial: entry.serial, did, format: decoded.format, sealed };
}

/** The serial a conventional artifact name carries, or undefined for a name that does not follow it. */
function serialOfFileName(name: string, format: ArtifactFormat): string | undefined {
  const clear = name.endsWith(SEALED_EXTENSION) ? name.slice(0, -SEALED_EXTENSION.length) : name;
  const extension = ARTIFACT_EXTENSIONS[format];
  return clear.endsWith(extension) ? clear.slice(0, -extension.length) : undefined;
}
