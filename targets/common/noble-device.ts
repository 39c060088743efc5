/**
 * The device of engines with BigInt and no native Ed25519 (Moddable XS,
 * QuickJS): noble's signer over the board's random source, with the key that
 * provisioning prepared from the factory seed.
 *
 *   const device = createNobleDevice({ key, random: (n) => board.rng(n), audience, storage, publish });
 *   device.telemetry(reading); // synchronous with synchronous storage and publish
 *
 * The key arrives prepared (the Ed25519 seed and kid that `signingKeyFromSeed`
 * derives at the factory), so the bundle carries no HKDF or SHA-256: that is
 * what keeps it inside the 45 KB budget. `baseWindow` is noble's base-point
 * table width: 1 by default, the choice that fits an ESP32's heap
 * (BENCHMARKS.md, devices: the time/memory table).
 */
import { nobleEd25519Signing } from 'xlink/crypto/noble/ed25519';
import { createDevice, type Device, type DeviceParts } from 'xlink/device';
import { checkedRandomSource, type RandomSource } from 'xlink/platform';

/** What provisioning writes into a device: its Ed25519 seed and key id, both derived from the factory seed. */
export interface ProvisionedKey {
  readonly ed25519Seed: Uint8Array;
  readonly kid: Uint8Array;
}

export interface NobleDeviceOptions extends DeviceParts {
  readonly key: ProvisionedKey;
  /** The board's random source: blinds every secret multiplication; a failure throws RANDOM_SOURCE_FAILED. */
  readonly random: RandomSource;
  /** noble's base-point table width; default 1 (no table: least memory). */
  readonly baseWindow?: number;
}

export const DEFAULT_BASE_WINDOW = 1;

export function createNobleDevice(options: NobleDeviceOptions): Device {
  const signing = nobleEd25519Signing(checkedRandomSource(options.random), {
    baseWindow: options.baseWindow ?? DEFAULT_BASE_WINDOW,
  });
  const signer = signing.ed25519Signer(options.key.ed25519Seed);
  return createDevice({ ...options, keys: { kid: options.key.kid, signer } });
}
