/**
 * A replay store in Redis, shared by every receiver process of one identity
 * and surviving their restarts.
 *
 *   import Redis from 'ioredis';
 *   const redis = new Redis(url, { maxRetriesPerRequest: 1 });
 *   const store = new RedisNonceStore({ client: redis, ttlSeconds: 600, keyPrefix: 'nonce:' });
 *   // Redis Cluster: fail fast too, or a dead master's slots make every check wait.
 *   const cluster = new Cluster(nodes, { enableOfflineQueue: false, redisOptions: { maxRetriesPerRequest: 0 } });
 *   const shared = new RedisNonceStore({ client: cluster });
 *
 * A nonce is one key, `<prefix>{<sender>}:n:<32 hex digits>`, set with
 * `SET key 1 PX ttl NX`: atomic, so two receivers racing on one nonce cannot
 * both win. A sender's counter window is one key, `<prefix>{<sender>}:c`,
 * holding `serializeCounterWindow` text without expiry, checked and updated by
 * one Lua script (atomic on the server). `{<sender>}` is a Redis Cluster hash
 * tag: every key of one sender is in one slot, so a check never spans nodes,
 * and a check that touches several keys of that sender could stay one script.
 * Inside the tag the sender is escaped (`%` `{` `}` as `%25` `%7B` `%7D`),
 * which is injective and leaves the tag without braces: the first `}` ends
 * it, so no sender string can collide with another's key.
 *
 * Redis Cluster: pass an ioredis `Cluster` as the client. The script runs by
 * EVALSHA of its known SHA-1 and, where a node has not cached it yet
 * (NOSCRIPT: a fresh node, a restart, SCRIPT FLUSH), by EVAL, which caches it
 * there; both are routed by the key, so no SCRIPT LOAD must reach every node.
 *
 * Nonce TTL: at least 2 × windowMs + maxSkewMs. The store refuses a timestamp
 * further than windowMs from its own clock (`TIMESTAMP_EXPIRED`,
 * `TIMESTAMP_EXPIRED:FUTURE`), as the memory and file stores do, so an
 * envelope dated up to windowMs ahead stays acceptable until windowMs after
 * its date: the nonce must outlive its SET by up to 2 × windowMs. maxSkewMs
 * covers receivers whose clocks run apart and the Redis server's clock, which
 * runs the TTL. Without that check a store configured with a shorter window
 * than its receiver would forget a nonce the receiver still accepts. The
 * clock is read through `nonDecreasing`, so a clock stepping back cannot
 * reopen a window the store already closed.
 *
 * Limits: the store does not own the client; `close` only stops this store.
 * Redis errors fail closed (`REPLAY_STORE_UNAVAILABLE`, the cause in the
 * message); configure the client to fail fast (ioredis queues commands while
 * disconnected unless `maxRetriesPerRequest`/`enableOfflineQueue` say
 * otherwise). Counter windows are only as durable as the server's persistence
 * (AOF or RDB): a Redis that restarts empty has forgotten them.
 */
import { bytesToHex } from '../codec/bytes.js';
import type { ErrorDetail, Result } from '../errors.js';
import { err, errorDetail, ok, quote, xlinkError } from '../errors.js';
import { type Clock, nonDecreasing, systemClock } from '../platform/clock.js';
import { createCounterWindow, DEFAULT_COUNTER_WINDOW } from './counter-window.js';
import type { NonceStore } from './nonce-store.js';
import {
  checkedClock,
  closedError,
  counterArgumentError,
  DEFAULT_REPLAY_WINDOW_MS,
  nonceArgumentError,
  nonceRefusal,
  positiveInteger,
  timestampOutsideWindow,
} from './replay-state.js';

/**
 * The few ioredis methods this store calls, so `src/` needs no Redis package:
 * pass an ioredis `Redis` (or anything with these methods).
 */
export interface RedisClient {
  set(key: string, value: string, px: 'PX', milliseconds: number, nx: 'NX'): Promise<'OK' | null>;
  eval(script: string, numKeys: number, ...args: (string | number)[]): Promise<unknown>;
  evalsha(sha: string, numKeys: number, ...args: (string | number)[]): Promise<unknown>;
}

export interface RedisNonceStoreOptions {
  readonly client: RedisClient;
  /** Prepended to every key; default `xlink:replay:`. No braces: the hash tag is the sender's. */
  readonly keyPrefix?: string;
  /** The receivers' timestamp window; default 30 000 ms. */
  readonly windowMs?: number;
  /** How far apart the receivers' and the Redis server's clocks may run; default 5 000 ms. */
  readonly maxSkewMs?: number;
  /** Nonce TTL in seconds, when longer than the minimum (2 × windowMs + maxSkewMs); shorter is refused. */
  readonly ttlSeconds?: number;
  /** Counter window in bits, a multiple of 32 up to 1024; default 64. */
  readonly counterWindow?: number;
  /** Judges timestamps against windowMs, read through `nonDecreasing`; default the system clock. */
  readonly clock?: Clock;
}

export const DEFAULT_KEY_PREFIX = 'xlink:replay:';
export const DEFAULT_MAX_SKEW_MS = 5_000;

/**
 * KEYS[1] the sender's window; ARGV[1] the counter (decimal), ARGV[2] the window
 * in 32-bit words. Returns 1 accepted, 0 seen, -1 below the window. The same
 * algorithm and text format as counter-window.ts (a test compares the two); Lua
 * numbers are doubles, exact for counters up to 2^53-1, and `%.0f` prints them
 * whole where tostring would round to 14 digits.
 */
export const COUNTER_WINDOW_SCRIPT = `
local c = tonumber(ARGV[1])
local n = tonumber(ARGV[2])
local size = n * 32
local top = -1
local w = {}
local state = redis.call('GET', KEYS[1])
if state then
  local t, hex = string.match(state, '^(%d+):(%x*)$')
  if not t or #hex % 8 ~= 0 then return redis.error_reply('xlink: malformed counter window at ' .. KEYS[1]) end
  top = tonumber(t)
  local saved = #hex / 8
  for i = 1, n do
    if i <= saved then w[i] = tonumber(string.sub(hex, i * 8 - 7, i * 8), 16) else w[i] = 4294967295 end
  end
else
  for i = 1, n do w[i] = 0 end
end
if c > top then
  local shift = c - top
  if top < 0 or shift > size then
    for i = 1, n do w[i] = 0 end
  else
    local words = math.floor(shift / 32)
    local offset = shift % 32
    for j = n, 1, -1 do
      local from = j - words
      local low = 0
      if from >= 1 then low = w[from] end
      local v = bit.lshift(low, offset)
      if offset ~= 0 and from >= 2 then v = bit.bor(v, bit.rshift(w[from - 1], 32 - offset)) end
      w[j] = v
    end
    local b = shift - 1
    local k = math.floor(b / 32) + 1
    w[k] = bit.bor(w[k], bit.lshift(1, b % 32))
  end
  top = c
else
  if c == top then return 0 end
  local d = top - 1 - c
  if d >= size then return -1 end
  local k = math.floor(d / 32) + 1
  local mask = bit.lshift(1, d % 32)
  if bit.band(w[k], mask) ~= 0 then return 0 end
  w[k] = bit.bor(w[k], mask)
end
local parts = {}
for i = 1, n do parts[i] = bit.tohex(w[i], 8) end
redis.call('SET', KEYS[1], string.format('%.0f', top) .. ':' .. table.concat(parts))
return 1
`;

/** SHA-1 of COUNTER_WINDOW_SCRIPT, as Redis names it (test/replay/redis-nonce-store.test.ts recomputes it). */
export const COUNTER_WINDOW_SCRIPT_SHA1 = '006d1fb4289396afcd905e80ce49b7c1f2ffc71e';

/** The hash tag of `sender`'s keys: the sender with `%`, `{`, `}` escaped (injective, brace-free). */
export function senderHashTag(sender: string): string {
  return `{${sender.replace(/[%{}]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)}}`;
}

export class RedisNonceStore implements NonceStore {
  readonly keyPrefix: string;
  readonly windowMs: number;
  /** The PX given to every nonce key. */
  readonly nonceTtlMs: number;
  readonly counterWindow: number;
  private readonly client: RedisClient;
  private readonly clock: Clock;
  private closed = false;

  constructor(options: RedisNonceStoreOptions) {
    if (options === null || typeof options !== 'object' || typeof options.client?.set !== 'function') {
      throw xlinkError('INVALID_ARGUMENT', '"client" expected an ioredis Redis or Cluster (set, eval, evalsha)', {
        field: 'client',
      });
    }
    this.client = options.client;
    this.keyPrefix = options.keyPrefix ?? DEFAULT_KEY_PREFIX;
    if (typeof this.keyPrefix !== 'string' || /[{}]/.test(this.keyPrefix)) {
      throw xlinkError(
        'INVALID_ARGUMENT',
        '"keyPrefix" expected a string without { or } (the hash tag is the sender\'s)',
        {
          field: 'keyPrefix',
        },
      );
    }
    this.windowMs = positiveInteger(options.windowMs, 'windowMs', DEFAULT_REPLAY_WINDOW_MS);
    const skew = options.maxSkewMs ?? DEFAULT_MAX_SKEW_MS;
    if (!Number.isSafeInteger(skew) || skew < 0) {
      throw xlinkError('INVALID_ARGUMENT', `"maxSkewMs" expected a safe integer >= 0, got ${quote(skew)}`, {
        field: 'maxSkewMs',
      });
    }
    const minimum = 2 * this.windowMs + skew;
    this.nonceTtlMs = minimum;
    if (options.ttlSeconds !== undefined) {
      const ttlMs = positiveInteger(options.ttlSeconds, 'ttlSeconds', 0) * 1000;
      if (ttlMs < minimum) {
        throw xlinkError(
          'INVALID_ARGUMENT',
          `"ttlSeconds" expected at least ${Math.ceil(minimum / 1000)} (2 × windowMs + maxSkewMs = ${minimum} ms), got ${options.ttlSeconds}`,
          { field: 'ttlSeconds' },
        );
      }
      this.nonceTtlMs = ttlMs;
    }
    this.counterWindow = options.counterWindow ?? DEFAULT_COUNTER_WINDOW;
    createCounterWindow(this.counterWindow); // throws INVALID_ARGUMENT for a bad size
    this.clock = nonDecreasing(checkedClock(options.clock ?? systemClock));
  }

  async reserveNonce(sender: string, nonce: Uint8Array, timestampMs: number): Promise<Result<void>> {
    const refused =
      closedError(this.closed, 'RedisNonceStore') ??
      nonceArgumentError(sender, nonce, timestampMs) ??
      timestampOutsideWindow(timestampMs, this.clock.now(), this.windowMs);
    if (refused !== undefined) return err(refused);
    const hex = bytesToHex(nonce);
    let reply: 'OK' | null;
    try {
      reply = await this.client.set(
        `${this.keyPrefix}${senderHashTag(sender)}:n:${hex}`,
        '1',
        'PX',
        this.nonceTtlMs,
        'NX',
      );
    } catch (cause) {
      return err(unavailable('SET', cause));
    }
    if (reply === 'OK') return ok(undefined);
    return err(nonceRefusal('seen', sender, nonce, 0));
  }

  async acceptCounter(sender: string, counter: number, timestampMs: number | undefined): Promise<Result<void>> {
    const refused = closedError(this.closed, 'RedisNonceStore') ?? counterArgumentError(sender, counter, timestampMs);
    if (refused !== undefined) return err(refused);
    let reply: unknown;
    try {
      reply = await this.runCounterScript(`${this.keyPrefix}${senderHashTag(sender)}:c`, counter);
    } catch (cause) {
      return err(unavailable('EVALSHA', cause));
    }
    if (reply === 1) return ok(undefined);
    if (reply === 0) {
      return err(
        errorDetail('REPLAY_DETECTED:COUNTER', `counter ${counter} from ${quote(sender)} was already accepted`),
      );
    }
    if (reply === -1) {
      return err(
        errorDetail(
          'REPLAY_DETECTED:COUNTER',
          `counter ${counter} from ${quote(sender)} is below the window (${this.counterWindow} counters under the highest accepted)`,
        ),
      );
    }
    return err(unavailable('EVALSHA', new Error(`unexpected reply ${String(reply)}`)));
  }

  /** Stops this store; the client stays open (its owner closes it). */
  async close(): Promise<void> {
    this.closed = true;
  }

  private async runCounterScript(key: string, counter: number): Promise<unknown> {
    const args = [key, counter.toString(), this.counterWindow / 32] as const;
    try {
      return await this.client.evalsha(COUNTER_WINDOW_SCRIPT_SHA1, 1, ...args);
    } catch (error) {
      // This node has not cached the script (new, restarted, flushed): EVAL runs it and caches it.
      if (!String((error as Error)?.message).startsWith('NOSCRIPT')) throw error;
      return await this.client.eval(COUNTER_WINDOW_SCRIPT, 1, ...args);
    }
  }
}

function unavailable(command: string, cause: unknown): ErrorDetail {
  const reason = cause instanceof Error ? cause.message : String(cause);
  return errorDetail('REPLAY_STORE_UNAVAILABLE', `Redis ${command} failed: ${quote(reason, 200)}`);
}
