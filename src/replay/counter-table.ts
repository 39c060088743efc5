/**
 * The per-sender counter windows that the memory and file replay stores
 * share (not part of the public API).
 *
 *   const counters = new CounterTable(100_000, 64);
 *   if (counters.status(sender, 7) === 'new') counters.mark(sender, 7);
 *
 * Limits: at most `maxSenders` senders, and a sender's window is never
 * dropped (forgetting it would reopen every counter below its top). Not
 * synchronised: callers check and mark in one synchronous step.
 */
import type { ErrorDetail } from '../errors.js';
import { errorDetail } from '../errors.js';
import {
  type CounterStatus,
  counterStatusAt,
  createCounterWindow,
  markCounterAt,
  parseCounterWindow,
  serializeCounterWindowAt,
} from './counter-window.js';

/** Senders a table has room for before its arrays first double. */
const INITIAL_SENDERS = 64;

/**
 * Counter windows per sender, at most `maxSenders` of them; a sender's window
 * is never dropped. Every window lives in two shared typed arrays (its highest
 * counter, its bitmap words), so a sender costs its Map entry plus 8 + 4 ×
 * words bytes, not a CounterWindow object of ~300.
 */
export class CounterTable {
  readonly maxSenders: number;
  readonly windowSize: number;
  readonly #words: number;
  readonly #slots = new Map<string, number>();
  #tops = new Float64Array(INITIAL_SENDERS);
  #bits: Uint32Array;

  constructor(maxSenders: number, windowSize: number) {
    createCounterWindow(windowSize); // throws INVALID_ARGUMENT for a bad size, here rather than on a first counter
    this.maxSenders = maxSenders;
    this.windowSize = windowSize;
    this.#words = windowSize / 32;
    this.#bits = new Uint32Array(INITIAL_SENDERS * this.#words);
  }

  /** Senders with a window. */
  get size(): number {
    return this.#slots.size;
  }

  /** Senders with a window, in the order they first sent. */
  senders(): IterableIterator<string> {
    return this.#slots.keys();
  }

  /** What `counter` from `sender` would be; `full` when the sender is new and maxSenders have a window. */
  status(sender: string, counter: number): CounterStatus | 'full' {
    const slot = this.#slots.get(sender);
    if (slot === undefined) return this.#slots.size >= this.maxSenders ? 'full' : 'new';
    return counterStatusAt(this.#bits, slot * this.#words, this.#words, this.#tops[slot] as number, counter);
  }

  /** Records `counter`, whose status must be `new`. */
  mark(sender: string, counter: number): void {
    const slot = this.#slotOf(sender);
    this.#tops[slot] = markCounterAt(this.#bits, slot * this.#words, this.#words, this.#tops[slot] as number, counter);
  }

  /** The highest counter accepted from `sender`; -1 before the first. */
  top(sender: string): number {
    const slot = this.#slots.get(sender);
    return slot === undefined ? -1 : (this.#tops[slot] as number);
  }

  /** The sender's window as `serializeCounterWindow` text. */
  serialize(sender: string): string {
    const slot = this.#slotOf(sender);
    return serializeCounterWindowAt(this.#bits, slot * this.#words, this.#words, this.#tops[slot] as number);
  }

  /** Sets the sender's window from `serializeCounterWindow` text, regardless of capacity; false when malformed. */
  restore(sender: string, text: string): boolean {
    const window = parseCounterWindow(text, this.windowSize);
    if (window === undefined) return false;
    const slot = this.#slotOf(sender);
    this.#tops[slot] = window.top;
    this.#bits.set(window.bits, slot * this.#words);
    return true;
  }

  fullError(): ErrorDetail {
    return errorDetail(
      'REPLAY_STORE_FULL',
      `replay store holds counter windows for ${this.maxSenders} senders (maxSenders) and forgets none`,
    );
  }

  #slotOf(sender: string): number {
    const known = this.#slots.get(sender);
    if (known !== undefined) return known;
    const slot = this.#slots.size;
    if (slot === this.#tops.length) {
      const tops = new Float64Array(2 * slot);
      tops.set(this.#tops);
      this.#tops = tops;
      const bits = new Uint32Array(2 * slot * this.#words);
      bits.set(this.#bits);
      this.#bits = bits;
    }
    this.#tops[slot] = -1;
    this.#slots.set(sender, slot);
    return slot;
  }
}
