/**
 * The durable append-only log behind FileTrustRegistry and FileNonceStore
 * (Node): one file format, one writer, one reader.
 *
 *   const log = await AppendLog.create(options);                   // a new file: its header, nothing else
 *   const { log, report } = await AppendLog.open(options, (payload, line) => apply(JSON.parse(payload)));
 *   await log.append(JSON.stringify(record));                       // resolves once fdatasync'ed
 *   await log.rewrite(() => currentRecords());                      // compaction
 *   await log.close();
 *   const { payloads, position } = await readLog(options, previous); // a follower, without the lock
 *
 * Format: one record per line, `<CRC-32 of the payload's UTF-8, 8 hex digits>
 * <payload>\n`; the first record is the header, naming the kind of file and
 * its version. Payloads are one line each (JSON).
 *
 * Recovery. A crash can only leave the last record unterminated (appends go
 * to the end, acknowledged only after the sync), so an unterminated final
 * record is dropped, truncated away before anything is appended, and reported
 * (`tornTail`). A terminated record whose checksum fails, anywhere, the last
 * line included, is damage, not a crash: opening refuses (`corrupt`),
 * and so does a record the caller's `visit` rejects. A missing or empty file
 * refuses (`missing`): a log once created always holds its header, so
 * an empty one was truncated or replaced, and with it went what it knew (who
 * is revoked, which nonces were seen). Only `create` starts a log, and it
 * refuses a file that exists.
 *
 * Writes. `append` queues the record; one write and one fdatasync serve every
 * record queued meanwhile (group commit), and the promise resolves after the
 * sync. A failed write rejects its batch (`io`) and its bytes are cut off. `rewrite` replaces the file with writeFileDurably
 * (temporary file, fsync, rename, directory fsync), after the writes queued
 * before it; if the rename happened but could not be made durable the log
 * stops (`failure`), since records appended to a rename a crash may undo
 * would be lost. It also stops (`missing`) once its file was deleted
 * while open: one fstat per write batch checks.
 *
 * One writer: `create` and `open` take `<path>.lock` (file-lock.ts) until
 * `close`. `readLog` takes no lock: it reads what is complete, from where a
 * previous read stopped, or from the start when the file was replaced.
 *
 * Limits: open reads the whole file into memory; records are applied in file
 * order; payloads may not contain "\n". Exported from xlink/platform/node
 * for the provisioning journal (provisioning/journal.ts), its third user.
 */
import { type FileHandle, lstat, open, stat } from 'node:fs/promises';
import { crc32 } from 'node:zlib';
import { isXlinkError, quote, type XlinkError, xlinkError } from '../../errors.js';
import { writeFileDurably } from './durable-file.js';
import { acquireFileLock, type FileLock } from './file-lock.js';

/**
 * What went wrong, for the log's owner to turn into its own code (a
 * registry's differ from a replay store's): `corrupt` a damaged record, a
 * header of another kind of file or a record `visit` refused; `missing` the
 * file is gone or empty; `exists` for `create`; `locked` another writer holds
 * the lock; `io` reading, writing or syncing failed.
 */
export type LogFailureKind = 'corrupt' | 'missing' | 'exists' | 'locked' | 'io';
export type LogFailure = (kind: LogFailureKind, message: string, cause?: unknown) => XlinkError;

export interface AppendLogOptions {
  readonly path: string;
  /** The payload of the first record, e.g. `{"format":"xlink-trust-registry","version":2}`. */
  readonly header: string;
  /** Headers of older versions still read (records must then parse under both); `rewrite` writes `header`. */
  readonly olderHeaders?: readonly string[];
  /** What the file is, for messages: "trust registry", "replay log". */
  readonly what: string;
  readonly fail: LogFailure;
}

export interface AppendLogReport {
  /** Records read, the header not counted. */
  readonly records: number;
  /** The unterminated last record that was dropped: its 1-based line (the header is line 1) and its length. */
  readonly tornTail: { readonly line: number; readonly bytes: number } | null;
}

/** Applies one record; an XlinkError it throws refuses the file as corrupt, naming the line. */
export type RecordVisitor = (payload: string, line: number) => void;

/** Where a read stopped: the file (device and inode) and the end of its last complete record. */
export interface LogPosition {
  readonly dev: number;
  readonly ino: number;
  readonly end: number;
  readonly line: number;
}

export interface LogRead {
  /** The records read, in file order. */
  readonly payloads: readonly string[];
  readonly position: LogPosition;
  /** True when read from the start (first read, file replaced or shrunk): apply to an empty state. */
  readonly fresh: boolean;
}

const NEWLINE = 0x0a;
const SPACE = 0x20;
const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/** One record as it is written: checksum, space, payload, newline. */
export function logLine(payload: string): string {
  return `${crc32(payload).toString(16).padStart(8, '0')} ${payload}\n`;
}

interface Pending {
  readonly line: string;
  readonly resolve: () => void;
  readonly reject: (error: XlinkError) => void;
}

export class AppendLog {
  readonly path: string;
  readonly #options: AppendLogOptions;
  readonly #lock: FileLock;
  #handle: FileHandle;
  /** Bytes written and synced: where the next record goes. */
  #length: number;
  /** A failed write may have left bytes past #length: cut them before the next. */
  #dirty = false;
  #records: number;
  #pending: Pending[] = [];
  #flushQueued = false;
  /** Every write and rewrite runs after the previous one; never rejects. */
  #chain: Promise<void> = Promise.resolve();
  #failure: XlinkError | undefined;
  #closed = false;

  private constructor(options: AppendLogOptions, lock: FileLock, handle: FileHandle, length: number, records: number) {
    this.path = options.path;
    this.#options = options;
    this.#lock = lock;
    this.#handle = handle;
    this.#length = length;
    this.#records = records;
  }

  /** Starts a new log holding only its header; refuses (`exists`) a file that exists, even empty. */
  static async create(options: AppendLogOptions): Promise<AppendLog> {
    checkOptions(options);
    const { path, what, fail } = options;
    const lock = await acquireFileLock(path, { what, fail });
    try {
      if (await exists(path, options)) {
        throw fail('exists', `${what} ${path} exists already; open it, or remove it to start anew`);
      }
      const header = logLine(options.header);
      await io(options, 'create', () => writeFileDurably(path, header));
      const handle = await io(options, 'open', () => open(path, 'r+'));
      return new AppendLog(options, lock, handle, Buffer.byteLength(header), 0);
    } catch (error) {
      await lock.release().catch(() => {});
      throw error;
    }
  }

  /** Takes the lock, reads every record through `visit`, cuts a torn tail; refuses a missing, empty or damaged file. */
  static async open(
    options: AppendLogOptions,
    visit: RecordVisitor,
  ): Promise<{ log: AppendLog; report: AppendLogReport }> {
    checkOptions(options);
    const { path, what, fail } = options;
    const lock = await acquireFileLock(path, { what, fail });
    let handle: FileHandle | undefined;
    try {
      handle = await openExisting(options, 'r+');
      const opened = handle;
      const bytes = await io(options, 'read', () => opened.readFile());
      if (bytes.length === 0) throw missing(options, 'is empty');
      const parsed = parse(bytes, 0, 0, options, visit);
      const torn = bytes.length - parsed.end;
      if (torn > 0) {
        await io(options, 'cut the torn last record of', async () => {
          await opened.truncate(parsed.end);
          await opened.datasync();
        });
      }
      const report: AppendLogReport = Object.freeze({
        records: parsed.line - 1,
        tornTail: torn > 0 ? Object.freeze({ line: parsed.line + 1, bytes: torn }) : null,
      });
      return { log: new AppendLog(options, lock, opened, parsed.end, report.records), report };
    } catch (error) {
      await handle?.close().catch(() => {});
      await lock.release().catch(() => {});
      throw error;
    }
  }

  /** Records in the file, the header not counted. */
  get records(): number {
    return this.#records;
  }

  /** Set once the file can no longer be trusted to hold what was acknowledged; every later write fails with it. */
  get failure(): XlinkError | undefined {
    return this.#failure;
  }

  /** Appends one record; resolves once it is synced, rejects (`io`, `missing`) with nothing acknowledged. */
  append(payload: string): Promise<void> {
    if (this.#closed) return Promise.reject(this.#closedError());
    if (payload.includes('\n')) {
      return Promise.reject(xlinkError('INVALID_ARGUMENT', 'a log record may not contain "\\n"', { field: 'payload' }));
    }
    return new Promise((resolve, reject) => {
      this.#pending.push({ line: logLine(payload), resolve, reject });
      if (this.#flushQueued) return;
      this.#flushQueued = true;
      this.#chain = this.#chain.then(() => this.#flush());
    });
  }

  /**
   * Replaces the file with the header and `payloads()` (called when the
   * rewrite starts, after every write queued before it). On failure the old
   * file stays in use, unless the rename was done but not made durable
   * (then `failure` is set).
   */
  rewrite(payloads: () => Iterable<string>): Promise<void> {
    if (this.#closed) return Promise.reject(this.#closedError());
    const run = this.#chain.then(() => this.#rewrite(payloads));
    this.#chain = run.catch(() => {});
    return run;
  }

  /** Waits for queued writes, closes the file and releases the lock. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#chain;
    await this.#handle.close().catch(() => {});
    await this.#lock.release();
  }

  async #flush(): Promise<void> {
    const batch = this.#pending;
    this.#pending = [];
    this.#flushQueued = false;
    try {
      await this.#write(batch.map((entry) => entry.line).join(''));
      this.#records += batch.length;
      for (const entry of batch) entry.resolve();
    } catch (cause) {
      const error = isXlinkError(cause) ? cause : ioError(this.#options, 'append to', cause);
      for (const entry of batch) entry.reject(error);
    }
  }

  async #write(text: string): Promise<void> {
    if (this.#failure !== undefined) throw this.#failure;
    const handle = this.#handle;
    // Deleted (or replaced) behind our back: what we appended now would be acknowledged into nothing.
    if ((await handle.stat()).nlink === 0) {
      this.#failure = missing(this.#options, 'was deleted while open');
      throw this.#failure;
    }
    if (this.#dirty) {
      await handle.truncate(this.#length);
      this.#dirty = false;
    }
    const bytes = Buffer.from(text, 'utf8');
    this.#dirty = true;
    try {
      await writeAll(handle, bytes, this.#length);
      await handle.datasync();
    } catch (cause) {
      // Refused, so its bytes go now (a reader must not see them); if that fails too, before the next write.
      await handle
        .truncate(this.#length)
        .then(() => {
          this.#dirty = false;
        })
        .catch(() => {});
      throw cause;
    }
    this.#length += bytes.length;
    this.#dirty = false;
  }

  async #rewrite(payloads: () => Iterable<string>): Promise<void> {
    if (this.#failure !== undefined) throw this.#failure;
    const lines = [logLine(this.#options.header)];
    for (const payload of payloads()) lines.push(logLine(payload));
    const text = lines.join('');
    try {
      await writeFileDurably(this.path, text);
    } catch (cause) {
      const error = ioError(this.#options, 'compact', cause);
      if (await this.#replaced()) this.#failure = error;
      throw error;
    }
    let handle: FileHandle;
    try {
      handle = await open(this.path, 'r+');
    } catch (cause) {
      this.#failure = ioError(this.#options, 'reopen after compacting', cause);
      throw this.#failure;
    }
    const old = this.#handle;
    this.#handle = handle;
    this.#length = Buffer.byteLength(text);
    this.#records = lines.length - 1;
    this.#dirty = false;
    // A handle to the replaced file: closing it cannot lose anything.
    await old.close().catch(() => {});
  }

  /** Whether `path` names another file than the one this log has open. */
  async #replaced(): Promise<boolean> {
    try {
      const [ours, named] = await Promise.all([this.#handle.stat(), stat(this.path)]);
      return ours.ino !== named.ino || ours.dev !== named.dev;
    } catch {
      return true;
    }
  }

  #closedError(): XlinkError {
    return this.#options.fail('io', `${this.#options.what} ${this.path} was closed`);
  }
}

/**
 * Reads what a log holds past `from` (a previous read of the same file), or
 * all of it when there is no previous read, the file was replaced (compacted,
 * re-created) or it shrank. Takes no lock and writes nothing: an unterminated
 * last record is a write in progress, left for the next read.
 */
export async function readLog(options: AppendLogOptions, from?: LogPosition): Promise<LogRead> {
  checkOptions(options);
  const handle = await openExisting(options, 'r');
  try {
    const { dev, ino, size } = await io(options, 'stat', () => handle.stat());
    const onward = from !== undefined && from.dev === dev && from.ino === ino && size >= from.end;
    const start = onward ? from.end : 0;
    const bytes = Buffer.alloc(size - start);
    await io(options, 'read', async () => {
      for (let at = 0; at < bytes.length; ) {
        const { bytesRead } = await handle.read(bytes, at, bytes.length - at, start + at);
        if (bytesRead === 0) break;
        at += bytesRead;
      }
    });
    if (!onward && bytes.length === 0) throw missing(options, 'is empty');
    const payloads: string[] = [];
    const parsed = parse(bytes, start, onward ? from.line : 0, options, (payload) => payloads.push(payload));
    return { payloads, position: { dev, ino, end: parsed.end, line: parsed.line }, fresh: !onward };
  } finally {
    await handle.close().catch(() => {});
  }
}

/**
 * Checks and visits the terminated records of `bytes`, which start at file
 * offset `offset` after `line` lines (0: the header comes first). Returns the
 * file offset after the last terminated record and its line number.
 */
function parse(
  bytes: Buffer,
  offset: number,
  line: number,
  options: AppendLogOptions,
  visit: RecordVisitor,
): { end: number; line: number } {
  const { path, what, fail } = options;
  let from = 0;
  for (let newline = bytes.indexOf(NEWLINE); newline >= 0; newline = bytes.indexOf(NEWLINE, from)) {
    line++;
    const payload = checkedPayload(bytes, from, newline);
    if (line === 1) {
      if (payload !== options.header && !(payload !== undefined && options.olderHeaders?.includes(payload))) {
        const first = bytes.toString('utf8', from, Math.min(newline, from + 200));
        throw fail(
          'corrupt',
          `${path} is not a ${what} of this version: its first line is ${quote(first)}, expected ${quote(logLine(options.header).trim())}`,
        );
      }
    } else if (payload === undefined) {
      throw fail(
        'corrupt',
        `${path} line ${line} is damaged (its checksum does not match); a crash cannot do that, so restore the file from a backup`,
      );
    } else {
      try {
        visit(payload, line);
      } catch (error) {
        if (!isXlinkError(error)) throw error;
        throw fail('corrupt', `${path} line ${line}: ${error.message}`, error);
      }
    }
    from = newline + 1;
  }
  if (line === 0) throw fail('corrupt', `${path} is not a ${what}: it ends inside its first line`);
  return { end: offset + from, line };
}

/** The payload of the terminated line bytes[from, newline), or undefined when its checksum or form is wrong. */
function checkedPayload(bytes: Buffer, from: number, newline: number): string | undefined {
  if (newline - from < 9 || bytes[from + 8] !== SPACE) return undefined;
  const stated = bytes.toString('latin1', from, from + 8);
  if (!/^[0-9a-f]{8}$/.test(stated)) return undefined;
  const payload = bytes.subarray(from + 9, newline);
  if (crc32(payload) !== Number.parseInt(stated, 16)) return undefined;
  try {
    return strictUtf8.decode(payload);
  } catch {
    return undefined;
  }
}

function checkOptions(options: AppendLogOptions): void {
  if (typeof options?.path !== 'string' || options.path === '') {
    throw xlinkError('INVALID_ARGUMENT', '"path" expected a non-empty file path', { field: 'path' });
  }
}

async function openExisting(options: AppendLogOptions, flags: 'r' | 'r+'): Promise<FileHandle> {
  try {
    return await open(options.path, flags);
  } catch (cause) {
    if ((cause as NodeJS.ErrnoException).code === 'ENOENT') throw missing(options, 'does not exist');
    throw ioError(options, 'open', cause);
  }
}

async function exists(path: string, options: AppendLogOptions): Promise<boolean> {
  try {
    await lstat(path);
    return true;
  } catch (cause) {
    if ((cause as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw ioError(options, 'inspect', cause);
  }
}

function missing(options: AppendLogOptions, state: string): XlinkError {
  return options.fail(
    'missing',
    `${options.what} ${options.path} ${state}; one that was created always holds its header, so it was deleted or truncated and what it recorded is lost. Restore it from a backup, or start anew with create()`,
  );
}

async function writeAll(handle: FileHandle, bytes: Uint8Array, position: number): Promise<void> {
  // A write may be short (disk or size limit reached); the rest then fails with the reason.
  for (let offset = 0; offset < bytes.length; ) {
    const { bytesWritten } = await handle.write(bytes, offset, bytes.length - offset, position + offset);
    if (bytesWritten === 0) throw new Error('write made no progress');
    offset += bytesWritten;
  }
}

async function io<T>(options: AppendLogOptions, action: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (cause) {
    if (isXlinkError(cause)) throw cause;
    throw ioError(options, action, cause);
  }
}

function ioError(options: AppendLogOptions, action: string, cause: unknown): XlinkError {
  const reason = cause instanceof Error ? cause.message : String(cause);
  return options.fail('io', `cannot ${action} ${options.what} ${options.path}: ${quote(reason, 200)}`, cause);
}
