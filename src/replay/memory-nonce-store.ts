/**
 * A replay store in process memory, for a single receiver process.
 *
 *   const store = new MemoryNonceStore({ windowMs: 30_000 });
 *   const reserved = await store.reserveNonce(senderDid, nonce, envelope.header.timestamp);
 *   if (!reserved.ok) return reserved; // REPLAY_DETECTED, REPLAY_STORE_FULL, …
 *
 * A nonce is remembered per (sender, nonce) until its envelope's timestamp
 * plus `windowMs` has passed; after that a receiver with the same window
 * refuses the envelope as stale, so forgetting it is safe. Set `windowMs` to at
 * least the receiver's timestamp window: the store refuses (`TIMESTAMP_EXPIRED`)
 * a timestamp further than `windowMs` from its clock, so a shorter window fails
 * closed rather than forgetting too early.
 *
 * Time is read through `nonDecreasing(clock)`: after the clock steps back
 * (NTP correcting a clock that ran fast), expiry and the window check still
 * use the highest reading, so an envelope refused as stale stays refused.
 *
 * Limits, all fail-closed:
 * - bounded: at `maxEntries` unexpired nonces (default capacityFor(12,000/s,
 *   windowMs): 720,000 for 30 s) or `maxSenders` counter states it refuses with
 *   `REPLAY_STORE_FULL` and never evicts a live entry; memory grows with what
 *   is held, not with the limit (under 90 bytes a nonce or a counter window,
 *   measured in BENCHMARKS.md; the sender strings are the caller's);
 * - a clock that ran far ahead makes the store refuse envelopes as stale
 *   (`TIMESTAMP_EXPIRED`) until the wall clock has caught up;
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
import { err, errorDetail, ok, quote } from '../errors.js';
import { systemClock } from '../platform/clock.js';
import type { NonceStore } from './nonce-store.js';
import {
  closedError,
  counterArgumentError,
  nonceArgumentError,
  type ReplayOptions,
  ReplayState,
  replayLimits,
} from './replay-state.js';

export type MemoryNonceStoreOptions = ReplayOptions;

export class MemoryNonceStore implements NonceStore {
  readonly windowMs: number;
  /** The clock reading at construction: envelopes dated before it are refused. */
  readonly startedAt: number;
  readonly #state: ReplayState;
  #closed = false;

  constructor(options: MemoryNonceStoreOptions = {}) {
    this.#state = new ReplayState(replayLimits(options), options.clock ?? systemClock);
    this.windowMs = this.#state.windowMs;
    this.startedAt = this.#state.clock.now();
  }

  /** Nonces held, expired ones not yet purged included. */
  get size(): number {
    return this.#state.nonces.size;
  }

  async reserveNonce(sender: string, nonce: Uint8Array, timestampMs: number): Promise<Result<void>> {
    const refused =
      closedError(this.#closed, 'MemoryNonceStore') ??
      nonceArgumentError(sender, nonce, timestampMs) ??
      this.#beforeStart(timestampMs) ??
      this.#state.reserveNonce(sender, nonce, timestampMs);
    return refused === undefined ? ok(undefined) : err(refused);
  }

  async acceptCounter(sender: string, counter: number, timestampMs: number | undefined): Promise<Result<void>> {
    const refused = closedError(this.#closed, 'MemoryNonceStore') ?? counterArgumentError(sender, counter, timestampMs);
    if (refused !== undefined) return err(refused);
    if (timestampMs === undefined) {
      return err(
        errorDetail(
          'REPLAY_DETECTED:UNVERIFIABLE',
          `counter ${counter} from ${quote(sender)} has no timestamp; a memory store cannot know whether it was used before it started`,
        ),
      );
    }
    const before = this.#beforeStart(timestampMs) ?? this.#state.acceptCounter(sender, counter);
    return before === undefined ? ok(undefined) : err(before);
  }

  async close(): Promise<void> {
    this.#closed = true;
  }

  #beforeStart(timestampMs: number): ErrorDetail | undefined {
    if (timestampMs >= this.startedAt) return undefined;
    return errorDetail(
      'REPLAY_DETECTED:BEFORE_START',
      `envelope dated ${timestampMs} predates this memory store's start at ${this.startedAt}; it may have been accepted before a restart`,
    );
  }
}
