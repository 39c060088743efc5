// Signature attacks (receive step 6 of docs/protocol.md) and the algorithm
// label the signature is checked under: malleated and universal-forgery
// signatures, signatures moved between messages, a signature by the wrong
// key, an ML-DSA-65 signature where none belongs, and swapped algorithms.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { base64urlEncode, readBase64url } from '../../src/codec/base64url.js';
import { readHex } from '../../src/codec/bytes.js';
import { type CborValue, encodeCbor, readCbor } from '../../src/codec/cbor.js';
import {
  compactOf,
  createWorld,
  crypto,
  envelopeOf,
  headerMapOf,
  identityOf,
  receiveCode,
  resign,
  sendJson,
  signedOnlyAs,
  signRaw,
  toCompact,
  withFields,
} from './fixtures.js';

/** The Ed25519 group order L, little-endian. */
const L = readHex('edd3f55c1a631258d69cf7a2def9de1400000000000000000000000000000010');

/** S + L over 32 little-endian bytes: the same scalar mod L, so a lenient verifier would accept it. */
function addL(signature: Uint8Array): Uint8Array {
  const out = signature.slice();
  let carry = 0;
  for (let i = 0; i < 32; i++) {
    const sum = (out[32 + i] as number) + (L[i] as number) + carry;
    out[32 + i] = sum & 0xff;
    carry = sum >> 8;
  }
  assert.equal(carry, 0, 'S + L fits 256 bits since S < L < 2^253');
  return out;
}

test('S + L (the same signature, malleated) → VERIFICATION_FAILED:SIGNATURE_MISMATCH, in JSON and compact', async () => {
  const world = await createWorld();
  const json = await sendJson(world);
  const malleated = base64urlEncode(addL(readBase64url(json.sig)));
  const envelope = envelopeOf(json);
  const compact = compactOf({ ...envelope, signature: addL(envelope.signature) });
  assert.equal(
    await receiveCode(world.bob, withFields(json, { sig: malleated })),
    'VERIFICATION_FAILED:SIGNATURE_MISMATCH',
  );
  assert.equal(await receiveCode(world.bob, compact), 'VERIFICATION_FAILED:SIGNATURE_MISMATCH');
  assert.equal(await receiveCode(world.bob, json), 'ok', 'the unmalleated signature verifies');
});

test('R = the identity point, S = 0 (a forgery lenient verifiers accept for small-order keys) → SIGNATURE_MISMATCH', async () => {
  const world = await createWorld();
  const forged = new Uint8Array(64);
  forged[0] = 1;
  const json = await sendJson(world);
  assert.equal(
    await receiveCode(world.bob, withFields(json, { sig: base64urlEncode(forged) })),
    'VERIFICATION_FAILED:SIGNATURE_MISMATCH',
  );
});

test('mixed: the Ed25519 signature of another message from the same sender → SIGNATURE_MISMATCH', async () => {
  const world = await createWorld();
  const first = await sendJson(world, { payload: 1 });
  const second = await sendJson(world, { payload: 2 });
  assert.equal(
    await receiveCode(world.bob, withFields(first, { sig: second.sig })),
    'VERIFICATION_FAILED:SIGNATURE_MISMATCH',
  );
});

test('mixed v3: the right Ed25519 signature with the ML-DSA-65 signature of another message → PQ_SIGNATURE_MISMATCH', async () => {
  const world = await createWorld({ postQuantum: true });
  const first = await sendJson(world, { payload: 1 });
  const second = await sendJson(world, { payload: 2 });
  assert.equal(first.v, 'v3');
  assert.equal(
    await receiveCode(world.bob, withFields(first, { pqsig: second.pqsig })),
    'VERIFICATION_FAILED:PQ_SIGNATURE_MISMATCH',
  );
});

test('mixed v3: the other message’s Ed25519 signature with the right ML-DSA-65 one → SIGNATURE_MISMATCH (Ed25519 first)', async () => {
  const world = await createWorld({ postQuantum: true });
  const first = await sendJson(world, { payload: 1 });
  const second = await sendJson(world, { payload: 2 });
  assert.equal(
    await receiveCode(world.bob, withFields(first, { sig: second.sig })),
    'VERIFICATION_FAILED:SIGNATURE_MISMATCH',
  );
});

test('impersonation: mallory signs an envelope that claims to be from alice → SIGNATURE_MISMATCH', async () => {
  const world = await createWorld();
  const forged = await resign(envelopeOf(await sendJson(world)), 'mallory');
  assert.equal(forged.from, world.alice.did);
  assert.equal(await receiveCode(world.bob, forged), 'VERIFICATION_FAILED:SIGNATURE_MISMATCH');
});

test('v3 impersonation: alice’s Ed25519 signature kept, the ML-DSA-65 one made by mallory’s key → PQ_SIGNATURE_MISMATCH', async () => {
  const world = await createWorld({ postQuantum: true });
  const json = await sendJson(world);
  const byMallory = await resign(envelopeOf(json), 'mallory');
  assert.equal(
    await receiveCode(world.bob, withFields(json, { pqsig: byMallory.pqsig })),
    'VERIFICATION_FAILED:PQ_SIGNATURE_MISMATCH',
  );
});

test('an ML-DSA-65 signature grafted onto a v2 envelope → ENVELOPE_INVALID:MALFORMED', async () => {
  const world = await createWorld({ postQuantum: true });
  const v3 = await sendJson(world);
  const plain = await createWorld();
  const v2 = await sendJson(plain);
  assert.equal(await receiveCode(plain.bob, withFields(v2, { pqsig: v3.pqsig })), 'ENVELOPE_INVALID:MALFORMED');
});

test('an ML-DSA-65 signature grafted onto a signed-only envelope of a sender without an ML-DSA key → PQ_SIGNATURE_MISMATCH', async () => {
  const world = await createWorld();
  const alice = await identityOf('alice');
  const created = await signedOnlyAs(world, 'alice');
  // Alice's ML-DSA key exists (derived from her seed) but her document does not list it.
  const grafted = {
    ...created,
    mlDsaSignature: await crypto.mlDsa65Sign(alice.mlDsa65.secretKey, new Uint8Array(1)),
  };
  assert.equal(
    await receiveCode(world.bob, compactOf(grafted), { allowCleartext: true }),
    'VERIFICATION_FAILED:PQ_SIGNATURE_MISMATCH',
  );
  assert.equal(await receiveCode(world.bob, compactOf(created), { allowCleartext: true }), 'ok');
});

test('a v3 ML-DSA-65 signature one byte short → ENVELOPE_INVALID:LENGTH', async () => {
  const world = await createWorld({ postQuantum: true });
  const json = await sendJson(world);
  const pqsig = readBase64url(json.pqsig as string);
  assert.equal(
    await receiveCode(world.bob, withFields(json, { pqsig: base64urlEncode(pqsig.subarray(1)) })),
    'ENVELOPE_INVALID:LENGTH',
  );
});

for (const alg of ['ES256', 'none', 'eddsa', 'Ed25519']) {
  test(`JSON "alg": "${alg}" instead of "EdDSA" → ENVELOPE_INVALID:ALGORITHM`, async () => {
    const world = await createWorld();
    assert.equal(
      await receiveCode(world.bob, withFields(await sendJson(world), { alg })),
      'ENVELOPE_INVALID:ALGORITHM',
    );
  });
}

test('compact alg -7 (ES256), validly signed by the sender → ENVELOPE_INVALID:ALGORITHM before the signature', async () => {
  const world = await createWorld();
  const envelope = envelopeOf(await sendJson(world));
  const map = headerMapOf(envelope);
  map.set(1, -7);
  const protectedBytes = encodeCbor(map);
  const signature = await signRaw('alice', protectedBytes, envelope.body);
  assert.equal(
    await receiveCode(world.bob, compactOf({ protectedBytes, body: envelope.body, signature })),
    'ENVELOPE_INVALID:ALGORITHM',
  );
});

test('compact without alg, validly signed → ENVELOPE_INVALID:ALGORITHM', async () => {
  const world = await createWorld();
  const envelope = envelopeOf(await sendJson(world));
  const map = headerMapOf(envelope);
  map.delete(1);
  const protectedBytes = encodeCbor(map);
  const signature = await signRaw('alice', protectedBytes, envelope.body);
  assert.equal(
    await receiveCode(world.bob, compactOf({ protectedBytes, body: envelope.body, signature })),
    'ENVELOPE_INVALID:ALGORITHM',
  );
});

test('compact with alg moved to the unprotected header → ENVELOPE_INVALID:MALFORMED', async () => {
  const world = await createWorld();
  const envelope = envelopeOf(await sendJson(world));
  const map = headerMapOf(envelope);
  map.delete(1);
  const protectedBytes = encodeCbor(map);
  const signature = await signRaw('alice', protectedBytes, envelope.body);
  const unprotected = new Map<number | string, CborValue>([[1, -8]]);
  assert.equal(
    await receiveCode(world.bob, compactOf({ protectedBytes, body: envelope.body, signature, unprotected })),
    'ENVELOPE_INVALID:MALFORMED',
  );
});

test('a full envelope has one compact spelling: without tag 18 (the telemetry profile’s form) it is refused', async () => {
  const world = await createWorld();
  const compact = toCompact(await sendJson(world));
  const tagged = readCbor(compact, { maxDepth: 4 }) as { value: CborValue };
  const untagged = encodeCbor(tagged.value);
  assert.equal(untagged.length, compact.length - 1);
  // Read as telemetry, its text header keys are unknown labels there.
  assert.equal(await receiveCode(world.bob, untagged), 'ENVELOPE_INVALID:MALFORMED');
  assert.equal(await receiveCode(world.bob, compact), 'ok');
});
