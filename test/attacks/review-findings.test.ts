// Findings of the protocol-layer security review, one test each: a Node
// Buffer whose bytes change while receive awaits (forgery in alice's name),
// the caller's JSON "sv" array changed after the signature covered it, -0 as
// a header integer, a revocation time Date cannot show, and a counter
// sequence that fails inside Agent.send.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Agent } from '../../src/agent/agent.js';
import { utf8Encode } from '../../src/codec/bytes.js';
import { encodeCbor } from '../../src/codec/cbor.js';
import { decodeEnvelope } from '../../src/envelope/decode.js';
import { envelopeToJson } from '../../src/envelope/json-encoding.js';
import { encryptEnvelopeBody } from '../../src/envelope/seal.js';
import { verifyIdentityDocument } from '../../src/identity/document.js';
import { MemoryKeyValueStorage } from '../../src/platform/storage.js';
import { CounterSequence } from '../../src/replay/counter-sequence.js';
import {
  compactOf,
  createWorld,
  crypto,
  envelopeOf,
  headerMapOf,
  limitedAgent,
  receiveCode,
  sealAs,
  sendJson,
  signRaw,
  toCompact,
} from './fixtures.js';

test('a Buffer overwritten while receive awaits cannot swap in a forgery: alice’s verified payload is what bob gets', async () => {
  const world = await createWorld();
  const json = await sendJson(world, { payload: { text: 'Hello Bob!' } });
  const original = envelopeOf(json);
  // mallory seals her own text to bob under alice's DID; she needs no secret for that, only a signature she lacks.
  const entry = await world.registry.resolve(world.bob.did);
  assert.ok(entry.ok);
  const bob = await verifyIdentityDocument(entry.value.document, { crypto, did: world.bob.did });
  assert.ok(bob.ok);
  const forgedText = utf8Encode(JSON.stringify({ text: 'Pay malory' }));
  assert.equal(forgedText.length, original.body.length - 16, 'same length, so the forgery fits the same buffer');
  const sealed = await encryptEnvelopeBody(
    world.alice.did,
    bob.value,
    {
      version: 'v2',
      scope: original.header.scope,
      supportedVersions: original.header.supportedVersions,
      payload: forgedText,
      contentType: 'json',
      timestamp: original.header.timestamp as number,
    },
    { crypto },
  );
  assert.ok(sealed.ok);
  const forged = compactOf({
    protectedBytes: sealed.value.protectedBytes,
    body: sealed.value.body,
    signature: new Uint8Array(64),
  });
  // A transport or device loop that reuses its receive buffer for the next frame, here mallory's.
  const wire = Buffer.from(toCompact(json));
  assert.equal(forged.length, wire.length);
  const received = await world.bob.receive(wire, {
    onProgress: (event) => {
      if (event.stage === 'decrypting') wire.set(forged);
    },
  });
  assert.ok(received.ok, received.ok ? '' : `${received.error.code}: ${received.error.message}`);
  assert.deepEqual(received.value.payload, { text: 'Hello Bob!' });
});

test('decodeEnvelope copies every byte field out of a Buffer', async () => {
  const world = await createWorld();
  const wire = Buffer.from(toCompact(await sendJson(world)));
  const decoded = decodeEnvelope(wire);
  assert.ok(decoded.ok);
  const { envelope } = decoded.value;
  const fields = [envelope.protectedBytes, envelope.body, envelope.signature, envelope.header.nonce as Uint8Array];
  const before = fields.map((field) => Uint8Array.from(field));
  wire.fill(0);
  assert.deepEqual(fields, before);
});

test('the caller’s JSON "sv" changed after parsing cannot hide a signed downgrade → DOWNGRADE_DETECTED:VERSION', async () => {
  const world = await createWorld();
  // carol's document lists only signed and v1; her signed "sv" claims v2, so her v1 is a downgrade.
  const carol = await limitedAgent(world, 'carol', ['signed', 'v1']);
  assert.deepEqual(carol.versions, ['signed', 'v1']);
  const json = envelopeToJson(
    await sealAs(world, 'carol', { version: 'v1', supportedVersions: ['signed', 'v1', 'v2'] }),
  );
  const received = await world.bob.receive(json, {
    onProgress: (event) => {
      if (event.stage === 'verifying') (json.sv as string[]).splice(2);
    },
  });
  assert.equal(received.ok ? 'ok' : received.error.code, 'DOWNGRADE_DETECTED:VERSION');
});

test('"ctr": -0 or "ts": -0 in JSON text → ENVELOPE_INVALID:MALFORMED (an unsigned integer, not the float -0)', async () => {
  const world = await createWorld();
  const text = JSON.stringify(await sendJson(world));
  const withTs = text.replace(/"ts":\d+/, '"ts":-0');
  const withCtr = text.replace(/"nonce":"[^"]*"/, '"ctr":-0');
  assert.notEqual(withTs, text);
  assert.notEqual(withCtr, text);
  for (const variant of [withTs, withCtr]) {
    const decoded = decodeEnvelope(variant);
    assert.equal(decoded.ok ? 'ok' : decoded.error.code, 'ENVELOPE_INVALID:MALFORMED');
  }
});

test('compact "ctr" as the float -0.0 (f98000), signed by alice → ENVELOPE_INVALID:MALFORMED', async () => {
  const world = await createWorld();
  const envelope = envelopeOf(await sendJson(world));
  const map = headerMapOf(envelope);
  map.delete('nonce');
  map.set('ctr', -0);
  const protectedBytes = encodeCbor(map);
  const signature = await signRaw('alice', protectedBytes, envelope.body);
  assert.equal(
    await receiveCode(world.bob, compactOf({ protectedBytes, body: envelope.body, signature })),
    'ENVELOPE_INVALID:MALFORMED',
  );
});

test('a revocation dated beyond what Date can show → VERIFICATION_FAILED:REVOKED, not a RangeError', async () => {
  const world = await createWorld();
  const json = await sendJson(world);
  assert.ok((await world.registry.revoke(world.alice.did, { reason: 'key stolen', at: Number.MAX_SAFE_INTEGER })).ok);
  const received = await world.bob.receive(json);
  assert.equal(received.ok ? 'ok' : received.error.code, 'VERIFICATION_FAILED:REVOKED');
  assert.match(received.ok ? '' : received.error.message, /9007199254740991 ms since the epoch: "key stolen"/);
});

test('send with an exhausted counter sequence → a failed Result COUNTER_EXHAUSTED, not a rejection', async () => {
  const world = await createWorld();
  const storage = new MemoryKeyValueStorage();
  storage.set('ctr', new TextEncoder().encode(String(2 ** 53)));
  const created = await Agent.create({
    crypto,
    clock: world.clock,
    registry: world.registry,
    transport: world.transport,
    counter: new CounterSequence({ storage }),
  });
  assert.ok(created.ok);
  const sent = await created.value.send({ to: world.bob.did, payload: { n: 1 } });
  assert.equal(sent.ok ? 'ok' : sent.error.code, 'COUNTER_EXHAUSTED');
  assert.equal(world.transport.outbox.length, 0);
});

test('send whose counter storage fails → a failed Result STORAGE_FAILED, not a rejection', async () => {
  const world = await createWorld();
  const storage = {
    get: async () => undefined,
    set: async (): Promise<void> => {
      throw new Error('flash write failed');
    },
    delete: async () => undefined,
  };
  const created = await Agent.create({
    crypto,
    clock: world.clock,
    registry: world.registry,
    transport: world.transport,
    counter: new CounterSequence({ storage }),
  });
  assert.ok(created.ok);
  const sent = await created.value.send({ to: world.bob.did, payload: { n: 1 } });
  assert.equal(sent.ok ? 'ok' : sent.error.code, 'STORAGE_FAILED');
});
