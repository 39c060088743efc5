/**
 * Faults on real parts, while devices publish: a gateway killed -9 and
 * restarted, Mosquitto killed -9 and restarted, Redis stopped (the gateway
 * fails closed: /readyz 503, nothing acknowledged) and restarted, a Redis
 * Cluster master killed and restarted. After each, counted by the sequence
 * number signed inside every reading: lost = 0 and forwarded twice = 0 (after
 * a gateway kill -9: in the JSONL file and the Redis Stream; the republish
 * sink is at least once, every second copy flagged `resumed`).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type TestContext, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import type { MqttTransport } from '../../src/transport/node/mqtt-transport.js';
import type { DemoDevice } from '../helpers/demo-fleet.js';
import { type Mosquitto, startMosquitto } from '../helpers/mosquitto.js';
import { startRedisCluster } from '../helpers/redis-cluster.js';
import { startRedisServer } from '../helpers/redis-server.js';
import { APP, Fleet, type GatewayProcess, lostAndTwice, publisher, startGateway, until, Watcher } from './harness.js';

const DEVICES = 4;

/** Devices publishing in the background; a publish that fails (broker down) is retried with the same bytes. */
class Stream {
  sent = 0;
  #stop = false;
  readonly #done: Promise<void>;

  constructor(transport: MqttTransport, devices: readonly DemoDevice[]) {
    this.#done = (async () => {
      while (!this.#stop) {
        for (const device of devices) {
          const bytes = await device.reading({ seq: this.sent });
          while (!(await transport.publish(device.topic(APP), bytes)).ok) await sleep(100);
        }
        this.sent++;
        await sleep(10);
      }
    })();
  }

  async stop(): Promise<number> {
    this.#stop = true;
    await this.#done;
    return this.sent;
  }
}

interface Setup {
  readonly broker: Mosquitto;
  readonly fleet: Fleet;
  readonly watcher: Watcher;
  readonly devices: MqttTransport;
  readonly env: Record<string, string>;
  readonly dir: string;
}

async function withSetup(
  t: TestContext,
  redisUrl: { url: string; cluster: boolean } | undefined | null,
  body: (setup: Setup) => Promise<void>,
): Promise<void> {
  const broker = await startMosquitto();
  if (broker === undefined || redisUrl === undefined) {
    t.skip('not run: mosquitto or redis-server is not installed');
    await broker?.stop();
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), 'xlink-gw-faults-'));
  const fleet = await Fleet.create(dir, DEVICES);
  const watcher = await Watcher.start(broker.url);
  const devices = await publisher(broker.url);
  const env: Record<string, string> = {
    XLINK_BROKER_URL: broker.url,
    XLINK_REGISTRY: fleet.registryPath,
    XLINK_DATA_DIR: join(dir, 'gw'),
    XLINK_CLIENT_ID: 'gw-faults',
    ...(redisUrl === null ? {} : { XLINK_REDIS_URL: redisUrl.url, XLINK_REDIS_CLUSTER: String(redisUrl.cluster) }),
  };
  try {
    await body({ broker, fleet, watcher, devices, env, dir });
  } finally {
    await devices.close();
    await watcher.close();
    await fleet.close();
    await broker.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function settle(setup: Setup, stream: Stream): Promise<{ lost: number; twice: number; unflagged: number }> {
  const sent = await stream.stop();
  await until(() => setup.watcher.tally().size >= DEVICES * sent, 60_000, `all ${DEVICES * sent} readings`);
  await sleep(500); // a second copy would arrive about now
  return setup.watcher.auditResumed(setup.fleet.devices, sent);
}

/** Lost and forwarded-twice readings among a sink's records, by the sequence number signed in each. */
function countRecords(
  records: readonly { deviceId: string; payload: { seq: number } }[],
  devices: readonly DemoDevice[],
  perDevice: number,
): { lost: number; twice: number } {
  const counts = new Map<string, number>();
  for (const r of records)
    counts.set(`${r.deviceId}/${r.payload.seq}`, (counts.get(`${r.deviceId}/${r.payload.seq}`) ?? 0) + 1);
  return lostAndTwice(counts, devices, perDevice);
}

async function killNineRounds(setup: Setup, env: Record<string, string>): Promise<number> {
  let gateway = await startGateway(env);
  const stream = new Stream(setup.devices, setup.fleet.devices);
  for (let round = 0; round < 3; round++) {
    await until(() => setup.watcher.verified.length > (round + 1) * 40, 30_000, 'traffic');
    await gateway.kill();
    await sleep(300);
    gateway = await startGateway(env);
  }
  const sent = await stream.stop();
  await until(() => setup.watcher.tally().size >= DEVICES * sent, 60_000, `all ${DEVICES * sent} readings`);
  await sleep(500); // a second copy would arrive about now
  assert.equal(await gateway.stop(), 0);
  return sent;
}

function jsonlRecords(path: string): { deviceId: string; payload: { seq: number }; resumed?: true }[] {
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as { deviceId: string; payload: { seq: number }; resumed?: true });
}

// A reading its sinks took in the instant before the kill, before the ledger mark, is resumed on
// redelivery. The JSONL file and the Redis Stream find the copy they hold and skip it: exactly once.
// The republish sink cannot (docs/gateway.md): at least once, a second copy flagged `resumed`, same id.
test('kill -9 of the gateway mid-stream ×3, file state: JSONL exactly once; republish at least once, flagged', async (t) => {
  await withSetup(t, null, async (setup) => {
    const jsonl = join(setup.dir, 'verified.jsonl');
    const sent = await killNineRounds(setup, { ...setup.env, XLINK_JSONL: jsonl });
    const republished = setup.watcher.auditResumed(setup.fleet.devices, sent);
    const file = countRecords(jsonlRecords(jsonl), setup.fleet.devices, sent);
    t.diagnostic(
      `kill -9 ×3, ${DEVICES * sent} readings: JSONL lost ${file.lost}, twice ${file.twice}; ` +
        `republish lost ${republished.lost}, twice ${republished.twice} (at least once, each flagged resumed)`,
    );
    assert.deepEqual(file, { lost: 0, twice: 0 }, 'the JSONL file holds every reading once');
    assert.equal(republished.lost, 0, 'republish lost');
    assert.equal(republished.unflagged, 0, 'every second republished copy is flagged resumed');
  });
});

test('kill -9 of the gateway mid-stream ×3, Redis state: JSONL and Redis Stream exactly once', async (t) => {
  const redis = await startRedisServer({ appendonly: true });
  try {
    await withSetup(t, redis && { url: redis.url, cluster: false }, async (setup) => {
      const jsonl = join(setup.dir, 'verified.jsonl');
      const stream = 'xlink:verified';
      const sent = await killNineRounds(setup, { ...setup.env, XLINK_JSONL: jsonl, XLINK_REDIS_STREAM: stream });
      const client = new Redis(redis?.url as string);
      const entries = (await client.xrange(stream, '-', '+')) as [string, string[]][];
      client.disconnect();
      const streamed = entries.map(([, fields]) => JSON.parse(fields[fields.indexOf('record') + 1] as string));
      const republished = setup.watcher.auditResumed(setup.fleet.devices, sent);
      const file = countRecords(jsonlRecords(jsonl), setup.fleet.devices, sent);
      const inStream = countRecords(streamed, setup.fleet.devices, sent);
      t.diagnostic(
        `kill -9 ×3, ${DEVICES * sent} readings: JSONL twice ${file.twice}, Redis Stream twice ${inStream.twice}; ` +
          `republish twice ${republished.twice} (at least once, each flagged resumed)`,
      );
      assert.deepEqual(file, { lost: 0, twice: 0 }, 'the JSONL file holds every reading once');
      assert.deepEqual(inStream, { lost: 0, twice: 0 }, 'the Redis Stream holds every reading once');
      assert.equal(republished.lost, 0, 'republish lost');
      assert.equal(republished.unflagged, 0, 'every second republished copy is flagged resumed');
    });
  } finally {
    await redis?.stop();
  }
});

// The broker's own QoS 1 redeliveries to the watcher (DUP, byte-identical: Mosquitto had not saved the
// watcher's PUBACK when it died) are one forward delivered twice, counted apart (Watcher.redelivered).
test('Mosquitto killed -9 and restarted mid-stream: lost 0, forwarded twice 0', async (t) => {
  await withSetup(t, null, async (setup) => {
    const gateway = await startGateway(setup.env);
    const stream = new Stream(setup.devices, setup.fleet.devices);
    await until(() => setup.watcher.verified.length > 40, 30_000, 'traffic');
    await setup.broker.kill();
    await until(async () => (await gateway.readyz()) === 503, 10_000, '/readyz 503 while disconnected');
    await sleep(500);
    await setup.broker.restart();
    await until(async () => (await gateway.readyz()) === 200, 30_000, '/readyz 200 again');

    await until(() => setup.watcher.verified.length > 120, 30_000, 'traffic after the restart');
    assert.deepEqual(await settle(setup, stream), { lost: 0, twice: 0, unflagged: 0 });
    t.diagnostic(`broker kill -9: ${setup.watcher.redelivered} records redelivered by Mosquitto to the watcher (DUP)`);
    assert.equal(await gateway.stop(), 0);
  });
});

test('Redis stopped: the gateway fails closed (/readyz 503, nothing acknowledged); restarted: lost 0, twice 0', async (t) => {
  const redis = await startRedisServer({ appendonly: true });
  try {
    await withSetup(t, redis && { url: redis.url, cluster: false }, async (setup) => {
      const gateway = await startGateway(setup.env);
      const stream = new Stream(setup.devices, setup.fleet.devices);
      await until(() => setup.watcher.verified.length > 40, 30_000, 'traffic');
      await redis?.kill();
      await until(async () => (await gateway.readyz()) === 503, 10_000, '/readyz 503 while Redis is down');
      const frozen = setup.watcher.verified.length;
      await sleep(1000);
      assert.ok(
        setup.watcher.verified.length - frozen <= 256,
        'at most the in-flight messages were forwarded after Redis went away',
      );
      const forwardedWhileDown = setup.watcher.verified.length;
      await sleep(1000);
      assert.equal(setup.watcher.verified.length, forwardedWhileDown, 'nothing forwarded while Redis is down');
      assert.equal(await gateway.livez(), 200, 'alive, only not ready');
      await redis?.restart();
      await until(async () => (await gateway.readyz()) === 200, 30_000, '/readyz 200 again');
      assert.deepEqual(await settle(setup, stream), { lost: 0, twice: 0, unflagged: 0 });
      assert.equal(await gateway.stop(), 0);
    });
  } finally {
    await redis?.stop();
  }
});

test('a Redis Cluster master killed and restarted mid-stream: lost 0, forwarded twice 0', async (t) => {
  const cluster = await startRedisCluster();
  try {
    const url = cluster?.startupNodes.map((n) => `redis://${n.host}:${n.port}`).join(',');
    await withSetup(t, url === undefined ? undefined : { url, cluster: true }, async (setup) => {
      const gateway = await startGateway(setup.env);
      const stream = new Stream(setup.devices, setup.fleet.devices);
      await until(() => setup.watcher.verified.length > 40, 30_000, 'traffic');
      const master = cluster?.masters[1];
      await master?.kill();
      await until(async () => (await gateway.readyz()) === 503, 15_000, '/readyz 503 with a master down');
      await sleep(500);
      await master?.restart();
      await until(async () => (await gateway.readyz()) === 200, 60_000, '/readyz 200 again');
      assert.deepEqual(await settle(setup, stream), { lost: 0, twice: 0, unflagged: 0 });
      assert.equal(await gateway.stop(), 0);
    });
  } finally {
    await cluster?.stop();
  }
});

export type { GatewayProcess };
