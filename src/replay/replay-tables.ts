/**
 * The state and argument rules the three replay stores share (not part of the
 * public API): the bounded nonce table with its expiry queue, the per-sender
 * counter windows, store keys, and the refusals every store words alike.
 *
 *   const nonces = new NonceTable(DEFAULT_MAX_ENTRIES);
 *   const refusal = nonceArgumentError(sender, nonce, timestampMs) ?? timestampOutsideWindow(timestampMs, now, windowMs);
 */
import { bytesToHex } from '../codec/bytes.js';
import { NONCE_LENGTH } from '../envelope/header.js';
import type { ErrorDetail } from '../errors.js';
import { errorDetail, xlinkError } from '../errors.js';
import type { CounterStatus, CounterWindow } from './counter-window.js';
import { createCounterWindow, isCounter } from './counter-window.js';

/** The receiver's default timestamp window (docs/protocol.md, "Receiving"). */
export const DEFAULT_REPLAY_WINDOW_MS = 30_000;
export const DEFAULT_MAX_ENTRIES = 100_000;
export const DEFAULT_MAX_SENDERS = 100_000;

/**
 * Unexpired nonces, keyed by sender and nonce, with their expiry times. Bounded:
 * `reserve` answers `full` rather than drop a live entry. A queue in insertion
 * order, which is nearly expiry order, lets each call purge the oldest two
 * entries if they expired; what arrived out of order waits for a full sweep,
 * run only when the table is full and something may have expired since the
 * last. (The queue is separate because deleting a Map's oldest entries leaves
 * holes that every later iteration from the front walks over: 10 µs per call
 * at 30,000 entries.)
 */
export class NonceTable {
  private readonly expiries = new Map<string, number>();
  private queueKeys: string[] = [];
  private queueExpiries: number[] = [];
  private head = 0;
  /** No entry expires before this; a sweep before then would find nothing. */
  private earliestExpiry = Number.POSITIVE_INFINITY;

  constructor(readonly maxEntries: number) {}

  get size(): number {
    return this.expiries.size;
  }

  /** Adds `key` unless present and unexpired (`seen`) or the table is full of unexpired entries (`full`). */
  reserve(key: string, expiresAt: number, now: number): 'ok' | 'seen' | 'full' {
    const existing = this.expiries.get(key);
    if (existing !== undefined) {
      // Expired at `expiresAt < now`: until then a receiver still accepts the envelope.
      if (existing >= now) return 'seen';
      this.expiries.delete(key);
    }
    this.purgeOldest(now, 2);
    if (this.expiries.size >= this.maxEntries && !this.sweep(now)) return 'full';
    this.restore(key, expiresAt);
    return 'ok';
  }

  /** Adds an entry regardless of capacity: reloading a log must not forget what it holds. */
  restore(key: string, expiresAt: number): void {
    this.expiries.set(key, expiresAt);
    this.queueKeys.push(key);
    this.queueExpiries.push(expiresAt);
    if (expiresAt < this.earliestExpiry) this.earliestExpiry = expiresAt;
    // Entries deleted other than through the queue stay in it; rebuild before it outgrows the table.
    if (this.queueKeys.length - this.head > 2 * this.maxEntries + 1024) this.rebuildQueue();
  }

  /** Removes `key` if it still expires at `expiresAt` (a reservation being rolled back). */
  release(key: string, expiresAt: number): void {
    if (this.expiries.get(key) === expiresAt) this.expiries.delete(key);
  }

  /** Every entry unexpired at `now`. */
  *live(now: number): IterableIterator<[key: string, expiresAt: number]> {
    for (const entry of this.expiries) if (entry[1] >= now) yield entry;
  }

  /** Pops up to `budget` expired entries from the front of the queue; stops at the first live one. */
  private purgeOldest(now: number, budget: number): void {
    const keys = this.queueKeys;
    const expiries = this.queueExpiries;
    while (budget-- > 0 && this.head < keys.length) {
      const expiresAt = expiries[this.head] as number;
      if (expiresAt >= now) break;
      const key = keys[this.head] as string;
      // The key may have been deleted, or reserved again with a later expiry, since it was queued.
      if (this.expiries.get(key) === expiresAt) this.expiries.delete(key);
      this.head++;
    }
    if (this.head > 1024 && this.head * 2 > keys.length) {
      this.queueKeys = keys.slice(this.head);
      this.queueExpiries = expiries.slice(this.head);
      this.head = 0;
    }
  }

  /** Drops every expired entry; true when that made room. */
  private sweep(now: number): boolean {
    if (this.earliestExpiry >= now) return false;
    let earliest = Number.POSITIVE_INFINITY;
    for (const [key, expiry] of this.expiries) {
      if (expiry < now) this.expiries.delete(key);
      else if (expiry < earliest) earliest = expiry;
    }
    this.earliestExpiry = earliest;
    this.rebuildQueue();
    return this.expiries.size < this.maxEntries;
  }

  private rebuildQueue(): void {
    this.queueKeys = [...this.expiries.keys()];
    this.queueExpiries = [...this.expiries.values()];
    this.head = 0;
  }
}

/** Counter windows per sender, at most `maxSenders` of them; a sender's window is never dropped. */
export class CounterTable {
  readonly windows: Map<string, CounterWindow> = new Map();
  private readonly spare: CounterWindow;

  constructor(
    readonly maxSenders: number,
    readonly windowSize: number,
  ) {
    // Validates the size once, here, rather than on a sender's first counter.
    this.spare = createCounterWindow(windowSize);
  }

  /**
   * The sender's window, or a fresh one to fill and then `commit`; undefined
   * when a new sender would exceed `maxSenders`.
   */
  get(sender: string): CounterWindow | undefined {
    const window = this.windows.get(sender);
    if (window !== undefined) return window;
    if (this.windows.size >= this.maxSenders) return undefined;
    return { top: -1, bits: this.spare.bits.slice() };
  }

  commit(sender: string, window: CounterWindow): void {
    this.windows.set(sender, window);
  }

  fullError(): ErrorDetail {
    return errorDetail(
      'REPLAY_STORE_FULL',
      `replay store holds counter windows for ${this.maxSenders} senders (maxSenders) and forgets none`,
    );
  }
}

/**
 * The table key of (sender, nonce): the 16 nonce bytes as 16 characters, then
 * the sender. Unambiguous for any sender, since the nonce part has a fixed
 * length; raw bytes rather than hex because building and hashing a 32-digit
 * hex string made up most of a reservation's time.
 */
export function nonceKey(sender: string, nonce: Uint8Array): string {
  return String.fromCharCode.apply(null, nonce as unknown as number[]) + sender;
}

/** The nonce of a `nonceKey`, in hex. */
export function nonceHexOfKey(key: string): string {
  let hex = '';
  for (let i = 0; i < NONCE_LENGTH; i++) hex += key.charCodeAt(i).toString(16).padStart(2, '0');
  return hex;
}

/** The sender of a `nonceKey`. */
export function senderOfKey(key: string): string {
  return key.slice(NONCE_LENGTH);
}

export function positiveInteger(value: number | undefined, field: string, fallback: number): number {
  if (value === undefined) return fallback;
  if (Number.isSafeInteger(value) && value > 0) return value;
  throw xlinkError('INVALID_ARGUMENT', `"${field}" expected a positive safe integer, got ${String(value)}`, { field });
}

export function closedError(closed: boolean, store: string): ErrorDetail | undefined {
  if (!closed) return undefined;
  return errorDetail('REPLAY_STORE_UNAVAILABLE', `${store} was closed; it remembers nothing more`);
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'object') return (value as object).constructor?.name ?? 'object';
  if (typeof value === 'number') return String(value);
  return typeof value;
}

function senderError(sender: unknown): ErrorDetail | undefined {
  if (typeof sender === 'string' && sender.length > 0) return undefined;
  return errorDetail('INVALID_ARGUMENT', `"sender" expected a non-empty string, got ${describe(sender)}`, 'sender');
}

function timestampError(timestampMs: unknown): ErrorDetail | undefined {
  if (typeof timestampMs === 'number' && Number.isSafeInteger(timestampMs) && timestampMs >= 0) return undefined;
  return errorDetail(
    'INVALID_ARGUMENT',
    `"timestampMs" expected a safe integer >= 0 (ms since the Unix epoch), got ${describe(timestampMs)}`,
    'timestampMs',
  );
}

export function nonceArgumentError(sender: unknown, nonce: unknown, timestampMs: unknown): ErrorDetail | undefined {
  const bad = senderError(sender);
  if (bad !== undefined) return bad;
  if (!(nonce instanceof Uint8Array)) {
    return errorDetail('INVALID_ARGUMENT', `"nonce" expected Uint8Array, got ${describe(nonce)}`, 'nonce');
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
      `"counter" expected a safe integer from 0 to 2^53-1, got ${describe(counter)}`,
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
      `envelope dated ${timestampMs} is ${now - timestampMs} ms old; this replay store remembers nonces for ${windowMs} ms`,
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
    return errorDetail('REPLAY_DETECTED', `nonce ${bytesToHex(nonce)} was already used by ${sender}`);
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
  window: CounterWindow,
): ErrorDetail {
  return errorDetail(
    'REPLAY_DETECTED:COUNTER',
    status === 'seen'
      ? `counter ${counter} from ${sender} was already accepted`
      : `counter ${counter} from ${sender} is below the window: highest accepted ${window.top}, window ${window.bits.length * 32}`,
  );
}
