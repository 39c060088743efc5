/**
 * A replay store in an append-only file: what it acknowledged survives a
 * crash or a restart, so it needs no before-start rule and accepts counters
 * without timestamps.
 *
 *   const store = await FileNonceStore.open({ path: '/var/lib/xlink/replay.log' });
 *   const reserved = await store.reserveNonce(senderDid, nonce, timestampMs);
 *   await store.close();
 *
 * The file: a header line, then one line per accepted nonce or counter update,
 * `<FNV-1a of the JSON, 8 hex> ["n",ts,"<nonce hex>","<sender>"]` or
 * `<…> ["c","<sender>","<counter window text>"]` (the whole window, so the last
 * line per sender wins). A call returns `ok` only after its line was written
 * and fdatasync'ed; calls arriving meanwhile share the next write and sync
 * (group commit). Opening replays the log (nonces past their window skipped).
 * A crash can only tear the tail: an unterminated or bad last line is cut off
 * before anything is appended; a bad line followed by good ones is damage, not
 * a crash, and opening refuses the file. When the log holds more than twice
 * the live entries (plus 1024), it is rewritten: a new file is written and
 * synced under a temporary name, renamed over the log, the directory synced.
 *
 * Failure is closed: an I/O error refuses the call (`REPLAY_STORE_UNAVAILABLE`)
 * and the nonce is not reported accepted (a retry of the same envelope may
 * succeed once the disk recovers); a counter stays marked seen, so its retry is
 * refused. Limits: one process per file (nothing locks it); memory holds every
 * live entry, bounded as in MemoryNonceStore (`maxEntries`, `maxSenders`).
 */
import type { FileHandle } from 'node:fs/promises';
import { open, readFile, rename, rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import { bytesToHex, readHex } from '../../codec/bytes.js';
import type { ErrorDetail, Result } from '../../errors.js';
import { err, errorDetail, isXlinkError, ok, xlinkError } from '../../errors.js';
import type { Clock } from '../../platform/clock.js';
import { systemClock } from '../../platform/clock.js';
import { syncDirectory, writeFileDurably } from '../../platform/node/durable-file.js';
import {
  counterStatus,
  DEFAULT_COUNTER_WINDOW,
  markCounter,
  parseCounterWindow,
  serializeCounterWindow,
} from '../counter-window.js';
import type { NonceStore } from '../nonce-store.js';
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
  nonceHexOfKey,
  nonceKey,
  nonceRefusal,
  positiveInteger,
  senderOfKey,
  timestampOutsideWindow,
} from '../replay-tables.js';

export interface FileNonceStoreOptions {
  /** The log file; created (with its header) when absent. */
  readonly path: string;
  /** How long after its envelope's timestamp a nonce is remembered; default 30 000 ms. */
  readonly windowMs?: number;
  /** Unexpired nonces held at most; default 100 000. */
  readonly maxEntries?: number;
  /** Senders whose counter window is held at most; default 100 000. */
  readonly maxSenders?: number;
  /** Counter window in bits, a multiple of 32 up to 1024; default 64. */
  readonly counterWindow?: number;
  readonly clock?: Clock;
}

const HEADER = 'xlink-replay-log 1\n';
/** Records beyond twice the live entries before the log is rewritten. */
const COMPACTION_SLACK = 1024;
const NONCE_HEX = /^[0-9a-f]{32}$/;
const NEWLINE = 0x0a;

interface Pending {
  readonly line: string;
  readonly done: (failure: unknown) => void;
}

interface Loaded {
  readonly nonces: NonceTable;
  readonly counters: CounterTable;
  readonly records: number;
  /** Bytes of the header and every good record; anything after is a torn tail. */
  readonly length: number;
}

export class FileNonceStore implements NonceStore {
  readonly path: string;
  readonly windowMs: number;
  private readonly clock: Clock;
  private readonly nonces: NonceTable;
  private readonly counters: CounterTable;
  private handle: FileHandle;
  /** Bytes known to be written and synced; appends go here. */
  private length: number;
  /** A write may have left bytes past `length`: cut them before the next append. */
  private dirty = false;
  private records: number;
  private compactAfter: number;
  private pending: Pending[] = [];
  private flushing = false;
  private idle: Promise<void> = Promise.resolve();
  /** Set when the file can no longer be trusted to match memory; every later call fails. */
  private broken: unknown;
  private closed = false;

  private constructor(
    options: FileNonceStoreOptions,
    windowMs: number,
    clock: Clock,
    handle: FileHandle,
    loaded: Loaded,
  ) {
    this.path = options.path;
    this.windowMs = windowMs;
    this.clock = clock;
    this.handle = handle;
    this.nonces = loaded.nonces;
    this.counters = loaded.counters;
    this.records = loaded.records;
    this.length = loaded.length;
    this.compactAfter = this.liveEntries() * 2 + COMPACTION_SLACK;
  }

  /** Opens (or creates) the log at `options.path`; throws `REPLAY_STORE_UNAVAILABLE` when it cannot. */
  static async open(options: FileNonceStoreOptions): Promise<FileNonceStore> {
    if (typeof options?.path !== 'string' || options.path === '') {
      throw xlinkError('INVALID_ARGUMENT', '"path" expected a non-empty file path', { field: 'path' });
    }
    const windowMs = positiveInteger(options.windowMs, 'windowMs', DEFAULT_REPLAY_WINDOW_MS);
    const nonces = new NonceTable(positiveInteger(options.maxEntries, 'maxEntries', DEFAULT_MAX_ENTRIES));
    const counters = new CounterTable(
      positiveInteger(options.maxSenders, 'maxSenders', DEFAULT_MAX_SENDERS),
      options.counterWindow ?? DEFAULT_COUNTER_WINDOW,
    );
    const clock = options.clock ?? systemClock;
    const { path } = options;
    let bytes: Uint8Array;
    try {
      bytes = await readFile(path);
    } catch (cause) {
      if ((cause as NodeJS.ErrnoException).code !== 'ENOENT') throw ioFailure(`cannot read replay log ${path}`, cause);
      bytes = new Uint8Array(0);
    }
    try {
      if (bytes.length === 0) {
        await writeFileDurably(path, HEADER);
        bytes = Buffer.from(HEADER);
      }
      const loaded = load(path, bytes, windowMs, clock.now(), nonces, counters);
      const handle = await open(path, 'r+');
      try {
        if (loaded.length < bytes.length) {
          // A crash tore the last write: cut it off now, so the next record does not follow garbage.
          await handle.truncate(loaded.length);
          await handle.datasync();
        }
      } catch (cause) {
        await handle.close().catch(() => undefined);
        throw cause;
      }
      return new FileNonceStore(options, windowMs, clock, handle, loaded);
    } catch (cause) {
      if (isXlinkError(cause)) throw cause;
      throw ioFailure(`cannot open replay log ${path}`, cause);
    }
  }

  /** Nonces held in memory, expired ones not yet purged included. */
  get size(): number {
    return this.nonces.size;
  }

  async reserveNonce(sender: string, nonce: Uint8Array, timestampMs: number): Promise<Result<void>> {
    const refused = this.unusable() ?? nonceArgumentError(sender, nonce, timestampMs);
    if (refused !== undefined) return err(refused);
    const now = this.clock.now();
    const outside = timestampOutsideWindow(timestampMs, now, this.windowMs);
    if (outside !== undefined) return err(outside);
    const key = nonceKey(sender, nonce);
    const expiresAt = timestampMs + this.windowMs;
    const verdict = this.nonces.reserve(key, expiresAt, now);
    if (verdict !== 'ok') return err(nonceRefusal(verdict, sender, nonce, this.nonces.maxEntries));
    const failure = await this.append(nonceLine(sender, timestampMs, bytesToHex(nonce)));
    if (failure === undefined) return ok(undefined);
    // Not acknowledged, so not accepted: forget it, and the bytes are cut before the next append.
    this.nonces.release(key, expiresAt);
    return err(appendFailure(failure));
  }

  async acceptCounter(sender: string, counter: number, timestampMs: number | undefined): Promise<Result<void>> {
    const refused = this.unusable() ?? counterArgumentError(sender, counter, timestampMs);
    if (refused !== undefined) return err(refused);
    const window = this.counters.get(sender);
    if (window === undefined) return err(this.counters.fullError());
    const status = counterStatus(window, counter);
    if (status !== 'new') return err(counterRefusal(status, sender, counter, window));
    // Marked before the write, so a concurrent call with the same counter is refused meanwhile.
    markCounter(window, counter);
    this.counters.commit(sender, window);
    const failure = await this.append(counterLine(sender, serializeCounterWindow(window)));
    return failure === undefined ? ok(undefined) : err(appendFailure(failure));
  }

  /** Waits for pending writes, then closes the file. Later calls fail with `REPLAY_STORE_UNAVAILABLE`. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.idle;
    await this.handle.close();
  }

  private unusable(): ErrorDetail | undefined {
    if (this.broken === undefined) return closedError(this.closed, 'FileNonceStore');
    return errorDetail(
      'REPLAY_STORE_UNAVAILABLE',
      `replay log ${this.path} failed and is no longer trusted (${describe(this.broken)}); reopen the store`,
    );
  }

  private liveEntries(): number {
    return this.nonces.size + this.counters.windows.size;
  }

  /** Queues `line`; resolves with the write's error, or undefined once it is synced. */
  private append(line: string): Promise<unknown> {
    return new Promise((done) => {
      this.pending.push({ line, done });
      if (!this.flushing) {
        this.flushing = true;
        this.idle = this.flush();
      }
    });
  }

  /** Writes queued lines, one write and one sync per batch, until the queue is empty. Never rejects. */
  private async flush(): Promise<void> {
    while (this.pending.length > 0) {
      const batch = this.pending;
      this.pending = [];
      const failure = await this.write(batch.map((entry) => entry.line).join(''));
      if (failure === undefined) this.records += batch.length;
      for (const entry of batch) entry.done(failure);
      if (failure === undefined && this.records > this.compactAfter) await this.compact();
    }
    // Cleared in the same tick as the empty check above, so no append is left waiting.
    this.flushing = false;
  }

  private async write(text: string): Promise<unknown> {
    if (this.broken !== undefined) return this.broken;
    try {
      if (this.dirty) {
        await this.handle.truncate(this.length);
        this.dirty = false;
      }
      const bytes = Buffer.from(text, 'utf8');
      this.dirty = true;
      await writeAll(this.handle, bytes, this.length);
      await this.handle.datasync();
      this.length += bytes.length;
      this.dirty = false;
      return undefined;
    } catch (failure) {
      return failure ?? new Error('write failed');
    }
  }

  /** Rewrites the log with the live entries only. */
  private async compact(): Promise<void> {
    const now = this.clock.now();
    const lines = [HEADER];
    for (const [key, expiresAt] of this.nonces.live(now)) {
      lines.push(nonceLine(senderOfKey(key), expiresAt - this.windowMs, nonceHexOfKey(key)));
    }
    for (const [sender, window] of this.counters.windows)
      lines.push(counterLine(sender, serializeCounterWindow(window)));
    const bytes = Buffer.from(lines.join(''), 'utf8');
    const temp = `${this.path}.compact`;
    let handle: FileHandle | undefined;
    try {
      handle = await open(temp, 'w');
      await writeAll(handle, bytes, 0);
      await handle.datasync();
      await rename(temp, this.path);
    } catch {
      // The old log is intact and stays in use; try again once it has doubled.
      await handle?.close().catch(() => undefined);
      await rm(temp, { force: true }).catch(() => undefined);
      this.compactAfter = this.records * 2;
      return;
    }
    const old = this.handle;
    this.handle = handle;
    this.length = bytes.length;
    this.dirty = false;
    this.records = lines.length - 1;
    this.compactAfter = this.liveEntries() * 2 + COMPACTION_SLACK;
    await old.close().catch(() => undefined);
    try {
      await syncDirectory(dirname(this.path));
    } catch (failure) {
      // The rename may not survive a crash, and new records go to the new file: stop rather than risk losing them.
      this.broken = failure;
    }
  }
}

function load(
  path: string,
  bytes: Uint8Array,
  windowMs: number,
  now: number,
  nonces: NonceTable,
  counters: CounterTable,
): Loaded {
  const header = Buffer.from(HEADER);
  if (bytes.length < header.length || !header.equals(bytes.subarray(0, header.length))) {
    throw xlinkError(
      'REPLAY_STORE_UNAVAILABLE',
      `${path} is not an xlink replay log (its first line is not "${HEADER.trim()}")`,
    );
  }
  const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
  let records = 0;
  let good = header.length;
  let damagedAt: number | undefined;
  for (let start = header.length; start < text.length; ) {
    const end = text.indexOf(NEWLINE, start);
    if (end < 0) break; // unterminated: the torn tail of the last write
    const record = parseLine(text.toString('utf8', start, end));
    if (record === undefined) damagedAt ??= start;
    else if (damagedAt !== undefined) {
      throw xlinkError(
        'REPLAY_STORE_UNAVAILABLE',
        `${path} has a damaged record at byte ${damagedAt} followed by good ones; a crash cannot do that, so the file was damaged. Restore it or start a new log`,
      );
    } else {
      records++;
      good = end + 1;
      if (record[0] === 'n') {
        const expiresAt = record[1] + windowMs;
        if (expiresAt >= now) nonces.restore(nonceKey(record[3], readHex(record[2])), expiresAt);
      } else {
        const window = parseCounterWindow(record[2], counters.windowSize);
        if (window === undefined)
          throw xlinkError('REPLAY_STORE_UNAVAILABLE', `${path}: malformed counter window at byte ${start}`);
        counters.commit(record[1], window);
      }
    }
    start = end + 1;
  }
  return { nonces, counters, records, length: good };
}

type NonceRecord = ['n', number, string, string];
type CounterRecord = ['c', string, string];

/** A record whose checksum and shape are right, else undefined. */
function parseLine(line: string): NonceRecord | CounterRecord | undefined {
  const json = line.slice(9);
  if (line[8] !== ' ' || line.slice(0, 8) !== checksum(json)) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    return undefined;
  }
  if (!Array.isArray(value)) return undefined;
  const [kind, a, b, c] = value as unknown[];
  if (
    kind === 'n' &&
    value.length === 4 &&
    Number.isSafeInteger(a) &&
    typeof b === 'string' &&
    NONCE_HEX.test(b) &&
    typeof c === 'string' &&
    c !== ''
  ) {
    return ['n', a as number, b, c];
  }
  if (kind === 'c' && value.length === 3 && typeof a === 'string' && a !== '' && typeof b === 'string') {
    return ['c', a, b];
  }
  return undefined;
}

function nonceLine(sender: string, timestampMs: number, nonceHex: string): string {
  return line(JSON.stringify(['n', timestampMs, nonceHex, sender]));
}

function counterLine(sender: string, window: string): string {
  return line(JSON.stringify(['c', sender, window]));
}

function line(json: string): string {
  return `${checksum(json)} ${json}\n`;
}

/** FNV-1a over the UTF-16 code units: detects a torn or garbled record, which is all it is for. */
function checksum(text: string): string {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193);
  return (hash >>> 0).toString(16).padStart(8, '0');
}

async function writeAll(handle: FileHandle, bytes: Uint8Array, position: number): Promise<void> {
  for (let offset = 0; offset < bytes.length; ) {
    const { bytesWritten } = await handle.write(bytes, offset, bytes.length - offset, position + offset);
    if (bytesWritten === 0) throw new Error('write made no progress');
    offset += bytesWritten;
  }
}

function describe(failure: unknown): string {
  return failure instanceof Error ? failure.message : String(failure);
}

function appendFailure(failure: unknown): ErrorDetail {
  return errorDetail('REPLAY_STORE_UNAVAILABLE', `replay log append failed: ${describe(failure)}`);
}

function ioFailure(message: string, cause: unknown): Error {
  return xlinkError('REPLAY_STORE_UNAVAILABLE', `${message}: ${describe(cause)}`, { cause });
}
