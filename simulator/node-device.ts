/**
 * The Node runtime's FleetDevice: `createDevice` / `createDeviceFromSeed`
 * from `xlink/device`, the firmware code itself, with its own memory storage
 * and counter. The run's clock is the device's clock; a fault may date one
 * reading otherwise (stale, future). Readings of one device are sealed one
 * at a time, so such an override never leaks into another reading.
 *
 *   const device = await createNodeFleetDevice({ serial, seed }, { audience: 'acme', clock });
 *   const bytes = await device.telemetry(utf8Encode('{"seq":0}'), { scope: 'telemetry' });
 */
import { bytesToHex } from 'xlink/codec';
import type { CryptoProvider } from 'xlink/crypto';
import { createNodeCrypto } from 'xlink/crypto/node';
import { createDevice, createDeviceFromSeed, type Device } from 'xlink/device';
import { MemoryKeyValueStorage } from 'xlink/platform';
import type { FleetDevice, FleetDeviceFactory, FleetDeviceOptions, FleetDeviceSecrets } from './fleet-device.js';

const crypto: CryptoProvider = createNodeCrypto();

export const createNodeFleetDevice: FleetDeviceFactory = async (secrets, options) => {
  let override: number | undefined;
  const clock = { now: () => override ?? options.clock.now() };
  const build = (): Promise<Device> => buildDevice(secrets, options, clock);
  let device = await build();
  let queue: Promise<unknown> = Promise.resolve();
  const serial = <T>(work: () => Promise<T>): Promise<T> => {
    const next = queue.then(work);
    queue = next.catch(() => undefined);
    return next;
  };
  const fleetDevice: FleetDevice = {
    serial: secrets.serial,
    runtime: 'node',
    did: device.did,
    deviceId: bytesToHex(device.kid),
    telemetry: (payload, reading) =>
      serial(async () => {
        override = reading.timestamp;
        try {
          return await device.telemetry(payload, { scope: reading.scope, kind: 'json' });
        } finally {
          override = undefined;
        }
      }),
    // A factory reset: fresh storage, so the counter starts over as after the first boot.
    resetCounter: () =>
      serial(async () => {
        device = await build();
      }),
    close: async () => {
      await queue;
    },
  };
  return fleetDevice;
};

async function buildDevice(
  secrets: FleetDeviceSecrets,
  options: FleetDeviceOptions,
  clock: { now(): number },
): Promise<Device> {
  const parts = {
    audience: options.audience,
    storage: new MemoryKeyValueStorage(),
    clock,
    publish: () => undefined, // the fleet publishes the returned bytes on the device's connection
  };
  // The device forms of an artifact carry the Ed25519 secret and kid: build as a constrained target does.
  if (secrets.ed25519Seed !== undefined && secrets.kid !== undefined) {
    return createDevice({
      ...parts,
      keys: { kid: secrets.kid, signer: await crypto.ed25519Signer(secrets.ed25519Seed) },
    });
  }
  return createDeviceFromSeed({ ...parts, seed: secrets.seed, crypto });
}
