/**
 * A trust registry kept in an append-only log file (Node), written by one
 * process and followed by any number of readers.
 *
 *   const registry = await FileTrustRegistry.create({ path: '/opt/app/trust.log', crypto }); // once, when provisioning
 *   const registry = await FileTrustRegistry.open({ path: '/opt/app/trust.log', crypto });   // the writer, every start after
 *   if (registry.loaded.tornTail) …;         // a write a crash cut short was dropped
 *   await registry.register({ document, scopes: ['telemetry'] });
 *   await registry.compact();                // rewrite the log as one record per entry (two if revoked)
 *   const follower = await FileTrustRegistry.open({ path, crypto, readOnly: true }); // a gateway process
 *
 * Format: an AppendLog (src/platform/node/append-log.ts): each line a CRC-32
 * and a JSON record; the header {"format":"xlink-trust-registry","version":3};
 * then one record per change:
 *   {"op":"register","did":…,"document":{body,signature,mlDsaSignature?},"scopes":[…],"name"?:…,"at":…,"revoked"?:{at,reason},"auth"?:…}
 *   {"op":"document","did":…,"document":{…},"at":…}
 *   {"op":"scopes","did":…,"scopes":[…],"at":…,"auth"?:…}
 *   {"op":"revoke","did":…,"at":…,"reason":…,"auth"?:…}
 * Documents are in identityDocumentToJson form; `at` is ms since the epoch;
 * "auth" is the operator's signature over the entry's state after the change,
 * {"sequence":n,"at":ms,"signature":base64url} (src/registry/authorisation.ts);
 * a register record with "revoked" is what compaction writes for a revoked
 * entry. Version 2 files (no "auth", no inline "revoked") are still read, and
 * records appended to them are of the same shape unless an operator signs;
 * compact() rewrites a file under the version 3 header.
 *
 * Operators. With `operator: { did }` every entry must carry a valid
 * signature by that did:key over its current state: one that lacks it, was
 * altered or was signed by another key is refused on lookup with
 * REGISTRY_NOT_AUTHORISED (checked once per entry state, like documents); a
 * writer given `operator.signer` signs each change it makes.
 *
 * The writer. `create` starts a file (`REGISTRY_EXISTS` if one is there),
 * `open` opens one `create` made (`REGISTRY_MISSING` if it is gone or empty:
 * a registry that silently restarted empty would have forgotten every
 * revocation). Either holds `<path>.lock`: a second writer, here or in
 * another process, is refused with `REGISTRY_LOCKED` naming the holder. A
 * change is validated, appended and fdatasync'ed, and only then applied and
 * acknowledged; a failed write returns REGISTRY_IO_FAILED and changes nothing.
 * An unterminated last line is a write a crash interrupted: dropped,
 * truncated away and reported in `loaded`. A damaged complete line, the last
 * included, refuses the file with REGISTRY_CORRUPT, as does a record that
 * breaks a rule: the registry decides who is trusted, so it fails closed.
 * Signatures are not re-verified on open (10,000 ML-DSA documents would take
 * minutes) but on an entry's first resolve (REGISTRY_CORRUPT if it fails).
 *
 * Readers. `readOnly: true` takes no lock, refuses every change
 * (`REGISTRY_READ_ONLY`) and follows the file: fs.watch on its directory, and
 * a poll every `pollIntervalMs` (default 1000) on the injected timer as a
 * backstop. It applies appended records as they come, and reads the whole
 * file again after the writer compacted or re-created it (a new inode). While
 * it reads, resolve, resolveKid and list wait for it, and a batch is applied
 * in one step, so nothing is served from a state half-way through a change.
 * Staleness bound: a change the writer acknowledged is served by a reader
 * within one poll interval (in practice within milliseconds of the watch
 * event), never longer; until then the reader answers as before the change,
 * a revocation included. If the file becomes unreadable, missing or damaged,
 * the reader refuses every lookup with that error until a later read succeeds.
 *
 * Limits: all state is held in memory (the reader too); compaction is
 * explicit (`compact()`), so call it when `loaded.records` is several times
 * list().length; one writer per file.
 */
import { base64urlDecode, base64urlEncode } from '../../codec/base64url.js';
import { attempt, err, isXlinkError, quote, type Result, type XlinkError, xlinkError } from '../../errors.js';
import { assertCrypto } from '../../identity/derive.js';
import type { SignedIdentityDocument } from '../../identity/document.js';
import { identityDocumentFromJson, identityDocumentToJson } from '../../identity/document.js';
import { type Clock, systemClock } from '../../platform/clock.js';
import {
  AppendLog,
  type AppendLogOptions,
  type AppendLogReport,
  type LogFailureKind,
  type LogPosition,
  readLog,
} from '../../platform/node/append-log.js';
import { type FileFollower, followFile } from '../../platform/node/follow-file.js';
import { systemTimer, type Timer } from '../../platform/timer.js';
import type { RegistryAuthorisation, RegistryOperator } from '../authorisation.js';
import { type RegistryChange, type RegistryCrypto, TrustRegistryCore } from '../registry-core.js';
import type { RegisterInput, TrustRegistry, TrustRegistryEntry } from '../trust-registry.js';

export interface RegistryCompactionReport {
  /** Records in the rewritten file. */
  readonly records: number;
  /** Records the rewrite made unnecessary. */
  readonly removed: number;
}

export interface FileTrustRegistryOptions {
  /** The log file. Its directory must exist. */
  readonly path: string;
  /** Verifies documents on register, update and first resolve, and computes key ids; required unless the class has `defaults`. */
  readonly crypto?: RegistryCrypto;
  /** Dates registrations, changes and default revocations; defaults to the system clock. */
  readonly clock?: Clock;
  /** Follow a file another process writes, without its lock; every change is refused. Only for `open`. */
  readonly readOnly?: boolean;
  /** How often a read-only registry looks at the file even without a watch event, ms; default 1000. */
  readonly pollIntervalMs?: number;
  /** Runs that poll; defaults to the system timer. */
  readonly timer?: Timer;
  /** The operator whose signature every entry needs (see the module comment); a writer with `signer` signs its changes. */
  readonly operator?: RegistryOperator;
}

const HEADER = JSON.stringify({ format: 'xlink-trust-registry', version: 3 });
const OLDER_HEADERS = [JSON.stringify({ format: 'xlink-trust-registry', version: 2 })];
const DEFAULT_POLL_INTERVAL_MS = 1000;

/** Keys of each record kind; all required except "name". */
const RECORD_KEYS: Readonly<Record<RegistryChange['op'], readonly string[]>> = {
  register: ['op', 'did', 'document', 'scopes', 'name', 'at', 'revoked', 'auth'],
  document: ['op', 'did', 'document', 'at'],
  scopes: ['op', 'did', 'scopes', 'at', 'auth'],
  revoke: ['op', 'did', 'at', 'reason', 'auth'],
};
/** Keys a record may leave out. */
const OPTIONAL_KEYS: readonly string[] = ['name', 'revoked', 'auth'];

/** What a read-only registry keeps to follow the file. */
interface Following {
  readonly follower: FileFollower;
  position: LogPosition;
  /** The read in progress; lookups wait for it. */
  reading: Promise<void> | undefined;
  /** A change was signalled during the read in progress: read once more after it. */
  again: boolean;
  /** Why the last read failed; every lookup refuses with it until a read succeeds. */
  failure: XlinkError | undefined;
}

/** What an entry point fills in for options its caller leaves out. */
export interface FileTrustRegistryDefaults {
  readonly crypto?: () => RegistryCrypto;
}

/** A TrustRegistry persisted to an append-only log; see the module comment. */
export class FileTrustRegistry implements TrustRegistry {
  /** Options an entry point fills in; none here, so `crypto` must be passed. */
  static readonly defaults: FileTrustRegistryDefaults = {};

  readonly path: string;
  readonly readOnly: boolean;
  /** What opening found: records read, and the torn last record dropped (null when none; readers never drop one). */
  readonly loaded: AppendLogReport;
  readonly #crypto: RegistryCrypto;
  readonly #clock: Clock;
  readonly #operator: RegistryOperator | undefined;
  readonly #log: AppendLog | undefined;
  readonly #following: Following | undefined;
  #core: TrustRegistryCore;
  #closed = false;

  protected constructor(
    options: FileTrustRegistryOptions & { crypto: RegistryCrypto; clock: Clock },
    core: TrustRegistryCore,
    loaded: AppendLogReport,
    log: AppendLog | undefined,
    following: ((registry: FileTrustRegistry) => Following) | undefined,
  ) {
    this.path = options.path;
    this.readOnly = log === undefined;
    this.loaded = loaded;
    this.#crypto = options.crypto;
    this.#clock = options.clock;
    this.#operator = options.operator;
    this.#core = core;
    this.#log = log;
    this.#following = following?.(this);
  }

  /** Starts a new, empty registry at `options.path`; refuses a file that exists (`REGISTRY_EXISTS`). */
  static async create(options: FileTrustRegistryOptions): Promise<FileTrustRegistry> {
    const { crypto, clock } = checkedOptions(options, this.defaults);
    if (options.readOnly === true) {
      throw xlinkError('INVALID_ARGUMENT', '"readOnly" cannot be given to create(): a new registry is written', {
        field: 'readOnly',
      });
    }
    let log: AppendLog | undefined;
    const core = newCore(crypto, clock, options.operator, (change) =>
      (log as AppendLog).append(JSON.stringify(recordOf(change))),
    );
    log = await AppendLog.create(logOptions(options.path));
    return new FileTrustRegistry(
      { ...options, crypto, clock },
      core,
      Object.freeze({ records: 0, tornTail: null }),
      log,
      undefined,
    );
  }

  /**
   * Opens the registry `create` made: as its writer, or with `readOnly: true`
   * as a follower. Throws REGISTRY_MISSING, REGISTRY_CORRUPT, REGISTRY_LOCKED
   * (writers only) or REGISTRY_IO_FAILED when it cannot.
   */
  static async open(options: FileTrustRegistryOptions): Promise<FileTrustRegistry> {
    const { crypto, clock } = checkedOptions(options, this.defaults);
    if (options.readOnly === true) return FileTrustRegistry.#follow(options, crypto, clock);
    let log: AppendLog | undefined;
    const core = newCore(crypto, clock, options.operator, (change) =>
      (log as AppendLog).append(JSON.stringify(recordOf(change))),
    );
    const opened = await AppendLog.open(logOptions(options.path), (payload) => core.restore(changeOf(payload)));
    log = opened.log;
    try {
      await indexed(core, options.path);
    } catch (error) {
      await log.close();
      throw error;
    }
    return new FileTrustRegistry({ ...options, crypto, clock }, core, opened.report, log, undefined);
  }

  static async #follow(
    options: FileTrustRegistryOptions,
    crypto: RegistryCrypto,
    clock: Clock,
  ): Promise<FileTrustRegistry> {
    const interval = options.pollIntervalMs ?? DEFAULT_POLL_INTERVAL_MS;
    if (!Number.isSafeInteger(interval) || interval <= 0) {
      throw xlinkError(
        'INVALID_ARGUMENT',
        `"pollIntervalMs" expected a positive safe integer, got ${quote(interval)}`,
        {
          field: 'pollIntervalMs',
        },
      );
    }
    const timer = options.timer ?? systemTimer;
    const read = await readLog(logOptions(options.path));
    const core = await rebuilt(crypto, clock, options.operator, read.payloads, options.path);
    const loaded = Object.freeze({ records: read.payloads.length, tornTail: null });
    return new FileTrustRegistry({ ...options, crypto, clock }, core, loaded, undefined, (registry) => ({
      follower: followFile(options.path, { timer, intervalMs: interval, onChange: () => void registry.#refresh() }),
      position: read.position,
      reading: undefined,
      again: false,
      failure: undefined,
    }));
  }

  register(input: RegisterInput): Promise<Result<TrustRegistryEntry>> {
    return this.#change(() => this.#core.register(input));
  }

  updateDocument(document: SignedIdentityDocument): Promise<Result<TrustRegistryEntry>> {
    return this.#change(() => this.#core.updateDocument(document));
  }

  setScopes(did: string, scopes: readonly string[]): Promise<Result<TrustRegistryEntry>> {
    return this.#change(() => this.#core.setScopes(did, scopes));
  }

  revoke(
    did: string,
    revocation: { readonly reason: string; readonly at?: number },
  ): Promise<Result<TrustRegistryEntry>> {
    return this.#change(() => this.#core.revoke(did, revocation));
  }

  async resolve(did: string): Promise<Result<TrustRegistryEntry>> {
    const refused = await this.#current();
    return refused === undefined ? this.#core.resolve(did) : err(refused.detail);
  }

  async resolveKid(kid: Uint8Array): Promise<Result<TrustRegistryEntry>> {
    const refused = await this.#current();
    return refused === undefined ? this.#core.resolveKid(kid) : err(refused.detail);
  }

  /** Rejects with the XlinkError that keeps the registry from answering (closed, or a follower's failed read). */
  async list(): Promise<readonly TrustRegistryEntry[]> {
    const refused = await this.#current();
    if (refused !== undefined) throw refused;
    return this.#core.list();
  }

  /**
   * Rewrites the file as the current state (header, then per entry a register
   * record and its revocation), through a temporary file, fsync, rename and
   * directory fsync. Changes wait while it runs. On failure the old file stays
   * in place and REGISTRY_IO_FAILED is returned.
   */
  async compact(): Promise<Result<RegistryCompactionReport>> {
    const log = this.#log;
    const refused = this.#writable();
    if (refused !== undefined || log === undefined) return err((refused ?? this.#readOnlyError()).detail);
    const core = this.#core;
    return attempt(() =>
      core.exclusive(async () => {
        const before = log.records;
        const changes = core.changes();
        await log.rewrite(() => changes.map((change) => JSON.stringify(recordOf(change))));
        return { records: changes.length, removed: before - changes.length };
      }),
    );
  }

  /** Waits for queued changes, then closes the file (and stops following it). Every later call fails with REGISTRY_IO_FAILED. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#following?.follower.close();
    await this.#following?.reading;
    await this.#core.exclusive(async () => {});
    await this.#log?.close();
  }

  async #change(run: () => Promise<Result<TrustRegistryEntry>>): Promise<Result<TrustRegistryEntry>> {
    const refused = this.#writable() ?? (this.#log === undefined ? this.#readOnlyError() : undefined);
    return refused === undefined ? run() : err(refused.detail);
  }

  #writable(): XlinkError | undefined {
    if (this.#closed) return closedError(this.path);
    return this.#log?.failure;
  }

  #readOnlyError(): XlinkError {
    return xlinkError(
      'REGISTRY_READ_ONLY',
      `the registry ${this.path} was opened read-only; change it through the process that holds ${this.path}.lock`,
    );
  }

  /** Undefined when lookups may go ahead, after any read of a follower in progress; else why not. */
  async #current(): Promise<XlinkError | undefined> {
    if (this.#closed) return closedError(this.path);
    const following = this.#following;
    if (following === undefined) return undefined;
    if (following.reading !== undefined) await following.reading;
    return following.failure;
  }

  /** Reads what the writer added (or the whole file after it was replaced); one read at a time. */
  #refresh(): Promise<void> {
    const following = this.#following as Following;
    if (following.reading !== undefined) {
      following.again = true;
      return following.reading;
    }
    following.reading = (async () => {
      do {
        following.again = false;
        await this.#read(following);
      } while (following.again && !this.#closed);
    })().finally(() => {
      following.reading = undefined;
    });
    return following.reading;
  }

  async #read(following: Following): Promise<void> {
    try {
      const read = await readLog(logOptions(this.path), following.position).catch(async (error: unknown) => {
        // An appended tail that does not parse may follow a write the writer cut off and redid: read it all.
        if (isXlinkError(error) && error.code === 'REGISTRY_CORRUPT') return readLog(logOptions(this.path));
        throw error;
      });
      if (read.fresh) {
        this.#core = await rebuilt(this.#crypto, this.#clock, this.#operator, read.payloads, this.path);
      } else if (read.payloads.length > 0) {
        const core = this.#core;
        const changes = changesOf(read.payloads, following.position.line, this.path);
        // Key ids first (hashing is asynchronous), so the batch below applies in one synchronous
        // step: no lookup, however it interleaves, sees half of it.
        const kids = new Map<string, Uint8Array>();
        for (const change of changes) {
          if (change.op === 'register') kids.set(change.did, await core.keyIdOfDid(change.did));
        }
        applyAll(core, changes, following.position.line, this.path, kids);
      }
      following.position = read.position;
      following.failure = undefined;
    } catch (error) {
      if (!isXlinkError(error)) throw error;
      following.failure = error;
      // Read from the start next time, whatever state the failure left behind.
      following.position = { dev: -1, ino: -1, end: 0, line: 0 };
    }
  }
}

function checkedOptions(
  options: FileTrustRegistryOptions,
  defaults: FileTrustRegistryDefaults,
): { crypto: RegistryCrypto; clock: Clock } {
  if (typeof options?.path !== 'string' || options.path.length === 0) {
    throw xlinkError('INVALID_ARGUMENT', '"path" expected a non-empty string', { field: 'path' });
  }
  const crypto = options.crypto ?? defaults.crypto?.();
  assertCrypto(crypto, 'ed25519Verifier');
  return { crypto: crypto as RegistryCrypto, clock: options.clock ?? systemClock };
}

function newCore(
  crypto: RegistryCrypto,
  clock: Clock,
  operator: RegistryOperator | undefined,
  persist: (change: RegistryChange) => Promise<void>,
): TrustRegistryCore {
  return new TrustRegistryCore({ crypto, clock, operator, persist });
}

/** A follower's core: changes never reach it through persist. */
async function rebuilt(
  crypto: RegistryCrypto,
  clock: Clock,
  operator: RegistryOperator | undefined,
  payloads: readonly string[],
  path: string,
): Promise<TrustRegistryCore> {
  // A follower never signs: it only checks.
  const checking = operator === undefined ? undefined : { did: operator.did };
  const core = newCore(crypto, clock, checking, async () => {
    throw xlinkError('REGISTRY_READ_ONLY', `the registry ${path} was opened read-only`);
  });
  applyAll(core, changesOf(payloads, 1, path), 1, path);
  await indexed(core, path);
  return core;
}

/** The records after line `line` as changes; REGISTRY_CORRUPT names the line of one that is not a record. */
function changesOf(payloads: readonly string[], line: number, path: string): RegistryChange[] {
  return payloads.map((payload, index) => atLine(line + 1 + index, path, () => changeOf(payload)));
}

/** Restores `changes`, the records after line `line`, indexing those `kids` has; REGISTRY_CORRUPT names a bad one's line. */
function applyAll(
  core: TrustRegistryCore,
  changes: readonly RegistryChange[],
  line: number,
  path: string,
  kids?: ReadonlyMap<string, Uint8Array>,
): void {
  changes.forEach((change, index) => {
    atLine(line + 1 + index, path, () => core.restore(change, kids?.get(change.did)));
  });
}

function atLine<T>(line: number, path: string, run: () => T): T {
  try {
    return run();
  } catch (error) {
    if (!isXlinkError(error)) throw error;
    throw xlinkError('REGISTRY_CORRUPT', `${path} line ${line}: ${error.message}`, { cause: error });
  }
}

/** Indexes the key ids of restored entries; a collision names the file. */
async function indexed(core: TrustRegistryCore, path: string): Promise<void> {
  try {
    await core.indexKids();
  } catch (error) {
    if (!isXlinkError(error)) throw error;
    throw xlinkError('REGISTRY_CORRUPT', `${path}: ${error.message}`, { cause: error });
  }
}

function logOptions(path: string): AppendLogOptions {
  return { path, header: HEADER, olderHeaders: OLDER_HEADERS, what: 'trust registry', fail: logFailure };
}

function logFailure(kind: LogFailureKind, message: string, cause?: unknown): XlinkError {
  const options = cause === undefined ? {} : { cause };
  switch (kind) {
    case 'corrupt':
      return xlinkError('REGISTRY_CORRUPT', message, options);
    case 'missing':
      return xlinkError('REGISTRY_MISSING', message, options);
    case 'exists':
      return xlinkError('REGISTRY_EXISTS', message, options);
    case 'locked':
      return xlinkError('REGISTRY_LOCKED', message, options);
    case 'io':
      return xlinkError('REGISTRY_IO_FAILED', message, options);
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A record's shape (exact keys, document form); the core checks the values and the state rules. */
function changeOf(payload: string): RegistryChange {
  const malformed = (message: string): Error => xlinkError('REGISTRY_CORRUPT', message);
  let value: unknown;
  try {
    value = JSON.parse(payload);
  } catch {
    throw malformed('not a JSON record');
  }
  if (!isObject(value)) throw malformed('expected a JSON object');
  const { op } = value;
  if (typeof op !== 'string' || !Object.hasOwn(RECORD_KEYS, op)) throw malformed(`unknown "op" ${quote(op)}`);
  const keys = RECORD_KEYS[op as RegistryChange['op']];
  for (const key of Object.keys(value)) {
    if (!keys.includes(key)) throw malformed(`unexpected key ${quote(key)} in a "${op}" record`);
  }
  for (const key of keys) {
    if (!OPTIONAL_KEYS.includes(key) && !Object.hasOwn(value, key)) throw malformed(`"${op}" record lacks "${key}"`);
  }
  if (typeof value.did !== 'string') throw malformed('"did" expected a string');
  const record: Record<string, unknown> = { ...value };
  if (Object.hasOwn(value, 'auth')) record.auth = authorisationOf(value.auth, malformed);
  if (Object.hasOwn(value, 'revoked')) {
    const revoked = value.revoked;
    if (!isObject(revoked) || Object.keys(revoked).sort().join() !== 'at,reason') {
      throw malformed('"revoked" expected {"at","reason"}');
    }
  }
  if (!Object.hasOwn(value, 'document')) return record as unknown as RegistryChange;
  const document = identityDocumentFromJson(value.document);
  if (!document.ok) throw malformed(`"document": ${document.error.message}`);
  return { ...record, document: document.value } as unknown as RegistryChange;
}

/** An "auth" value's shape; the core checks the numbers and the signature. */
function authorisationOf(value: unknown, malformed: (message: string) => Error): RegistryAuthorisation {
  if (!isObject(value) || Object.keys(value).sort().join() !== 'at,sequence,signature') {
    throw malformed('"auth" expected {"sequence","at","signature"}');
  }
  const signature = typeof value.signature === 'string' ? base64urlDecode(value.signature) : undefined;
  if (signature === undefined || !signature.ok) throw malformed('"auth.signature" expected base64url');
  return { sequence: value.sequence as number, at: value.at as number, signature: signature.value };
}

function authorisationRecord(auth: RegistryAuthorisation | undefined): Record<string, unknown> {
  if (auth === undefined) return {};
  return { auth: { sequence: auth.sequence, at: auth.at, signature: base64urlEncode(auth.signature) } };
}

function recordOf(change: RegistryChange): Record<string, unknown> {
  switch (change.op) {
    case 'register': {
      const { did, document, scopes, name, at, revoked, auth } = change;
      return {
        op: 'register',
        did,
        document: identityDocumentToJson(document),
        scopes,
        ...(name === undefined ? {} : { name }),
        at,
        ...(revoked === undefined ? {} : { revoked: { at: revoked.at, reason: revoked.reason } }),
        ...authorisationRecord(auth),
      };
    }
    case 'document':
      return { op: 'document', did: change.did, document: identityDocumentToJson(change.document), at: change.at };
    case 'scopes':
      return {
        op: 'scopes',
        did: change.did,
        scopes: change.scopes,
        at: change.at,
        ...authorisationRecord(change.auth),
      };
    case 'revoke':
      return {
        op: 'revoke',
        did: change.did,
        at: change.at,
        reason: change.reason,
        ...authorisationRecord(change.auth),
      };
  }
}

function closedError(path: string): XlinkError {
  return xlinkError('REGISTRY_IO_FAILED', `the FileTrustRegistry for ${path} is closed`, { field: 'path' });
}
