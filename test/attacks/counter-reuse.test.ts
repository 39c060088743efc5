/**
 * Finding (issue 9): the forward ledger recognised a redelivery by sender and
 * counter (or nonce) alone, so a device that reused a counter with NEW content
 * (a factory reset, a restored backup, a clone) was acknowledged as a
 * "duplicate" and its message silently dropped. The ledger now keeps the
 * SHA-256 of the signed bytes: the same id with other signed content is
 * refused as REPLAY_DETECTED:COUNTER (a reused nonce: REPLAY_DETECTED),
 * dead-lettered and counted as rejected, while a
 * true redelivery, in any spelling, stays a duplicate. Real verification
 * threads, a real registry file and file ledger; a fake carrier.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { utf8Encode } from '../../src/codec/bytes.js';
import { createNodeCrypto } from '../../src/crypto/node/index.js';
import { encodeEnvelope } from '../../src/envelope/encode.js';
import { signEnvelope } from '../../src/envelope/sign.js';
import { sealTelemetry } from '../../src/envelope/telemetry.js';
import { unwrap } from '../../src/errors.js';
import { FileForwardLedger } from '../../src/gateway/node/file-forward-ledger.js';
import { Gateway } from '../../src/gateway/node/gateway.js';
import { createGatewayMetrics, type GatewayMetrics } from '../../src/gateway/node/metrics.js';
import { signedDigest } from '../../src/gateway/node/signed-digest.js';
import { VerifyPool } from '../../src/gateway/node/verify-pool.js';
import { RepublishSink } from '../../src/gateway/sinks/republish-sink.js';
import { telemetryTopics } from '../../src/gateway/topic.js';
import { identityFromSeed } from '../../src/identity/derive.js';
import { didFromEd25519PublicKey } from '../../src/identity/did.js';
import { FileTrustRegistry } from '../../src/registry/node/file-trust-registry.js';
import { FileNonceStore } from '../../src/replay/node/file-nonce-store.js';
import { FakeCarrier } from '../gateway/fake-carrier.js';
import { type DemoDevice, provisionFleet } from '../helpers/demo-fleet.js';

const crypto = createNodeCrypto();
const silent = { info() {}, warn() {}, error() {}, debug() {} };
const topics = telemetryTopics('dt/{app}/{deviceId}/{kind}', 'acme');
const dir = mkdtempSync(join(tmpdir(), 'xlink-reuse-'));
let registry: FileTrustRegistry;
let device: DemoDevice;
let gatewayDid: string;
let pool: VerifyPool;
let ledger: FileForwardLedger;
let replay: FileNonceStore;
let carrier: FakeCarrier;
let metrics: GatewayMetrics;

function gatewayOn(forwardLedger: FileForwardLedger): Gateway {
  return new Gateway({
    transport: carrier,
    verifier: pool,
    replay,
    ledger: forwardLedger,
    sinks: [new RepublishSink(carrier, topics, 'verified/{app}/{deviceId}/{kind}')],
    topics,
    dlq: 'dlq/{app}/{reason}/{deviceId}',
    metrics,
    log: silent,
    owner: 'gw-reuse',
    timestampWindowMs: 30_000,
    shared: false,
    drainTimeoutMs: 1000,
  });
}

before(async () => {
  registry = await FileTrustRegistry.create({ path: join(dir, 'registry.log'), crypto });
  [device] = (await provisionFleet({ registry, crypto, count: 1, audience: 'acme' })) as [DemoDevice];
  const seed = crypto.randomBytes(32);
  writeFileSync(join(dir, 'gateway.seed'), seed);
  gatewayDid = unwrap(await identityFromSeed(seed, { crypto })).did;
  pool = await VerifyPool.start(
    {
      registryPath: join(dir, 'registry.log'),
      seedPath: join(dir, 'gateway.seed'),
      audience: 'acme',
      app: 'acme',
      topic: 'dt/{app}/{deviceId}/{kind}',
      timestampWindowMs: Number.MAX_SAFE_INTEGER,
      maxEnvelopeBytes: 4096,
      registryPollMs: 100,
    },
    1,
  );
  ledger = await FileForwardLedger.openOrCreate({
    path: join(dir, 'ledger.log'),
    retentionMs: 600_000,
    leaseMs: 30_000,
  });
  replay = await FileNonceStore.create({ path: join(dir, 'replay.log') });
  carrier = new FakeCarrier();
  metrics = createGatewayMetrics();
  assert.ok((await gatewayOn(ledger).start()).ok);
});

after(async () => {
  await pool.close();
  await ledger.close();
  await replay.close();
  await registry.close();
  rmSync(dir, { recursive: true, force: true });
});

function telemetry(counter: number, payload: unknown): Promise<Uint8Array> {
  return Promise.resolve(
    sealTelemetry(device.key, {
      audience: 'acme',
      scope: 'telemetry',
      counter,
      timestamp: Date.now(),
      payload: utf8Encode(JSON.stringify(payload)),
      contentType: 'json',
    }),
  );
}

const forwarded = () => carrier.published.filter((p) => p.topic.startsWith('verified/acme/')).length;
const deadLettered = (reason: string) =>
  carrier.published.filter((p) => p.topic === `dlq/acme/${reason}/${device.deviceId}`);

async function rejected(code: string): Promise<number> {
  const metric = (await metrics.registry.getMetricsAsJSON()).find(
    (m) => m.name === 'xlink_gateway_messages_rejected_total',
  );
  return Number(metric?.values.find((v) => v.labels.reason === code)?.value ?? 0);
}

test('a telemetry counter reused with new content is REPLAY_DETECTED:COUNTER; the same bytes again stay a duplicate', async () => {
  const original = await telemetry(5, { temp: 21 });
  assert.ok(await carrier.inject(device.topic('acme'), original));
  assert.equal(forwarded(), 1);
  assert.ok(await carrier.inject(device.topic('acme'), original), 'a redelivery is acknowledged');
  assert.equal(forwarded(), 1, 'and not forwarded again');
  assert.equal(deadLettered('replay-detected.counter').length, 0, 'nor called an attack');

  const reused = await telemetry(5, { temp: 99 }); // a factory-reset device starting its counter again
  assert.ok(await carrier.inject(device.topic('acme'), reused), 'refused, then acknowledged');
  assert.equal(forwarded(), 1, 'the new content is not forwarded');
  const dead = deadLettered('replay-detected.counter');
  assert.equal(dead.length, 1);
  assert.deepEqual(dead[0]?.payload, reused, 'the original bytes');
  assert.equal(dead[0]?.userProperties?.code, 'REPLAY_DETECTED:COUNTER');
  assert.equal(await rejected('REPLAY_DETECTED:COUNTER'), 1, 'counted as rejected');
});

test('a full JSON envelope: another spelling is a duplicate, the same counter with another payload REPLAY_DETECTED:COUNTER', async () => {
  const sender = { did: didFromEd25519PublicKey(device.key.signer.publicKey), signer: device.key.signer };
  const envelope = async (payload: string) =>
    encodeEnvelope(
      unwrap(
        await signEnvelope(
          sender,
          { to: gatewayDid, scope: 'telemetry', counter: 9, timestamp: Date.now(), payload: utf8Encode(payload) },
          { crypto },
        ),
      ),
      'json',
    );
  const signed = await envelope('{"temp":20}');
  const before = forwarded();
  assert.ok(await carrier.inject(device.topic('acme'), utf8Encode(JSON.stringify(signed))));
  assert.equal(forwarded(), before + 1);
  const respelled = utf8Encode(JSON.stringify(signed, null, 2)); // other wire bytes, the same signed content
  assert.ok(await carrier.inject(device.topic('acme'), respelled));
  assert.equal(forwarded(), before + 1, 'another spelling of the same message is a duplicate');

  const deadBefore = deadLettered('replay-detected.counter').length;
  assert.ok(await carrier.inject(device.topic('acme'), utf8Encode(JSON.stringify(await envelope('{"temp":80}')))));
  assert.equal(forwarded(), before + 1);
  assert.equal(deadLettered('replay-detected.counter').length, deadBefore + 1);
});

test('the digest survives a restart: the reopened file ledger tells the reused counter from a redelivery', async () => {
  const original = await telemetry(12, { temp: 1 });
  assert.ok(await carrier.inject(device.topic('acme'), original));
  await ledger.close();
  const reopened = await FileForwardLedger.openOrCreate({
    path: join(dir, 'ledger.log'),
    retentionMs: 600_000,
    leaseMs: 30_000,
  });
  try {
    const id = `${device.did}#c12`;
    assert.deepEqual(unwrap(await reopened.claim(id, 'gw-reuse', Date.now(), 'e'.repeat(64))), { state: 'conflict' });
    const same = signedDigest(original, 'acme', 4096);
    assert.deepEqual(unwrap(await reopened.claim(id, 'gw-reuse', Date.now(), same)), { state: 'forwarded' });
    const line = carrier.published.filter((p) => p.topic.startsWith('verified/')).at(-1);
    assert.ok(line);
    assert.equal(JSON.parse(Buffer.from(line.payload).toString()).id, id);
  } finally {
    ledger = reopened; // closed by after()
  }
});
