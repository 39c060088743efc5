/**
 * A replay store in an append-only log file: what it acknowledged survives a
 * crash or a restart, so it needs no before-start rule and accepts counters
 * without timestamps.
 *
 *   const store = await FileNonceStore.create({ path: '/var/lib/xlink/replay.log' }); // once, when provisioning
 *   const store = await FileNonceStore.open({ path: '/var/lib/xlink/replay.log' });   // every start after
 *   const reserved = await store.reserveNonce(senderDid, nonce, timestampMs);
 *   await store.close();
 *
 * The file is an AppendLog (src/platform/node/append-log.ts: a CRC-32 per
 * record, fdatasync before acknowledging, group commit, a lock, compaction by
 * rewrite + rename + directory fsync). Records after the header, as JSON:
 * `["n",ts,"<nonce hex>","<sender>"]` per accepted nonce, `["c","<sender>","<counter
 * window text>"]` per counter update (the whole window, so the last per sender
 * wins), and `["t",ms]`, the highest clock reading, first in every compacted
 * file. A call returns `ok` only after its record was synced. When the log
 * holds more than twice the live entries (plus 1024) it is compacted.
 *
 * Creation is explicit: `create` refuses an existing file
 * (`REPLAY_STORE_EXISTS`), `open` a missing or empty one
 * (`REPLAY_STORE_MISSING`), since a store that silently started empty would
 * accept every clockless counter again. A second writer, in this process or
 * another, is refused (`REPLAY_STORE_LOCKED`, naming the holder). A torn last
 * record (a crash mid-write) is dropped and reported in `loaded`; a
 * terminated record that is damaged refuses the file (`REPLAY_STORE_CORRUPT`).
 *
 * Time goes through `nonDecreasing(clock)`, starting at the saved highest
 * reading: a clock that stepped back, even across a restart, cannot bring
 * back a nonce the store already forgot. Fail closed: after the clock ran far
 * ahead, the store refuses envelopes as stale (`TIMESTAMP_EXPIRED`) until the
 * wall clock catches up, and that survives a restart.
 *
 * Failure is closed: an I/O error refuses the call (`REPLAY_STORE_UNAVAILABLE`)
 * and the nonce is not reported accepted (a retry of the same envelope may
 * succeed once the disk recovers); a counter stays marked seen, so its retry is
 * refused. Limits: one process per file; memory holds every live entry,
 * bounded as in MemoryNonceStore (`maxEntries`, `maxSenders`); opening reads
 * the whole log.
 */
import { bytesToHex, readHex } from '../../codec/bytes.js';
import type { ErrorDetail, Result } from '../../errors.js';
import { err, errorDetail, isXlinkError, ok, quote, type XlinkError, xlinkError } from '../../errors.js';
import { systemClock } from '../../platform/clock.js';
import {
  AppendLog,
  type AppendLogOptions,
  type AppendLogReport,
  type LogFailureKind,
} from '../../platform/node/append-log.js';
import { CounterTable } from '../counter-table.js';
import type { NonceStore } from '../nonce-store.js';
import { NonceTable } from '../nonce-table.js';
import {
  checkedClock,
  closedError,
  counterArgumentError,
  nonceArgumentError,
  type ReplayLimits,
  type ReplayOptions,
  ReplayState,
  replayLimits,
} from '../replay-state.js';

export interface FileNonceStoreOptions extends ReplayOptions {
  /** The log file. Its directory must exist. */
  readonly path: string;
}

const HEADER = 'xlink-replay-log 2';
/** Records beyond twice the live entries before the log is rewritten. */
const COMPACTION_SLACK = 1024;
const NONCE_HEX = /^[0-9a-f]{32}$/;

export class FileNonceStore implements NonceStore {
  readonly path: string;
  readonly windowMs: number;
  /** What opening found: records read, and the torn last record dropped (null when none). */
  readonly loaded: AppendLogReport;
  readonly #state: ReplayState;
  readonly #log: AppendLog;
  #compactAfter: number;
  #compacting = false;
  #closed = false;

  private constructor(log: AppendLog, state: ReplayState, loaded: AppendLogReport) {
    this.path = log.path;
    this.#log = log;
    this.#state = state;
    this.windowMs = state.windowMs;
    this.loaded = loaded;
    this.#compactAfter = this.#liveEntries() * 2 + COMPACTION_SLACK;
  }

  /** Starts a new, empty store at `options.path`; refuses a file that exists (`REPLAY_STORE_EXISTS`). */
  static async create(options: FileNonceStoreOptions): Promise<FileNonceStore> {
    const limits = replayLimits(options);
    const state = new ReplayState(limits, options.clock ?? systemClock);
    const log = await AppendLog.create(logOptions(options));
    return new FileNonceStore(log, state, Object.freeze({ records: 0, tornTail: null }));
  }

  /**
   * Opens the store `create` made, replaying its log. Throws
   * `REPLAY_STORE_MISSING`, `REPLAY_STORE_CORRUPT`, `REPLAY_STORE_LOCKED` or
   * `REPLAY_STORE_UNAVAILABLE` (I/O) when it cannot.
   */
  static async open(options: FileNonceStoreOptions): Promise<FileNonceStore> {
    const limits = replayLimits(options);
    const clock = checkedClock(options.clock ?? systemClock);
    const now = clock.now();
    const restored = {
      nonces: new NonceTable(limits.maxEntries),
      counters: new CounterTable(limits.maxSenders, limits.counterWindow),
      floor: Number.NEGATIVE_INFINITY,
    };
    const { log, report } = await AppendLog.open(logOptions(options), (payload) => {
      restore(payload, limits, restored, Math.max(now, restored.floor));
    });
    return new FileNonceStore(log, new ReplayState(limits, clock, restored), report);
  }

  /** Nonces held in memory, expired ones not yet purged included. */
  get size(): number {
    return this.#state.nonces.size;
  }

  async reserveNonce(sender: string, nonce: Uint8Array, timestampMs: number): Promise<Result<void>> {
    const refused =
      this.#unusable() ??
      nonceArgumentError(sender, nonce, timestampMs) ??
      this.#state.reserveNonce(sender, nonce, timestampMs);
    if (refused !== undefined) return err(refused);
    const failure = await this.#append(JSON.stringify(['n', timestampMs, bytesToHex(nonce), sender]));
    if (failure === undefined) return ok(undefined);
    // Not acknowledged, so not accepted: forget it.
    this.#state.nonces.release(sender, nonce, timestampMs + this.windowMs);
    return err(failure);
  }

  async acceptCounter(sender: string, counter: number, timestampMs: number | undefined): Promise<Result<void>> {
    // Marked before the write, so a concurrent call with the same counter is refused meanwhile.
    const refused =
      this.#unusable() ??
      counterArgumentError(sender, counter, timestampMs) ??
      this.#state.acceptCounter(sender, counter);
    if (refused !== undefined) return err(refused);
    const failure = await this.#append(JSON.stringify(['c', sender, this.#state.counters.serialize(sender)]));
    return failure === undefined ? ok(undefined) : err(failure);
  }

  /** Waits for pending writes, then closes the file and releases its lock. Later calls fail with `REPLAY_STORE_UNAVAILABLE`. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#log.close();
  }

  #unusable(): ErrorDetail | undefined {
    const failure = this.#log.failure;
    if (failure === undefined) return closedError(this.#closed, 'FileNonceStore');
    return errorDetail('REPLAY_STORE_UNAVAILABLE', `${failure.message}; reopen the store`);
  }

  #liveEntries(): number {
    return this.#state.nonces.size + this.#state.counters.size;
  }

  /** Appends a record; undefined once it is synced, else the refusal. Compacts when the log has grown enough. */
  async #append(payload: string): Promise<ErrorDetail | undefined> {
    try {
      await this.#log.append(payload);
    } catch (error) {
      if (isXlinkError(error)) return error.detail;
      throw error;
    }
    if (!this.#compacting && this.#log.records > this.#compactAfter) void this.#compact();
    return undefined;
  }

  /** Rewrites the log as the high-water mark and the live entries; on failure tries again once the log has doubled. */
  async #compact(): Promise<void> {
    this.#compacting = true;
    try {
      await this.#log.rewrite(() => this.#snapshot());
      this.#compactAfter = this.#liveEntries() * 2 + COMPACTION_SLACK;
    } catch {
      // The old log stays in use (or the log set its failure, which refuses every later call).
      this.#compactAfter = this.#log.records * 2;
    } finally {
      this.#compacting = false;
    }
  }

  *#snapshot(): Iterable<string> {
    const { nonces, counters, clock } = this.#state;
    const now = clock.now();
    yield JSON.stringify(['t', now]);
    for (const [sender, nonceHex, expiresAt] of nonces.live(now)) {
      yield JSON.stringify(['n', expiresAt - this.windowMs, nonceHex, sender]);
    }
    for (const sender of counters.senders()) yield JSON.stringify(['c', sender, counters.serialize(sender)]);
  }
}

function logOptions(options: FileNonceStoreOptions): AppendLogOptions {
  return { path: options?.path, header: HEADER, what: 'replay log', fail: logFailure };
}

function logFailure(kind: LogFailureKind, message: string, cause?: unknown): XlinkError {
  const options = cause === undefined ? {} : { cause };
  switch (kind) {
    case 'corrupt':
      return xlinkError('REPLAY_STORE_CORRUPT', message, options);
    case 'missing':
      return xlinkError('REPLAY_STORE_MISSING', message, options);
    case 'exists':
      return xlinkError('REPLAY_STORE_EXISTS', message, options);
    case 'locked':
      return xlinkError('REPLAY_STORE_LOCKED', message, options);
    case 'io':
      return xlinkError('REPLAY_STORE_UNAVAILABLE', message, options);
  }
}

/** Applies one record of the log; throws REPLAY_STORE_CORRUPT (the log names the line) for one it cannot read. */
function restore(
  payload: string,
  limits: ReplayLimits,
  restored: { nonces: NonceTable; counters: CounterTable; floor: number },
  now: number,
): void {
  const bad = (what: string): Error => xlinkError('REPLAY_STORE_CORRUPT', `not a replay record (${what})`);
  let value: unknown;
  try {
    value = JSON.parse(payload);
  } catch {
    throw bad('not JSON');
  }
  if (!Array.isArray(value)) throw bad('not an array');
  const [kind, a, b, c] = value as unknown[];
  if (kind === 'n' && value.length === 4) {
    if (!Number.isSafeInteger(a) || (a as number) < 0) throw bad('timestamp');
    if (typeof b !== 'string' || !NONCE_HEX.test(b)) throw bad('nonce');
    if (typeof c !== 'string' || c === '') throw bad('sender');
    const expiresAt = (a as number) + limits.windowMs;
    // Expired by a reading of the clock, which never goes back: not worth holding.
    if (expiresAt >= now) restored.nonces.restore(c, readHex(b), expiresAt);
  } else if (kind === 'c' && value.length === 3) {
    if (typeof a !== 'string' || a === '') throw bad('sender');
    if (typeof b !== 'string' || !restored.counters.restore(a, b)) throw bad('counter window');
  } else if (kind === 't' && value.length === 2) {
    if (!Number.isSafeInteger(a)) throw bad('time');
    restored.floor = Math.max(restored.floor, a as number);
  } else {
    throw bad(`kind ${quote(kind, 8)}`);
  }
}
