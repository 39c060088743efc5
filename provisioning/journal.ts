/**
 * The provisioning journal: an append-only, hash-chained log of every step of
 * a batch, the one source of truth a re-run resumes from.
 *
 *   const { journal, records } = await Journal.open(path);  // or Journal.create(path, batchRecord)
 *   await journal.append({ type: 'intent', serial, did });  // resolves once fsync'ed (group commit)
 *
 * File: an AppendLog (xlink/platform/node: one `<CRC-32> <JSON>` line per
 * record, torn last line dropped, fdatasync per write batch, `<path>.lock`
 * for one writer), header {"format":"xlink-provision-journal","version":1}.
 * Each record is a JSON object with `seq` (1, 2, …), `prev` (SHA-256 hex of
 * the previous record's payload, or of the header for the first) and `type`.
 * The chain makes an edit, a deletion or a reordering anywhere show as
 * PROVISION_JOURNAL_CORRUPT (the CRC alone only catches accidents), and the
 * last hash, printed at the end of a run, names the whole history.
 *
 * Records hold public data only (serials, DIDs, key ids, documents, file
 * hashes): never a seed.
 */
import { createHash } from 'node:crypto';
import { isXlinkError, quote, type XlinkError, xlinkError } from 'xlink/errors';
import { AppendLog, type AppendLogOptions, type LogFailureKind } from 'xlink/platform/node';

const HEADER = JSON.stringify({ format: 'xlink-provision-journal', version: 1 });

export interface JournalRecord {
  readonly seq: number;
  readonly prev: string;
  readonly type: string;
  readonly [field: string]: unknown;
}

function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

function failure(kind: LogFailureKind, message: string, cause?: unknown): XlinkError {
  const options = cause === undefined ? {} : { cause };
  switch (kind) {
    case 'corrupt':
      return xlinkError('PROVISION_JOURNAL_CORRUPT', message, options);
    case 'locked':
      return xlinkError('PROVISION_LOCKED', message, options);
    default:
      return xlinkError('PROVISION_IO_FAILED', message, options);
  }
}

function logOptions(path: string): AppendLogOptions {
  return { path, header: HEADER, what: 'provisioning journal', fail: failure };
}

export class Journal {
  readonly path: string;
  readonly #log: AppendLog;
  #seq: number;
  #last: string;

  private constructor(path: string, log: AppendLog, seq: number, last: string) {
    this.path = path;
    this.#log = log;
    this.#seq = seq;
    this.#last = last;
  }

  /** Starts a journal; PROVISION_IO_FAILED if a file is there. */
  static async create(path: string): Promise<Journal> {
    return new Journal(path, await AppendLog.create(logOptions(path)), 0, sha256Hex(HEADER));
  }

  /** Reads and checks every record; PROVISION_JOURNAL_CORRUPT names the first that breaks the chain. */
  static async open(path: string): Promise<{ journal: Journal; records: JournalRecord[] }> {
    const records: JournalRecord[] = [];
    let last = sha256Hex(HEADER);
    const { log } = await AppendLog.open(logOptions(path), (payload) => {
      const record = parseRecord(payload);
      if (record.seq !== records.length + 1) {
        throw xlinkError(
          'PROVISION_JOURNAL_CORRUPT',
          `record ${quote(record.seq)} where ${records.length + 1} belongs`,
        );
      }
      if (record.prev !== last) {
        throw xlinkError('PROVISION_JOURNAL_CORRUPT', `record ${record.seq} does not chain to the one before it`);
      }
      last = sha256Hex(payload);
      records.push(record);
    });
    return { journal: new Journal(path, log, records.length, last), records };
  }

  /** SHA-256 of the last record: the head of the chain. */
  get head(): string {
    return this.#last;
  }

  /**
   * Appends records in call order; resolves once they are on disk. Records
   * appended without awaiting share one write and one fdatasync.
   */
  append(fields: { readonly type: string; readonly [field: string]: unknown }): Promise<void> {
    this.#seq += 1;
    const payload = JSON.stringify({ seq: this.#seq, prev: this.#last, ...fields });
    this.#last = sha256Hex(payload);
    return this.#log.append(payload);
  }

  close(): Promise<void> {
    return this.#log.close();
  }
}

function parseRecord(payload: string): JournalRecord {
  let value: unknown;
  try {
    value = JSON.parse(payload);
  } catch (cause) {
    if (isXlinkError(cause)) throw cause;
    throw xlinkError('PROVISION_JOURNAL_CORRUPT', 'a record is not JSON');
  }
  const record = value as JournalRecord;
  if (
    typeof value !== 'object' ||
    value === null ||
    !Number.isSafeInteger(record.seq) ||
    typeof record.prev !== 'string' ||
    typeof record.type !== 'string'
  ) {
    throw xlinkError('PROVISION_JOURNAL_CORRUPT', 'a record lacks "seq", "prev" or "type"');
  }
  return record;
}
