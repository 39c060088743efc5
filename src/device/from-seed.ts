/**
 * A device that holds only its factory seed and derives its keys at boot
 * (HKDF-SHA256, SHA-256 for the kid: `signingKeyFromSeed`), as simulated
 * devices and Node hosts do. Its own module: a provisioned device
 * (`createDevice({ keys })`) then carries no HKDF.
 *
 *   const device = await createDeviceFromSeed({ seed, crypto: createNodeCrypto(), audience, storage, publish });
 *
 * Rejects with the derivation's error (INVALID_SEED:LENGTH, INVALID_ARGUMENT
 * for a backend without the capability), else as createDevice throws.
 */
import type { Ed25519Signing, Hashing } from '../crypto/provider.js';
import { unwrap } from '../errors.js';
import { signingKeyFromSeed } from '../identity/derive.js';
import { createDevice, type Device, type DeviceParts } from './device.js';

export interface DeviceFromSeed extends DeviceParts {
  /** The 32-byte factory seed the identity derives from. */
  readonly seed: Uint8Array;
  readonly crypto: Hashing & Ed25519Signing;
}

export async function createDeviceFromSeed(options: DeviceFromSeed): Promise<Device> {
  const keys = unwrap(await signingKeyFromSeed(options?.seed, { crypto: options?.crypto }));
  return createDevice({ ...options, keys });
}
