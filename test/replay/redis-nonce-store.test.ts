// Runs against a real redis-server the suite starts on a free port. Without the
// binary it prints that it did not run and passes (CI installs redis-server).
import assert from 'node:assert/strict';
import { createHash, randomUUID } from 'node:crypto';
import { after, describe, it } from 'node:test';
import fc from 'fast-check';
import { Redis, type RedisOptions } from 'ioredis';
import { bytesToHex } from '../../src/codec/bytes.js';
import { isXlinkError } from '../../src/errors.js';
import { VirtualClock } from '../../src/platform/virtual-clock.js';
import {
  acceptCounterInWindow,
  counterStatus,
  createCounterWindow,
  MAX_COUNTER,
  serializeCounterWindow,
} from '../../src/replay/counter-window.js';
import {
  COUNTER_WINDOW_SCRIPT,
  COUNTER_WINDOW_SCRIPT_SHA1,
  type RedisClient,
  RedisNonceStore,
  senderHashTag,
} from '../../src/replay/redis-nonce-store.js';
import { startRedisServer } from '../helpers/redis-server.js';
import { assertCode, assertOk, randomNonce, runNonceStoreContract } from './nonce-store-contract.js';

const SENDER = 'did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK';
const server = await startRedisServer();

if (server === undefined) {
  console.log('RedisNonceStore suite: not run: redis-server not installed');
} else {
  const clients: Redis[] = [];
  const connect = (port = server.port, options: RedisOptions = {}): Redis => {
    const client = new Redis(port, '127.0.0.1', options);
    clients.push(client);
    return client;
  };
  const redis = connect();
  const servers = [server];
  after(async () => {
    for (const client of clients) client.disconnect();
    // Stopping twice is harmless, and a failed test must not leave its own server running.
    for (const started of servers) await started.stop();
  });
  /** A prefix no other test uses, so tests share one server without seeing each other's keys. */
  const uniquePrefix = (): string => `test:${randomUUID()}:`;

  runNonceStoreContract(
    'RedisNonceStore',
    async (options) => {
      // Judges windows on this clock; its keys expire on the server's, which the contract does not move.
      const clock = new VirtualClock(Date.now());
      return { store: new RedisNonceStore({ ...options, client: redis, keyPrefix: uniquePrefix(), clock }), clock };
    },
    { expiresOnInjectedClock: false, clocklessCounters: true, bounded: false },
  );

  describe('RedisNonceStore: keys and expiry', () => {
    it('sets each nonce key with PX 2 × window + skew and NX; counter windows never expire', async () => {
      const keyPrefix = uniquePrefix();
      const store = new RedisNonceStore({ client: redis, keyPrefix, windowMs: 30_000, maxSkewMs: 5_000 });
      assert.equal(store.nonceTtlMs, 65_000);
      const nonce = randomNonce();
      assertOk(await store.reserveNonce(SENDER, nonce, Date.now()));
      const nonceKey = `${keyPrefix}{${SENDER}}:n:${bytesToHex(nonce)}`;
      const ttl = await redis.pttl(nonceKey);
      assert.ok(ttl > 64_000 && ttl <= 65_000, `PTTL ${ttl}`);
      assertOk(await store.acceptCounter(SENDER, 7, undefined));
      assert.equal(await redis.pttl(`${keyPrefix}{${SENDER}}:c`), -1, 'no expiry on the counter window');
      assert.equal(await redis.get(`${keyPrefix}{${SENDER}}:c`), '7:0000000000000000');
    });

    it('tags every key with the sender, escaped, so one sender stays in one cluster slot', async () => {
      assert.equal(senderHashTag(SENDER), `{${SENDER}}`, 'a DID needs no escaping');
      assert.equal(senderHashTag('a}b{c%'), '{a%7Db%7Bc%25}');
      // Injective: the escapes themselves are escaped, so no two senders share a tag.
      const senders = ['a}', 'a%7D', 'a%', '%', '}', '{', '{}', 'a', 'a%257D'];
      const tags = senders.map(senderHashTag);
      assert.equal(new Set(tags).size, senders.length);
      for (const tag of tags) assert.doesNotMatch(tag.slice(1, -1), /[{}]/, tag);
      const keyPrefix = uniquePrefix();
      const store = new RedisNonceStore({ client: redis, keyPrefix });
      assertOk(await store.acceptCounter('a}b', 3, undefined));
      assert.equal(await redis.get(`${keyPrefix}{a%7Db}:c`), '3:0000000000000000');
      assertOk(await store.acceptCounter('a%7Db', 3, undefined), 'another sender, another key');
      assert.throws(() => new RedisNonceStore({ client: redis, keyPrefix: 'x{y}:' }), /without \{ or \}/);
    });

    it('forgets a nonce when its key expires on the server clock', async () => {
      const store = new RedisNonceStore({ client: redis, keyPrefix: uniquePrefix(), windowMs: 40, maxSkewMs: 0 });
      const nonce = randomNonce();
      assertOk(await store.reserveNonce(SENDER, nonce, Date.now()));
      assertCode(await store.reserveNonce(SENDER, nonce, Date.now()), 'REPLAY_DETECTED');
      await new Promise((resolve) => setTimeout(resolve, 150)); // past PX = 80 ms
      assertOk(await store.reserveNonce(SENDER, nonce, Date.now()), 'expired key');
    });

    it('accepts the white paper construction, ttlSeconds as the nonce TTL and keyPrefix as given', async () => {
      const store = new RedisNonceStore({ client: redis, ttlSeconds: 600, keyPrefix: 'nonce:' });
      assert.equal(store.nonceTtlMs, 600_000);
      const nonce = randomNonce();
      assertOk(await store.reserveNonce(SENDER, nonce, Date.now()));
      const ttl = await redis.pttl(`nonce:{${SENDER}}:n:${bytesToHex(nonce)}`);
      assert.ok(ttl > 599_000 && ttl <= 600_000, `PTTL ${ttl}`);
    });

    it('refuses a ttlSeconds shorter than 2 × window + skew, and other bad options', () => {
      const cases: [object, string][] = [
        [{ ttlSeconds: 64 }, 'ttlSeconds'],
        [{ ttlSeconds: 0 }, 'ttlSeconds'],
        [{ windowMs: 0 }, 'windowMs'],
        [{ maxSkewMs: -1 }, 'maxSkewMs'],
        [{ counterWindow: 100 }, 'counterWindow'],
        [{ keyPrefix: 7 }, 'keyPrefix'],
        [{ client: undefined }, 'client'],
      ];
      for (const [options, field] of cases) {
        assert.throws(
          () => new RedisNonceStore({ client: redis, ...options } as never),
          (error) => isXlinkError(error) && error.code === 'INVALID_ARGUMENT' && error.field === field,
          JSON.stringify(options),
        );
      }
      assert.equal(new RedisNonceStore({ client: redis, ttlSeconds: 65 }).nonceTtlMs, 65_000, 'exactly the minimum');
    });

    it('shares state between receivers: two clients, two stores, one Redis', async () => {
      const keyPrefix = uniquePrefix();
      const first = new RedisNonceStore({ client: redis, keyPrefix });
      const second = new RedisNonceStore({ client: connect(), keyPrefix });
      const nonce = randomNonce();
      const results = await Promise.all([
        first.reserveNonce(SENDER, nonce, Date.now()),
        second.reserveNonce(SENDER, nonce, Date.now()),
      ]);
      assert.equal(results.filter((r) => r.ok).length, 1);
      assertOk(await first.acceptCounter(SENDER, 10, undefined));
      assertCode(await second.acceptCounter(SENDER, 10, undefined), 'REPLAY_DETECTED:COUNTER');
    });
  });

  describe('RedisNonceStore: the Lua counter window', () => {
    it('answers and stores exactly what counter-window.ts does (fast-check)', async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.constantFrom(32, 64, 96, 1024),
          fc.constantFrom(0, MAX_COUNTER),
          fc.array(fc.integer({ min: 0, max: 2500 }), { minLength: 1, maxLength: 60 }),
          async (size, base, offsets) => {
            const keyPrefix = uniquePrefix();
            const store = new RedisNonceStore({ client: redis, keyPrefix, counterWindow: size });
            const window = createCounterWindow(size);
            for (const offset of offsets) {
              const counter = base === 0 ? offset : base - offset;
              const expected = counterStatus(window, counter);
              acceptCounterInWindow(window, counter);
              const result = await store.acceptCounter(SENDER, counter, undefined);
              assert.equal(result.ok, expected === 'new', `counter ${counter}: JS says ${expected}`);
              assert.equal(await redis.get(`${keyPrefix}{${SENDER}}:c`), serializeCounterWindow(window));
            }
          },
        ),
        { numRuns: 60 },
      );
    });

    it('runs the script by its SHA-1, and by EVAL where the server does not have it (SCRIPT FLUSH)', async () => {
      assert.equal(createHash('sha1').update(COUNTER_WINDOW_SCRIPT).digest('hex'), COUNTER_WINDOW_SCRIPT_SHA1);
      const store = new RedisNonceStore({ client: redis, keyPrefix: uniquePrefix() });
      assertOk(await store.acceptCounter(SENDER, 1, undefined));
      await redis.script('FLUSH');
      assertOk(await store.acceptCounter(SENDER, 2, undefined));
      assert.deepEqual(await redis.script('EXISTS', COUNTER_WINDOW_SCRIPT_SHA1), [1], 'EVAL cached it again');
      assertCode(await store.acceptCounter(SENDER, 1, undefined), 'REPLAY_DETECTED:COUNTER');
    });

    it('fails closed on a counter window it cannot read', async () => {
      const keyPrefix = uniquePrefix();
      await redis.set(`${keyPrefix}{${SENDER}}:c`, 'not a window');
      const store = new RedisNonceStore({ client: redis, keyPrefix });
      const result = await store.acceptCounter(SENDER, 1, undefined);
      assertCode(result, 'REPLAY_STORE_UNAVAILABLE');
      if (!result.ok) assert.match(result.error.message, /malformed counter window/);
    });
  });

  describe('RedisNonceStore: Redis failures', () => {
    it('keeps counter windows and nonces across a kill -9 of a server with appendonly yes, appendfsync always', async () => {
      // Finding (CI): with everysec, a loaded server replied before writing the AOF and lost counter 41 to the kill.
      const own = await startRedisServer({ appendonly: true, appendfsync: 'always' });
      assert.ok(own);
      servers.push(own);
      const options: RedisOptions = { maxRetriesPerRequest: 0, enableOfflineQueue: false, retryStrategy: () => 50 };
      const client = connect(own.port, options);
      await new Promise((resolve) => client.once('ready', resolve));
      const store = new RedisNonceStore({ client });
      const nonce = randomNonce();
      const ts = Date.now();
      assertOk(await store.reserveNonce(SENDER, nonce, ts));
      assertOk(await store.acceptCounter(SENDER, 41, undefined));
      await own.kill(); // no shutdown save: only what the AOF holds comes back
      assertCode(await store.acceptCounter(SENDER, 42, undefined), 'REPLAY_STORE_UNAVAILABLE');
      // Listen before restarting: the client can reconnect while restart() is still awaited.
      const ready = new Promise((resolve) => client.once('ready', resolve));
      await own.restart();
      await ready;
      assertCode(await store.reserveNonce(SENDER, nonce, ts), 'REPLAY_DETECTED');
      assertCode(await store.acceptCounter(SENDER, 41, undefined), 'REPLAY_DETECTED:COUNTER');
      assertOk(await store.acceptCounter(SENDER, 42, undefined));
    });

    it('reports a stopped server as REPLAY_STORE_UNAVAILABLE with the cause, for nonces and counters', async () => {
      const own = await startRedisServer();
      assert.ok(own);
      servers.push(own);
      // Fail fast, as the store's documentation asks: no retries, no queue while disconnected.
      const client = connect(own.port, {
        maxRetriesPerRequest: 0,
        enableOfflineQueue: false,
        retryStrategy: () => null,
      });
      await new Promise((resolve) => client.once('ready', resolve));
      const store = new RedisNonceStore({ client });
      assertOk(await store.reserveNonce(SENDER, randomNonce(), Date.now()));
      await own.stop();
      const nonce = await store.reserveNonce(SENDER, randomNonce(), Date.now());
      assertCode(nonce, 'REPLAY_STORE_UNAVAILABLE');
      if (!nonce.ok) assert.match(nonce.error.message, /^Redis SET failed: /);
      assertCode(await store.acceptCounter(SENDER, 1, undefined), 'REPLAY_STORE_UNAVAILABLE');
    });

    it('reports any client error as REPLAY_STORE_UNAVAILABLE, never as accepted', async () => {
      const failing: RedisClient = {
        set: async () => {
          throw new Error('READONLY You cannot write against a read only replica.');
        },
        eval: async () => {
          throw new Error('BUSY Redis is busy running a script.');
        },
        evalsha: async () => {
          throw new Error('BUSY Redis is busy running a script.');
        },
      };
      const store = new RedisNonceStore({ client: failing });
      const nonce = await store.reserveNonce(SENDER, randomNonce(), Date.now());
      assertCode(nonce, 'REPLAY_STORE_UNAVAILABLE');
      if (!nonce.ok) assert.match(nonce.error.message, /READONLY/);
      const counter = await store.acceptCounter(SENDER, 1, undefined);
      assertCode(counter, 'REPLAY_STORE_UNAVAILABLE');
      if (!counter.ok) assert.match(counter.error.message, /BUSY/);
    });
  });
}
