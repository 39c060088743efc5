// RedisNonceStore on a real three-master Redis Cluster the suite starts
// (test/helpers/redis-cluster.ts), through ioredis's Cluster client: the
// NonceStore contract, one slot per sender, a replay refused through another
// client (another gateway), and a master killed: refused, never accepted.
// Without redis-server it prints that it did not run (CI installs it).
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, describe, it } from 'node:test';
import { Cluster, type ClusterOptions } from 'ioredis';
import { VirtualClock } from '../../src/platform/virtual-clock.js';
import { RedisNonceStore, senderHashTag } from '../../src/replay/redis-nonce-store.js';
import { startRedisCluster } from '../helpers/redis-cluster.js';
import { assertCode, assertOk, randomNonce, runNonceStoreContract } from './nonce-store-contract.js';

const TIMEOUT = { timeout: 60_000 };
const cluster = await startRedisCluster();

if (cluster === undefined) {
  console.log('RedisNonceStore on Redis Cluster: not run: redis-server not installed');
} else {
  const clients: Cluster[] = [];
  /** A Cluster client that fails fast, as the store asks: a dead node is an error, not a wait. */
  const connect = (options: ClusterOptions = {}): Cluster => {
    const client = new Cluster([...cluster.startupNodes], {
      enableOfflineQueue: false,
      retryDelayOnClusterDown: 50,
      retryDelayOnFailover: 50,
      maxRedirections: 4,
      clusterRetryStrategy: () => 100,
      redisOptions: { maxRetriesPerRequest: 0, connectTimeout: 500 },
      ...options,
    });
    client.on('error', () => {}); // a killed node is the point of one test
    clients.push(client);
    return client;
  };
  const ready = async (client: Cluster): Promise<Cluster> => {
    if (client.status !== 'ready') await new Promise((resolve) => client.once('ready', resolve));
    return client;
  };
  after(async () => {
    for (const client of clients) client.disconnect();
    await cluster.stop();
  });
  const redis = await ready(connect());
  const uniquePrefix = (): string => `test:${randomUUID()}:`;
  /** Senders until each master owns at least `perMaster` of their counter keys. */
  const sendersOnEveryMaster = async (keyPrefix: string, perMaster: number) => {
    const byPort = new Map<number, string[]>();
    for (let i = 0; [...byPort.values()].filter((s) => s.length >= perMaster).length < 3; i++) {
      const sender = `did:key:z6Mk-sender-${i}`;
      const master = await cluster.masterOf(`${keyPrefix}${senderHashTag(sender)}:c`);
      byPort.set(master.port, [...(byPort.get(master.port) ?? []), sender]);
    }
    return byPort;
  };

  runNonceStoreContract(
    'RedisNonceStore on Redis Cluster',
    async (options) => {
      const clock = new VirtualClock(Date.now());
      return { store: new RedisNonceStore({ ...options, client: redis, keyPrefix: uniquePrefix(), clock }), clock };
    },
    { expiresOnInjectedClock: false, clocklessCounters: true, bounded: false },
  );

  describe('RedisNonceStore on Redis Cluster', () => {
    it('keeps every key of one sender in one slot, and spreads senders over the masters', TIMEOUT, async () => {
      const keyPrefix = uniquePrefix();
      const store = new RedisNonceStore({ client: redis, keyPrefix });
      const byPort = await sendersOnEveryMaster(keyPrefix, 2);
      assert.equal(byPort.size, 3, 'senders land on all three masters');
      for (const sender of [...byPort.values()].flat()) {
        const nonce = randomNonce();
        assertOk(await store.reserveNonce(sender, nonce, Date.now()));
        assertOk(await store.acceptCounter(sender, 1, undefined));
        const tag = senderHashTag(sender);
        const [nonceSlot, counterSlot] = await Promise.all([
          redis.cluster('KEYSLOT', `${keyPrefix}${tag}:n:${Buffer.from(nonce).toString('hex')}`),
          redis.cluster('KEYSLOT', `${keyPrefix}${tag}:c`),
        ]);
        assert.equal(nonceSlot, counterSlot, sender);
      }
    });

    it('refuses a replay delivered through another client, on every master', TIMEOUT, async () => {
      const keyPrefix = uniquePrefix();
      const first = new RedisNonceStore({ client: redis, keyPrefix });
      const second = new RedisNonceStore({ client: await ready(connect()), keyPrefix }); // another gateway
      const senders = [...(await sendersOnEveryMaster(keyPrefix, 3)).values()].flat();
      for (const [i, sender] of senders.entries()) {
        const nonce = randomNonce();
        const ts = Date.now();
        assertOk(await first.reserveNonce(sender, nonce, ts));
        assertCode(await second.reserveNonce(sender, nonce, ts), 'REPLAY_DETECTED', sender);
        assertOk(await second.acceptCounter(sender, 100 + i, undefined));
        assertCode(await first.acceptCounter(sender, 100 + i, undefined), 'REPLAY_DETECTED:COUNTER', sender);
      }
      // Both race one fresh token per sender: exactly one wins each.
      const races = await Promise.all(
        senders.map(async (sender) => {
          const nonce = randomNonce();
          const ts = Date.now();
          const results = await Promise.all([
            first.reserveNonce(sender, nonce, ts),
            second.reserveNonce(sender, nonce, ts),
            first.acceptCounter(sender, 500, undefined),
            second.acceptCounter(sender, 500, undefined),
          ]);
          return [results[0].ok !== results[1].ok, results[2].ok !== results[3].ok];
        }),
      );
      assert.ok(races.flat().every(Boolean), 'one winner per token');
    });

    it(
      'fails closed when a master is killed (never accepts a replay, REPLAY_STORE_UNAVAILABLE), and recovers when it restarts',
      TIMEOUT,
      async () => {
        const keyPrefix = uniquePrefix();
        const store = new RedisNonceStore({ client: await ready(connect()), keyPrefix });
        const byPort = await sendersOnEveryMaster(keyPrefix, 3);
        const senders = [...byPort.values()].flat();
        for (const sender of senders) assertOk(await store.acceptCounter(sender, 7, undefined));
        const victim = cluster.masters[1];
        assert.ok(victim);
        const onVictim = new Set(byPort.get(victim.port));
        await victim.kill();
        let unavailable = 0;
        // Before the cluster agrees on the failure (node timeout 1 s) and after (CLUSTERDOWN): never ok for a replay.
        for (let round = 0; round < 3; round++) {
          for (const sender of senders) {
            const replay = await store.acceptCounter(sender, 7, undefined);
            assert.ok(!replay.ok, `a replay from ${sender} was accepted with a master down`);
            if (onVictim.has(sender)) assertCode(replay, 'REPLAY_STORE_UNAVAILABLE', sender);
            else assert.ok(['REPLAY_DETECTED:COUNTER', 'REPLAY_STORE_UNAVAILABLE'].includes(replay.error.code));
            const fresh = await store.acceptCounter(sender, 8 + round, undefined);
            if (onVictim.has(sender)) assertCode(fresh, 'REPLAY_STORE_UNAVAILABLE', sender);
            if (!fresh.ok) unavailable++;
          }
          await new Promise((resolve) => setTimeout(resolve, 700));
        }
        assert.ok(unavailable >= onVictim.size * 3, `${unavailable} refusals`);
        assert.equal((await cluster.info(cluster.masters[0]?.port)).cluster_state, 'fail', 'full coverage lost');

        // Restarted (same port, nodes.conf and AOF): the cluster heals and still knows every counter.
        await victim.restart();
        const deadline = Date.now() + 20_000;
        while ((await cluster.info()).cluster_state !== 'ok') {
          assert.ok(Date.now() < deadline, 'the cluster did not heal');
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
        for (const sender of senders) {
          let replay = await store.acceptCounter(sender, 7, undefined);
          for (let tries = 0; !replay.ok && replay.error.code === 'REPLAY_STORE_UNAVAILABLE' && tries < 50; tries++) {
            await new Promise((resolve) => setTimeout(resolve, 100)); // the client rediscovers the node
            replay = await store.acceptCounter(sender, 7, undefined);
          }
          assertCode(replay, 'REPLAY_DETECTED:COUNTER', `${sender} after the restart`);
          assertOk(await store.acceptCounter(sender, 100, undefined), `${sender} goes on`);
        }
      },
    );
  });
}
