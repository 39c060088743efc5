/**
 * The replay seam: a receiver asks a store to remember what it has accepted.
 *
 *   const reserved = await store.reserveNonce(senderDid, nonce, envelopeTimestampMs);
 *   if (!reserved.ok) return reserved; // REPLAY_DETECTED… or REPLAY_STORE_*
 *
 * Two kinds of replay token, one per envelope:
 * - a random 16-byte nonce, remembered per (sender, nonce) until the envelope's
 *   timestamp has left the receiver's window;
 * - a per-sender counter for devices without a clock or a good random source,
 *   checked against a sliding window (RFC 4303 §3.4.3: highest value seen plus
 *   a bitmap of the values just below it, constant state per sender).
 *
 * Receivers call these only after the signature verified, so a forged envelope
 * carrying someone's real nonce cannot burn it. Every method is atomic: two
 * concurrent calls with the same token never both succeed. Stores fail closed:
 * when they cannot remember (full, unreachable) they refuse with a code.
 */
import type { Result } from '../errors.js';

export interface NonceStore {
  /**
   * Remembers (sender, nonce). `ok` the first time; `REPLAY_DETECTED` when seen
   * before, `REPLAY_DETECTED:BEFORE_START` when the store cannot know
   * (timestamp before a memory store started), `REPLAY_STORE_FULL` or
   * `REPLAY_STORE_UNAVAILABLE` when it cannot remember. Stores with a clock
   * also refuse a timestamp further than their window from it
   * (`TIMESTAMP_EXPIRED`, `TIMESTAMP_EXPIRED:FUTURE`): they could not hold the
   * nonce for as long as a receiver would accept the envelope. A nonce that is
   * not 16 bytes, an empty sender or a timestamp that is not a safe integer
   * >= 0 is refused (`INVALID_LENGTH`, `INVALID_ARGUMENT`), never thrown.
   */
  reserveNonce(sender: string, nonce: Uint8Array, timestampMs: number): Promise<Result<void>>;
  /**
   * Accepts `counter` (a safe integer ≥ 0) from `sender` if it is above the
   * window or inside it and unseen; `REPLAY_DETECTED:COUNTER` otherwise.
   * `timestampMs` is the envelope's, when the device has a clock; a memory
   * store refuses a counter without one (`REPLAY_DETECTED:UNVERIFIABLE`).
   */
  acceptCounter(sender: string, counter: number, timestampMs: number | undefined): Promise<Result<void>>;
  /** Releases timers, files and connections the store opened itself. */
  close(): Promise<void>;
}
