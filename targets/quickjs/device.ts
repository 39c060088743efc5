/**
 * The QuickJS target: an ES module for QuickJS-class embedders, which have
 * BigInt but no Web Crypto. The embedder supplies the random source (its
 * platform's CSPRNG), storage and a publish function; docs/devices.md shows a
 * `qjs` host.
 *
 *   import { createNobleDevice } from './xlink-device.js';
 *   const device = createNobleDevice({ key, random, audience: 'acme-fleet', storage, publish });
 */
export {
  createNobleDevice,
  DEFAULT_BASE_WINDOW,
  type NobleDeviceOptions,
  type ProvisionedKey,
} from '../common/noble-device.js';
