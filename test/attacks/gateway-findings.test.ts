/**
 * Findings from attacking the gateway pipeline (issue 9), each pinned:
 * - a store failing between the forward and the ledger mark (Redis going away
 *   at that instant) made the retry forward the message a second time;
 * - a redelivery of a claimed-but-unmarked message after a restart is
 *   forwarded again, and must say so (`resumed: true`);
 * - a refusal for a message already claimed releases the claim, so a later
 *   copy is not taken for a resumable one.
 * The verifier is a stub here (the threads are tested in test/gateway/pipeline.test.ts).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { err, errorDetail, ok, type Result } from '../../src/errors.js';
import type { ForwardLedger } from '../../src/gateway/forward-ledger.js';
import { FileForwardLedger } from '../../src/gateway/node/file-forward-ledger.js';
import { Gateway, type Verifier } from '../../src/gateway/node/gateway.js';
import { createGatewayMetrics } from '../../src/gateway/node/metrics.js';
import type { Sink } from '../../src/gateway/sink.js';
import { telemetryTopics } from '../../src/gateway/topic.js';
import type { VerifiedMessage, VerifyOutcome } from '../../src/gateway/verdict.js';
import type { VerifiedRecord } from '../../src/gateway/verified-record.js';
import { MemoryNonceStore } from '../../src/replay/memory-nonce-store.js';
import { FakeCarrier } from '../gateway/fake-carrier.js';

const TOPIC = 'dt/acme/0a0b0c0d0e0f/telemetry';
const silent = { info() {}, warn() {}, error() {}, debug() {} };

function message(counter: number): VerifiedMessage {
  return {
    sender: 'did:key:z6MkTest',
    deviceId: '0a0b0c0d0e0f',
    kind: 'telemetry',
    scope: 'telemetry',
    token: { kind: 'counter', counter, timestamp: Date.now() },
    digest: `${counter}`.padStart(64, 'd'),
    timestamp: Date.now(),
    contentType: 'json',
    payload: { counter },
    encoding: 'telemetry',
    version: 'signed',
  };
}

class CountingSink implements Sink {
  readonly name = 'counting';
  readonly records: VerifiedRecord[] = [];
  async forward(record: VerifiedRecord): Promise<Result<void>> {
    this.records.push(record);
    return ok(undefined);
  }
  async close(): Promise<void> {}
}

function gatewayWith(ledger: ForwardLedger, sink: Sink, outcome: (n: number) => VerifyOutcome, carrier: FakeCarrier) {
  let n = 0;
  const verifier: Verifier = { failure: undefined, verify: async () => outcome(n++) };
  return new Gateway({
    transport: carrier,
    verifier,
    replay: new MemoryNonceStore({}),
    ledger,
    sinks: [sink],
    topics: telemetryTopics('dt/{app}/{deviceId}/{kind}', 'acme'),
    dlq: 'dlq/{app}/{reason}/{deviceId}',
    metrics: createGatewayMetrics(),
    log: silent,
    owner: 'gw-1',
    timestampWindowMs: 30_000,
    shared: false,
    drainTimeoutMs: 100,
  });
}

test('a ledger mark that fails once after the forward: retried, forwarded once, then acknowledged', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'xlink-gw-find-'));
  const file = await FileForwardLedger.openOrCreate({ path: join(dir, 'l.log'), retentionMs: 60_000, leaseMs: 30_000 });
  let failNext = true;
  const flaky: ForwardLedger = {
    claim: (...a) => file.claim(...a),
    release: (...a) => file.release(...a),
    close: () => file.close(),
    forwarded: async (id, digest) => {
      if (failNext) {
        failNext = false;
        return err(errorDetail('REPLAY_STORE_UNAVAILABLE', 'redis went away (test)'));
      }
      return file.forwarded(id, digest);
    },
  };
  const sink = new CountingSink();
  const carrier = new FakeCarrier();
  const gateway = gatewayWith(flaky, sink, () => ({ ok: true, message: message(1) }), carrier);
  await gateway.start();
  assert.ok(await carrier.inject(TOPIC, new Uint8Array([1])));
  assert.equal(sink.records.length, 1, 'forwarded once despite the retry');
  assert.ok(await carrier.inject(TOPIC, new Uint8Array([1])), 'the redelivery is acknowledged');
  assert.equal(sink.records.length, 1, 'and recognised as a duplicate');
  await file.close();
  rmSync(dir, { recursive: true, force: true });
});

test('after a crash between claim and mark, the redelivery is forwarded again flagged resumed', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'xlink-gw-find-'));
  const path = join(dir, 'l.log');
  const before = await FileForwardLedger.openOrCreate({ path, retentionMs: 60_000, leaseMs: 30_000 });
  assert.ok((await before.claim('did:key:z6MkTest#c7', 'gw-1', Date.now(), message(7).digest)).ok); // then the process died
  await before.close();
  const ledger = await FileForwardLedger.openOrCreate({ path, retentionMs: 60_000, leaseMs: 30_000 });
  const sink = new CountingSink();
  const carrier = new FakeCarrier();
  const gateway = gatewayWith(ledger, sink, () => ({ ok: true, message: message(7) }), carrier);
  await gateway.start();
  assert.ok(await carrier.inject(TOPIC, new Uint8Array([7])));
  assert.equal(sink.records.length, 1);
  assert.equal(sink.records[0]?.resumed, true);
  assert.equal(sink.records[0]?.id, 'did:key:z6MkTest#c7');
  await ledger.close();
  rmSync(dir, { recursive: true, force: true });
});

test('a claimed message refused as stale releases its claim and is dead-lettered with TIMESTAMP_EXPIRED', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'xlink-gw-find-'));
  const ledger = await FileForwardLedger.openOrCreate({
    path: join(dir, 'l.log'),
    retentionMs: 60_000,
    leaseMs: 30_000,
  });
  const stale = { ...message(9), timestamp: Date.now() - 120_000 };
  const sink = new CountingSink();
  const carrier = new FakeCarrier();
  const gateway = gatewayWith(ledger, sink, () => ({ ok: true, message: stale }), carrier);
  await gateway.start();
  assert.ok(await carrier.inject(TOPIC, new Uint8Array([9])));
  assert.equal(sink.records.length, 0);
  assert.equal(carrier.published.filter((p) => p.topic === 'dlq/acme/timestamp-expired/0a0b0c0d0e0f').length, 1);
  const again = await ledger.claim('did:key:z6MkTest#c9', 'gw-2', Date.now(), stale.digest);
  assert.ok(again.ok);
  assert.equal(again.value.state, 'claimed', 'the claim was released: another gateway claims it anew');
  await ledger.close();
  rmSync(dir, { recursive: true, force: true });
});
