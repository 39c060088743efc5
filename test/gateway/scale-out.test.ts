/**
 * Scale-out: two `xlink gateway` processes on one MQTT 5 shared subscription
 * ($share/gateways/…) of a real Mosquitto, sharing replay state and the
 * forward ledger in Redis: a single server, then a three-master Cluster.
 * Every valid reading is verified exactly once across both; replays sent
 * after the duplicate window land on either instance and are refused by the
 * shared counter windows; the load is split.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type TestContext, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { startMosquitto } from '../helpers/mosquitto.js';
import { startRedisCluster } from '../helpers/redis-cluster.js';
import { startRedisServer } from '../helpers/redis-server.js';
import { APP, Fleet, type GatewayProcess, publisher, startGateway, until, Watcher } from './harness.js';

const DEVICES = 6;
const PER_DEVICE = 30;
const REPLAYS = 24;

async function twoGateways(t: TestContext, redis: { url: string; cluster: boolean } | undefined): Promise<void> {
  const broker = await startMosquitto();
  if (broker === undefined || redis === undefined) {
    t.skip('not run: mosquitto or redis-server is not installed');
    await broker?.stop();
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), 'xlink-gw-scale-'));
  const fleet = await Fleet.create(dir, DEVICES);
  const watcher = await Watcher.start(broker.url);
  const common = {
    XLINK_BROKER_URL: broker.url,
    XLINK_REGISTRY: fleet.registryPath,
    XLINK_REDIS_URL: redis.url,
    XLINK_REDIS_CLUSTER: String(redis.cluster),
    XLINK_SHARE_GROUP: 'gateways',
    XLINK_DUPLICATE_WINDOW_MS: '1000',
    XLINK_WORKERS: '1',
  };
  const gateways: GatewayProcess[] = [
    await startGateway({ ...common, XLINK_CLIENT_ID: 'gw-a', XLINK_DATA_DIR: join(dir, 'a') }),
    await startGateway({ ...common, XLINK_CLIENT_ID: 'gw-b', XLINK_DATA_DIR: join(dir, 'b') }),
  ];
  const sum = async (name: string, labels?: Record<string, string>) =>
    (await Promise.all(gateways.map((g) => g.metric(name, labels)))).reduce((a, b) => a + b, 0);
  try {
    const devices = await publisher(broker.url);
    const captured: { topic: string; bytes: Uint8Array }[] = [];
    for (let seq = 0; seq < PER_DEVICE; seq++) {
      for (const device of fleet.devices) {
        const bytes = await device.reading({ seq });
        if (captured.length < REPLAYS && seq % 5 === 0) captured.push({ topic: device.topic(APP), bytes });
        assert.ok((await devices.publish(device.topic(APP), bytes)).ok);
      }
    }
    const total = DEVICES * PER_DEVICE;
    await until(() => watcher.verified.length >= total, 60_000, 'every reading verified');
    await sleep(1500); // past the duplicate window: a replay now meets the shared counter windows
    for (const { topic, bytes } of captured) assert.ok((await devices.publish(topic, bytes)).ok);
    await until(
      async () => (await sum('xlink_gateway_messages_rejected_total')) >= REPLAYS,
      30_000,
      'the replays refused',
    );
    await sleep(300);
    assert.deepEqual(watcher.audit(fleet.devices, PER_DEVICE), { lost: 0, twice: 0 });
    assert.equal(watcher.verified.length, total, 'verified exactly once across both gateways');
    assert.equal(await sum('xlink_gateway_messages_verified_total'), total);
    assert.equal(await sum('xlink_gateway_messages_rejected_total', { reason: 'REPLAY_DETECTED:COUNTER' }), REPLAYS);
    assert.equal(watcher.deadOf('replay-detected.counter'), REPLAYS);
    for (const gateway of gateways) {
      assert.ok((await gateway.metric('xlink_gateway_messages_verified_total')) > 0, 'both gateways took a share');
      // Each verified about half the originals, so the replays it refused include ones the other verified.
      assert.ok((await gateway.metric('xlink_gateway_messages_rejected_total')) > 0, 'both gateways refused replays');
    }
    await devices.close();
  } finally {
    for (const gateway of gateways) assert.equal(await gateway.stop(), 0);
    await watcher.close();
    await fleet.close();
    await broker.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

test('two gateways on a shared subscription with a single Redis: each reading verified once, replays refused', async (t) => {
  const server = await startRedisServer({ appendonly: true });
  try {
    await twoGateways(t, server && { url: server.url, cluster: false });
  } finally {
    await server?.stop();
  }
});

test('two gateways on a shared subscription with a Redis Cluster: each reading verified once, replays refused', async (t) => {
  const cluster = await startRedisCluster();
  try {
    const url = cluster?.startupNodes.map((n) => `redis://${n.host}:${n.port}`).join(',');
    await twoGateways(t, url === undefined ? undefined : { url, cluster: true });
  } finally {
    await cluster?.stop();
  }
});
