/**
 * Device seeds: 32 bytes from the platform CSPRNG, or derived from a factory
 * master secret so that a lost artifact can be burned again.
 *
 *   const seed = randomSeed(crypto);
 *   const seed = await derivedSeed(master, { product: 'thermo', batch: 'B7', serial: 'B7-000001' }, crypto);
 *
 * Derivation: HKDF-SHA256 (RFC 5869) with ikm = the 32-byte master secret,
 * salt = utf8("xlink provisioning seed v1") and info = the fields product,
 * batch and serial, each as a 4-byte big-endian length and its UTF-8 bytes,
 * so no two field lists share an encoding ("ab"+"c" ≠ "a"+"bc"). FROZEN: a
 * test pins a known answer (test/provisioning/seeds.test.ts).
 *
 * The master secret's id, HMAC-SHA256(master, "xlink provisioning master id
 * v1") cut to 8 bytes, lets a journal tell which master made it without
 * holding anything that helps find the secret.
 */

import { bytesToHex, concatBytes, utf8Encode } from 'xlink/codec';
import type { Hashing, Randomness } from 'xlink/crypto';
import { xlinkError } from 'xlink/errors';
import { IDENTITY_SEED_LENGTH } from 'xlink/identity';

export const MASTER_SECRET_LENGTH = 32;
const SALT = utf8Encode('xlink provisioning seed v1');
const MASTER_ID_LABEL = utf8Encode('xlink provisioning master id v1');

export interface DeviceFields {
  readonly product: string;
  readonly batch: string;
  readonly serial: string;
}

export function randomSeed(crypto: Randomness): Uint8Array {
  return crypto.randomBytes(IDENTITY_SEED_LENGTH);
}

/** The HKDF info: each field length-prefixed. */
export function derivationInfo({ product, batch, serial }: DeviceFields): Uint8Array {
  return concatBytes(...[product, batch, serial].map(lengthPrefixed));
}

function lengthPrefixed(text: string): Uint8Array {
  const bytes = utf8Encode(text);
  const length = new Uint8Array(4);
  new DataView(length.buffer).setUint32(0, bytes.length);
  return concatBytes(length, bytes);
}

export async function derivedSeed(master: Uint8Array, fields: DeviceFields, crypto: Hashing): Promise<Uint8Array> {
  assertMasterSecret(master);
  return crypto.hkdfSha256(master, SALT, derivationInfo(fields), IDENTITY_SEED_LENGTH);
}

export async function masterSecretId(master: Uint8Array, crypto: Hashing): Promise<string> {
  assertMasterSecret(master);
  return bytesToHex((await crypto.hmacSha256(master, MASTER_ID_LABEL)).subarray(0, 8));
}

export function assertMasterSecret(master: unknown): asserts master is Uint8Array {
  if (master instanceof Uint8Array && master.length === MASTER_SECRET_LENGTH) return;
  throw xlinkError('PROVISION_INPUT_INVALID', `the master secret must be ${MASTER_SECRET_LENGTH} bytes`, {
    field: 'master',
  });
}
