/**
 * `xlink/platform`: what xlink asks of the platform besides crypto, injected
 * at the entry point and never detected inside the core.
 *
 *   import { MemoryKeyValueStorage, VirtualClock, webRandomSource } from 'xlink/platform';
 *   const clock = new VirtualClock(Date.UTC(2026, 0, 1)); // tests and simulated fleets
 *
 * Clock and timer (time), random source (every nonce, IV, key and blinding
 * value), key-value storage (device state across reboots).
 */
export type { Awaitable } from './awaitable.js';
export { type Clock, nonDecreasing, systemClock } from './clock.js';
export { checkedRandomSource, type RandomSource, webRandomSource } from './random.js';
export {
  assertStorageKey,
  assertStorageValue,
  type KeyValueStorage,
  MemoryKeyValueStorage,
  STORAGE_KEY_MAX_LENGTH,
  STORAGE_VALUE_MAX_BYTES,
} from './storage.js';
export { systemTimer, type Timer, type TimerHandle } from './timer.js';
export { VirtualClock } from './virtual-clock.js';
