/**
 * Appends each verified record to a Redis Stream: `XADD <stream> * id <id> record <json>`,
 * for downstream consumer groups. `maxLength` trims approximately (`MAXLEN ~`).
 */
import { err, errorDetail, ok, type Result } from '../../errors.js';
import type { Sink } from '../sink.js';
import type { VerifiedRecord } from '../verified-record.js';

export interface StreamRedisClient {
  xadd(key: string, ...args: (string | number)[]): Promise<unknown>;
}

export class RedisStreamSink implements Sink {
  readonly name = 'redis-stream';
  readonly #client: StreamRedisClient;
  readonly #stream: string;

  constructor(client: StreamRedisClient, stream: string) {
    this.#client = client;
    this.#stream = stream;
  }

  async forward(record: VerifiedRecord, text: string): Promise<Result<void>> {
    try {
      await this.#client.xadd(this.#stream, '*', 'id', record.id, 'record', text);
      return ok(undefined);
    } catch (error) {
      const cause = (error instanceof Error ? error.message : String(error)).slice(0, 200);
      return err(errorDetail('FORWARD_FAILED', `XADD ${this.#stream} failed: ${cause}`));
    }
  }

  async close(): Promise<void> {}
}
