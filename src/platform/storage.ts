/**
 * Small key-value storage for device state that must survive a reboot: the
 * counter reservation, a provisioning marker. Flash on a device (Moddable
 * `preference`), a folder of files on Node (`FileKeyValueStorage`), memory in tests.
 *
 *   await storage.set('ctr', utf8Encode('1200'));
 *   const saved = await storage.get('ctr'); // Uint8Array | undefined
 *
 * Keys are 1 to 15 characters of a-z 0-9 . _ - starting with a letter or
 * digit, and values at most 4000 bytes: the limits of ESP32 NVS preferences,
 * so state written in a test fits every device. `set` resolves only once the
 * value is durable; a failure throws STORAGE_FAILED and leaves the old value.
 * Writes wear flash: callers write rarely (a counter reserves K values per write).
 */
import { quote, xlinkError } from '../errors.js';
import type { Awaitable } from './awaitable.js';

export interface KeyValueStorage {
  get(key: string): Awaitable<Uint8Array | undefined>;
  set(key: string, value: Uint8Array): Awaitable<void>;
  delete(key: string): Awaitable<void>;
}

export const STORAGE_KEY_MAX_LENGTH = 15;
export const STORAGE_VALUE_MAX_BYTES = 4000;

const KEY_PATTERN = /^[a-z0-9][a-z0-9._-]{0,14}$/;

/** Throws INVALID_ARGUMENT unless `key` is a key every storage can hold. */
export function assertStorageKey(key: unknown): asserts key is string {
  if (typeof key === 'string' && KEY_PATTERN.test(key)) return;
  throw xlinkError(
    'INVALID_ARGUMENT',
    `storage key expected 1 to ${STORAGE_KEY_MAX_LENGTH} characters of a-z 0-9 . _ -, got ${quote(key)}`,
    { field: 'key' },
  );
}

/** Throws INVALID_ARGUMENT unless `value` is a value every storage can hold. */
export function assertStorageValue(value: unknown): asserts value is Uint8Array {
  if (value instanceof Uint8Array && value.length <= STORAGE_VALUE_MAX_BYTES) return;
  throw xlinkError(
    'INVALID_ARGUMENT',
    `storage value expected a Uint8Array of at most ${STORAGE_VALUE_MAX_BYTES} bytes, got ${quote(value)}`,
    { field: 'value' },
  );
}

/** Storage in process memory, synchronous: for tests and simulated devices. Values are copied in and out. */
export class MemoryKeyValueStorage implements KeyValueStorage {
  readonly #values = new Map<string, Uint8Array>();

  get(key: string): Uint8Array | undefined {
    assertStorageKey(key);
    const value = this.#values.get(key);
    // new Uint8Array, not slice(): on a Node Buffer slice() is a view of the same memory.
    return value === undefined ? undefined : new Uint8Array(value);
  }

  set(key: string, value: Uint8Array): void {
    assertStorageKey(key);
    assertStorageValue(value);
    this.#values.set(key, new Uint8Array(value));
  }

  delete(key: string): void {
    assertStorageKey(key);
    this.#values.delete(key);
  }
}
