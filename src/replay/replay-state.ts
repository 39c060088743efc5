/**
 * What the memory and file replay stores share (not part of the public API):
 * their options and defaults, the check-and-remember step over a nonce table
 * and the counter windows on a clock that never goes back, and the argument
 * rules and refusals every store (Redis too) words alike.
 *
 *   const state = new ReplayState(replayLimits(options), options.clock ?? systemClock);
 *   const refused = nonceArgumentError(sender, nonce, ts) ?? state.reserveNonce(sender, nonce, ts);
 *
 * Time is read through `nonDecreasing`: a wall clock that steps back (NTP
 * after running fast) must not bring back envelopes already refused as
 * stale, nor nonces already forgotten. The price, fail-closed: after a clock
 * ran far ahead, every timestamp looks old (TIMESTAMP_EXPIRED) until the wall
 * clock has caught up with the highest reading.
 */
import { bytesToHex } from '../codec/bytes.js';
import { NONCE_LENGTH } from '../envelope/header.js';
import type { ErrorDetail } from '../errors.js';
import { errorDetail, quote, xlinkError } from '../errors.js';
import { type Clock, nonDecreasing } from '../platform/clock.js';
import { CounterTable } from './counter-table.js';
import { type CounterStatus, DEFAULT_COUNTER_WINDOW, isCounter } from './counter-window.js';
import { NonceTable } from './nonce-table.js';

/** The receiver's default timestamp window (docs/protocol.md, "Receiving"). */
export const DEFAULT_REPLAY_WINDOW_MS = 30_000;
/** The rate the default capacity is sized for: a gateway verifying 12,000 envelopes a second. */
export const DEFAULT_CHECKS_PER_SECOND = 12_000;

/**
 * Nonces a store must hold to keep up with `checksPerSecond` fresh envelopes
 * under a window of `windowMs` (default 30 s): a nonce lives until its
 * timestamp plus the window, and a timestamp may be up to one window ahead of
 * the clock, so up to 2 × window. 12,000/s with 30 s: 720,000.
 */
export function capacityFor(options: { readonly checksPerSecond: number; readonly windowMs?: number }): number {
  const rate = options?.checksPerSecond;
  if (typeof rate !== 'number' || !Number.isFinite(rate) || rate <= 0) {
    throw xlinkError('INVALID_ARGUMENT', `"checksPerSecond" expected a positive number, got ${quote(rate)}`, {
      field: 'checksPerSecond',
    });
  }
  const windowMs = positiveInteger(options.windowMs, 'windowMs', DEFAULT_REPLAY_WINDOW_MS);
  return Math.ceil((rate * 2 * windowMs) / 1000);
}

/** Default `maxEntries` for the default window: capacityFor(12,000/s, 30 s) = 720,000. */
export const DEFAULT_MAX_ENTRIES: number = capacityFor({ checksPerSecond: DEFAULT_CHECKS_PER_SECOND });
export const DEFAULT_MAX_SENDERS = 100_000;

/** The options the memory and file stores share. */
export interface ReplayOptions {
  /** How long after its envelope's timestamp a nonce is remembered; default 30 000 ms. */
  readonly windowMs?: number;
  /**
   * Unexpired nonces held at most; default capacityFor({ checksPerSecond: 12_000, windowMs }),
   * 720 000 for the default window. 44 to 88 bytes each, allocated only as they arrive.
   */
  readonly maxEntries?: number;
  /** Senders whose counter window is held at most; default 100 000. */
  readonly maxSenders?: number;
  /** Counter window in bits, a multiple of 32 up to 1024; default 64. */
  readonly counterWindow?: number;
  /** Read through `nonDecreasing`; default the system clock. */
  readonly clock?: Clock;
}

/** The options, checked, with their defaults. */
export interface ReplayLimits {
  readonly windowMs: number;
  readonly maxEntries: number;
  readonly maxSenders: number;
  readonly counterWindow: number;
}

export function replayLimits(options: ReplayOptions): ReplayLimits {
  const windowMs = positiveInteger(options.windowMs, 'windowMs', DEFAULT_REPLAY_WINDOW_MS);
  return {
    windowMs,
    maxEntries: positiveInteger(
      options.maxEntries,
      'maxEntries',
      capacityFor({ checksPerSecond: DEFAULT_CHECKS_PER_SECOND, windowMs }),
    ),
    maxSenders: positiveInteger(options.maxSenders, 'maxSenders', DEFAULT_MAX_SENDERS),
    counterWindow: options.counterWindow ?? DEFAULT_COUNTER_WINDOW,
  };
}

/** Tables a store filled from storage, and the highest clock reading it had saved. */
export interface RestoredReplay {
  readonly nonces: NonceTable;
  readonly counters: CounterTable;
  readonly floor: number;
}

/** The nonces and counter windows of one store, checked on its non-decreasing clock. */
export class ReplayState {
  readonly windowMs: number;
  readonly nonces: NonceTable;
  readonly counters: CounterTable;
  /** The store's clock through `nonDecreasing`, starting at the restored floor. */
  readonly clock: Clock;

  constructor(limits: ReplayLimits, clock: Clock, restored?: RestoredReplay) {
    this.windowMs = limits.windowMs;
    this.nonces = restored?.nonces ?? new NonceTable(limits.maxEntries);
    this.counters = restored?.counters ?? new CounterTable(limits.maxSenders, limits.counterWindow);
    this.clock = nonDecreasing(checkedClock(clock), restored?.floor);
    if (restored !== undefined) this.nonces.purgeExpired(this.clock.now());
  }

  /** Checks the timestamp against the window and remembers (sender, nonce); the refusal, or undefined. */
  reserveNonce(sender: string, nonce: Uint8Array, timestampMs: number): ErrorDetail | undefined {
    const now = this.clock.now();
    const outside = timestampOutsideWindow(timestampMs, now, this.windowMs);
    if (outside !== undefined) return outside;
    const verdict = this.nonces.reserve(sender, nonce, timestampMs + this.windowMs, now);
    return verdict === 'ok' ? undefined : nonceRefusal(verdict, sender, nonce, this.nonces.maxEntries);
  }

  /** Accepts and records `counter` from `sender`; the refusal, or undefined. */
  acceptCounter(sender: string, counter: number): ErrorDetail | undefined {
    const { counters } = this;
    const status = counters.status(sender, counter);
    if (status === 'full') return counters.fullError();
    if (status !== 'new') return counterRefusal(status, sender, counter, counters.top(sender), counters.windowSize);
    counters.mark(sender, counter);
    return undefined;
  }
}

/** `clock` if it has a now(); INVALID_ARGUMENT otherwise. */
export function checkedClock(clock: unknown): Clock {
  if (typeof (clock as Clock | undefined)?.now === 'function') return clock as Clock;
  throw xlinkError('INVALID_ARGUMENT', `"clock" expected { now(): number }, got ${quote(clock)}`, { field: 'clock' });
}

export function positiveInteger(value: number | undefined, field: string, fallback: number): number {
  if (value === undefined) return fallback;
  if (Number.isSafeInteger(value) && value > 0) return value;
  throw xlinkError('INVALID_ARGUMENT', `"${field}" expected a positive safe integer, got ${quote(value)}`, { field });
}

export function closedError(closed: boolean, store: string): ErrorDetail | undefined {
  if (!closed) return undefined;
  return errorDetail('REPLAY_STORE_UNAVAILABLE', `${store} was closed; it remembers nothing more`);
}

function senderError(sender: unknown): ErrorDetail | undefined {
  if (typeof sender === 'string' && sender.length > 0) return undefined;
  return errorDetail('INVALID_ARGUMENT', `"sender" expected a non-empty string, got ${quote(sender)}`, 'sender');
}

function timestampError(timestampMs: unknown): ErrorDetail | undefined {
  if (typeof timestampMs === 'number' && Number.isSafeInteger(timestampMs) && timestampMs >= 0) return undefined;
  return errorDetail(
    'INVALID_ARGUMENT',
    `"timestampMs" expected a safe integer >= 0 (ms since the Unix epoch), got ${quote(timestampMs)}`,
    'timestampMs',
  );
}

export function nonceArgumentError(sender: unknown, nonce: unknown, timestampMs: unknown): ErrorDetail | undefined {
  const bad = senderError(sender);
  if (bad !== undefined) return bad;
  if (!(nonce instanceof Uint8Array)) {
    return errorDetail('INVALID_ARGUMENT', `"nonce" expected Uint8Array, got ${quote(nonce)}`, 'nonce');
  }
  if (nonce.length !== NONCE_LENGTH) {
    return errorDetail(
      'INVALID_LENGTH',
      `"nonce" expected Uint8Array of length ${NONCE_LENGTH}, got length=${nonce.length}`,
      'nonce',
    );
  }
  return timestampError(timestampMs);
}

export function counterArgumentError(sender: unknown, counter: unknown, timestampMs: unknown): ErrorDetail | undefined {
  const bad = senderError(sender);
  if (bad !== undefined) return bad;
  if (!isCounter(counter)) {
    return errorDetail(
      'INVALID_ARGUMENT',
      `"counter" expected a safe integer from 0 to 2^53-1, got ${quote(counter)}`,
      'counter',
    );
  }
  return timestampMs === undefined ? undefined : timestampError(timestampMs);
}

/** The receiver's rule |now - ts| <= windowMs, applied again so a store never holds a nonce too briefly. */
export function timestampOutsideWindow(timestampMs: number, now: number, windowMs: number): ErrorDetail | undefined {
  if (now - timestampMs > windowMs) {
    return errorDetail(
      'TIMESTAMP_EXPIRED',
      `envelope dated ${timestampMs} is ${now - timestampMs} ms old by this replay store's clock, which never goes back; it remembers nonces for ${windowMs} ms`,
    );
  }
  if (timestampMs - now > windowMs) {
    return errorDetail(
      'TIMESTAMP_EXPIRED:FUTURE',
      `envelope dated ${timestampMs} is ${timestampMs - now} ms ahead of this replay store's clock (window ${windowMs} ms)`,
    );
  }
  return undefined;
}

export function nonceRefusal(
  verdict: 'seen' | 'full',
  sender: string,
  nonce: Uint8Array,
  maxEntries: number,
): ErrorDetail {
  if (verdict === 'seen') {
    return errorDetail('REPLAY_DETECTED', `nonce ${bytesToHex(nonce)} was already used by ${quote(sender)}`);
  }
  return errorDetail(
    'REPLAY_STORE_FULL',
    `replay store holds ${maxEntries} unexpired nonces (maxEntries) and forgets none before they expire`,
  );
}

export function counterRefusal(
  status: Exclude<CounterStatus, 'new'>,
  sender: string,
  counter: number,
  top: number,
  windowSize: number,
): ErrorDetail {
  return errorDetail(
    'REPLAY_DETECTED:COUNTER',
    status === 'seen'
      ? `counter ${counter} from ${quote(sender)} was already accepted`
      : `counter ${counter} from ${quote(sender)} is below the window: highest accepted ${top}, window ${windowSize}`,
  );
}
