/**
 * Appends each verified record as one line of a JSONL file, durable
 * (fdatasync) before the message is acknowledged. Lines queued while a sync
 * runs share the next one (group commit). A failed write cuts its bytes off
 * again, so a line is never half there; a line a crash tore (never synced,
 * so never acknowledged) is cut at open.
 *
 * The file holds every message once. A resumed record (a crash came between
 * a claim and its forwarded mark; Sink explains `since`) may be in the file
 * already: its line, if there, was written before this sink opened, with a
 * `receivedAt` after the claim. So the sink reads the file backward from
 * where it was at open, down to the first line older than the claim (minus
 * ORDER_SLACK_MS: lines of one group commit are not strictly in time order),
 * keeps the ids it read, and skips a resumed record it holds. Read once per
 * restart, as far back as the oldest resumed claim needs.
 */
import { type FileHandle, open } from 'node:fs/promises';
import { err, errorDetail, ok, type Result } from '../../../errors.js';
import type { Sink } from '../../sink.js';
import type { VerifiedRecord } from '../../verified-record.js';

/** How far out of time order lines may be, within one group commit and across a clock step. */
const ORDER_SLACK_MS = 10_000;
const CHUNK = 64 * 1024;

interface Waiting {
  readonly line: string;
  readonly done: (result: Result<void>) => void;
}

export class JsonlSink implements Sink {
  readonly name = 'jsonl';
  readonly path: string;
  readonly #handle: FileHandle;
  #length: number;
  #queue: Waiting[] = [];
  #flushing = false;
  /** The lines there at open are read backward, for resumed records: those from here on are read. */
  #scannedFrom: number;
  /** Every line since this time (ms) was read into #held. */
  #scannedSince = Number.POSITIVE_INFINITY;
  readonly #held = new Set<string>();
  #scanning: Promise<void> = Promise.resolve();

  private constructor(path: string, handle: FileHandle, length: number) {
    this.path = path;
    this.#handle = handle;
    this.#length = length;
    this.#scannedFrom = length;
  }

  static async open(path: string): Promise<JsonlSink> {
    const handle = await open(path, 'a+');
    try {
      return new JsonlSink(path, handle, await cutTornLine(handle));
    } catch (error) {
      await handle.close();
      throw error;
    }
  }

  async forward(record: VerifiedRecord, text: string, since?: number): Promise<Result<void>> {
    if (since !== undefined) {
      try {
        if (await this.#holds(record.id, since - ORDER_SLACK_MS)) return ok(undefined);
      } catch (error) {
        return err(errorDetail('FORWARD_FAILED', `reading ${this.path} failed: ${(error as Error).message}`));
      }
    }
    return new Promise((done) => {
      this.#queue.push({ line: `${text}\n`, done });
      if (!this.#flushing) void this.#flush();
    });
  }

  async #flush(): Promise<void> {
    this.#flushing = true;
    while (this.#queue.length > 0) {
      const batch = this.#queue;
      this.#queue = [];
      const data = Buffer.from(batch.map((w) => w.line).join(''));
      let result: Result<void>;
      try {
        await this.#handle.write(data, 0, data.length, this.#length);
        await this.#handle.datasync();
        this.#length += data.length;
        result = ok(undefined);
      } catch (error) {
        await this.#handle.truncate(this.#length).catch(() => undefined);
        result = err(errorDetail('FORWARD_FAILED', `writing ${this.path} failed: ${(error as Error).message}`));
      }
      for (const waiting of batch) waiting.done(result);
    }
    this.#flushing = false;
  }

  /** Whether a line with this id, received at `from` or later, was in the file at open. */
  async #holds(id: string, from: number): Promise<boolean> {
    const scanned = this.#scanning.then(() => this.#scanBack(from));
    this.#scanning = scanned.catch(() => undefined);
    await scanned;
    return this.#held.has(id);
  }

  async #scanBack(from: number): Promise<void> {
    let size = CHUNK;
    while (this.#scannedSince >= from && this.#scannedFrom > 0) {
      const start = Math.max(0, this.#scannedFrom - size);
      const chunk = Buffer.alloc(this.#scannedFrom - start);
      await readAll(this.#handle, chunk, start);
      // The chunk ends with a line's newline; unless at the file's start, its first piece may be the end
      // of a line that starts further back, so the lines read are those after the first other newline.
      const first = start === 0 ? -1 : chunk.subarray(0, chunk.length - 1).indexOf(0x0a);
      if (start > 0 && first < 0) {
        size *= 2; // a line longer than the chunk
        continue;
      }
      const lines = chunk.toString('utf8', first + 1).split('\n');
      for (let i = lines.length - 1; i >= 0; i--) this.#note(lines[i] as string);
      this.#scannedFrom = start + first + 1;
      size = CHUNK;
    }
  }

  #note(line: string): void {
    if (line === '') return;
    let parsed: { id?: unknown; receivedAt?: unknown };
    try {
      parsed = JSON.parse(line) as typeof parsed;
    } catch {
      return; // not a record of this sink's (edited by hand): it holds no id
    }
    if (typeof parsed.id === 'string') this.#held.add(parsed.id);
    if (typeof parsed.receivedAt === 'number') this.#scannedSince = Math.min(this.#scannedSince, parsed.receivedAt);
  }

  async close(): Promise<void> {
    await this.#scanning;
    while (this.#flushing) await new Promise((resolve) => setTimeout(resolve, 5));
    await this.#handle.close();
  }
}

/** Cuts an unterminated last line (a write a crash interrupted, never acknowledged); returns the length kept. */
async function cutTornLine(handle: FileHandle): Promise<number> {
  const { size } = await handle.stat();
  let end = size;
  const chunk = Buffer.alloc(CHUNK);
  while (end > 0) {
    const start = Math.max(0, end - CHUNK);
    const { bytesRead } = await handle.read(chunk, 0, end - start, start);
    const newline = chunk.subarray(0, bytesRead).lastIndexOf(0x0a);
    if (newline >= 0) {
      end = start + newline + 1;
      break;
    }
    end = start;
  }
  if (end < size) {
    await handle.truncate(end);
    await handle.datasync();
  }
  return end;
}

async function readAll(handle: FileHandle, into: Buffer, position: number): Promise<void> {
  for (let at = 0; at < into.length; ) {
    const { bytesRead } = await handle.read(into, at, into.length - at, position + at);
    if (bytesRead === 0) throw new Error('the file ended early');
    at += bytesRead;
  }
}
