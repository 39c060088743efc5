/**
 * The Node target: devices simulated on a host, CLIs and gateways' test
 * senders, with node:crypto and files for the counter.
 *
 *   const device = await createNodeDevice({ seed, directory: './state', audience: 'acme-fleet',
 *     publish: (bytes) => mqttClient.publishAsync('xlink/telemetry', Buffer.from(bytes), { qos: 1 }) });
 *   await device.telemetry(reading);
 *
 * Derives the keys from the factory seed (HKDF-SHA256, as provisioning does),
 * keeps the counter in `directory` through crash-safe file writes, and stamps
 * readings with the system clock. Any publish works; mqtt.js's publishAsync
 * with QoS 1 is what the gateway's tests use.
 */
import { createNodeCrypto } from 'xlink/crypto/node';
import { createDeviceFromSeed, type Device, type DeviceParts } from 'xlink/device';
import { systemClock } from 'xlink/platform';
import { FileKeyValueStorage } from 'xlink/platform/node';

export interface NodeDeviceOptions extends Omit<DeviceParts, 'storage' | 'clock'> {
  readonly seed: Uint8Array;
  /** The folder that keeps the counter's bound. */
  readonly directory: string;
}

export function createNodeDevice(options: NodeDeviceOptions): Promise<Device> {
  return createDeviceFromSeed({
    ...options,
    crypto: createNodeCrypto(),
    storage: new FileKeyValueStorage({ directory: options.directory }),
    clock: systemClock,
  });
}
