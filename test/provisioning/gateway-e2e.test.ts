/**
 * The production line end to end: `xlink provision` makes 1,000 devices,
 * `xlink registry import` signs them into the registry, and a real
 * `xlink gateway` (a child process, Mosquitto in front) that checks the
 * operator's signatures accepts one reading from a device built from each
 * artifact, exactly as a constrained target builds it (the Ed25519 key and kid
 * the artifact carries). Then: a device revoked while readings flow is refused
 * from one second after the revocation on, and an entry pasted into the
 * registry file without the operator's signature grants nothing.
 */
import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { decodeArtifact } from '../../provisioning/artifacts.js';
import { main } from '../../provisioning/cli.js';
import { parseManifest } from '../../provisioning/manifest.js';
import { bytesToHex, utf8Encode } from '../../src/codec/bytes.js';
import { sealTelemetry, type TelemetryKey } from '../../src/envelope/telemetry.js';
import { unwrap } from '../../src/errors.js';
import { generateIdentity } from '../../src/identity/derive.js';
import { createIdentityDocument } from '../../src/identity/document.js';
import { logLine } from '../../src/platform/node/append-log.js';
import { FileTrustRegistry } from '../../src/registry/node/file-trust-registry.js';
import { APP, crypto, publisher, startGateway, until, Watcher } from '../gateway/harness.js';
import { startMosquitto } from '../helpers/mosquitto.js';

const DEVICES = 1000;

class Quiet extends Writable {
  text = '';
  override _write(chunk: Buffer, _encoding: string, done: () => void): void {
    this.text += chunk.toString('utf8');
    done();
  }
}

async function xlink(args: string[]): Promise<string> {
  const stdout = new Quiet();
  const stderr = new Quiet();
  const code = await main(args, { stdout, stderr, env: {} });
  assert.equal(code, 0, stderr.text);
  return stdout.text;
}

interface Device {
  readonly did: string;
  readonly deviceId: string;
  readonly key: TelemetryKey;
  counter: number;
}

test('1,000 provisioned devices through the real gateway; a revocation is refused within a second', async (t) => {
  const broker = await startMosquitto();
  if (broker === undefined) {
    t.skip('not run: mosquitto is not installed');
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), 'xlink-e2e-'));
  const registryPath = join(dir, 'trust.log');
  try {
    const operator = JSON.parse(await xlink(['provision', 'keygen', '--out', join(dir, 'operator.key')]));
    await xlink([
      'provision',
      '--product',
      'thermo',
      '--batch',
      'E2E',
      '--count',
      String(DEVICES),
      '--out',
      join(dir, 'E2E'),
      '--format',
      'nvs',
    ]);
    const imported = JSON.parse(
      await xlink([
        'registry',
        'import',
        join(dir, 'E2E/manifest.jsonl'),
        '--registry',
        registryPath,
        '--operator-key',
        join(dir, 'operator.key'),
        '--create',
        '--json',
      ]),
    );
    assert.deepEqual(imported, { imported: DEVICES, already: 0, failed: 0 });

    // Each device as a constrained target builds it: the Ed25519 secret and kid from its artifact.
    const devices: Device[] = [];
    for (const entry of parseManifest(readFileSync(join(dir, 'E2E/manifest.jsonl'), 'utf8'))) {
      const artifact = decodeArtifact(
        new Uint8Array(readFileSync(join(dir, 'E2E/artifacts', `${entry.serial}.nvs.csv`))),
      );
      const signer = await crypto.ed25519Signer(artifact.ed25519Seed as Uint8Array);
      const kid = artifact.kid as Uint8Array;
      assert.equal(bytesToHex(kid), entry.kid);
      devices.push({ did: entry.did, deviceId: entry.kid, key: { kid, signer }, counter: 0 });
    }
    const reading = async (device: Device, seq: number): Promise<Uint8Array> => {
      device.counter += 1;
      return sealTelemetry(device.key, {
        audience: APP,
        scope: 'telemetry',
        counter: device.counter,
        timestamp: Date.now(),
        payload: utf8Encode(JSON.stringify({ seq })),
        contentType: 'json',
      });
    };

    const watcher = await Watcher.start(broker.url, 'e2e-watcher');
    const gateway = await startGateway({
      XLINK_BROKER_URL: broker.url,
      XLINK_DATA_DIR: join(dir, 'gw'),
      XLINK_REGISTRY: registryPath,
      XLINK_REGISTRY_OPERATOR: operator.did,
    });
    const line = await publisher(broker.url, 'e2e-devices');
    try {
      for (const device of devices) {
        const sent = await line.publish(`dt/${APP}/${device.deviceId}/telemetry`, await reading(device, 0));
        assert.ok(sent.ok);
      }
      await until(() => watcher.verified.length + watcher.dead.length >= DEVICES, 120_000, 'every first reading');
      assert.equal(watcher.dead.length, 0, `refused: ${watcher.dead.map((d) => d.reason).join(', ')}`);
      const tally = watcher.tally();
      for (const device of devices) assert.equal(tally.get(`${device.deviceId}/0`), 1, device.deviceId);

      // Revoked while it keeps sending: every reading sent from one second after the revocation on is refused.
      const victim = devices[0] as Device;
      const refusedBefore = watcher.dead.length;
      await xlink([
        'registry',
        'revoke',
        victim.did,
        '--reason',
        'stolen from the line',
        '--registry',
        registryPath,
        '--operator-key',
        join(dir, 'operator.key'),
      ]);
      const revokedAt = Date.now();
      const late: number[] = [];
      const sentAt = new Map<number, number>();
      for (let seq = 1; Date.now() - revokedAt < 1600; seq++) {
        if (Date.now() - revokedAt >= 1000) late.push(seq);
        sentAt.set(seq, Date.now() - revokedAt);
        assert.ok((await line.publish(`dt/${APP}/${victim.deviceId}/telemetry`, await reading(victim, seq))).ok);
        await sleep(40);
      }
      assert.ok(late.length > 0);
      const settled = (): number =>
        watcher.dead.length -
        refusedBefore +
        watcher.verified.filter((v) => v.deviceId === victim.deviceId && v.seq > 0).length;
      await until(() => settled() >= sentAt.size, 30_000, 'every reading of the revoked device decided');
      const forwarded = new Set(watcher.verified.filter((v) => v.deviceId === victim.deviceId).map((v) => v.seq));
      for (const seq of late)
        assert.equal(forwarded.has(seq), false, `reading ${seq}, sent over 1 s after the revocation, was forwarded`);
      const lastForwarded = Math.max(0, ...[...forwarded].filter((seq) => seq > 0));
      const last = sentAt.get(lastForwarded);
      t.diagnostic(
        last === undefined
          ? `revocation: none of the ${sentAt.size} readings sent in the 1.6 s after it was forwarded`
          : `revocation: the last reading forwarded was sent ${last} ms after it (${sentAt.size} sent in 1.6 s)`,
      );
      assert.ok(
        watcher.dead
          .slice(refusedBefore)
          .every((d) => d.deviceId === victim.deviceId && d.reason === 'verification-failed.revoked'),
        watcher.dead.map((d) => d.reason).join(),
      );

      // An entry added to the file by someone without the operator key grants nothing.
      const intruder = unwrap(await generateIdentity({ crypto }));
      const foreign = join(dir, 'foreign.log');
      const other = await FileTrustRegistry.create({ path: foreign, crypto });
      const document = await createIdentityDocument(intruder, {
        crypto,
        versions: ['signed', 'v1'],
        sequence: 1,
        issuedAt: Date.now(),
      });
      const entry = unwrap(await other.register({ document, scopes: ['telemetry'] }));
      await other.close();
      appendFileSync(registryPath, logLine(readFileSync(foreign, 'utf8').trim().split('\n')[1]?.slice(9) as string));
      const key = unwrap(
        await (await import('../../src/identity/derive.js')).signingKeyFromSeed(intruder.seed, { crypto }),
      );
      const intruderDevice: Device = { did: entry.did, deviceId: bytesToHex(entry.kid), key, counter: 0 };
      const deadBefore = watcher.dead.length;
      await sleep(500); // the follower has read the pasted line by now (poll 100 ms)
      assert.ok(
        (await line.publish(`dt/${APP}/${intruderDevice.deviceId}/telemetry`, await reading(intruderDevice, 0))).ok,
      );
      const intruderRefusals = () => watcher.dead.filter((d) => d.deviceId === intruderDevice.deviceId);
      await until(() => intruderRefusals().length > 0, 30_000, 'the intruder refused');
      assert.deepEqual(
        intruderRefusals().map((d) => d.reason),
        ['registry-not-authorised'],
      );
      assert.equal(watcher.dead.length, deadBefore + 1);
      assert.equal(
        watcher.verified.some((v) => v.deviceId === intruderDevice.deviceId),
        false,
      );
      writeFileSync(join(dir, 'done'), '');
    } finally {
      await line.close();
      await watcher.close();
      assert.equal(await gateway.stop(), 0);
    }
  } finally {
    await broker.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});
