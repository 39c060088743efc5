/**
 * `xlink/device`: the firmware side. `createDevice` numbers, seals and
 * publishes readings on any engine; each target (targets/) injects its
 * signer, storage, clock and transport.
 *
 *   import { createDevice } from 'xlink/device';
 *   const device = createDevice({ keys, audience: 'acme-fleet', storage, publish });
 *   device.telemetry(reading); // sealed, published, returned
 *   const simulated = await createDeviceFromSeed({ seed, crypto, audience, storage, publish });
 */
export {
  createDevice,
  DEVICE_PERSIST_EVERY,
  DEVICE_STORAGE_DOMAIN,
  type Device,
  type DeviceFromKeys,
  type DeviceParts,
  type PublishedReading,
  type TelemetryOptions,
} from './device.js';
export { createEncryptedDevice, type EncryptedDeviceOptions } from './encrypted-device.js';
export { createDeviceFromSeed, type DeviceFromSeed } from './from-seed.js';
export { createMacDevice, type MacDeviceKeys, type MacDeviceOptions } from './mac-device.js';
