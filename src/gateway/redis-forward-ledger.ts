/**
 * The forward ledger in Redis, shared by every gateway of one deployment
 * (ForwardLedger describes the protocol). One key per message,
 * `<prefix>{<sender>}:<token>`, hash-tagged by sender so a Redis Cluster keeps
 * a sender's keys on one slot; each step is one Lua script or SET, atomic on
 * the server, so two gateways racing for a message cannot both claim it.
 *
 *   const ledger = new RedisForwardLedger({ client: redis, retentionMs: 600_000, leaseMs: 30_000 });
 *
 * Values: `a|<first ms>|<digest>|<owner>|<ms>` claimed (first: the first
 * claim, ms: the latest, the lease), `f|<digest>` forwarded; both expire after
 * `retentionMs`. A value of the older form (`a|<owner>|<ms>`, `f`) matches
 * any content. Errors fail closed: REPLAY_STORE_UNAVAILABLE, with the cause.
 * Durability is the server's: with `appendonly yes` and the default
 * `appendfsync everysec`, a Redis crash forgets up to a second of marks.
 */
import { err, errorDetail, ok, type Result } from '../errors.js';
import type { ClaimOutcome, ClaimState, ForwardLedger, ForwardLedgerOptions } from './forward-ledger.js';

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

/** KEYS[1] the message; ARGV owner, now, leaseMs, retentionMs, digest. Answers {state, first claim ms}. */
const CLAIM = `
local v = redis.call('GET', KEYS[1])
if v then
  local fdigest = string.match(v, '^f|(%x+)$')
  if fdigest and fdigest ~= ARGV[5] then return {'conflict', 0} end
  if string.sub(v, 1, 1) == 'f' then return {'forwarded', 0} end
  local first, digest, owner, at = string.match(v, '^a|(%d+)|(%x+)|(.*)|(%d+)$')
  if not first then
    owner, at = string.match(v, '^a|(.*)|(%d+)$')
    first = at or ARGV[2]
  end
  if digest and digest ~= ARGV[5] then return {'conflict', 0} end
  if owner ~= ARGV[1] and at and tonumber(ARGV[2]) - tonumber(at) < tonumber(ARGV[3]) then return {'busy', 0} end
  redis.call('SET', KEYS[1], 'a|' .. first .. '|' .. ARGV[5] .. '|' .. ARGV[1] .. '|' .. ARGV[2], 'PX', ARGV[4])
  return {'resume', tonumber(first)}
end
redis.call('SET', KEYS[1], 'a|' .. ARGV[2] .. '|' .. ARGV[5] .. '|' .. ARGV[1] .. '|' .. ARGV[2], 'PX', ARGV[4])
return {'claimed', 0}
`;

/** KEYS[1] the message; ARGV[1] owner: drops the claim only if it is still this owner's. */
const RELEASE = `
local v = redis.call('GET', KEYS[1])
if v then
  local owner = string.match(v, '^a|%d+|%x+|(.*)|%d+$') or string.match(v, '^a|(.*)|%d+$')
  if owner == ARGV[1] then redis.call('DEL', KEYS[1]) end
end
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

  async claim(id: string, owner: string, now: number, digest: string): Promise<Result<ClaimOutcome>> {
    return this.#run(async () => {
      const [state, since] = (await this.#client.eval(
        CLAIM,
        1,
        this.#key(id),
        owner,
        now,
        this.#leaseMs,
        this.#retentionMs,
        digest,
      )) as [ClaimState, number];
      return state === 'resume' ? { state, since } : { state };
    });
  }

  forwarded(id: string, digest: string): Promise<Result<void>> {
    return this.#run(async () => {
      await this.#client.set(this.#key(id), `f|${digest}`, 'PX', this.#retentionMs);
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
