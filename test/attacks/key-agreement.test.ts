// Attacks on what the signature protects but only decryption can judge
// (receive steps 9-10 of docs/protocol.md). A third party's change ends at
// the signature, so most cases here are sent by the sender itself (re-signed)
// or caught earlier by a length check at parse; the rest show that the key
// schedule alone binds the sender DID and version (identity misbinding).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { base64urlEncode, readBase64url } from '../../src/codec/base64url.js';
import { utf8Encode } from '../../src/codec/bytes.js';
import { decryptEnvelope } from '../../src/envelope/decrypt.js';
import { envelopeToJson } from '../../src/envelope/json-encoding.js';
import {
  createWorld,
  crypto,
  envelopeOf,
  flipBit,
  identityOf,
  receiveCode,
  receivePayload,
  resign,
  sealAs,
  sendJson,
  withFields,
} from './fixtures.js';

function cut(base64: string, from: number, to?: number): string {
  return base64urlEncode(readBase64url(base64).subarray(from, to));
}

test('truncated tag: a ciphertext shorter than the 16-byte tag → ENVELOPE_INVALID:LENGTH at parse', async () => {
  const world = await createWorld();
  const json = await sendJson(world);
  assert.equal(
    await receiveCode(world.bob, withFields(json, { ct: cut(json.ct as string, 0, 15) })),
    'ENVELOPE_INVALID:LENGTH',
  );
});

test('truncated tag by a third party: the last tag byte cut → VERIFICATION_FAILED:SIGNATURE_MISMATCH', async () => {
  const world = await createWorld();
  const json = await sendJson(world);
  assert.equal(
    await receiveCode(world.bob, withFields(json, { ct: cut(json.ct as string, 0, -1) })),
    'VERIFICATION_FAILED:SIGNATURE_MISMATCH',
  );
});

test('truncated tag by the sender: the last tag byte cut and re-signed by alice → DECRYPT_FAILED:DECRYPTION', async () => {
  const world = await createWorld();
  const envelope = envelopeOf(await sendJson(world));
  const truncated = await resign(envelope, 'alice', { body: envelope.body.subarray(0, -1) });
  assert.equal(await receiveCode(world.bob, truncated), 'DECRYPT_FAILED:DECRYPTION');
});

for (const length of [11, 16]) {
  test(`an IV of ${length} bytes → ENVELOPE_INVALID:LENGTH at parse`, async () => {
    const world = await createWorld();
    const json = await sendJson(world);
    const iv = base64urlEncode(new Uint8Array(length).fill(7));
    assert.equal(await receiveCode(world.bob, withFields(json, { iv })), 'ENVELOPE_INVALID:LENGTH');
  });
}

test('the IV changed by the sender (re-signed) → DECRYPT_FAILED:DECRYPTION', async () => {
  const world = await createWorld();
  const envelope = envelopeOf(await sendJson(world));
  const iv = flipBit(envelope.header.iv as Uint8Array, 0);
  assert.equal(
    await receiveCode(world.bob, await resign(envelope, 'alice', { header: { iv } })),
    'DECRYPT_FAILED:DECRYPTION',
  );
});

test('the KEM ciphertext tampered by the sender (re-signed) → DECRYPT_FAILED:DECRYPTION (implicit rejection, no oracle)', async () => {
  const world = await createWorld();
  const envelope = envelopeOf(await sendJson(world));
  const kemCiphertext = flipBit(envelope.header.kemCiphertext as Uint8Array, 1000);
  assert.equal(
    await receiveCode(world.bob, await resign(envelope, 'alice', { header: { kemCiphertext } })),
    'DECRYPT_FAILED:DECRYPTION',
  );
});

for (const [what, change] of [
  ['one byte short (1087)', (kem: string) => cut(kem, 1)],
  ['one byte long (1089)', (kem: string) => base64urlEncode(Uint8Array.from([0, ...readBase64url(kem)]))],
] as const) {
  test(`a KEM ciphertext ${what} → ENVELOPE_INVALID:LENGTH at parse`, async () => {
    const world = await createWorld();
    const json = await sendJson(world);
    assert.equal(
      await receiveCode(world.bob, withFields(json, { kem: change(json.kem as string) })),
      'ENVELOPE_INVALID:LENGTH',
    );
  });
}

for (const [what, first] of [
  ['u = 0', 0],
  ['u = 1', 1],
] as const) {
  test(`a small-order ephemeral X25519 key (${what}) from the sender (re-signed) → DECRYPT_FAILED:KEY_AGREEMENT`, async () => {
    const world = await createWorld();
    const envelope = envelopeOf(await sendJson(world));
    const ephemeralPublicKey = new Uint8Array(32);
    ephemeralPublicKey[0] = first;
    assert.equal(
      await receiveCode(world.bob, await resign(envelope, 'alice', { header: { ephemeralPublicKey } })),
      'DECRYPT_FAILED:KEY_AGREEMENT',
    );
  });
}

test('an ephemeral X25519 key of 31 bytes → ENVELOPE_INVALID:LENGTH at parse', async () => {
  const world = await createWorld();
  const json = await sendJson(world);
  assert.equal(
    await receiveCode(world.bob, withFields(json, { epk: cut(json.epk as string, 1) })),
    'ENVELOPE_INVALID:LENGTH',
  );
});

test('identity misbinding: mallory puts her DID on alice’s envelope and re-signs it → DECRYPT_FAILED:DECRYPTION', async () => {
  const world = await createWorld();
  const envelope = envelopeOf(await sendJson(world));
  const rebound = await resign(envelope, 'mallory', { header: { from: world.mallory.did } });
  // Everything up to decryption accepts it as mallory's: registered, her signature, her nonce, scope '*'.
  const stages: string[] = [];
  const received = await world.bob.receive(rebound, { onProgress: (event) => void stages.push(event.stage) });
  assert.equal(received.ok ? 'ok' : received.error.code, 'DECRYPT_FAILED:DECRYPTION');
  assert.deepEqual(stages, ['parsing', 'verifying', 'decrypting']);
});

test('the key schedule alone binds the sender DID and the version: the same AAD, another header → DECRYPT_FAILED:DECRYPTION', async () => {
  const world = await createWorld();
  const envelope = envelopeOf(await sendJson(world));
  const bobIdentity = await identityOf('bob');
  const bob = {
    did: bobIdentity.did,
    x25519: await crypto.x25519PrivateKey(bobIdentity.x25519.secretKey),
    mlKem768: bobIdentity.mlKem768,
  };
  const opened = await decryptEnvelope(bob, envelope, { crypto });
  assert.ok(opened.ok, 'control: the untouched envelope decrypts');
  for (const header of [
    { ...envelope.header, from: world.mallory.did },
    { ...envelope.header, version: 'v3' as const },
  ]) {
    // protectedBytes (the AES-GCM AAD) stay the originals: only the key derivation sees the change.
    const decrypted = await decryptEnvelope(bob, { ...envelope, header }, { crypto });
    assert.equal(decrypted.ok ? 'decrypted' : decrypted.error.code, 'DECRYPT_FAILED:DECRYPTION');
  }
});

for (const [what, plaintext] of [
  ['not JSON', utf8Encode('not json')],
  ['JSON with a "__proto__" key', utf8Encode('{"__proto__":{"admin":true}}')],
  ['JSON nested 33 deep', utf8Encode(`${'['.repeat(33)}${']'.repeat(33)}`)],
  ['invalid UTF-8', Uint8Array.of(0x7b, 0xff, 0x7d)],
] as const) {
  test(`a payload that is ${what}, from a legitimate sender → PARSE_FAILED:PAYLOAD`, async () => {
    const world = await createWorld();
    const envelope = await sealAs(world, 'alice', { payload: plaintext });
    assert.equal(await receiveCode(world.bob, envelopeToJson(envelope)), 'PARSE_FAILED:PAYLOAD');
  });
}

test('control: a payload nested 32 deep is accepted', async () => {
  const world = await createWorld();
  const envelope = await sealAs(world, 'alice', { payload: utf8Encode(`${'['.repeat(32)}${']'.repeat(32)}`) });
  const payload = await receivePayload(world.bob, envelopeToJson(envelope));
  assert.ok(Array.isArray(payload));
});
