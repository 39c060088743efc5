/**
 * The forward ledger in Redis, shared by every gateway of one deployment
 * (ForwardLedger describes the protocol). One key per message,
 * `<prefix>{<sender>}:<token>`, hash-tagged by sender so a Redis Cluster keeps
 * a sender's keys on one slot; each step is one Lua script or SET, atomic on
 * the server, so two gateways racing for a message cannot both claim it.
 *
 *   const ledger = new RedisForwardLedger({ client: redis, retentionMs: 600_000, leaseMs: 30_000 });
 *
 * Values: `a|<owner>|<ms>` claimed, `f` forwarded; both expire after
 * `retentionMs`. Errors fail closed: REPLAY_STORE_UNAVAILABLE, with the cause.
 * Durability is the server's: with `appendonly yes` and the default
 * `appendfsync everysec`, a Redis crash forgets up to a second of marks.
 */
import { err, errorDetail, ok, type Result } from '../errors.js';
import type { ClaimOutcome, ForwardLedger, ForwardLedgerOptions } from './forward-ledger.js';

/** The few client methods the ledger calls; an ioredis Redis or Cluster has them. */
export interface LedgerRedisClient {
  eval(script: string, numKeys: number, ...args: (string | number)[]): Promise<unknown>;
  set(key: string, value: string, px: 'PX', milliseconds: number): Promise<unknown>;
}

export interface RedisForwardLedgerOptions extends ForwardLedgerOptions {
  readonly client: LedgerRedisClient;
  /** Default `xlink:ledger:`. */
  readonly keyPrefix?: string;
}

/** KEYS[1] the message; ARGV owner, now, leaseMs, retentionMs. */
const CLAIM = `
local v = redis.call('GET', KEYS[1])
if v == 'f' then return 'forwarded' end
local mine = 'a|' .. ARGV[1] .. '|' .. ARGV[2]
if v then
  local owner, at = string.match(v, '^a|(.*)|(%d+)$')
  if owner ~= ARGV[1] and tonumber(ARGV[2]) - tonumber(at) < tonumber(ARGV[3]) then return 'busy' end
  redis.call('SET', KEYS[1], mine, 'PX', ARGV[4])
  return 'resume'
end
redis.call('SET', KEYS[1], mine, 'PX', ARGV[4])
return 'claimed'
`;

/** KEYS[1] the message; ARGV[1] owner: drops the claim only if it is still this owner's. */
const RELEASE = `
local v = redis.call('GET', KEYS[1])
local prefix = 'a|' .. ARGV[1] .. '|'
if v and string.sub(v, 1, #prefix) == prefix then redis.call('DEL', KEYS[1]) end
return 1
`;

export class RedisForwardLedger implements ForwardLedger {
  readonly #client: LedgerRedisClient;
  readonly #prefix: string;
  readonly #retentionMs: number;
  readonly #leaseMs: number;

  constructor(options: RedisForwardLedgerOptions) {
    this.#client = options.client;
    this.#prefix = options.keyPrefix ?? 'xlink:ledger:';
    this.#retentionMs = options.retentionMs;
    this.#leaseMs = options.leaseMs;
  }

  async claim(id: string, owner: string, now: number): Promise<Result<ClaimOutcome>> {
    return this.#run(async () => {
      const answer = await this.#client.eval(CLAIM, 1, this.#key(id), owner, now, this.#leaseMs, this.#retentionMs);
      return answer as ClaimOutcome;
    });
  }

  forwarded(id: string): Promise<Result<void>> {
    return this.#run(async () => {
      await this.#client.set(this.#key(id), 'f', 'PX', this.#retentionMs);
    });
  }

  release(id: string, owner: string): Promise<Result<void>> {
    return this.#run(async () => {
      await this.#client.eval(RELEASE, 1, this.#key(id), owner);
    });
  }

  async close(): Promise<void> {}

  /** `did:key:z…#c42` → `<prefix>{did:key:z…}:c42`. */
  #key(id: string): string {
    const at = id.lastIndexOf('#');
    return `${this.#prefix}{${id.slice(0, at)}}:${id.slice(at + 1)}`;
  }

  async #run<T>(step: () => Promise<T>): Promise<Result<T>> {
    try {
      return ok(await step());
    } catch (error) {
      const cause = error instanceof Error ? error.message : String(error);
      return err(errorDetail('REPLAY_STORE_UNAVAILABLE', `the Redis forward ledger failed: ${cause.slice(0, 200)}`));
    }
  }
}
