/**
 * The fleet run against production's shape: a real Mosquitto, two
 * `xlink gateway` processes on one MQTT 5 shared subscription, replay state
 * and the forward ledger in a real Redis, on the real clock. Every fault
 * kind, the exact per-reason counts summed over both gateways, nothing lost,
 * each valid reading verified once across the two. The duplicate window is
 * 1 s (as in test/gateway/scale-out.test.ts): the replay of the previous
 * reading is inside it, the counter rollback (after the revocation's wait)
 * outside it.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { EXPECTED_OUTCOME, FAULT_MIXES } from '../../simulator/faults.js';
import { runFleet } from '../../simulator/run-fleet.js';
import { FAULT_KINDS } from '../../simulator/run-result.js';
import { APP, type GatewayProcess, startGateway } from '../gateway/harness.js';
import { startMosquitto } from '../helpers/mosquitto.js';
import { startRedisServer } from '../helpers/redis-server.js';
import { testFleet } from './fleet-fixture.js';

const DEVICES = 20;
const COUNT = 15;

test('Mosquitto, two gateways on a shared subscription, Redis state: every fault counted exactly', async (t) => {
  const broker = await startMosquitto();
  const redis = await startRedisServer();
  if (broker === undefined || redis === undefined) {
    t.skip('not run: mosquitto or redis-server is not installed');
    await broker?.stop();
    await redis?.stop();
    return;
  }
  const fleet = await testFleet(DEVICES);
  const gateways: GatewayProcess[] = [];
  try {
    const common = {
      XLINK_BROKER_URL: broker.url,
      XLINK_REGISTRY: fleet.registry.registryPath,
      XLINK_REDIS_URL: redis.url,
      XLINK_SHARE_GROUP: 'gateways',
      XLINK_DUPLICATE_WINDOW_MS: '1000',
      XLINK_WORKERS: '1',
    };
    gateways.push(
      await startGateway({ ...common, XLINK_CLIENT_ID: 'sim-gw-a', XLINK_DATA_DIR: join(fleet.dir, 'a') }),
      await startGateway({ ...common, XLINK_CLIENT_ID: 'sim-gw-b', XLINK_DATA_DIR: join(fleet.dir, 'b') }),
    );
    const result = await runFleet({
      brokerUrl: broker.url,
      healthUrls: gateways.map((g) => `http://127.0.0.1:${g.healthPort}`),
      app: APP,
      members: fleet.members,
      victim: fleet.victim,
      rollback: fleet.rollback,
      stranger: fleet.stranger,
      registry: fleet.registry,
      rate: 5,
      count: COUNT,
      faults: FAULT_MIXES.every,
      drainMs: 30_000,
    });
    assert.deepEqual(result.problems, []);
    assert.equal(result.clock, 'real');
    assert.equal(result.gateway.instances, 2);
    const perKind = 3; // round(300 slots × 1 %)
    const prepared = 1 + perKind + 1;
    assert.equal(result.totals.injected, perKind * FAULT_KINDS.length);
    assert.equal(result.totals.verified, DEVICES * COUNT - perKind * FAULT_KINDS.length + prepared);
    assert.equal(result.totals.lost, 0);
    assert.equal(result.totals.duplicates, 0);
    assert.deepEqual(
      result.rejections,
      Object.fromEntries(FAULT_KINDS.filter((k) => k !== 'replay').map((k) => [EXPECTED_OUTCOME[k], perKind])),
    );
    for (const fault of result.faults) assert.deepEqual(fault.observed, { [fault.expected]: perKind }, fault.fault);
    const verified = await Promise.all(gateways.map((g) => g.metric('xlink_gateway_messages_verified_total')));
    assert.equal(
      verified.reduce((a, b) => a + b, 0),
      result.totals.verified,
      'verified exactly once across both gateways',
    );
    assert.ok(
      verified.every((n) => n > 0),
      `both gateways took a share: ${verified.join(', ')}`,
    );
    assert.ok(result.latency.count > 0 && result.latency.max >= result.latency.p50);
  } finally {
    for (const gateway of gateways) await gateway.stop();
    await broker.stop();
    await redis.stop();
    fleet.remove();
  }
});
