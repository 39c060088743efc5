// Downgrades: an attacker relabelling an envelope to a weaker version (no
// re-signing possible), a buggy or malicious sender sealing a weaker version
// itself, and envelopes stripped of the KEM ciphertext or ML-DSA signature
// their version requires. The receiver derives the expected version from
// signed identity documents (before the signature check) and from the signed
// `sv` (after it), docs/protocol.md "Negotiation and downgrade".
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { encodeCbor } from '../../src/codec/cbor.js';
import { envelopeToJson } from '../../src/envelope/json-encoding.js';
import {
  compactOf,
  createWorld,
  envelopeOf,
  headerMapOf,
  limitedAgent,
  receiveCode,
  sealAs,
  sendJson,
  signedOnlyAs,
  startAgent,
  toCompact,
  withFields,
} from './fixtures.js';

test('v3 → v2 by an attacker: relabelled, ML-DSA-65 signature removed, not re-signed → DOWNGRADE_DETECTED:VERSION', async () => {
  const world = await createWorld({ postQuantum: true });
  const json = await sendJson(world);
  assert.equal(json.v, 'v3');
  const relabelled = withFields(json, { v: 'v2', pqsig: undefined });
  assert.equal(await receiveCode(world.bob, relabelled), 'DOWNGRADE_DETECTED:VERSION');
});

test('v3 → v2 by an attacker, compact: protected "v" rewritten, pqsig dropped, alice’s signature kept → DOWNGRADE_DETECTED:VERSION', async () => {
  const world = await createWorld({ postQuantum: true });
  const envelope = envelopeOf(await sendJson(world));
  const map = headerMapOf(envelope);
  map.set('v', 'v2');
  const compact = compactOf({ protectedBytes: encodeCbor(map), body: envelope.body, signature: envelope.signature });
  assert.equal(await receiveCode(world.bob, compact), 'DOWNGRADE_DETECTED:VERSION');
});

test('v3 → v2 by the sender itself: a validly signed v2 envelope to a v3 peer → DOWNGRADE_DETECTED:VERSION', async () => {
  const world = await createWorld({ postQuantum: true });
  const envelope = await sealAs(world, 'alice', { version: 'v2' });
  assert.equal(await receiveCode(world.bob, envelopeToJson(envelope)), 'DOWNGRADE_DETECTED:VERSION');
});

test('v3 → v1 by an attacker: relabelled, KEM ciphertext and ML-DSA-65 signature removed → DOWNGRADE_DETECTED:VERSION', async () => {
  const world = await createWorld({ postQuantum: true });
  const json = await sendJson(world);
  assert.equal(
    await receiveCode(world.bob, withFields(json, { v: 'v1', kem: undefined, pqsig: undefined })),
    'DOWNGRADE_DETECTED:VERSION',
  );
});

test('v2 → v1 by an attacker: relabelled, KEM ciphertext removed → DOWNGRADE_DETECTED:VERSION', async () => {
  const world = await createWorld();
  const json = await sendJson(world);
  assert.equal(json.v, 'v2');
  assert.equal(
    await receiveCode(world.bob, withFields(json, { v: 'v1', kem: undefined })),
    'DOWNGRADE_DETECTED:VERSION',
  );
});

test('v2 → v1 by the sender itself: a validly signed v1 envelope to a v2 peer → DOWNGRADE_DETECTED:VERSION', async () => {
  const world = await createWorld();
  const envelope = await sealAs(world, 'alice', { version: 'v1' });
  assert.equal(await receiveCode(world.bob, toCompact(envelopeToJson(envelope))), 'DOWNGRADE_DETECTED:VERSION');
});

test('v3 still labelled v3 with its ML-DSA-65 signature stripped → DOWNGRADE_DETECTED:STRIPPED, JSON and compact', async () => {
  const world = await createWorld({ postQuantum: true });
  const json = await sendJson(world);
  assert.equal(await receiveCode(world.bob, withFields(json, { pqsig: undefined })), 'DOWNGRADE_DETECTED:STRIPPED');
  const envelope = envelopeOf(json);
  const compact = compactOf({
    protectedBytes: envelope.protectedBytes,
    body: envelope.body,
    signature: envelope.signature,
  });
  assert.equal(await receiveCode(world.bob, compact), 'DOWNGRADE_DETECTED:STRIPPED');
});

test('v2 still labelled v2 with its KEM ciphertext stripped → DOWNGRADE_DETECTED:STRIPPED', async () => {
  const world = await createWorld();
  assert.equal(
    await receiveCode(world.bob, withFields(await sendJson(world), { kem: undefined })),
    'DOWNGRADE_DETECTED:STRIPPED',
  );
});

test('v3 still labelled v3 with its KEM ciphertext stripped → DOWNGRADE_DETECTED:STRIPPED', async () => {
  const world = await createWorld({ postQuantum: true });
  assert.equal(
    await receiveCode(world.bob, withFields(await sendJson(world), { kem: undefined })),
    'DOWNGRADE_DETECTED:STRIPPED',
  );
});

test('a signed-only envelope from a sender with an ML-DSA-65 key, its ML-DSA signature stripped → DOWNGRADE_DETECTED:STRIPPED', async () => {
  const world = await createWorld({ postQuantum: true });
  const json = envelopeToJson(await signedOnlyAs(world, 'alice', { postQuantum: true }));
  assert.equal(
    await receiveCode(world.bob, withFields(json, { pqsig: undefined }), { allowCleartext: true }),
    'DOWNGRADE_DETECTED:STRIPPED',
  );
  assert.equal(await receiveCode(world.bob, json, { allowCleartext: true }), 'ok');
});

test('the signed "sv" betrays a downgrade the document does not: v1 sent, v2 claimed → DOWNGRADE_DETECTED:VERSION after the signature', async () => {
  const world = await createWorld();
  // carol's document lists only signed and v1, so the document check lets her v1 through.
  const carol = await limitedAgent(world, 'carol', ['signed', 'v1']);
  const honest = await sealAs(world, 'carol', { version: 'v1', supportedVersions: carol.versions });
  assert.equal(await receiveCode(world.bob, envelopeToJson(honest)), 'ok');
  const claimsV2 = await sealAs(world, 'carol', { version: 'v1', supportedVersions: ['signed', 'v1', 'v2'] });
  const json = envelopeToJson(claimsV2);
  // The sv check runs only on signed bytes: with a broken signature the signature is what fails.
  const sig = json.sig.startsWith('A') ? `B${json.sig.slice(1)}` : `A${json.sig.slice(1)}`;
  assert.equal(await receiveCode(world.bob, withFields(json, { sig })), 'VERIFICATION_FAILED:SIGNATURE_MISMATCH');
  assert.equal(await receiveCode(world.bob, json), 'DOWNGRADE_DETECTED:VERSION');
});

test('a v3 envelope to a receiver that does not accept v3 → ENVELOPE_INVALID:VERSION (step 3)', async () => {
  const world = await createWorld({ postQuantum: true });
  // bob2 shares the registry but not post-quantum signing: his document lists signed, v1, v2.
  const bob2 = await startAgent(world, 'carol', { postQuantumSig: false });
  const envelope = await sealAs(world, 'alice', { version: 'v3', to: 'carol' });
  assert.equal(await receiveCode(bob2, envelopeToJson(envelope)), 'ENVELOPE_INVALID:VERSION');
  // What alice's agent negotiates with him is v2, and that is no downgrade.
  const negotiated = await sendJson(world, { to: bob2.did });
  assert.equal(negotiated.v, 'v2');
  assert.equal(await receiveCode(bob2, negotiated), 'ok');
});
