/**
 * The Espruino target, for ES5 engines without BigInt (Espruino, Duktape):
 * built into one minified ES5 file and a ready `Modules.addCached` wrapper
 * (dist/targets/espruino/). Signs with @stablelib/ed25519, which needs no
 * randomness, so the target takes no random source at all.
 *
 *   var xlink = require('xlink-device');
 *   var device = xlink.createEspruinoDevice({ key: key, audience: 'acme-fleet',
 *     storage: xlink.espruinoStorage(require('Storage')), publish: xlink.base64Publish(mqtt, 'xlink/telemetry') });
 *   device.telemetry(new Uint8Array([1, 2])); // synchronous: Espruino has no Promise worth the RAM
 *
 * Espruino boards and the rates they can sign at, and the HMAC profile for
 * those that cannot: docs/devices.md.
 */
import { stablelibEd25519Signing } from 'xlink/crypto/stablelib/ed25519';
import { createDevice, type Device, type DeviceParts } from 'xlink/device';

export interface ProvisionedKey {
  readonly ed25519Seed: Uint8Array;
  readonly kid: Uint8Array;
}

export interface EspruinoDeviceOptions extends DeviceParts {
  readonly key: ProvisionedKey;
}

export function createEspruinoDevice(options: EspruinoDeviceOptions): Device {
  const signer = stablelibEd25519Signing().ed25519Signer(options.key.ed25519Seed);
  // The options object itself, keys added, rather than a spread copy: ES5 would carry a helper for the spread.
  return createDevice(Object.create(options, { keys: { value: { kid: options.key.kid, signer } } }));
}

export { base64, base64Publish, type EspruinoMqtt, type EspruinoStorageModule, espruinoStorage } from './glue.js';
