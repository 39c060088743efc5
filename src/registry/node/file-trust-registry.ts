/**
 * A trust registry kept in an append-only JSONL file (Node).
 *
 *   const registry = new FileTrustRegistry({ path: '/opt/app/trust.jsonl', onRecovery: (r) => log.warn(r) });
 *   const loaded = await registry.load(); // optional: every method loads on first use
 *   if (loaded.ok && loaded.value.tornTail) …;  // a write was cut short by a crash; it was dropped
 *   await registry.register({ document, scopes: ['telemetry'] });
 *   await registry.compact();                // rewrite the log as one record per entry (two if revoked)
 *
 * Format. Line 1 is the header {"format":"xlink-trust-registry","version":1};
 * then one record per change, each a JSON object ending in "\n":
 *   {"op":"register","did":…,"document":{body,signature,mlDsaSignature?},"scopes":[…],"name"?:…,"at":…}
 *   {"op":"document","did":…,"document":{…},"at":…}
 *   {"op":"scopes","did":…,"scopes":[…],"at":…}
 *   {"op":"revoke","did":…,"at":…,"reason":…}
 * Documents are in identityDocumentToJson form; `at` is ms since the epoch.
 *
 * Durability. A change is validated in memory, appended (O_APPEND) and
 * fsynced, and only then applied and acknowledged; a failed write returns
 * REGISTRY_IO_FAILED, changes nothing in memory, and its partial bytes are cut
 * off before the next append. On load, a last line without its "\n" (or one
 * that is not JSON) is a write a crash interrupted: it was never acknowledged,
 * so it is dropped, truncated away and reported (load() and `onRecovery`).
 * Damage anywhere else fails the load with REGISTRY_CORRUPT naming the line:
 * the registry decides who is trusted, so it fails closed. Replay checks every
 * record's shape and the state rules, but does not re-verify signatures
 * (10,000 ML-DSA documents would take minutes); whoever uses an entry
 * verifies its document.
 *
 * Limits. One process per file: there is no lock, and a second writer would
 * interleave records. Compaction is explicit (`compact()`); the log grows by one
 * record per change, so call it when load().records is several times
 * list().length. All state is held in memory.
 */
import { constants, type FileHandle, open, rename, rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import { createNobleCrypto } from '../../crypto/noble/index.js';
import type { CryptoProvider } from '../../crypto/provider.js';
import {
  attempt,
  err,
  isXlinkError,
  ok,
  type Result,
  toXlinkError,
  type XlinkError,
  xlinkError,
} from '../../errors.js';
import { assertCryptoProvider } from '../../identity/derive.js';
import type { SignedIdentityDocument } from '../../identity/document.js';
import { identityDocumentFromJson, identityDocumentToJson } from '../../identity/document.js';
import { type Clock, systemClock } from '../../platform/clock.js';
import { type RegistryChange, TrustRegistryCore } from '../registry-core.js';
import type { RegisterInput, TrustRegistry, TrustRegistryEntry } from '../trust-registry.js';

export interface RegistryLoadReport {
  /** Change records replayed (the header not counted). */
  readonly records: number;
  /**
   * The interrupted write that was dropped, or null: its 1-based line number
   * (the header is line 1) and its length in bytes, its "\n" included if it had one.
   */
  readonly tornTail: { readonly line: number; readonly bytes: number } | null;
}

export interface RegistryCompactionReport {
  /** Records in the rewritten file. */
  readonly records: number;
  /** Records the rewrite made unnecessary. */
  readonly removed: number;
}

export interface FileTrustRegistryOptions {
  /** The JSONL file; created (with its header) if missing. Its directory must exist. */
  readonly path: string;
  /** Verifies documents on register and update; defaults to createNobleCrypto(). */
  readonly crypto?: CryptoProvider;
  readonly clock?: Clock;
  /**
   * Called during the load when a torn last line was dropped (after it was
   * truncated away). An exception it throws rejects the call that triggered
   * the load; the next call loads again, finding nothing left to recover.
   */
  readonly onRecovery?: (report: RegistryLoadReport) => void;
}

const HEADER = { format: 'xlink-trust-registry', version: 1 } as const;
const HEADER_LINE = `${JSON.stringify(HEADER)}\n`;
const NEWLINE = 0x0a;

/** Keys of each record kind; all required except "name". */
const RECORD_KEYS: Readonly<Record<RegistryChange['op'], readonly string[]>> = {
  register: ['op', 'did', 'document', 'scopes', 'name', 'at'],
  document: ['op', 'did', 'document', 'at'],
  scopes: ['op', 'did', 'scopes', 'at'],
  revoke: ['op', 'did', 'at', 'reason'],
};

interface Loaded {
  readonly core: TrustRegistryCore;
  readonly report: RegistryLoadReport;
}

/** A TrustRegistry persisted to a JSONL file; see the module comment. */
export class FileTrustRegistry implements TrustRegistry {
  readonly path: string;
  readonly #crypto: CryptoProvider;
  readonly #clock: Clock;
  readonly #onRecovery: ((report: RegistryLoadReport) => void) | undefined;
  #loading: Promise<Result<Loaded>> | undefined;
  /** Open for appending once loaded; undefined after a compaction until the next append reopens the file. */
  #handle: FileHandle | undefined;
  /** Bytes of complete records in the file: where the next record starts. */
  #size = 0;
  #records = 0;
  /** A failed append may have left bytes past #size; they are cut before the next append. */
  #dirty = false;
  #closed = false;

  constructor(options: FileTrustRegistryOptions) {
    if (typeof options?.path !== 'string' || options.path.length === 0) {
      throw xlinkError('INVALID_ARGUMENT', '"path" expected a non-empty string', { field: 'path' });
    }
    this.path = options.path;
    this.#crypto = options.crypto ?? createNobleCrypto();
    assertCryptoProvider(this.#crypto);
    this.#clock = options.clock ?? systemClock;
    this.#onRecovery = options.onRecovery;
  }

  /** Reads and replays the file, once; every method awaits the same load. A failed load is retried by the next call. */
  async load(): Promise<Result<RegistryLoadReport>> {
    const loaded = await this.#loaded();
    return loaded.ok ? ok(loaded.value.report) : loaded;
  }

  async register(input: RegisterInput): Promise<Result<TrustRegistryEntry>> {
    const loaded = await this.#loaded();
    return loaded.ok ? loaded.value.core.register(input) : loaded;
  }

  async updateDocument(document: SignedIdentityDocument): Promise<Result<TrustRegistryEntry>> {
    const loaded = await this.#loaded();
    return loaded.ok ? loaded.value.core.updateDocument(document) : loaded;
  }

  async setScopes(did: string, scopes: readonly string[]): Promise<Result<TrustRegistryEntry>> {
    const loaded = await this.#loaded();
    return loaded.ok ? loaded.value.core.setScopes(did, scopes) : loaded;
  }

  async revoke(
    did: string,
    revocation: { readonly reason: string; readonly at?: number },
  ): Promise<Result<TrustRegistryEntry>> {
    const loaded = await this.#loaded();
    return loaded.ok ? loaded.value.core.revoke(did, revocation) : loaded;
  }

  async resolve(did: string): Promise<Result<TrustRegistryEntry>> {
    const loaded = await this.#loaded();
    return loaded.ok ? loaded.value.core.resolve(did) : loaded;
  }

  async resolveKid(kid: Uint8Array): Promise<Result<TrustRegistryEntry>> {
    const loaded = await this.#loaded();
    return loaded.ok ? loaded.value.core.resolveKid(kid) : loaded;
  }

  /** Rejects with the load's XlinkError (REGISTRY_CORRUPT, REGISTRY_IO_FAILED) when the file cannot be loaded. */
  async list(): Promise<readonly TrustRegistryEntry[]> {
    const loaded = await this.#loaded();
    if (!loaded.ok) throw toXlinkError(loaded.error);
    return loaded.value.core.list();
  }

  /**
   * Rewrites the file as the current state (header, then per entry a register
   * record and its revocation): written to `path + ".tmp"`, fsynced, renamed
   * over `path`, directory fsynced. Changes wait while it runs. On failure the
   * old file stays in place and REGISTRY_IO_FAILED is returned.
   */
  async compact(): Promise<Result<RegistryCompactionReport>> {
    const loaded = await this.#loaded();
    if (!loaded.ok) return loaded;
    const { core } = loaded.value;
    return attempt(() => core.exclusive(() => this.#rewrite(core)));
  }

  /** Waits for queued changes, then closes the file. Every later call fails with REGISTRY_IO_FAILED. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    const loaded = await this.#loading?.catch(() => undefined);
    if (loaded?.ok) await loaded.value.core.exclusive(async () => {});
    const handle = this.#handle;
    this.#handle = undefined;
    await handle?.close();
  }

  #loaded(): Promise<Result<Loaded>> {
    if (this.#closed) return Promise.resolve(err(closedError(this.path).detail));
    if (this.#loading === undefined) {
      const loading = attempt(() => this.#load());
      const forget = (): void => {
        if (this.#loading === loading) this.#loading = undefined;
      };
      loading.then((result) => {
        if (!result.ok) forget();
      }, forget);
      this.#loading = loading;
    }
    return this.#loading;
  }

  async #load(): Promise<Loaded> {
    const handle = await io(this.path, 'open', () =>
      open(this.path, constants.O_RDWR | constants.O_APPEND | constants.O_CREAT),
    );
    try {
      const bytes = await io(this.path, 'read', () => handle.readFile());
      const core = new TrustRegistryCore({
        crypto: this.#crypto,
        clock: this.#clock,
        persist: (change) => this.#append(change),
      });
      const log = replay(bytes, this.path, core);
      await core.indexKids();
      if (log.validLength === 0) {
        // New file, or a crash while its header was written.
        await io(this.path, 'initialise', async () => {
          await handle.truncate(0);
          await writeAll(handle, Buffer.from(HEADER_LINE));
          await handle.sync();
          await syncDirectory(dirname(this.path));
        });
      } else if (log.tornTail !== null) {
        await io(this.path, 'truncate the torn last line of', async () => {
          await handle.truncate(log.validLength);
          await handle.sync();
        });
      }
      const report: RegistryLoadReport = Object.freeze({ records: log.records, tornTail: log.tornTail });
      if (report.tornTail !== null) this.#onRecovery?.(report);
      this.#handle = handle;
      this.#size = log.validLength === 0 ? Buffer.byteLength(HEADER_LINE) : log.validLength;
      this.#records = log.records;
      return { core, report };
    } catch (error) {
      await handle.close();
      throw error;
    }
  }

  /** The persist hook: runs inside the core's queue, one change at a time. */
  async #append(change: RegistryChange): Promise<void> {
    if (this.#closed) throw closedError(this.path);
    const line = Buffer.from(`${JSON.stringify(recordOf(change))}\n`, 'utf8');
    if (this.#handle === undefined) {
      // No O_CREAT: a registry file that vanished must not silently restart empty.
      this.#handle = await io(this.path, 'reopen', () => open(this.path, constants.O_WRONLY | constants.O_APPEND));
    }
    const handle = this.#handle;
    if (this.#dirty) await io(this.path, 'cut a failed write from', () => this.#cutTail(handle));
    try {
      await writeAll(handle, line);
      await handle.sync();
    } catch (cause) {
      // The change is refused, so its bytes must go: now if possible, else before the next
      // append, through a fresh handle in case this one is what broke.
      await this.#cutTail(handle).catch(async () => {
        this.#handle = undefined;
        await handle.close().catch(() => {});
      });
      throw ioFailed(this.path, 'append to', cause);
    }
    this.#size += line.length;
    this.#records += 1;
  }

  async #cutTail(handle: FileHandle): Promise<void> {
    this.#dirty = true;
    await handle.truncate(this.#size);
    await handle.sync();
    this.#dirty = false;
  }

  async #rewrite(core: TrustRegistryCore): Promise<RegistryCompactionReport> {
    if (this.#closed) throw closedError(this.path);
    const changes = core.changes();
    const bytes = Buffer.from(HEADER_LINE + changes.map((change) => `${JSON.stringify(recordOf(change))}\n`).join(''));
    const temporary = `${this.path}.tmp`;
    try {
      const file = await open(temporary, 'w');
      try {
        await file.writeFile(bytes);
        await file.sync();
      } finally {
        await file.close();
      }
      await rename(temporary, this.path);
    } catch (cause) {
      // The error above is the one to report; a leftover .tmp is overwritten by the next compaction.
      await rm(temporary, { force: true }).catch(() => {});
      throw ioFailed(this.path, 'compact', cause);
    }
    // From here `path` is the new file: the old handle would append to the replaced one.
    const old = this.#handle;
    this.#handle = undefined;
    const removed = this.#records - changes.length;
    this.#size = bytes.length;
    this.#records = changes.length;
    this.#dirty = false;
    // Closing a handle to the replaced file cannot lose anything; its error would only hide the result.
    await old?.close().catch(() => {});
    await io(this.path, 'fsync the directory of', () => syncDirectory(dirname(this.path)));
    return { records: changes.length, removed };
  }
}

interface ReplayedLog {
  /** Bytes up to the end of the last good line; 0 when not even the header is complete. */
  readonly validLength: number;
  readonly records: number;
  readonly tornTail: RegistryLoadReport['tornTail'];
}

/** Splits, checks and applies the log to `core`; throws REGISTRY_CORRUPT (before anything is written). */
function replay(bytes: Uint8Array, path: string, core: TrustRegistryCore): ReplayedLog {
  const lines: { start: number; end: number }[] = [];
  let start = 0;
  for (let end = bytes.indexOf(NEWLINE); end >= 0; end = bytes.indexOf(NEWLINE, start)) {
    lines.push({ start, end });
    start = end + 1;
  }
  let validLength = bytes.length;
  let tornTail: RegistryLoadReport['tornTail'] = null;
  const last = lines.at(-1);
  if (start < bytes.length) {
    tornTail = { line: lines.length + 1, bytes: bytes.length - start };
    validLength = start;
  } else if (last !== undefined && parseLine(bytes.subarray(last.start, last.end)) === UNPARSABLE) {
    tornTail = { line: lines.length, bytes: last.end + 1 - last.start };
    validLength = last.start;
    lines.pop();
  }
  const corrupt = (line: number, message: string, cause?: unknown): Error =>
    xlinkError('REGISTRY_CORRUPT', `"${path}" line ${line}: ${message}`, cause === undefined ? {} : { cause });

  const first = lines[0];
  if (first === undefined) {
    // Only a header cut short may be replaced; anything else is somebody else's file.
    const header = Buffer.from(HEADER_LINE);
    const headerCutShort = bytes.length < header.length && header.subarray(0, bytes.length).equals(bytes);
    if (!headerCutShort) throw corrupt(1, 'not an xlink trust registry header');
    return { validLength: 0, records: 0, tornTail };
  }
  checkHeader(parseLine(bytes.subarray(first.start, first.end)), (message) => corrupt(1, message));

  lines.slice(1).forEach(({ start: from, end }, index) => {
    const line = index + 2;
    const value = parseLine(bytes.subarray(from, end));
    if (value === UNPARSABLE) throw corrupt(line, 'not a JSON record (damaged before the last line)');
    try {
      core.restore(changeOf(value));
    } catch (error) {
      if (!isXlinkError(error)) throw error;
      throw corrupt(line, error.message, error);
    }
  });
  return { validLength, records: lines.length - 1, tornTail };
}

const UNPARSABLE: unique symbol = Symbol('unparsable');
const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

function parseLine(bytes: Uint8Array): unknown {
  try {
    return JSON.parse(strictUtf8.decode(bytes));
  } catch {
    return UNPARSABLE;
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function checkHeader(value: unknown, corrupt: (message: string) => Error): void {
  if (!isObject(value) || value.format !== HEADER.format || Object.keys(value).length !== 2) {
    throw corrupt(`not an xlink trust registry header (expected ${HEADER_LINE.trim()})`);
  }
  if (value.version !== HEADER.version) {
    throw corrupt(`format version ${JSON.stringify(value.version)}; this xlink reads version ${HEADER.version}`);
  }
}

/** A record's shape (exact keys, document form); the core checks the values and the state rules. */
function changeOf(value: unknown): RegistryChange {
  const malformed = (message: string): Error => xlinkError('REGISTRY_CORRUPT', message);
  if (!isObject(value)) throw malformed('expected a JSON object');
  const { op } = value;
  if (typeof op !== 'string' || !Object.hasOwn(RECORD_KEYS, op)) throw malformed(`unknown "op" ${JSON.stringify(op)}`);
  const keys = RECORD_KEYS[op as RegistryChange['op']];
  for (const key of Object.keys(value)) {
    if (!keys.includes(key)) throw malformed(`unexpected key ${JSON.stringify(key)} in a "${op}" record`);
  }
  for (const key of keys) {
    if (key !== 'name' && !Object.hasOwn(value, key)) throw malformed(`"${op}" record lacks "${key}"`);
  }
  if (typeof value.did !== 'string') throw malformed('"did" expected a string');
  if (!Object.hasOwn(value, 'document')) return value as unknown as RegistryChange;
  const document = identityDocumentFromJson(value.document);
  if (!document.ok) throw malformed(`"document": ${document.error.message}`);
  return { ...value, document: document.value } as unknown as RegistryChange;
}

function recordOf(change: RegistryChange): Record<string, unknown> {
  switch (change.op) {
    case 'register': {
      const { did, document, scopes, name, at } = change;
      const record = { op: 'register', did, document: identityDocumentToJson(document), scopes };
      return name === undefined ? { ...record, at } : { ...record, name, at };
    }
    case 'document':
      return { op: 'document', did: change.did, document: identityDocumentToJson(change.document), at: change.at };
    case 'scopes':
      return { op: 'scopes', did: change.did, scopes: change.scopes, at: change.at };
    case 'revoke':
      return { op: 'revoke', did: change.did, at: change.at, reason: change.reason };
  }
}

async function writeAll(handle: FileHandle, bytes: Uint8Array): Promise<void> {
  // A write to a regular file may be short (disk or size limit reached); the rest then fails with the reason.
  for (let offset = 0; offset < bytes.length; ) {
    const { bytesWritten } = await handle.write(bytes, offset, bytes.length - offset);
    if (bytesWritten === 0) throw new Error('write made no progress');
    offset += bytesWritten;
  }
}

/** A rename or a new file is durable only once its directory entry is. */
async function syncDirectory(path: string): Promise<void> {
  // Windows cannot open a directory to fsync it; NTFS journals the rename itself.
  if (process.platform === 'win32') return;
  const directory = await open(path, constants.O_RDONLY);
  try {
    await directory.sync();
  } finally {
    await directory.close();
  }
}

async function io<T>(path: string, what: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (cause) {
    throw ioFailed(path, what, cause);
  }
}

function ioFailed(path: string, what: string, cause: unknown): Error {
  const reason = cause instanceof Error ? cause.message : String(cause);
  return xlinkError('REGISTRY_IO_FAILED', `cannot ${what} the registry file "${path}": ${reason}`, {
    field: 'path',
    cause,
  });
}

function closedError(path: string): XlinkError {
  return xlinkError('REGISTRY_IO_FAILED', `the FileTrustRegistry for "${path}" is closed`, { field: 'path' });
}
