/**
 * The forward ledger in a file, for a gateway that runs alone (ForwardLedger
 * describes the protocol): the append log every file store here uses, one
 * record per step, each durable (fdatasync, group commit) before its promise
 * resolves. Opening replays the log; marks older than `retentionMs` are
 * dropped when the log is compacted.
 *
 *   const ledger = await FileForwardLedger.openOrCreate({ path, retentionMs: 600_000, leaseMs: 30_000 });
 *
 * Records: `["a", id, owner, ms, digest, first ms]` claimed, `["f", id, ms, digest]`
 * forwarded, `["r", id]` released (version 1 files, without digests, are read:
 * their marks match any content). Failures: REPLAY_STORE_UNAVAILABLE (I/O),
 * REPLAY_STORE_CORRUPT and REPLAY_STORE_LOCKED (another process has it) at open.
 */
import { access } from 'node:fs/promises';
import { err, errorDetail, ok, type Result, type XlinkError, xlinkError } from '../../errors.js';
import { AppendLog, type AppendLogOptions, type LogFailureKind } from '../../platform/node/append-log.js';
import type { ClaimOutcome, ForwardLedger, ForwardLedgerOptions } from '../forward-ledger.js';

export interface FileForwardLedgerOptions extends ForwardLedgerOptions {
  readonly path: string;
  /** Milliseconds since the epoch; default Date.now. */
  readonly now?: () => number;
}

type Mark =
  | {
      readonly state: 'a';
      readonly owner: string;
      /** The lease: the latest claim. */
      readonly at: number;
      readonly digest: string | undefined;
      /** The first claim, before any resume. */
      readonly first: number;
    }
  | { readonly state: 'f'; readonly at: number; readonly digest: string | undefined };

const HEADER = 'xlink-forward-ledger 2';
const OLDER_HEADERS = ['xlink-forward-ledger 1'];
const COMPACTION_SLACK = 4096;

export class FileForwardLedger implements ForwardLedger {
  readonly #log: AppendLog;
  readonly #marks: Map<string, Mark>;
  readonly #options: FileForwardLedgerOptions;
  readonly #now: () => number;
  #compactAfter: number;
  #compacting = false;

  private constructor(log: AppendLog, marks: Map<string, Mark>, options: FileForwardLedgerOptions) {
    this.#log = log;
    this.#marks = marks;
    this.#options = options;
    this.#now = options.now ?? Date.now;
    this.#compactAfter = marks.size * 2 + COMPACTION_SLACK;
  }

  static async openOrCreate(options: FileForwardLedgerOptions): Promise<FileForwardLedger> {
    const marks = new Map<string, Mark>();
    const logOptions: AppendLogOptions = {
      path: options.path,
      header: HEADER,
      olderHeaders: OLDER_HEADERS,
      what: 'forward ledger',
      fail: failure,
    };
    const exists = await access(options.path).then(
      () => true,
      () => false,
    );
    if (!exists) return new FileForwardLedger(await AppendLog.create(logOptions), marks, options);
    const { log } = await AppendLog.open(logOptions, (payload) => apply(marks, payload));
    const now = (options.now ?? Date.now)();
    for (const [id, mark] of marks) if (now - mark.at > options.retentionMs) marks.delete(id);
    return new FileForwardLedger(log, marks, options);
  }

  /** Marks held in memory. */
  get size(): number {
    return this.#marks.size;
  }

  async claim(id: string, owner: string, now: number, digest: string): Promise<Result<ClaimOutcome>> {
    const mark = this.#live(id, now);
    if (mark !== undefined && mark.digest !== undefined && mark.digest !== digest) return ok({ state: 'conflict' });
    if (mark?.state === 'f') return ok({ state: 'forwarded' });
    if (mark !== undefined && mark.owner !== owner && now - mark.at < this.#options.leaseMs)
      return ok({ state: 'busy' });
    const first = mark?.state === 'a' ? mark.first : now;
    this.#marks.set(id, { state: 'a', owner, at: now, digest, first });
    const written = await this.#append(['a', id, owner, now, digest, first]);
    if (!written.ok) return written;
    return ok(mark === undefined ? { state: 'claimed' } : { state: 'resume', since: first });
  }

  async forwarded(id: string, digest: string): Promise<Result<void>> {
    const at = this.#now();
    this.#marks.set(id, { state: 'f', at, digest });
    return this.#append(['f', id, at, digest]);
  }

  async release(id: string, owner: string): Promise<Result<void>> {
    const mark = this.#marks.get(id);
    if (mark?.state !== 'a' || mark.owner !== owner) return ok(undefined);
    this.#marks.delete(id);
    return this.#append(['r', id]);
  }

  close(): Promise<void> {
    return this.#log.close();
  }

  #live(id: string, now: number): Mark | undefined {
    const mark = this.#marks.get(id);
    if (mark !== undefined && now - mark.at > this.#options.retentionMs) {
      this.#marks.delete(id);
      return undefined;
    }
    return mark;
  }

  async #append(record: readonly (string | number | undefined)[]): Promise<Result<void>> {
    try {
      await this.#log.append(JSON.stringify(record));
    } catch (error) {
      return err(errorDetail('REPLAY_STORE_UNAVAILABLE', (error as Error).message));
    }
    if (this.#log.records > this.#compactAfter && !this.#compacting) void this.#compact();
    return ok(undefined);
  }

  async #compact(): Promise<void> {
    this.#compacting = true;
    const now = this.#now();
    for (const [id, mark] of this.#marks) if (now - mark.at > this.#options.retentionMs) this.#marks.delete(id);
    try {
      await this.#log.rewrite(() =>
        [...this.#marks].map(([id, m]) =>
          JSON.stringify(m.state === 'f' ? ['f', id, m.at, m.digest] : ['a', id, m.owner, m.at, m.digest, m.first]),
        ),
      );
    } catch {
      // The old log stays in use (or the log set its failure, which refuses every later append).
    }
    this.#compactAfter = this.#marks.size * 2 + COMPACTION_SLACK;
    this.#compacting = false;
  }
}

function apply(marks: Map<string, Mark>, payload: string): void {
  const record = JSON.parse(payload) as unknown;
  if (!Array.isArray(record) || typeof record[1] !== 'string') {
    throw xlinkError('REPLAY_STORE_CORRUPT', 'a forward ledger record is not [kind, id, …]');
  }
  const [kind, id] = record as [string, string];
  // JSON.stringify writes a missing digest as null.
  const digestAt = (i: number): string | undefined => (typeof record[i] === 'string' ? record[i] : undefined);
  if (kind === 'a' && typeof record[2] === 'string' && typeof record[3] === 'number') {
    const first = typeof record[5] === 'number' ? record[5] : record[3];
    marks.set(id, { state: 'a', owner: record[2], at: record[3], digest: digestAt(4), first });
  } else if (kind === 'f' && typeof record[2] === 'number') {
    marks.set(id, { state: 'f', at: record[2], digest: digestAt(3) });
  } else if (kind === 'r') {
    marks.delete(id);
  } else {
    throw xlinkError(
      'REPLAY_STORE_CORRUPT',
      `a forward ledger record of unknown kind ${JSON.stringify(kind).slice(0, 20)}`,
    );
  }
}

function failure(kind: LogFailureKind, message: string, cause?: unknown): XlinkError {
  const options = cause === undefined ? {} : { cause };
  switch (kind) {
    case 'corrupt':
      return xlinkError('REPLAY_STORE_CORRUPT', message, options);
    case 'locked':
      return xlinkError('REPLAY_STORE_LOCKED', message, options);
    case 'missing':
      return xlinkError('REPLAY_STORE_MISSING', message, options);
    case 'exists':
      return xlinkError('REPLAY_STORE_EXISTS', message, options);
    case 'io':
      return xlinkError('REPLAY_STORE_UNAVAILABLE', message, options);
  }
}
