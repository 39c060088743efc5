/**
 * End to end on real parts: simulated devices → Mosquitto → `xlink gateway`
 * (a child process) → every sink at once: republish to verified/… (QoS 1),
 * a JSONL file, a Redis Stream and an HTTP webhook that fails some first
 * attempts. Each sink must hold every reading exactly once.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { Redis } from 'ioredis';
import { startMosquitto } from '../helpers/mosquitto.js';
import { startRedisServer } from '../helpers/redis-server.js';
import { APP, Fleet, publisher, startGateway, until, Watcher } from './harness.js';

const DEVICES = 5;
const PER_DEVICE = 40;

test('devices → Mosquitto → gateway → republish, JSONL, Redis Stream and webhook: every reading exactly once in each', async (t) => {
  const broker = await startMosquitto();
  const redisServer = await startRedisServer({ appendonly: true });
  if (broker === undefined || redisServer === undefined) {
    t.skip('not run: mosquitto or redis-server is not installed');
    await broker?.stop();
    await redisServer?.stop();
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), 'xlink-gw-sinks-'));
  const fleet = await Fleet.create(dir, DEVICES);
  const hooked = new Map<string, number>();
  let attempts = 0;
  const webhook = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk) => (body += chunk));
    request.on('end', () => {
      attempts++;
      // Every seventh attempt fails: the gateway must retry, and the endpoint must still see each id once.
      if (attempts % 7 === 0) return void response.writeHead(503).end();
      const id = (JSON.parse(body) as { id: string }).id;
      assert.equal(request.headers['idempotency-key'], id);
      hooked.set(id, (hooked.get(id) ?? 0) + 1);
      response.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => webhook.listen(0, '127.0.0.1', resolve));
  const hookPort = (webhook.address() as { port: number }).port;
  const redis = new Redis(redisServer.url);
  const watcher = await Watcher.start(broker.url);
  const gateway = await startGateway({
    XLINK_BROKER_URL: broker.url,
    XLINK_DATA_DIR: join(dir, 'gw'),
    XLINK_REGISTRY: fleet.registryPath,
    XLINK_REDIS_URL: redisServer.url,
    XLINK_REDIS_STREAM: 'xlink:verified',
    XLINK_JSONL: join(dir, 'verified.jsonl'),
    XLINK_WEBHOOK_URL: `http://127.0.0.1:${hookPort}/ingest`,
  });
  try {
    const devices = await publisher(broker.url);
    for (let seq = 0; seq < PER_DEVICE; seq++) {
      await Promise.all(
        fleet.devices.map(async (device) =>
          unwrapSent(await devices.publish(device.topic(APP), await device.reading({ seq }))),
        ),
      );
    }
    const total = DEVICES * PER_DEVICE;
    await until(() => watcher.verified.length >= total && hooked.size >= total, 60_000, 'every reading forwarded');
    await until(async () => (await redis.xlen('xlink:verified')) >= total, 10_000, 'the stream');
    assert.deepEqual(watcher.audit(fleet.devices, PER_DEVICE), { lost: 0, twice: 0 }, 'republished');
    assert.equal(watcher.verified.length, total);
    const lines = readFileSync(join(dir, 'verified.jsonl'), 'utf8').trim().split('\n');
    assert.equal(lines.length, total, 'JSONL lines');
    assert.equal(new Set(lines.map((l) => (JSON.parse(l) as { id: string }).id)).size, total);
    const entries = await redis.xrange('xlink:verified', '-', '+');
    assert.equal(entries.length, total, 'stream entries');
    assert.equal(new Set(entries.map(([, fields]) => fields[1])).size, total);
    assert.equal(hooked.size, total, 'webhook ids');
    assert.ok(
      [...hooked.values()].every((n) => n === 1),
      'each id reached the webhook once',
    );
    assert.equal(await gateway.metric('xlink_gateway_messages_verified_total'), total);
    assert.equal(await gateway.metric('xlink_gateway_messages_received_total'), total);
    assert.ok(
      (await gateway.metric('xlink_gateway_forward_failures_total', { sink: 'webhook' })) === 0,
      'retried inside the sink',
    );
    assert.equal(watcher.dead.length, 0);
    assert.equal(await gateway.readyz(), 200);
    const metrics = await (await fetch(`http://127.0.0.1:${gateway.healthPort}/metrics`)).text();
    for (const device of fleet.devices) assert.ok(!metrics.includes(device.deviceId), 'no per-device labels');
    await devices.close();
  } finally {
    assert.equal(await gateway.stop(), 0, 'SIGTERM drains and exits 0');
    await watcher.close();
    redis.disconnect();
    webhook.close();
    await fleet.close();
    await broker.stop();
    await redisServer.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});

function unwrapSent(result: { ok: boolean; error?: { code: string } }): void {
  assert.ok(result.ok, `publish failed: ${result.error?.code}`);
}
