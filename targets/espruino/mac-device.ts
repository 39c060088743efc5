/**
 * The Espruino MAC target: the lightest credible profile, for boards that
 * cannot sign at their message rate (Puck.js: 2,630 variables against the
 * 3,500–5,000 an Ed25519 signature needs). HMAC-SHA256 over the board's
 * native SHA-256 under the per-device key; the gateway verifies and attests
 * (docs/devices.md, "The MAC profile"). Its own ES5 file: no Ed25519 code.
 *
 *   var xlink = require('xlink-mac-device');
 *   var sha256 = function (d) { return new Uint8Array(require('crypto').SHA256(d)); };
 *   var device = xlink.createEspruinoMacDevice({ key: key, sha256: sha256, audience: 'acme-fleet',
 *     storage: xlink.espruinoStorage(require('Storage')), publish: xlink.base64Publish(mqtt, 'xlink/telemetry') });
 */
import { hmacSha256Of } from 'xlink/crypto/hmac';
import { createMacDevice, type Device, type DeviceParts } from 'xlink/device';

export { base64, base64Publish, espruinoStorage } from './glue.js';

/** What provisioning writes: the MAC key (telemetryMacKeyFromSeed), and the kid and DID of the device's identity. */
export interface ProvisionedMacKey {
  readonly macKey: Uint8Array;
  readonly kid: Uint8Array;
  readonly did: string;
}

export interface EspruinoMacDeviceOptions extends DeviceParts {
  readonly key: ProvisionedMacKey;
  /** The board's one-shot SHA-256 (Espruino: `require('crypto').SHA256`, its ArrayBuffer wrapped in a Uint8Array). */
  readonly sha256: (data: Uint8Array) => Uint8Array;
}

export function createEspruinoMacDevice(options: EspruinoMacDeviceOptions): Device {
  const hmac = hmacSha256Of(options.sha256);
  const { macKey, kid, did } = options.key;
  // The options object itself, keys added, rather than a spread copy: ES5 would carry a helper for the spread.
  return createMacDevice(
    Object.create(options, { keys: { value: { did, kid, mac: (data: Uint8Array) => hmac(macKey, data) } } }),
  );
}
