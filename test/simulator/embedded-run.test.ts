/**
 * A short fleet run on a virtual clock against the embedded broker and the
 * real gateway (in process, on the same clock), every fault kind mixed in:
 * the exact count of each refusal reason, nothing lost, each valid reading
 * verified once. The gateway's duplicate window is set to 1 s so that the
 * counter rollback (after the revocation's wait) lands outside it, where
 * every gateway build refuses it as replay-detected.counter; the replay
 * (the previous reading again) lands inside it: a duplicate.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { VirtualClock } from 'xlink/platform';
import { startEmbeddedTarget } from '../../simulator/embedded-target.js';
import { EXPECTED_OUTCOME, FAULT_MIXES } from '../../simulator/faults.js';
import { runFleet } from '../../simulator/run-fleet.js';
import { FAULT_KINDS } from '../../simulator/run-result.js';
import { type TestFleet, testFleet } from './fleet-fixture.js';

const DEVICES = 20;
const COUNT = 15; // 300 slots: every kind at 1 % is round(3) = 3 injections

let fleet: TestFleet;
before(async () => {
  fleet = await testFleet(DEVICES);
});
after(() => fleet.remove());

test('virtual clock, embedded broker and gateway, every fault: exact per-reason counts, nothing lost', async () => {
  const clock = new VirtualClock(Date.now());
  const target = await startEmbeddedTarget({
    dir: fleet.dir,
    app: 'acme',
    registryPath: fleet.registry.registryPath,
    now: () => clock.now(),
    gateway: { duplicateWindowMs: 1000 },
  });
  const lines: string[] = [];
  try {
    const result = await runFleet({
      brokerUrl: target.brokerUrl,
      healthUrls: target.healthUrls,
      app: 'acme',
      members: fleet.members,
      victim: fleet.victim,
      rollback: fleet.rollback,
      stranger: fleet.stranger,
      registry: fleet.registry,
      clock,
      rate: 5,
      count: COUNT,
      faults: FAULT_MIXES.every,
      progress: (line) => lines.push(line),
    });
    assert.deepEqual(result.problems, []);
    assert.equal(result.passed, true);
    assert.equal(result.clock, 'virtual');
    const injectedPerKind = 3;
    const faultSlots = injectedPerKind * FAULT_KINDS.length;
    // The victim's one reading and the rollback device's counters (3 to re-use, one spare) come first.
    const prepared = 1 + injectedPerKind + 1;
    assert.deepEqual(result.totals, {
      sent: DEVICES * COUNT + prepared,
      valid: DEVICES * COUNT - faultSlots + prepared,
      verified: DEVICES * COUNT - faultSlots + prepared,
      duplicates: 0,
      lost: 0,
      injected: faultSlots,
      rejected: faultSlots - injectedPerKind, // the replays are acknowledged as duplicates, not dead-lettered
      slipped: 0,
      misclassified: 0,
    });
    const expectedRejections = Object.fromEntries(
      FAULT_KINDS.filter((kind) => kind !== 'replay').map((kind) => [EXPECTED_OUTCOME[kind], injectedPerKind]),
    );
    assert.deepEqual(result.rejections, expectedRejections);
    assert.deepEqual(
      result.faults.map((f) => [f.fault, f.injected, f.observed, f.ok]),
      FAULT_KINDS.map((kind) => [kind, injectedPerKind, { [EXPECTED_OUTCOME[kind]]: injectedPerKind }, true]),
    );
    // The gateway's own counters agree with what the observer saw.
    const metrics = await (await fetch(`${target.healthUrls[0]}/metrics`)).text();
    const verified = Number(/^xlink_gateway_messages_verified_total (\d+)/m.exec(metrics)?.[1]);
    assert.equal(verified, result.totals.verified);
    assert.equal(result.fleet.devices, DEVICES);
    assert.equal(result.fleet.connections, DEVICES + 3, 'one connection per device, the fault helpers included');
    assert.equal(
      result.series.reduce((sum, s) => sum + s.sent, 0),
      result.totals.sent,
    );
    assert.equal(result.latency.count, result.totals.verified - prepared);
    assert.ok(
      lines.length >= 3 && lines.every((l) => /^\d+s total=\d+ rate=\d+\/s verified=\d+ rejected=\d+$/.test(l)),
      lines.join('\n'),
    );
  } finally {
    await target.stop();
  }
});

test('multiplexed connections: the same run on 5 devices per connection', async () => {
  const clock = new VirtualClock(Date.now());
  const target = await startEmbeddedTarget({
    dir: join(fleet.dir, 'mux'), // a gateway of its own: the first run's ledger knows these devices' counters
    app: 'mux',
    registryPath: fleet.registry.registryPath,
    now: () => clock.now(),
  });
  try {
    const result = await runFleet({
      brokerUrl: target.brokerUrl,
      healthUrls: target.healthUrls,
      app: 'mux',
      members: fleet.members,
      clock,
      rate: 2,
      count: 5,
      multiplex: 5,
      faults: { stale: 2, 'topic-spoof': 2 },
    });
    assert.deepEqual(result.problems, []);
    assert.equal(result.fleet.connections, DEVICES / 5);
    assert.equal(result.totals.verified, DEVICES * 5 - 4);
    assert.deepEqual(result.rejections, { 'timestamp-expired': 2, 'verification-failed.topic-mismatch': 2 });
  } finally {
    await target.stop();
  }
});
