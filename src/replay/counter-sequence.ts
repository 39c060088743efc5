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
 * `take()` is the same sequence without promises while the storage answers
 * synchronously, for engines that have none (Duktape, Espruino): it throws
 * where `next()` would reject.
 *
 * Limits: one sequence per storage key (two processes sharing one would
 * repeat counters); counters end at 2^53-1, after which `next()` throws
 * `COUNTER_EXHAUSTED`. A failed load or save throws `STORAGE_FAILED` (the
 * cause attached) and hands out nothing; the next call tries again.
 */
import { asciiEncode } from '../codec/bytes.js';
import { isXlinkError, quote, xlinkError } from '../errors.js';
import { type Awaitable, andThen, isPromiseLike } from '../platform/awaitable.js';
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

// TypeScript-private fields, not #fields: ES5 engines have no WeakMap to lower #fields to.
export class CounterSequence {
  readonly persistEvery: number;
  readonly key: string;
  private readonly storage: KeyValueStorage;
  /** The next counter to hand out; undefined until the storage was loaded. */
  private following: number | undefined;
  /** Counters below this are covered by the saved bound. */
  private reserved = 0;
  /** The tail of the queued `next()` calls; created on first use, so engines without Promise can construct one. */
  private queue: Promise<unknown> | undefined;
  /** Steps begun and not yet settled: a `take()` then queues behind them instead of running beside one. */
  private inFlight = 0;

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
    this.storage = storage;
    this.key = key;
    this.persistEvery = every;
  }

  /** The next counter; resolves only once the storage covers it. */
  next(): Promise<number> {
    this.inFlight++;
    const result = (this.queue ?? Promise.resolve()).then(() => this.step());
    // The queue continues after a failure: the next caller retries the load or save.
    this.queue = result.then(this.settled, this.settled);
    return result;
  }

  /**
   * The next counter, returned without a promise while the storage answers
   * synchronously (flash, preferences, MemoryKeyValueStorage): what engines
   * without Promise (Duktape, Espruino) call. With a storage that answers with
   * a promise, or while a `next()` waits, it is the promise `next()` gives.
   */
  take(): Awaitable<number> {
    if (this.inFlight > 0) return this.next();
    const counter = this.step();
    if (!isPromiseLike(counter)) return counter;
    this.inFlight++;
    this.queue = counter.then(this.settled, this.settled);
    return counter;
  }

  private readonly settled = (): void => {
    this.inFlight--;
  };

  private step(): Awaitable<number> {
    if (this.following !== undefined) return this.issue(this.following);
    return andThen(this.load(), (loaded) => {
      this.following = loaded;
      this.reserved = loaded;
      return this.issue(loaded);
    });
  }

  private issue(counter: number): Awaitable<number> {
    if (counter > MAX_COUNTER) {
      throw xlinkError('COUNTER_EXHAUSTED', 'every counter up to 2^53-1 was handed out');
    }
    if (counter < this.reserved) {
      this.following = counter + 1;
      return counter;
    }
    // counter + K may round above 2^53 (doubles); rounding never takes it below END, so min clamps it exactly.
    const bound = Math.min(counter + this.persistEvery, END);
    return andThen(
      // The bound as decimal digits, which are ASCII.
      this.guard('save', () => this.storage.set(this.key, asciiEncode(String(bound)) as Uint8Array)),
      () => {
        this.reserved = bound;
        this.following = counter + 1;
        return counter;
      },
    );
  }

  private load(): Awaitable<number> {
    return andThen(
      this.guard('load', () => this.storage.get(this.key)),
      (saved) => {
        if (saved === undefined) return 0;
        let text = '';
        for (let i = 0; i < saved.length; i++) text += String.fromCharCode(saved[i] as number);
        const bound = Number(text);
        // The round trip refuses digits a double would round (above 2^53).
        if (!BOUND_TEXT.test(text) || bound > END || String(bound) !== text) {
          throw xlinkError(
            'STORAGE_FAILED',
            `storage key "${this.key}" holds ${quote(text, 24)}, not a counter bound from 0 to 2^53`,
          );
        }
        return bound;
      },
    );
  }

  /** Runs a storage call; whatever it throws or rejects with, other than an XlinkError, becomes STORAGE_FAILED. */
  private guard<T>(action: string, run: () => Awaitable<T>): Awaitable<T> {
    const wrap = (cause: unknown): never => {
      if (isXlinkError(cause)) throw cause;
      throw xlinkError('STORAGE_FAILED', `counter storage ${action} failed: ${quote(String(cause), 200)}`, { cause });
    };
    let answer: Awaitable<T>;
    try {
      answer = run();
    } catch (cause) {
      return wrap(cause);
    }
    return isPromiseLike(answer) ? answer.then(undefined, wrap) : answer;
  }
}
