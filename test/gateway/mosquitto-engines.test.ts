/**
 * End to end with real firmware: devices running the Moddable bundle in XS
 * (xsnap) and the QuickJS bundle in QuickJS, the sessions `xlink simulate`
 * uses (simulator/engines/), publish through a real Mosquitto to `xlink
 * gateway` (a child process). Every valid reading comes out verified exactly
 * once; tampered and stale ones are dead-lettered under their reasons.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { createQuickJsFleetDevice, createXsFleetDevice } from '../../simulator/engines/index.js';
import type { FleetDevice, FleetDeviceFactory } from '../../simulator/fleet-device.js';
import { Agent } from '../../src/agent/agent.js';
import { unwrap } from '../../src/errors.js';
import { LoopbackTransport } from '../../src/transport/loopback.js';
import { startMosquitto } from '../helpers/mosquitto.js';
import { APP, crypto, Fleet, publisher, startGateway, until, Watcher } from './harness.js';

const PER_DEVICE = 20;
const FACTORIES: readonly [string, FleetDeviceFactory][] = [
  ['xs', createXsFleetDevice],
  ['xs', createXsFleetDevice],
  ['quickjs', createQuickJsFleetDevice],
  ['quickjs', createQuickJsFleetDevice],
];

test('XS and QuickJS devices → Mosquitto → gateway: every valid reading verified once, tampered and stale ones refused', async (t) => {
  const broker = await startMosquitto();
  if (broker === undefined) {
    t.skip('not run: mosquitto is not installed');
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), 'xlink-gw-engines-'));
  const fleet = await Fleet.create(dir, 0);
  const devices: FleetDevice[] = [];
  const clock = { now: () => Date.now() };
  for (const [index, [runtime, factory]] of FACTORIES.entries()) {
    const seed = crypto.randomBytes(32);
    // Registered as provisioning would: the signed identity document of the seed's identity, scope telemetry.
    unwrap(
      await Agent.fromSeed(seed, {
        registry: fleet.registry,
        transport: new LoopbackTransport(),
        crypto,
        name: `${runtime}-${index}`,
        scopes: ['telemetry'],
      }),
    );
    devices.push(await factory({ serial: `${runtime}-${index}`, seed }, { audience: APP, clock }));
  }
  const watcher = await Watcher.start(broker.url);
  const gateway = await startGateway({
    XLINK_BROKER_URL: broker.url,
    XLINK_DATA_DIR: join(dir, 'gw'),
    XLINK_REGISTRY: fleet.registryPath,
  });
  const link = await publisher(broker.url);
  try {
    const topic = (device: FleetDevice) => `dt/${APP}/${device.deviceId}/telemetry`;
    const send = async (device: FleetDevice, bytes: Uint8Array) => {
      const sent = await link.publish(topic(device), bytes);
      assert.ok(sent.ok, sent.ok ? '' : sent.error.code);
    };
    for (let seq = 0; seq < PER_DEVICE; seq++) {
      await Promise.all(
        devices.map(async (device) =>
          send(device, await device.telemetry(new Uint8Array([seq, 0xa5]), { scope: 'telemetry' })),
        ),
      );
    }
    for (const device of devices) {
      // A copy altered in flight: one payload bit flipped, under a counter never sent intact. The marker is
      // 16 bytes, so that only the payload can hold it (a single byte also turned up in a kid or a timestamp).
      const marker = new Uint8Array(16).fill(0xee);
      const tampered = Buffer.from(await device.telemetry(marker, { scope: 'telemetry' }));
      const at = tampered.indexOf(marker);
      assert.ok(at >= 0);
      tampered[at] = (tampered[at] as number) ^ 0x01;
      await send(device, tampered);
      // A reading whose clock ran an hour behind: the engine seals the time it is given.
      await send(
        device,
        await device.telemetry(new Uint8Array([1]), { scope: 'telemetry', timestamp: Date.now() - 3_600_000 }),
      );
    }
    const valid = devices.length * PER_DEVICE;
    const refused = devices.length * 2;
    await until(
      () => watcher.verified.length >= valid && watcher.dead.length >= refused,
      60_000,
      'every reading judged',
    );
    // Each device's counters 0..PER_DEVICE-1 forwarded exactly once, under its own DID and topic id.
    const ids = watcher.verified.map((seen) => seen.id).sort();
    const expected = devices
      .flatMap((device) => Array.from({ length: PER_DEVICE }, (_, c) => `${device.did}#c${c}`))
      .sort();
    assert.deepEqual(ids, expected);
    for (const device of devices) {
      assert.equal(
        watcher.verified.filter((seen) => seen.deviceId === device.deviceId).length,
        PER_DEVICE,
        device.serial,
      );
    }
    const reasons = new Map<string, number>();
    for (const dead of watcher.dead) reasons.set(dead.reason, (reasons.get(dead.reason) ?? 0) + 1);
    assert.deepEqual(Object.fromEntries(reasons), {
      'verification-failed.signature-mismatch': devices.length,
      'timestamp-expired': devices.length,
    });
    assert.equal(await gateway.metric('xlink_gateway_messages_verified_total'), valid);
    assert.equal(await gateway.metric('xlink_gateway_messages_received_total'), valid + refused);
  } finally {
    await link.close();
    assert.equal(await gateway.stop(), 0, 'SIGTERM drains and exits 0');
    await watcher.close();
    await Promise.all(devices.map((device) => device.close()));
    await fleet.close();
    await broker.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});
