/**
 * A device of the telemetry MAC profile (envelope/telemetry-mac.ts): for
 * boards too small or slow to sign (Espruino Puck.js-class), it tags each
 * reading with HMAC-SHA256 under its per-device key, and the gateway attests.
 *
 *   const device = createMacDevice({ keys: { did, kid, mac }, audience: 'acme-fleet', storage, publish });
 *   device.telemetry(reading); // synchronous: HMAC over the board's native SHA-256
 *
 * `did` and `kid` are those of the device's Ed25519 identity, written by the
 * factory with the MAC key (the device never holds the signing key). Counter,
 * clock, publishing and failures as createDevice (device.ts).
 */
import { sealTelemetryMac, type TelemetryMacKey } from '../envelope/telemetry-mac.js';
import { xlinkError } from '../errors.js';
import { assembleDevice, type Device, type DeviceParts } from './device.js';

export interface MacDeviceKeys extends TelemetryMacKey {
  /** The device's did:key, as provisioning recorded it. */
  readonly did: string;
}

export interface MacDeviceOptions extends DeviceParts {
  readonly keys: MacDeviceKeys;
}

export function createMacDevice(options: MacDeviceOptions): Device {
  const keys = options?.keys;
  if (typeof keys?.mac !== 'function' || !(keys.kid instanceof Uint8Array) || typeof keys.did !== 'string') {
    throw xlinkError('INVALID_ARGUMENT', '"keys" expected { did, kid, mac } (provisioned)', { field: 'keys' });
  }
  return assembleDevice({ did: keys.did, kid: keys.kid }, (message) => sealTelemetryMac(keys, message), options);
}
