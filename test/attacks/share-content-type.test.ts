// A share is told from application data by its envelope's signed content type
// (`share`, application/vnd.xlink.share+cbor), never by what its payload looks
// like. Findings, one each: application CBOR shaped like a share (the old
// tag 2020373360, or the bare frame) is delivered as the application's data
// and never touches the reassembly buffer; a share envelope relabelled to
// another content type fails its signature; a share frame under an
// application content type is application data; other spellings of the share
// content type are refused at decode; shares cannot be sent or read as an
// application payload, nor inside the telemetry profile.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Agent } from '../../src/agent/agent.js';
import { encodeSplitFrame, readSplitFrame } from '../../src/agent/split-frame.js';
import { base64urlDecode } from '../../src/codec/base64url.js';
import { type CborMap, CborTagged, type CborValue, encodeCbor, readCbor } from '../../src/codec/cbor.js';
import { createNodeCrypto } from '../../src/crypto/node/index.js';
import { decodePayload, encodePayload, SHARE_MEDIA_TYPE } from '../../src/envelope/content-type.js';
import { frameCoseSign1 } from '../../src/envelope/cose-sign1.js';
import { decodeEnvelope } from '../../src/envelope/decode.js';
import { encodeEnvelope } from '../../src/envelope/encode.js';
import type { EnvelopeJson } from '../../src/envelope/json-encoding.js';
import { signEnvelope } from '../../src/envelope/sign.js';
import { decodeTelemetry, sealTelemetry } from '../../src/envelope/telemetry.js';
import { unwrap } from '../../src/errors.js';
import { identityFromSeed } from '../../src/identity/derive.js';
import { MemoryTrustRegistry } from '../../src/registry/memory-trust-registry.js';
import { TWO_OF_THREE } from '../../src/split/parameters.js';
import { splitSecret } from '../../src/split/secret-sharing.js';
import { LoopbackTransport } from '../../src/transport/loopback.js';

const crypto = createNodeCrypto();
const ALICE_SEED = new Uint8Array(32).fill(0x41);
/** The tag that marked a share inside a CBOR payload before shares had their own content type. */
const OLD_SHARE_TAG = 2020373360;

async function world(encoding: 'json' | 'compact' = 'json') {
  const registry = new MemoryTrustRegistry({ crypto });
  const channels = [new LoopbackTransport(), new LoopbackTransport(), new LoopbackTransport()];
  const alice = unwrap(
    await Agent.fromSeed(ALICE_SEED, { registry, crypto, transport: channels, xchange: true, encoding }),
  );
  const bob = unwrap(await Agent.create({ registry, crypto, transport: channels, xchange: true }));
  const identity = unwrap(await identityFromSeed(ALICE_SEED, { crypto }));
  const sender = { did: alice.did, signer: await crypto.ed25519Signer(identity.ed25519.secretKey) };
  /** A signed-only envelope from Alice to Bob with the content type given. */
  const signedByAlice = async (payload: Uint8Array, contentType: 'cbor' | 'share') =>
    encodeEnvelope(
      unwrap(
        await signEnvelope(
          sender,
          { to: bob.did, scope: 'default', payload, contentType, timestamp: Date.now() },
          { crypto },
        ),
      ),
      'json',
    );
  return { channels, alice, bob, signedByAlice };
}

/** A real 2-of-3 share frame of `secret`, as the agent would send it. */
async function shareFrame(secret: Uint8Array, index = 0): Promise<{ frame: Uint8Array; items: CborValue[] }> {
  const { shares, hmacKey } = await splitSecret(secret, TWO_OF_THREE, { crypto });
  const frame = encodeSplitFrame({ mode: 'split', contentType: 'bytes', hmacKey, share: shares[index] as Uint8Array });
  return { frame, items: readCbor(frame) as CborValue[] };
}

test('application CBOR shaped like a share (old tag or bare frame) is delivered as application data', async () => {
  const { alice, bob, channels } = await world();
  const { items } = await shareFrame(Uint8Array.of(1, 2, 3, 4));
  for (const payload of [new CborTagged(OLD_SHARE_TAG, items), items]) {
    unwrap(await alice.send({ to: bob.did, payload, contentType: 'cbor' }));
    const envelope = channels[0]?.outbox.at(-1) as EnvelopeJson;
    assert.equal(envelope.cty, 'cbor');
    const received = await bob.receive(envelope);
    assert.ok(received.ok, received.ok ? '' : `${received.error.code}: ${received.error.message}`);
    assert.equal(received.value.contentType, 'cbor');
    assert.deepEqual(received.value.payload, payload, 'the application gets its value back, not a reassembly');
  }
  // Nothing was held: a real split afterwards completes with its own two shares.
  unwrap(await alice.send({ to: bob.did, payload: { after: true }, security: 'high' }));
  const held = await bob.receive(channels[0]?.outbox.at(-1));
  assert.ok(!held.ok && held.error.code === 'INSUFFICIENT_SHARES:PENDING');
  const done = await bob.receive(channels[1]?.outbox.at(-1));
  assert.ok(done.ok && (done.value.payload as { after: boolean }).after === true);
});

test('a share frame signed as an application content type is application data, not a share', async () => {
  const { bob, signedByAlice } = await world();
  const { frame, items } = await shareFrame(Uint8Array.of(9, 9, 9, 9));
  const asCbor = await bob.receive(await signedByAlice(frame, 'cbor'), { allowCleartext: true });
  assert.ok(asCbor.ok, asCbor.ok ? '' : asCbor.error.code);
  assert.deepEqual(asCbor.value.payload, items);
  // And without allowCleartext it is refused as the plain signed-only envelope it is, even by an Xchange agent.
  const refused = await bob.receive(await signedByAlice(frame, 'cbor'));
  assert.ok(!refused.ok && refused.error.code === 'CLEARTEXT_REFUSED', refused.ok ? '' : refused.error.code);
});

test('a share envelope relabelled to another content type fails its signature: VERIFICATION_FAILED:SIGNATURE_MISMATCH', async () => {
  const { alice, bob, channels } = await world();
  for (const xchange of [false, true]) {
    unwrap(await alice.send({ to: bob.did, payload: 'relabel me', security: 'high', xchange }));
    const share = channels[0]?.outbox.at(-1) as EnvelopeJson;
    assert.equal(share.cty, 'share', 'a share envelope states its content type in the signed header');
    for (const cty of ['cbor', 'json', undefined] as const) {
      const relabelled: Record<string, unknown> = { ...share, cty };
      if (cty === undefined) delete relabelled.cty;
      const result = await bob.receive(relabelled, { allowCleartext: true });
      assert.ok(
        !result.ok && result.error.code === 'VERIFICATION_FAILED:SIGNATURE_MISMATCH',
        `${xchange ? 'Xchange' : 'split'} share as ${cty ?? 'bytes'}: ${result.ok ? 'accepted' : result.error.code}`,
      );
    }
  }
});

test('the share content type has one spelling in each encoding; any other is ENVELOPE_INVALID:MALFORMED', async () => {
  const { alice, bob, channels } = await world('compact');
  unwrap(await alice.send({ to: bob.did, payload: 'compact shares', security: 'high' }));
  const compact = channels[0]?.outbox.at(-1) as Uint8Array;
  const decoded = unwrap(decodeEnvelope(compact));
  assert.equal(decoded.envelope.header.contentType, 'share');
  const header = readCbor(decoded.envelope.protectedBytes) as CborMap;
  assert.equal(header.get(3), SHARE_MEDIA_TYPE);
  // The JSON form of the same envelope names it "share" and re-encodes to the same signed bytes.
  const json = encodeEnvelope(decoded.envelope, 'json');
  assert.equal(json.cty, 'share');
  assert.deepEqual(unwrap(decodeEnvelope(json)).envelope.protectedBytes, decoded.envelope.protectedBytes);
  const held = await bob.receive(json);
  assert.ok(!held.ok && held.error.code === 'INSUFFICIENT_SHARES:PENDING', held.ok ? '' : held.error.code);

  const { envelope } = decoded;
  for (const spelling of [
    'application/vnd.xlink.share+CBOR',
    `${SHARE_MEDIA_TYPE}; v=1`,
    ` ${SHARE_MEDIA_TYPE}`,
    'share',
    65000,
  ]) {
    const map = new Map(header);
    map.set(3, spelling);
    const bytes = frameCoseSign1(encodeCbor(map), Uint8Array.of(0xa0), envelope.body, envelope.signature, true);
    const result = decodeEnvelope(bytes);
    assert.ok(
      !result.ok && result.error.code === 'ENVELOPE_INVALID:MALFORMED' && result.error.field === 'content type',
      `${String(spelling)}: ${result.ok ? 'accepted' : result.error.code}`,
    );
  }
  for (const cty of ['Share', SHARE_MEDIA_TYPE, 'bytes']) {
    const result = decodeEnvelope({ ...json, cty });
    assert.ok(!result.ok && result.error.code === 'ENVELOPE_INVALID:MALFORMED', `JSON cty ${cty}`);
  }
});

test('a share envelope whose payload is not a canonical frame is SHARE_INVALID:MALFORMED', async () => {
  const { bob, signedByAlice } = await world();
  const { items } = await shareFrame(Uint8Array.of(5, 6, 7, 8));
  const indefinite = encodeCbor(items);
  indefinite[0] = 0x9f; // the same array, indefinite-length: not deterministic CBOR
  const cases: [string, Uint8Array][] = [
    ['the old tagged form', encodeCbor(new CborTagged(OLD_SHARE_TAG, items))],
    ['JSON text', new TextEncoder().encode('[0,1,"k","s"]')],
    ['an indefinite-length array', Uint8Array.from([...indefinite, 0xff])],
    ['a frame nested in an array', encodeCbor([items])],
    ['empty', new Uint8Array(0)],
  ];
  for (const [what, payload] of cases) {
    const result = await bob.receive(await signedByAlice(payload, 'share'));
    assert.ok(
      !result.ok && result.error.code === 'SHARE_INVALID:MALFORMED',
      `${what}: ${result.ok ? 'accepted' : result.error.code}`,
    );
  }
  assert.throws(() => readSplitFrame(encodeCbor(new Map([[0, 1]]))), { code: 'SHARE_INVALID:MALFORMED' });
});

test('applications cannot send or decode the share content type, and telemetry never carries it', async () => {
  const { alice, bob } = await world();
  const sent = await alice.send({ to: bob.did, payload: Uint8Array.of(1), contentType: 'share' as 'bytes' });
  assert.ok(!sent.ok && sent.error.code === 'INVALID_ARGUMENT' && sent.error.field === 'contentType');
  assert.throws(() => encodePayload(Uint8Array.of(1), 'share' as 'bytes'), { code: 'INVALID_ARGUMENT' });
  const decoded = decodePayload(Uint8Array.of(0x80), 'share' as 'bytes');
  assert.ok(!decoded.ok && decoded.error.code === 'INVALID_ARGUMENT');

  const identity = unwrap(await identityFromSeed(ALICE_SEED, { crypto }));
  const key = { kid: new Uint8Array(6), signer: await crypto.ed25519Signer(identity.ed25519.secretKey) };
  const message = { audience: 'fleet', scope: 'telemetry', counter: 1, payload: Uint8Array.of(1) };
  assert.throws(() => sealTelemetry(key, { ...message, contentType: 'share' as 'bytes' }), {
    code: 'INVALID_ARGUMENT',
  });
  // A telemetry envelope whose signed header claims the share content type is refused at decode.
  const bytes = await sealTelemetry(key, { ...message, contentType: 'cbor' });
  const parts = readCbor(bytes) as CborValue[];
  const header = new Map(readCbor(parts[0] as Uint8Array) as CborMap);
  header.set(3, SHARE_MEDIA_TYPE);
  const forged = encodeCbor([encodeCbor(header), parts[1] as CborValue, parts[2] as CborValue, parts[3] as CborValue]);
  const read = decodeTelemetry(forged);
  assert.ok(!read.ok && read.error.code === 'ENVELOPE_INVALID:MALFORMED', read.ok ? 'read' : read.error.code);
});

test('frames decode back from what the agent sends (both modes)', async () => {
  const { alice, bob, channels } = await world();
  unwrap(await alice.send({ to: bob.did, payload: 'x', security: 'high', xchange: true }));
  const envelope = channels[1]?.outbox.at(-1) as EnvelopeJson;
  const frame = readSplitFrame(unwrap(base64urlDecode(envelope.payload as string)));
  assert.equal(frame.mode, 'xchange');
  assert.equal(frame.contentType, 'json');
});
