/**
 * The gateway pipeline on a fake carrier with real parts everywhere else:
 * verification threads, a FileTrustRegistry followed from disk, the file
 * replay store and forward ledger, the JSONL and republish sinks.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { createNodeCrypto } from '../../src/crypto/node/index.js';
import { err, errorDetail, type Result } from '../../src/errors.js';
import { FileForwardLedger } from '../../src/gateway/node/file-forward-ledger.js';
import { Gateway, type GatewayLog } from '../../src/gateway/node/gateway.js';
import { createGatewayMetrics, type GatewayMetrics } from '../../src/gateway/node/metrics.js';
import { VerifyPool } from '../../src/gateway/node/verify-pool.js';
import { JsonlSink } from '../../src/gateway/sinks/node/jsonl-sink.js';
import { RepublishSink } from '../../src/gateway/sinks/republish-sink.js';
import { telemetryTopics } from '../../src/gateway/topic.js';
import { FileTrustRegistry } from '../../src/registry/node/file-trust-registry.js';
import { FileNonceStore } from '../../src/replay/node/file-nonce-store.js';
import type { NonceStore } from '../../src/replay/nonce-store.js';
import { type DemoDevice, provisionFleet } from '../helpers/demo-fleet.js';
import { FakeCarrier } from './fake-carrier.js';

const crypto = createNodeCrypto();
const silent: GatewayLog = { info() {}, warn() {}, error() {}, debug() {} };
const dir = mkdtempSync(join(tmpdir(), 'xlink-gw-'));
let registry: FileTrustRegistry;
let devices: DemoDevice[];
let pool: VerifyPool;
let replay: FileNonceStore;
let ledger: FileForwardLedger;
let jsonl: JsonlSink;
let carrier: FakeCarrier;
let metrics: GatewayMetrics;
let gateway: Gateway;
/** Lets a test make the replay store fail (Redis down) and recover. */
let replayDown = false;

const topics = telemetryTopics('dt/{app}/{deviceId}/{kind}', 'acme');

before(async () => {
  registry = await FileTrustRegistry.create({ path: join(dir, 'registry.log'), crypto });
  devices = await provisionFleet({ registry, crypto, count: 3, audience: 'acme' });
  writeFileSync(join(dir, 'gateway.seed'), crypto.randomBytes(32));
  pool = await VerifyPool.start(
    {
      registryPath: join(dir, 'registry.log'),
      seedPath: join(dir, 'gateway.seed'),
      audience: 'acme',
      app: 'acme',
      topic: 'dt/{app}/{deviceId}/{kind}',
      timestampWindowMs: 30_000,
      maxEnvelopeBytes: 4096,
      registryPollMs: 100,
    },
    2,
  );
  replay = await FileNonceStore.create({ path: join(dir, 'replay.log') });
  const failing: NonceStore = {
    reserveNonce: (...args) => (replayDown ? down() : replay.reserveNonce(...args)),
    acceptCounter: (...args) => (replayDown ? down() : replay.acceptCounter(...args)),
    close: () => replay.close(),
  };
  ledger = await FileForwardLedger.openOrCreate({
    path: join(dir, 'ledger.log'),
    retentionMs: 600_000,
    leaseMs: 30_000,
  });
  jsonl = await JsonlSink.open(join(dir, 'verified.jsonl'));
  carrier = new FakeCarrier();
  metrics = createGatewayMetrics();
  gateway = new Gateway({
    transport: carrier,
    verifier: pool,
    replay: failing,
    ledger,
    sinks: [new RepublishSink(carrier, topics, 'verified/{app}/{deviceId}/{kind}'), jsonl],
    topics,
    dlq: 'dlq/{app}/{reason}/{deviceId}',
    metrics,
    log: silent,
    owner: 'gw-test',
    timestampWindowMs: 30_000,
    shared: false,
    drainTimeoutMs: 1000,
  });
  assert.ok((await gateway.start()).ok);
});

after(async () => {
  await pool.close();
  await ledger.close();
  await replay.close();
  await jsonl.close();
  await registry.close();
  rmSync(dir, { recursive: true, force: true });
});

function down(): Promise<Result<void>> {
  return Promise.resolve(err(errorDetail('REPLAY_STORE_UNAVAILABLE', 'redis is down (test)')));
}

function jsonlLines(): { id: string; payload: { seq: number } }[] {
  return readFileSync(join(dir, 'verified.jsonl'), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line));
}

function dlqOf(reason: string): number {
  return carrier.published.filter((p) => p.topic.startsWith(`dlq/acme/${reason}/`)).length;
}

async function counterValue(name: string, labels?: Record<string, string>): Promise<number> {
  const metric = (await metrics.registry.getMetricsAsJSON()).find((m) => m.name === name);
  const value = metric?.values.find(
    (v) => labels === undefined || Object.entries(labels).every(([k, l]) => v.labels[k] === l),
  );
  return Number(value?.value ?? 0);
}

test('valid telemetry from three devices is forwarded to every sink once, in order per device, and acknowledged', async () => {
  const sent: Promise<boolean>[] = [];
  for (let seq = 0; seq < 20; seq++) {
    for (const device of devices) sent.push(carrier.inject(device.topic('acme'), await device.reading({ seq })));
  }
  assert.deepEqual(
    await Promise.all(sent),
    sent.map(() => true),
  );
  const lines = jsonlLines();
  assert.equal(lines.length, 60);
  for (const device of devices) {
    const seqs = lines.filter((l) => l.id.startsWith(device.did)).map((l) => l.payload.seq);
    assert.deepEqual(seqs, [...Array(20).keys()], 'per-device order kept');
  }
  assert.equal(carrier.published.filter((p) => p.topic.startsWith('verified/acme/')).length, 60);
  assert.equal(await counterValue('xlink_gateway_messages_verified_total'), 60);
});

test('a redelivered, already forwarded message is a duplicate: acknowledged, not forwarded, not dead-lettered', async () => {
  const device = devices[0] as DemoDevice;
  const bytes = await device.reading({ seq: 100 });
  assert.ok(await carrier.inject(device.topic('acme'), bytes));
  const before = jsonlLines().length;
  const dlqBefore = carrier.published.filter((p) => p.topic.startsWith('dlq/')).length;
  assert.ok(await carrier.inject(device.topic('acme'), bytes), 'acknowledged');
  assert.equal(jsonlLines().length, before, 'not forwarded twice');
  assert.equal(carrier.published.filter((p) => p.topic.startsWith('dlq/')).length, dlqBefore, 'not dead-lettered');
  assert.equal(await counterValue('xlink_gateway_messages_duplicate_total'), 1);
});

test('attacks are dead-lettered with their code and the original bytes, and acknowledged', async () => {
  const [a, b] = devices as [DemoDevice, DemoDevice];
  const garbage = new Uint8Array([0x84, 1, 2, 3]);
  assert.ok(await carrier.inject(a.topic('acme'), garbage));
  const dead = carrier.published.at(-1);
  assert.ok(dead?.topic.startsWith('dlq/acme/'));
  assert.deepEqual(dead?.payload, garbage, 'original bytes');
  assert.ok(dead?.userProperties?.code);

  assert.ok(await carrier.inject(b.topic('acme'), await a.reading({ seq: 1 })), 'spoofed topic');
  assert.equal(dlqOf('verification-failed.topic-mismatch'), 1);

  assert.ok(await carrier.inject(a.topic('acme'), await a.reading({ seq: 2 }, { timestamp: Date.now() - 120_000 })));
  assert.equal(dlqOf('timestamp-expired'), 1);
  assert.ok(await carrier.inject(a.topic('acme'), await a.reading({ seq: 3 }, { timestamp: Date.now() + 120_000 })));
  assert.equal(dlqOf('timestamp-expired.future'), 1);

  assert.ok(await carrier.inject(a.topic('acme'), await a.reading({ seq: 4 }, { scope: 'firmware' })));
  assert.equal(dlqOf('scope-denied'), 1);

  assert.ok(await carrier.inject(a.topic('acme'), await a.reading({ seq: 5 }, { audience: 'other-fleet' })));
  assert.equal(dlqOf('verification-failed.signature-mismatch'), 1);
  assert.equal(await counterValue('xlink_gateway_messages_rejected_total', { reason: 'SCOPE_DENIED' }), 1);
});

test('a revocation written to the registry file refuses the device within a second, without a restart', async () => {
  const device = devices[2] as DemoDevice;
  assert.ok(await carrier.inject(device.topic('acme'), await device.reading({ seq: 200 })));
  const linesBefore = jsonlLines().length;
  assert.ok((await registry.revoke(device.did, { reason: 'stolen' })).ok);
  await sleep(1000);
  assert.ok(await carrier.inject(device.topic('acme'), await device.reading({ seq: 201 })));
  assert.equal(dlqOf('verification-failed.revoked'), 1);
  assert.equal(jsonlLines().length, linesBefore);
});

test('fails closed: while the replay store is down nothing is acknowledged and /readyz is off; then it catches up', async () => {
  const device = devices[1] as DemoDevice;
  replayDown = true;
  let settled = false;
  const pending = carrier.inject(device.topic('acme'), await device.reading({ seq: 300 }), 'held').then((acked) => {
    settled = true;
    return acked;
  });
  await sleep(300);
  assert.match(gateway.readiness() ?? '', /REPLAY_STORE_UNAVAILABLE/);
  assert.equal(settled, false, 'not acknowledged while the store is down');
  replayDown = false;
  assert.ok(await pending);
  assert.equal(gateway.readiness(), undefined);
  assert.equal(jsonlLines().filter((l) => l.payload.seq === 300).length, 1);
});

test('a verified record names its sender and counter and carries the decoded payload', () => {
  const line = jsonlLines()[0] as unknown as Record<string, unknown>;
  assert.match(String(line.id), /^did:key:z.+#c\d+$/);
  assert.equal(line.scope, 'telemetry');
  assert.equal(line.encoding, 'telemetry');
  assert.deepEqual(line.payload, { seq: 0 });
});
