/**
 * `xlink/replay`: replay protection for receivers and counters for senders.
 * Portable (no Node built-ins); the file-backed store is in `xlink/replay/node`.
 *
 *   import { MemoryNonceStore, RedisNonceStore, CounterSequence } from 'xlink/replay';
 *   const store = new MemoryNonceStore();
 *   const reserved = await store.reserveNonce(senderDid, nonce, timestampMs);
 */

export type { CounterSequenceOptions } from './counter-sequence.js';
export { CounterSequence, DEFAULT_PERSIST_EVERY } from './counter-sequence.js';
export type { CounterStatus, CounterWindow } from './counter-window.js';
export {
  acceptCounterInWindow,
  counterStatus,
  createCounterWindow,
  DEFAULT_COUNTER_WINDOW,
  isCounter,
  isCounterWindowSize,
  MAX_COUNTER,
  MAX_COUNTER_WINDOW,
  markCounter,
  parseCounterWindow,
  serializeCounterWindow,
} from './counter-window.js';
export type { MemoryNonceStoreOptions } from './memory-nonce-store.js';
export { MemoryNonceStore } from './memory-nonce-store.js';
export type { NonceStore } from './nonce-store.js';
export type { RedisClient, RedisNonceStoreOptions } from './redis-nonce-store.js';
export { DEFAULT_KEY_PREFIX, DEFAULT_MAX_SKEW_MS, RedisNonceStore } from './redis-nonce-store.js';
export type { ReplayOptions } from './replay-state.js';
export {
  capacityFor,
  DEFAULT_CHECKS_PER_SECOND,
  DEFAULT_MAX_ENTRIES,
  DEFAULT_MAX_SENDERS,
  DEFAULT_REPLAY_WINDOW_MS,
} from './replay-state.js';
