/**
 * Attacks over the wire: `mosquitto_pub` sends what a hostile or broken
 * client would, onto the telemetry topics of a real Mosquitto, while honest
 * devices keep publishing. Each attack must land in dlq/{app}/{reason}/{deviceId}
 * with its code and its original bytes, the daemon must keep running, and
 * no honest reading may be lost or forwarded twice.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import type { DemoDevice } from '../helpers/demo-fleet.js';
import { type Mosquitto, mosquittoClientsInstalled, startMosquitto } from '../helpers/mosquitto.js';
import { APP, Fleet, type GatewayProcess, publisher, startGateway, until, Watcher } from './harness.js';

const run = promisify(execFile);

test('attacks through mosquitto_pub are dead-lettered with their codes; honest readings all arrive once', async (t) => {
  const broker = await startMosquitto();
  if (broker === undefined || !mosquittoClientsInstalled()) {
    t.skip('not run: mosquitto or mosquitto-clients is not installed');
    await broker?.stop();
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), 'xlink-gw-attacks-'));
  const fleet = await Fleet.create(dir, 4);
  const stranger = await Fleet.stranger(dir);
  const [alice, bob, carol, mallory] = fleet.devices as [DemoDevice, DemoDevice, DemoDevice, DemoDevice];
  const watcher = await Watcher.start(broker.url);
  const gateway = await startGateway({
    XLINK_BROKER_URL: broker.url,
    XLINK_DATA_DIR: join(dir, 'gw'),
    XLINK_REGISTRY: fleet.registryPath,
    XLINK_MAX_ENVELOPE_BYTES: '2048',
    XLINK_DUPLICATE_WINDOW_MS: '1000',
  });
  const pub = (topic: string, ...args: string[]) =>
    run('mosquitto_pub', ['-h', '127.0.0.1', '-p', String(broker.port), '-q', '1', '-t', topic, ...args]);
  const pubBytes = async (topic: string, bytes: Uint8Array): Promise<void> => {
    const file = join(dir, `payload-${Math.random().toString(36).slice(2)}`);
    writeFileSync(file, bytes);
    await pub(topic, '-f', file);
  };
  const honest = await publisher(broker.url);
  let stopHonest = false;
  let honestSent = 0;
  // Alice and Bob publish throughout; their readings must all arrive exactly once.
  const honestLoop = (async () => {
    while (!stopHonest) {
      for (const device of [alice, bob]) {
        const sent = await honest.publish(device.topic(APP), await device.reading({ seq: honestSent }));
        assert.ok(sent.ok);
      }
      honestSent++;
      await sleep(20);
    }
  })();
  try {
    const expectDead = async (reason: string, count = 1): Promise<void> => {
      await until(() => watcher.deadOf(reason) >= count, 20_000, `${count} × dlq/${APP}/${reason}`);
    };

    await pub(alice.topic(APP), '-m', 'hello, gateway');
    await expectDead('parse-failed.cbor');
    assert.equal(
      new TextDecoder().decode(watcher.dead.find((d) => d.reason === 'parse-failed.cbor')?.bytes),
      'hello, gateway',
      'original bytes',
    );

    const valid = await carol.reading({ seq: 'truncated' });
    await pubBytes(carol.topic(APP), valid.subarray(0, valid.length - 9));
    await expectDead('parse-failed.cbor', 2);

    const big = new Uint8Array(3000).fill(0x41);
    big.set(await carol.reading({ seq: 'big' }));
    await pubBytes(carol.topic(APP), big);
    await expectDead('envelope-invalid.too-large');

    await pubBytes(carol.topic(APP), await carol.reading({ seq: 'stale' }, { timestamp: Date.now() - 120_000 }));
    await expectDead('timestamp-expired');
    await pubBytes(carol.topic(APP), await carol.reading({ seq: 'future' }, { timestamp: Date.now() + 120_000 }));
    await expectDead('timestamp-expired.future');

    await pubBytes(stranger.topic(APP), await stranger.reading({ seq: 0 }));
    await expectDead('verification-failed.unknown-kid');

    await pubBytes(carol.topic(APP), await carol.reading({ seq: 'escalate' }, { scope: 'firmware' }));
    await expectDead('scope-denied');

    await pubBytes(bob.topic(APP), await mallory.reading({ seq: 'spoof' }));
    await expectDead('verification-failed.topic-mismatch');
    assert.equal(watcher.dead.find((d) => d.reason === 'verification-failed.topic-mismatch')?.deviceId, bob.deviceId);

    // Replayed: within the duplicate window a redelivery of a forwarded reading is a duplicate
    // (acknowledged, not forwarded again, not dead-lettered); after it, a replay is refused.
    const once = await carol.reading({ seq: 'once' });
    await pubBytes(carol.topic(APP), once);
    await until(() => watcher.verified.some((v) => v.seq === ('once' as unknown as number)), 10_000, 'the first copy');
    await pubBytes(carol.topic(APP), once);
    await until(
      async () => (await gateway.metric('xlink_gateway_messages_duplicate_total')) === 1,
      10_000,
      'a duplicate',
    );
    await sleep(1500);
    await pubBytes(carol.topic(APP), once);
    await expectDead('replay-detected.counter');
    assert.equal(watcher.verified.filter((v) => v.seq === ('once' as unknown as number)).length, 1, 'forwarded once');

    // Revoked mid-stream: Mallory's readings verify until the registry file says otherwise.
    await pubBytes(mallory.topic(APP), await mallory.reading({ seq: 'before' }));
    await until(
      () => watcher.verified.some((v) => v.seq === ('before' as unknown as number)),
      10_000,
      'before revocation',
    );
    assert.ok((await fleet.registry.revoke(mallory.did, { reason: 'compromised' })).ok);
    await sleep(1000);
    await pubBytes(mallory.topic(APP), await mallory.reading({ seq: 'after' }));
    await expectDead('verification-failed.revoked');

    // Error flooding: 500 garbage messages in one burst on a topic of their own; every one
    // dead-lettered, the daemon alive, honest devices unaffected. (A flood on a device's own topic
    // queues that device's readings behind it, by per-device order: broker ACLs prevent it.)
    const flood = Array.from({ length: 500 }, (_, i) => `FLOOD-MARKER-${i} junk`).join('\n');
    writeFileSync(join(dir, 'flood.txt'), `${flood}\n`);
    await run('sh', [
      '-c',
      `mosquitto_pub -h 127.0.0.1 -p ${broker.port} -q 1 -t dt/${APP}/f100dedf100d/telemetry -l < ${join(dir, 'flood.txt')}`,
    ]);
    await until(() => watcher.deadOf('parse-failed.cbor') >= 502, 60_000, 'the flood dead-lettered').catch((error) => {
      const reasons = new Map<string, number>();
      for (const d of watcher.dead) reasons.set(d.reason, (reasons.get(d.reason) ?? 0) + 1);
      throw new Error(`${(error as Error).message}: ${JSON.stringify([...reasons])}`);
    });
    assert.equal(await gateway.livez(), 200);
    assert.equal(await gateway.readyz(), 200);

    stopHonest = true;
    await honestLoop;
    await until(() => watcher.tally().size >= 2 * honestSent + 2, 30_000, 'every honest reading');
    // Exactly one of each kind: no honest reading was refused along the way.
    for (const reason of [
      'timestamp-expired',
      'timestamp-expired.future',
      'scope-denied',
      'verification-failed.revoked',
      'replay-detected.counter',
    ]) {
      assert.equal(watcher.deadOf(reason), 1, reason);
    }
    await sleep(300);
    assert.deepEqual(watcher.audit([alice, bob], honestSent), { lost: 0, twice: 0 });
    await checkLogs(gateway);
    assert.equal(await gateway.metric('xlink_gateway_messages_rejected_total', { reason: 'PARSE_FAILED:CBOR' }), 502);
  } finally {
    stopHonest = true;
    await honestLoop.catch(() => undefined);
    await honest.close();
    assert.equal(await gateway.stop(), 0);
    await watcher.close();
    await fleet.close();
    await broker.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});

/** Logs are JSON lines with codes, never the payloads (the flood's marker text) or secrets. */
async function checkLogs(gateway: GatewayProcess): Promise<void> {
  assert.ok(gateway.logs.length > 0);
  assert.ok(!gateway.stdout().includes('FLOOD-MARKER'), 'no payload in the logs');
  assert.ok(!gateway.stdout().includes('hello, gateway'), 'no payload in the logs');
  const refused = gateway.logs.filter((l) => l.msg === 'refused');
  assert.ok(refused.every((l) => typeof l.code === 'string'));
}

export type { Mosquitto };
