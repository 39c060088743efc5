/**
 * The sender side of counter mode: hands out increasing counters that are
 * never reused, even across a power cut, at one storage write per
 * `persistEvery` messages.
 *
 *   const counters = new CounterSequence({ storage: new FileKeyValueStorage({ directory }), persistEvery: 100 });
 *   const ctr = await counters.next(); // 0, 1, 2, … ; after a reboot 100, 101, …
 *
 * The storage holds a bound R under `key` (decimal ASCII): no counter at or
 * above R was handed out. Before handing out a counter c >= R the sequence
 * saves R = c + K and waits for the save; a reboot loads R and starts there
 * (the jump-ahead rule). So a crash loses at most K unused counters and never
 * repeats one, whenever the power goes. Concurrent `next()` calls are served
 * one after another, each a distinct counter. Choose K for the medium: flash
 * (ESP32 NVS) wears with every write, so K = 100 at one message a minute is
 * one write every 100 minutes.
 *
 * Limits: one sequence per storage key (two processes sharing one would
 * repeat counters); counters end at 2^53-1, after which `next()` throws
 * `COUNTER_EXHAUSTED`. A failed load or save throws `STORAGE_FAILED` (the
 * cause attached) and hands out nothing; the next call tries again.
 */
import { isXlinkError, quote, xlinkError } from '../errors.js';
import { assertStorageKey, type KeyValueStorage } from '../platform/storage.js';
import { MAX_COUNTER } from './counter-window.js';

export interface CounterSequenceOptions {
  /** Where the reserved bound lives: flash, a file, EEPROM. */
  readonly storage: KeyValueStorage;
  /** The storage key; default "ctr". */
  readonly key?: string;
  /** K: counters reserved per storage write, and lost at most per reboot; default 100. */
  readonly persistEvery?: number;
}

export const DEFAULT_PERSIST_EVERY = 100;
const DEFAULT_KEY = 'ctr';

/** One past the last counter: a saved bound may equal it once every counter is used. */
const END = MAX_COUNTER + 1;
const BOUND_TEXT = /^(0|[1-9][0-9]{0,15})$/;

export class CounterSequence {
  readonly persistEvery: number;
  readonly key: string;
  readonly #storage: KeyValueStorage;
  /** The next counter to hand out; undefined until the storage was loaded. */
  #next: number | undefined;
  /** Counters below this are covered by the saved bound. */
  #reserved = 0;
  #queue: Promise<unknown> = Promise.resolve();

  constructor(options: CounterSequenceOptions) {
    const storage = options?.storage;
    if (typeof storage?.get !== 'function' || typeof storage.set !== 'function') {
      throw xlinkError('INVALID_ARGUMENT', '"storage" expected a KeyValueStorage { get, set, delete }', {
        field: 'storage',
      });
    }
    const key = options.key ?? DEFAULT_KEY;
    assertStorageKey(key);
    const every = options.persistEvery ?? DEFAULT_PERSIST_EVERY;
    if (!Number.isSafeInteger(every) || every < 1) {
      throw xlinkError('INVALID_ARGUMENT', `"persistEvery" expected a positive safe integer, got ${quote(every)}`, {
        field: 'persistEvery',
      });
    }
    this.#storage = storage;
    this.key = key;
    this.persistEvery = every;
  }

  /** The next counter; resolves only once the storage covers it. */
  next(): Promise<number> {
    const result = this.#queue.then(() => this.#step());
    // The queue continues after a failure: the next caller retries the load or save.
    this.#queue = result.catch(() => undefined);
    return result;
  }

  async #step(): Promise<number> {
    if (this.#next === undefined) {
      this.#next = await this.#load();
      this.#reserved = this.#next;
    }
    const counter = this.#next;
    if (counter > MAX_COUNTER) {
      throw xlinkError(
        'COUNTER_EXHAUSTED',
        'every counter up to 2^53-1 was handed out; this sender cannot use counters',
      );
    }
    if (counter >= this.#reserved) {
      // counter + K may round above 2^53 (doubles); rounding never takes it below END, so min clamps it exactly.
      const bound = Math.min(counter + this.persistEvery, END);
      await this.#guard('save', () => this.#storage.set(this.key, encodeBound(bound)));
      this.#reserved = bound;
    }
    this.#next = counter + 1;
    return counter;
  }

  async #load(): Promise<number> {
    const saved = await this.#guard('load', () => this.#storage.get(this.key));
    if (saved === undefined) return 0;
    const text = String.fromCharCode(...saved);
    const bound = Number(text);
    // The round trip refuses digits a double would round (above 2^53).
    if (!BOUND_TEXT.test(text) || bound > END || String(bound) !== text) {
      throw xlinkError(
        'STORAGE_FAILED',
        `storage key "${this.key}" holds ${quote(text, 24)}, not a counter bound from 0 to 2^53`,
      );
    }
    return bound;
  }

  async #guard<T>(action: string, run: () => T | Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (cause) {
      if (isXlinkError(cause)) throw cause;
      throw xlinkError('STORAGE_FAILED', `counter storage ${action} failed: ${quote(String(cause), 200)}`, { cause });
    }
  }
}

function encodeBound(bound: number): Uint8Array {
  const text = String(bound);
  const bytes = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i);
  return bytes;
}
