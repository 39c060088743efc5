/**
 * Attacks on the fleet simulator's counting: it must fail a run whose gateway
 * loses a valid reading, lets a fault through, or forwards one twice, and
 * its decoders (the reading header, the fault mix, the flags) must refuse
 * anything with their own code, never throw something else.
 *
 * The losing and doubling gateways are the real gateway behind a broker that
 * drops (aedes authorizeForward) or repeats one verified record on its way
 * to the observer: seen from the verified topic, exactly a gateway that never
 * forwarded it, or forwarded it twice. The leaking gateway is the real one
 * misconfigured with a one-day timestamp window, so stale readings verify.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import fc from 'fast-check';
import { VirtualClock } from 'xlink/platform';
import { startEmbeddedTarget } from '../../simulator/embedded-target.js';
import { parseFaultMix } from '../../simulator/faults.js';
import { parseSimulateFlags } from '../../simulator/flags.js';
import { readingHeader } from '../../simulator/payload.js';
import { type FleetRunOptions, runFleet } from '../../simulator/run-fleet.js';
import { type TestFleet, testFleet } from '../simulator/fleet-fixture.js';

let fleet: TestFleet;
before(async () => {
  fleet = await testFleet(5);
});
after(() => fleet.remove());

async function run(
  name: string,
  gateway: Record<string, unknown>,
  rig: (target: Awaited<ReturnType<typeof startEmbeddedTarget>>) => void,
  options: Partial<FleetRunOptions> = {},
) {
  const clock = new VirtualClock(Date.now());
  const target = await startEmbeddedTarget({
    dir: join(fleet.dir, name),
    app: 'acme',
    registryPath: fleet.registry.registryPath,
    now: () => clock.now(),
    gateway,
  });
  rig(target);
  try {
    return await runFleet({
      brokerUrl: target.brokerUrl,
      healthUrls: target.healthUrls,
      app: 'acme',
      members: fleet.members,
      clock,
      rate: 5,
      count: 8,
      drainMs: 2000,
      ...options,
    });
  } finally {
    await target.stop();
  }
}

test('a verified record that never reaches the verified topic: lost = 1, the run fails', async () => {
  let dropped = 0;
  const result = await run('drop', {}, (target) => {
    target.broker.aedes.authorizeForward = (client, packet) => {
      if (dropped === 0 && client.id.startsWith('xlink-sim-observer') && packet.topic.startsWith('verified/')) {
        dropped++;
        return null;
      }
      return packet;
    };
  });
  assert.equal(dropped, 1);
  assert.equal(result.totals.lost, 1);
  assert.equal(result.totals.verified, result.totals.valid - 1);
  assert.equal(result.passed, false);
  assert.deepEqual(result.problems, [`lost: 1 of ${result.totals.valid} valid readings never verified`]);
});

test('a gateway that verifies stale readings: each one slipped, the run fails', async () => {
  const result = await run('leak', { timestampWindowMs: 86_400_000 }, () => undefined, { faults: { stale: 5 } });
  const stale = result.faults.find((f) => f.fault === 'stale');
  assert.deepEqual(stale, {
    fault: 'stale',
    injected: 2,
    expected: 'timestamp-expired',
    observed: { verified: 2 },
    ok: false,
  });
  assert.equal(result.totals.slipped, 2);
  assert.equal(result.totals.misclassified, 0);
  assert.equal(result.totals.lost, 0);
  assert.equal(result.passed, false);
});

test('a verified record forwarded twice: duplicates = 1, the run fails', async () => {
  let doubled = false;
  const result = await run('double', {}, (target) => {
    const { aedes } = target.broker;
    aedes.on('publish', (packet, client) => {
      if (doubled || client === null || !packet.topic.startsWith('verified/')) return;
      doubled = true;
      aedes.publish({ ...packet, cmd: 'publish', dup: false, retain: false }, () => undefined);
    });
  });
  assert.equal(doubled, true);
  assert.equal(result.totals.duplicates, 1);
  assert.equal(result.totals.lost, 0);
  assert.equal(result.passed, false);
  assert.deepEqual(result.problems, ['duplicates: 1 extra copies of valid readings forwarded']);
});

test('a device connection the broker drops mid-run: never reopened, its unsent readings lost, the run fails', async () => {
  let closed = false;
  const result = await run('drop-connection', {}, (target) => {
    const { aedes } = target.broker;
    let seen = 0;
    aedes.on('publish', (packet, client) => {
      if (closed || client === null || !/^xlink-sim-\d+-\w+-0$/.test(client.id) || !packet.topic.startsWith('dt/'))
        return;
      if (++seen === 3) {
        closed = true;
        client.close();
      }
    });
  });
  assert.equal(closed, true);
  assert.ok(result.totals.lost >= 1 && result.totals.lost <= 5, `lost ${result.totals.lost}`);
  assert.equal(result.totals.verified + result.totals.lost, result.totals.valid);
  assert.equal(result.passed, false);
  assert.ok(result.problems.includes('connections dropped: 1'), result.problems.join('\n'));
});

test('fuzz: readingHeader never throws; the mix and flag parsers throw only INVALID_ARGUMENT:SIMULATOR_CONFIG', () => {
  fc.assert(
    fc.property(fc.oneof(fc.uint8Array({ maxLength: 200 }), fc.anything()), (value) => {
      const header = readingHeader(value);
      assert.ok(header === undefined || (Number.isSafeInteger(header.seq) && typeof header.ts === 'number'));
    }),
  );
  const onlyOurCode = (work: () => unknown): void => {
    try {
      work();
    } catch (error) {
      assert.equal((error as { code?: string }).code, 'INVALID_ARGUMENT:SIMULATOR_CONFIG', String(error));
    }
  };
  fc.assert(fc.property(fc.string({ maxLength: 80 }), (text) => onlyOurCode(() => parseFaultMix(text))));
  fc.assert(
    fc.property(
      fc.array(
        fc.oneof(
          fc.string({ maxLength: 20 }),
          fc.constantFrom('--embedded', '--rate', '--faults', '--count', '--broker'),
        ),
        { maxLength: 8 },
      ),
      (argv) => onlyOurCode(() => parseSimulateFlags(argv)),
    ),
  );
});
