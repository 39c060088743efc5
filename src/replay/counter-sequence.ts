/**
 * The sender side of counter mode: hands out increasing counters that are
 * never reused, even across a power cut, at one storage write per
 * `persistEvery` messages.
 *
 *   const counters = new CounterSequence(new FileCounterStorage({ path: 'ctr' }), { persistEvery: 100 });
 *   const ctr = await counters.next(); // 0, 1, 2, … ; after a reboot 100, 101, …
 *
 * The storage holds a bound R: no counter at or above R was handed out. Before
 * handing out a counter c >= R the sequence saves R = c + K and waits for the
 * save; a reboot loads R and starts there. So a crash loses at most K unused
 * counters and never repeats one, whenever the power goes. Concurrent `next()`
 * calls are served one after another, each a distinct counter.
 *
 * Limits: one sequence per storage (two processes sharing one storage would
 * repeat counters); counters end at 2^53-1, after which `next()` throws
 * `COUNTER_EXHAUSTED`. A failed load or save throws
 * `REPLAY_STORE_UNAVAILABLE` (the cause attached) and hands out nothing; the
 * next call tries again.
 */
import { isXlinkError, xlinkError } from '../errors.js';
import { MAX_COUNTER } from './counter-window.js';

/** Where the reserved bound lives: a file, flash, EEPROM, a KV store. */
export interface CounterStorage {
  /** The last saved bound, or undefined when nothing was ever saved. */
  load(): Promise<number | undefined>;
  /** Saves the bound durably: only when the promise resolves may counters below it be used. */
  save(reservedUpTo: number): Promise<void>;
}

export interface CounterSequenceOptions {
  /** K: counters reserved per storage write, and lost at most per reboot; default 100. */
  readonly persistEvery?: number;
}

export const DEFAULT_PERSIST_EVERY = 100;

/** One past the last counter: a saved bound may equal it once every counter is used. */
const END = MAX_COUNTER + 1;

function isBound(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= END;
}

export class CounterSequence {
  readonly persistEvery: number;
  private readonly storage: CounterStorage;
  /** The next counter to hand out; undefined until the storage was loaded. */
  private nextCounter: number | undefined;
  /** Counters below this are covered by the saved bound. */
  private reserved = 0;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(storage: CounterStorage, options: CounterSequenceOptions = {}) {
    if (storage === null || typeof storage?.load !== 'function' || typeof storage.save !== 'function') {
      throw xlinkError('INVALID_ARGUMENT', '"storage" expected { load(), save(reservedUpTo) }', { field: 'storage' });
    }
    const every = options.persistEvery ?? DEFAULT_PERSIST_EVERY;
    if (!Number.isSafeInteger(every) || every < 1) {
      throw xlinkError('INVALID_ARGUMENT', `"persistEvery" expected a positive safe integer, got ${String(every)}`, {
        field: 'persistEvery',
      });
    }
    this.storage = storage;
    this.persistEvery = every;
  }

  /** The next counter; resolves only once the storage covers it. */
  next(): Promise<number> {
    const result = this.queue.then(() => this.step());
    // The queue continues after a failure: the next caller retries the load or save.
    this.queue = result.catch(() => undefined);
    return result;
  }

  private async step(): Promise<number> {
    if (this.nextCounter === undefined) {
      const loaded = await this.guard('load', () => this.storage.load());
      if (loaded !== undefined && !isBound(loaded)) {
        throw xlinkError(
          'REPLAY_STORE_UNAVAILABLE',
          `counter storage holds ${String(loaded)}, expected an integer from 0 to 2^53`,
        );
      }
      this.nextCounter = loaded ?? 0;
      this.reserved = this.nextCounter;
    }
    const counter = this.nextCounter;
    if (counter > MAX_COUNTER) {
      throw xlinkError(
        'COUNTER_EXHAUSTED',
        'every counter up to 2^53-1 was handed out; this sender cannot use counters',
      );
    }
    if (counter >= this.reserved) {
      // counter + K may round above 2^53 (doubles); rounding never takes it below END, so min clamps it exactly.
      const bound = Math.min(counter + this.persistEvery, END);
      await this.guard('save', () => this.storage.save(bound));
      this.reserved = bound;
    }
    this.nextCounter = counter + 1;
    return counter;
  }

  private async guard<T>(action: string, run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (cause) {
      if (isXlinkError(cause)) throw cause;
      throw xlinkError('REPLAY_STORE_UNAVAILABLE', `counter storage ${action} failed: ${String(cause)}`, { cause });
    }
  }
}
