/**
 * Appends each verified record to a Redis Stream: `XADD <stream> * id <id> record <json>`,
 * for downstream consumer groups.
 *
 * A resumed record (the gateway crashed after a claim, before its forwarded
 * mark; Sink explains `since`) is appended by one Lua script, atomic on the
 * server, only if no entry since the claim (stream ids are the server's
 * milliseconds; minus SKEW_MS for the gateway's clock against Redis's) has
 * its id: the stream holds every message once. The script names only the
 * stream's key, so it runs on a Redis Cluster too.
 */
import { err, errorDetail, ok, type Result } from '../../errors.js';
import type { Sink } from '../sink.js';
import type { VerifiedRecord } from '../verified-record.js';

export interface StreamRedisClient {
  xadd(key: string, ...args: (string | number)[]): Promise<unknown>;
  eval(script: string, numKeys: number, ...args: (string | number)[]): Promise<unknown>;
}

/** How far the gateway's clock may be ahead of Redis's before a resumed copy would be missed. */
const SKEW_MS = 60_000;

/** KEYS[1] the stream; ARGV id, record, the first stream id to look at. 1: appended, 0: held already. */
const APPEND_ONCE = `
for _, entry in ipairs(redis.call('XREVRANGE', KEYS[1], '+', ARGV[3])) do
  local fields = entry[2]
  for i = 1, #fields, 2 do
    if fields[i] == 'id' and fields[i + 1] == ARGV[1] then return 0 end
  end
end
redis.call('XADD', KEYS[1], '*', 'id', ARGV[1], 'record', ARGV[2])
return 1
`;

export class RedisStreamSink implements Sink {
  readonly name = 'redis-stream';
  readonly #client: StreamRedisClient;
  readonly #stream: string;

  constructor(client: StreamRedisClient, stream: string) {
    this.#client = client;
    this.#stream = stream;
  }

  async forward(record: VerifiedRecord, text: string, since?: number): Promise<Result<void>> {
    try {
      if (since === undefined) await this.#client.xadd(this.#stream, '*', 'id', record.id, 'record', text);
      else await this.#client.eval(APPEND_ONCE, 1, this.#stream, record.id, text, Math.max(0, since - SKEW_MS));
      return ok(undefined);
    } catch (error) {
      const cause = (error instanceof Error ? error.message : String(error)).slice(0, 200);
      return err(errorDetail('FORWARD_FAILED', `XADD ${this.#stream} failed: ${cause}`));
    }
  }

  async close(): Promise<void> {}
}
