/**
 * Appends each verified record as one line of a JSONL file, durable
 * (fdatasync) before the message is acknowledged. Lines queued while a sync
 * runs share the next one (group commit). A failed write cuts its bytes off
 * again, so a line is never half there.
 */
import { type FileHandle, open } from 'node:fs/promises';
import { err, errorDetail, ok, type Result } from '../../../errors.js';
import type { Sink } from '../../sink.js';
import type { VerifiedRecord } from '../../verified-record.js';

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

  private constructor(path: string, handle: FileHandle, length: number) {
    this.path = path;
    this.#handle = handle;
    this.#length = length;
  }

  static async open(path: string): Promise<JsonlSink> {
    const handle = await open(path, 'a+');
    const { size } = await handle.stat();
    return new JsonlSink(path, handle, size);
  }

  forward(_record: VerifiedRecord, text: string): Promise<Result<void>> {
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

  async close(): Promise<void> {
    while (this.#flushing) await new Promise((resolve) => setTimeout(resolve, 5));
    await this.#handle.close();
  }
}
