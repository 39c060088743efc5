// The Agent's factories, negotiation table, progress stages, encodings and
// counter mode. Attacks on the receive pipeline live in test/attacks/.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Agent, type AgentOptions } from '../../src/agent/agent.js';
import { createNobleCrypto } from '../../src/crypto/noble/index.js';
import { createNodeCrypto } from '../../src/crypto/node/index.js';
import { decodeEnvelope } from '../../src/envelope/decode.js';
import { sealTelemetry } from '../../src/envelope/telemetry.js';
import { generateIdentity, identityFromSeed, signingKeyFromSeed } from '../../src/identity/derive.js';
import { didFromEd25519PublicKey } from '../../src/identity/did.js';
import { createIdentityDocument } from '../../src/identity/document.js';
import * as portable from '../../src/index.js';
import * as onNode from '../../src/index.node.js';
import { webRandomSource } from '../../src/platform/random.js';
import { MemoryKeyValueStorage } from '../../src/platform/storage.js';
import { VirtualClock } from '../../src/platform/virtual-clock.js';
import { MemoryTrustRegistry } from '../../src/registry/memory-trust-registry.js';
import type { TrustRegistry } from '../../src/registry/trust-registry.js';
import { CounterSequence } from '../../src/replay/counter-sequence.js';
import { LoopbackTransport } from '../../src/transport/loopback.js';

const crypto = createNodeCrypto();

function world(): Pick<AgentOptions, 'registry' | 'transport' | 'crypto'> & { transport: LoopbackTransport } {
  return { registry: new MemoryTrustRegistry({ crypto }), transport: new LoopbackTransport(), crypto };
}

/** A world whose agents pick their own default backend. */
function bareWorld(): Pick<AgentOptions, 'registry' | 'transport'> {
  return { registry: new MemoryTrustRegistry({ crypto }), transport: new LoopbackTransport() };
}

async function created(options: AgentOptions): Promise<Agent> {
  const made = await Agent.create(options);
  assert.ok(made.ok, made.ok ? '' : made.error.message);
  return made.value;
}

test('negotiation follows the white paper table: v3↔v3 → v3, v3↔v2 → v2 (both directions)', async () => {
  const shared = world();
  const a = await created({ ...shared, postQuantumSig: true });
  const b = await created({ ...shared, postQuantumSig: false });
  const c = await created({ ...shared, postQuantumSig: true });
  const pairs: [Agent, Agent, string][] = [
    [a, c, 'v3'],
    [a, b, 'v2'],
    [b, a, 'v2'],
  ];
  for (const [from, to, version] of pairs) {
    const sent = await from.send({ to: to.did, payload: { n: 1 } });
    assert.ok(sent.ok);
    const received = await to.receive(shared.transport.outbox.at(-1));
    assert.ok(received.ok, received.ok ? '' : received.error.code);
    assert.equal(received.value.version, version);
    assert.equal(received.value.scope, 'default');
  }
});

test('a v1-only peer (its document lists signed and v1) gets v1; one listing only signed cannot be encrypted to', async () => {
  const shared = world();
  const sender = await created({ ...shared, postQuantumSig: true });
  for (const [versions, expected] of [
    [['signed', 'v1'], 'v1'],
    [['signed'], 'NEGOTIATION_FAILED:NO_COMMON_VERSION'],
  ] as const) {
    const peer = await generateIdentity({ crypto });
    assert.ok(peer.ok);
    const document = await createIdentityDocument(peer.value, { crypto, versions, sequence: 1, issuedAt: Date.now() });
    assert.ok((await shared.registry.register({ document, scopes: ['*'] })).ok);
    const sent = await sender.send({ to: peer.value.did, payload: 'hi' });
    if (sent.ok) {
      const decoded = decodeEnvelope(sent.value);
      assert.ok(decoded.ok);
      assert.equal(decoded.value.envelope.header.version, expected);
    } else {
      assert.equal(sent.error.code, expected);
    }
  }
});

test('sending to a DID that is not registered fails with DID_NOT_IN_REGISTRY and sends nothing', async () => {
  const shared = world();
  const sender = await created(shared);
  const stranger = await generateIdentity({ crypto });
  assert.ok(stranger.ok);
  const sent = await sender.send({ to: stranger.value.did, payload: 1 });
  assert.equal(sent.ok ? 'sent' : sent.error.code, 'DID_NOT_IN_REGISTRY');
  assert.equal(shared.transport.outbox.length, 0);
});

test('progress stages arrive in order for send and receive', async () => {
  const shared = world();
  const alice = await created(shared);
  const bob = await created(shared);
  const stages: string[] = [];
  await alice.send({
    to: bob.did,
    payload: {},
    onProgress: (e) => void stages.push(`${e.stage} ${e.current}/${e.total}`),
  });
  await bob.receive(shared.transport.outbox[0], { onProgress: async (e) => void stages.push(e.stage) });
  assert.deepEqual(stages, [
    'resolving 1/1',
    'encrypting 1/1',
    'signing 1/1',
    'sending 1/1',
    'complete 1/1',
    'parsing',
    'verifying',
    'decrypting',
    'complete',
  ]);
});

test('fromSeed gives the same DID on every boot and re-registers without error', async () => {
  const shared = world();
  const seed = crypto.randomBytes(32);
  const first = await Agent.fromSeed(seed, shared);
  const again = await Agent.fromSeed(seed, shared);
  assert.ok(first.ok && again.ok);
  assert.equal(first.value.did, again.value.did);
  assert.equal((await shared.registry.list()).length, 1);
  // Rebooting with post-quantum signatures turned on publishes a newer document listing v3.
  const upgraded = await Agent.fromSeed(seed, { ...shared, postQuantumSig: true });
  assert.ok(upgraded.ok);
  const entry = await shared.registry.resolve(first.value.did);
  assert.ok(entry.ok);
  const peer = await created({ ...shared, postQuantumSig: true });
  assert.ok((await peer.send({ to: first.value.did, payload: 1 })).ok);
  const received = await upgraded.value.receive(shared.transport.outbox.at(-1));
  assert.equal(received.ok ? received.value.version : received.error.code, 'v3');
  const short = await Agent.fromSeed(seed.subarray(1), shared);
  assert.equal(short.ok ? 'created' : short.error.code, 'IDENTITY_FAILED');
});

test('exportPKCS8 and fromPKCS8 restore the same agent, which can still decrypt v2 and v3', async () => {
  const shared = world();
  const original = await created({ ...shared, postQuantumSig: true });
  const exported = original.exportPKCS8();
  original.exportPKCS8().mlKem768.secretKey.fill(0); // a copy: the agent's own key is untouched
  const restored = await Agent.fromPKCS8(exported, { ...shared, postQuantumSig: true });
  assert.ok(restored.ok);
  assert.equal(restored.value.did, original.did);
  const peer = await created({ ...shared, postQuantumSig: true });
  await peer.send({ to: original.did, payload: { restored: true } });
  const received = await restored.value.receive(shared.transport.outbox.at(-1));
  assert.ok(received.ok);
  assert.deepEqual(received.value.payload, { restored: true });
  await peer.send({ to: original.did, payload: 'still mine' });
  const own = await original.receive(shared.transport.outbox.at(-1));
  assert.equal(own.ok ? own.value.payload : own.error.code, 'still mine');
  const broken = await Agent.fromPKCS8({ ...original.exportPKCS8(), ed25519: new Uint8Array(48) }, shared);
  assert.equal(broken.ok ? 'imported' : broken.error.code, 'IDENTITY_FAILED');
});

test('the Agent of xlink/agent picks no backend; the entries choose one: noble (portable), node:crypto (Node)', async () => {
  assert.equal(((await Agent.create(bareWorld())) as { error: { code: string } }).error.code, 'INVALID_ARGUMENT');
  await assert.rejects(Agent.quickstart(), { code: 'INVALID_ARGUMENT' });

  const lone = await portable.Agent.quickstart();
  assert.match(lone.did, /^did:key:z6Mk/);
  assert.ok(lone.transport instanceof LoopbackTransport);
  assert.equal(lone.crypto.name, 'noble');
  const nodeAgent = await onNode.Agent.quickstart();
  assert.equal(nodeAgent.crypto.name, 'node');
  assert.ok(nodeAgent instanceof Agent, 'the entry Agent is the same class, with defaults');
  for (const made of [
    await onNode.Agent.create(bareWorld()),
    await onNode.Agent.fromSeed(crypto.randomBytes(32), bareWorld()),
    await onNode.Agent.fromPKCS8(lone.exportPKCS8(), bareWorld()),
  ]) {
    assert.equal(made.ok ? made.value.crypto.name : made.error.code, 'node');
  }
});

test('payloads are bytes first: a Uint8Array travels as opaque bytes, CBOR on request, JSON otherwise', async () => {
  const shared = world();
  const alice = await created(shared);
  const bob = await created(shared);
  const cases: Array<[unknown, 'json' | 'cbor' | 'bytes' | undefined, unknown, string]> = [
    [Uint8Array.of(0, 1, 2, 254, 255), undefined, Uint8Array.of(0, 1, 2, 254, 255), 'bytes'],
    [{ temp: 21.5, tags: ['a'] }, undefined, { temp: 21.5, tags: ['a'] }, 'json'],
    [new Map<string, unknown>([['temp', 21.5]]), 'cbor', new Map([['temp', 21.5]]), 'cbor'],
  ];
  for (const [payload, contentType, expected, received] of cases) {
    const sent = await alice.send({ to: bob.did, payload, ...(contentType === undefined ? {} : { contentType }) });
    assert.ok(sent.ok, sent.ok ? '' : sent.error.message);
    const message = await bob.receive(shared.transport.outbox.at(-1));
    assert.ok(message.ok, message.ok ? '' : message.error.message);
    assert.equal(message.value.contentType, received);
    assert.deepEqual(message.value.payload, expected);
  }
});

test('telemetry-profile envelopes go through the same receive pipeline, found by kid, for the agent’s audience', async () => {
  // Whole seconds on the wire: the gateway's memory store, started at T0, takes readings from T0's second on.
  const clock = new VirtualClock(1_790_000_000_000);
  const shared = { ...world(), clock };
  const gateway = await created({ ...shared, audience: 'acme-fleet' });
  clock.advance(1000);
  const seed = crypto.randomBytes(32);
  const device = await Agent.fromSeed(seed, { ...shared, scopes: ['telemetry'] });
  assert.ok(device.ok);
  const key = await signingKeyFromSeed(seed, { crypto });
  assert.ok(key.ok);
  assert.equal(didFromEd25519PublicKey(key.value.signer.publicKey), device.value.did);
  const reading = (counter: number, scope = 'telemetry') =>
    sealTelemetry(key.value, {
      audience: 'acme-fleet',
      scope,
      counter,
      payload: Uint8Array.of(7),
      timestamp: clock.now(),
    });
  const received = await gateway.receive(await reading(1), { allowCleartext: true });
  assert.ok(received.ok, received.ok ? '' : received.error.message);
  assert.equal(received.value.sender, device.value.did);
  assert.equal(received.value.encoding, 'telemetry');
  assert.equal(received.value.recipient, 'acme-fleet');
  assert.deepEqual(received.value.payload, Uint8Array.of(7));
  const codeOf = async (bytes: Uint8Array, options = { allowCleartext: true }) => {
    const result = await gateway.receive(bytes, options);
    return result.ok ? 'ok' : result.error.code;
  };
  assert.equal(await codeOf(await reading(1)), 'REPLAY_DETECTED:COUNTER');
  assert.equal(await codeOf(await reading(2, 'admin')), 'SCOPE_DENIED');
  assert.equal(await codeOf(await reading(3), { allowCleartext: false }), 'CLEARTEXT_REFUSED');
  const noAudience = await created(shared);
  assert.equal((await noAudience.receive(await reading(4), { allowCleartext: true })).ok, false);
  const elsewhere = await created({ ...shared, audience: 'other-fleet' });
  const misrouted = await elsewhere.receive(await reading(5), { allowCleartext: true });
  assert.equal(misrouted.ok ? 'ok' : misrouted.error.code, 'VERIFICATION_FAILED:SIGNATURE_MISMATCH');
  const stranger = await signingKeyFromSeed(crypto.randomBytes(32), { crypto });
  assert.ok(stranger.ok);
  const unknown = await sealTelemetry(stranger.value, {
    audience: 'acme-fleet',
    scope: 'telemetry',
    counter: 1,
    payload: Uint8Array.of(1),
  });
  assert.equal(await codeOf(unknown), 'VERIFICATION_FAILED:UNKNOWN_KID');
});

test('compact encoding: send hands COSE_Sign1 bytes to the transport and receive accepts them', async () => {
  const shared = world();
  const sensor = await created({ ...shared, encoding: 'compact' });
  const gateway = await created(shared);
  const sent = await sensor.send({ to: gateway.did, payload: [1, 2, 3], scope: 'telemetry' });
  assert.ok(sent.ok && sent.value instanceof Uint8Array);
  assert.equal(sent.value[0], 0xd2); // CBOR tag 18
  const received = await gateway.receive(shared.transport.outbox[0]);
  assert.ok(received.ok);
  assert.deepEqual(received.value.payload, [1, 2, 3]);
});

test('counter mode: envelopes carry the sender counter, and the receiver refuses a reused one', async () => {
  const shared = world();
  const counter = new CounterSequence({ storage: new MemoryKeyValueStorage() });
  const device = await created({ ...shared, counter });
  const gateway = await created(shared);
  for (const n of [0, 1, 2]) {
    const sent = await device.send({ to: gateway.did, payload: n });
    assert.ok(sent.ok && !(sent.value instanceof Uint8Array));
    assert.equal(sent.value.ctr, n);
    assert.equal(sent.value.nonce, undefined);
    assert.ok((await gateway.receive(sent.value)).ok);
  }
  const replayed = await gateway.receive(shared.transport.outbox[1]);
  assert.equal(replayed.ok ? 'accepted' : replayed.error.code, 'REPLAY_DETECTED:COUNTER');
});

test('a payload without a JSON form is refused before anything is sent', async () => {
  const shared = world();
  const alice = await created(shared);
  const bob = await created(shared);
  const cyclic: Record<string, unknown> = {};
  cyclic.self = cyclic;
  for (const payload of [undefined, cyclic, 10n]) {
    const sent = await alice.send({ to: bob.did, payload });
    assert.equal(sent.ok ? 'sent' : sent.error.code, 'INVALID_ARGUMENT');
  }
  assert.equal(shared.transport.outbox.length, 0);
});

test('backends interoperate through the Agent: a noble sender, a node receiver, v3', async () => {
  const registry = new MemoryTrustRegistry({ crypto });
  const transport = new LoopbackTransport();
  const noble = await created({
    registry,
    transport,
    crypto: createNobleCrypto({ random: webRandomSource(globalThis.crypto) }),
    postQuantumSig: true,
  });
  const native = await created({ registry, transport, crypto, postQuantumSig: true });
  await noble.send({ to: native.did, payload: 'x' });
  const received = await native.receive(transport.outbox[0]);
  assert.equal(received.ok ? received.value.version : received.error.code, 'v3');
});

test('a registry rolled back to an older document of a peer is refused once the newer one was seen', async () => {
  const shared = world();
  const aliceSeed = crypto.randomBytes(32);
  const bobSeed = crypto.randomBytes(32);
  const alice = await Agent.fromSeed(aliceSeed, shared);
  assert.ok(alice.ok && (await Agent.fromSeed(bobSeed, shared)).ok);
  const old = await shared.registry.resolve(alice.value.did);
  const aliceIdentity = await identityFromSeed(aliceSeed, { crypto });
  assert.ok(old.ok && aliceIdentity.ok);
  const newer = await createIdentityDocument(aliceIdentity.value, {
    crypto,
    versions: ['signed', 'v1', 'v2'],
    sequence: 2,
    issuedAt: Date.now(),
  });
  assert.ok((await shared.registry.updateDocument(newer)).ok);
  // Bob's view of the registry: a replica that can be rolled back to alice's first document.
  let rolledBack = false;
  const replica: TrustRegistry = Object.create(shared.registry, {
    resolve: {
      value: async (did: string) => (rolledBack && did === alice.value.did ? old : shared.registry.resolve(did)),
    },
  });
  const bob = await Agent.fromSeed(bobSeed, { ...shared, registry: replica, register: false });
  assert.ok(bob.ok);
  const receiveNext = async () => {
    assert.ok((await alice.value.send({ to: bob.value.did, payload: 1 })).ok);
    const received = await bob.value.receive(shared.transport.outbox.at(-1));
    return received.ok ? 'ok' : received.error.code;
  };
  assert.equal(await receiveNext(), 'ok');
  rolledBack = true;
  assert.equal(await receiveNext(), 'IDENTITY_DOCUMENT_INVALID:SEQUENCE');
});

test('a timestamp window or size limit that is not a positive integer is refused, not silently disabled', async () => {
  for (const [field, value] of [
    ['timestampWindowMs', Number.NaN],
    ['timestampWindowMs', Number.POSITIVE_INFINITY],
    ['timestampWindowMs', 0],
    ['maxEnvelopeBytes', -1],
    ['maxEnvelopeBytes', 1.5],
  ] as const) {
    const made = await Agent.create({ ...world(), [field]: value });
    assert.equal(made.ok ? 'created' : `${made.error.code} ${made.error.field}`, `INVALID_ARGUMENT ${field}`);
  }
});
