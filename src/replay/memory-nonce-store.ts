/**
 * A replay store in process memory, for a single receiver process.
 *
 *   const store = new MemoryNonceStore({ windowMs: 30_000 });
 *   const reserved = await store.reserveNonce(senderDid, nonce, envelope.timestampMs);
 *   if (!reserved.ok) return reserved; // REPLAY_DETECTED, REPLAY_STORE_FULL, …
 *
 * A nonce is remembered per (sender, nonce) until its envelope's timestamp
 * plus `windowMs` has passed; after that a receiver with the same window
 * refuses the envelope as stale, so forgetting it is safe. Set `windowMs` to at
 * least the receiver's timestamp window: the store refuses (`TIMESTAMP_EXPIRED`)
 * a timestamp further than `windowMs` from its clock, so a shorter window fails
 * closed rather than forgetting too early.
 *
 * Limits, all fail-closed:
 * - bounded: at `maxEntries` unexpired nonces (or `maxSenders` counter states)
 *   it refuses with `REPLAY_STORE_FULL` and never evicts a live entry;
 * - forgets on restart: an envelope dated before the store was created is
 *   refused (`REPLAY_DETECTED:BEFORE_START`), since it may have been accepted by
 *   the previous process, and a counter without a timestamp is refused
 *   (`REPLAY_DETECTED:UNVERIFIABLE`), since nothing proves it was not used
 *   before the restart. Residual risk: an envelope dated up to `windowMs` in the
 *   future (sender clock ahead), accepted just before a restart, is dated after
 *   the start and can be replayed once after it. Use the file or Redis store
 *   where that matters, or where several processes receive for one identity;
 * - no timers: expired entries are purged a few at a time on each call, and
 *   swept in full only when the store is full.
 */
import type { ErrorDetail, Result } from '../errors.js';
import { err, errorDetail, ok } from '../errors.js';
import type { Clock } from '../platform/clock.js';
import { systemClock } from '../platform/clock.js';
import { counterStatus, DEFAULT_COUNTER_WINDOW, markCounter } from './counter-window.js';
import type { NonceStore } from './nonce-store.js';
import {
  CounterTable,
  closedError,
  counterArgumentError,
  counterRefusal,
  DEFAULT_MAX_ENTRIES,
  DEFAULT_MAX_SENDERS,
  DEFAULT_REPLAY_WINDOW_MS,
  NonceTable,
  nonceArgumentError,
  nonceKey,
  nonceRefusal,
  positiveInteger,
  timestampOutsideWindow,
} from './replay-tables.js';

export interface MemoryNonceStoreOptions {
  /** How long after its envelope's timestamp a nonce is remembered; default 30 000 ms. */
  readonly windowMs?: number;
  /** Unexpired nonces held at most; default 100 000 (about 140 bytes each with a did:key sender). */
  readonly maxEntries?: number;
  /** Senders whose counter window is held at most; default 100 000. */
  readonly maxSenders?: number;
  /** Counter window in bits, a multiple of 32 up to 1024; default 64. */
  readonly counterWindow?: number;
  readonly clock?: Clock;
}

export class MemoryNonceStore implements NonceStore {
  readonly windowMs: number;
  /** The clock reading at construction: envelopes dated before it are refused. */
  readonly startedAt: number;
  private readonly clock: Clock;
  private readonly nonces: NonceTable;
  private readonly counters: CounterTable;
  private closed = false;

  constructor(options: MemoryNonceStoreOptions = {}) {
    this.windowMs = positiveInteger(options.windowMs, 'windowMs', DEFAULT_REPLAY_WINDOW_MS);
    this.nonces = new NonceTable(positiveInteger(options.maxEntries, 'maxEntries', DEFAULT_MAX_ENTRIES));
    this.counters = new CounterTable(
      positiveInteger(options.maxSenders, 'maxSenders', DEFAULT_MAX_SENDERS),
      options.counterWindow ?? DEFAULT_COUNTER_WINDOW,
    );
    this.clock = options.clock ?? systemClock;
    this.startedAt = this.clock.now();
  }

  /** Nonces held, expired ones not yet purged included. */
  get size(): number {
    return this.nonces.size;
  }

  async reserveNonce(sender: string, nonce: Uint8Array, timestampMs: number): Promise<Result<void>> {
    const refused =
      closedError(this.closed, 'MemoryNonceStore') ??
      nonceArgumentError(sender, nonce, timestampMs) ??
      this.beforeStart(timestampMs);
    if (refused !== undefined) return err(refused);
    const now = this.clock.now();
    const outside = timestampOutsideWindow(timestampMs, now, this.windowMs);
    if (outside !== undefined) return err(outside);
    const verdict = this.nonces.reserve(nonceKey(sender, nonce), timestampMs + this.windowMs, now);
    return verdict === 'ok' ? ok(undefined) : err(nonceRefusal(verdict, sender, nonce, this.nonces.maxEntries));
  }

  async acceptCounter(sender: string, counter: number, timestampMs: number | undefined): Promise<Result<void>> {
    const refused = closedError(this.closed, 'MemoryNonceStore') ?? counterArgumentError(sender, counter, timestampMs);
    if (refused !== undefined) return err(refused);
    if (timestampMs === undefined) {
      return err(
        errorDetail(
          'REPLAY_DETECTED:UNVERIFIABLE',
          `counter ${counter} from ${sender} has no timestamp; a memory store cannot know whether it was used before it started`,
        ),
      );
    }
    const before = this.beforeStart(timestampMs);
    if (before !== undefined) return err(before);
    const window = this.counters.get(sender);
    if (window === undefined) return err(this.counters.fullError());
    const status = counterStatus(window, counter);
    if (status !== 'new') return err(counterRefusal(status, sender, counter, window));
    markCounter(window, counter);
    this.counters.commit(sender, window);
    return ok(undefined);
  }

  async close(): Promise<void> {
    this.closed = true;
  }

  private beforeStart(timestampMs: number): ErrorDetail | undefined {
    if (timestampMs >= this.startedAt) return undefined;
    return errorDetail(
      'REPLAY_DETECTED:BEFORE_START',
      `envelope dated ${timestampMs} predates this memory store's start at ${this.startedAt}; it may have been accepted before a restart`,
    );
  }
}
