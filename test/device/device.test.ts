// createDevice on Node, with the parts a target would inject: the synchronous
// path (no promise anywhere when every part is synchronous), promise parts,
// publish failures as SEND_FAILED, the clock's timestamp, bad options, and
// createDeviceFromSeed naming the same DID as identityFromSeed.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { nobleEd25519Signing } from '../../src/crypto/noble/ed25519.js';
import { createNobleCrypto } from '../../src/crypto/noble/index.js';
import { createNodeCrypto } from '../../src/crypto/node/index.js';
import { createDevice, createDeviceFromSeed, createEncryptedDevice } from '../../src/device/index.js';
import { decodeEnvelope } from '../../src/envelope/decode.js';
import { decryptEnvelope } from '../../src/envelope/decrypt.js';
import { decodeTelemetry, verifyTelemetry } from '../../src/envelope/telemetry.js';
import { verifyEnvelope } from '../../src/envelope/verify.js';
import { unwrap } from '../../src/errors.js';
import { identityFromSeed, signingKeyFromSeed } from '../../src/identity/derive.js';
import { webRandomSource } from '../../src/platform/random.js';
import { MemoryKeyValueStorage } from '../../src/platform/storage.js';
import { VirtualClock } from '../../src/platform/virtual-clock.js';
import { refusalCode } from '../helpers/backends.js';

const crypto = createNodeCrypto();
const SEED = new Uint8Array(32).fill(0x42);
const random = webRandomSource(globalThis.crypto);

async function syncKeys() {
  const identity = unwrap(await identityFromSeed(SEED, { crypto }));
  const key = unwrap(await signingKeyFromSeed(SEED, { crypto }));
  return { kid: key.kid, signer: nobleEd25519Signing(random).ed25519Signer(identity.ed25519.secretKey) };
}

describe('createDevice', () => {
  it('is synchronous end to end with synchronous parts: telemetry returns the bytes it published', async () => {
    const sent: Uint8Array[] = [];
    const device = createDevice({
      keys: await syncKeys(),
      audience: 'acme-fleet',
      storage: new MemoryKeyValueStorage(),
      publish: (bytes) => {
        sent.push(bytes);
      },
    });
    const bytes = device.telemetry(new Uint8Array([1]));
    assert.ok(bytes instanceof Uint8Array, 'not a promise');
    assert.deepEqual(sent, [bytes]);
    const decoded = unwrap(decodeTelemetry(bytes as Uint8Array));
    assert.equal(decoded.header.counter, 0);
    const verifier = await crypto.ed25519Verifier((await syncKeys()).signer.publicKey);
    assert.ok((await verifyTelemetry(verifier, decoded, 'acme-fleet')).ok);
  });

  it('becomes a promise when a part answers with one, and stamps readings from its clock', async () => {
    const clock = new VirtualClock(1_800_000_000_123);
    const device = createDevice({
      keys: unwrap(await signingKeyFromSeed(SEED, { crypto })),
      audience: 'acme-fleet',
      storage: new MemoryKeyValueStorage(),
      clock,
      publish: async () => {},
    });
    const pending = device.telemetry(new Uint8Array([2]), { scope: 'alarm', kind: 'json' });
    assert.ok(pending instanceof Promise);
    const decoded = unwrap(decodeTelemetry(await pending));
    assert.equal(decoded.header.timestamp, 1_800_000_000_000);
    assert.equal(decoded.header.scope, 'alarm');
    assert.equal(decoded.header.contentType, 'json');
  });

  it('reports a publish that throws or rejects as SEND_FAILED, and never reuses the counter', async () => {
    let fail = true;
    const counters: number[] = [];
    const device = createDevice({
      keys: await syncKeys(),
      audience: 'acme-fleet',
      storage: new MemoryKeyValueStorage(),
      publish: (_bytes, reading) => {
        counters.push(reading.counter);
        if (fail) throw new Error('socket closed');
      },
    });
    assert.equal(await refusalCode(() => device.telemetry(new Uint8Array([1]))), 'SEND_FAILED');
    fail = false;
    device.telemetry(new Uint8Array([1]));
    assert.deepEqual(counters, [0, 1]);
    const rejecting = createDevice({
      keys: await syncKeys(),
      audience: 'acme-fleet',
      storage: new MemoryKeyValueStorage(),
      publish: () => Promise.reject(new Error('broker gone')),
    });
    assert.equal(await refusalCode(() => rejecting.telemetry(new Uint8Array([1]))), 'SEND_FAILED');
  });

  it('refuses bad options with INVALID_ARGUMENT', async () => {
    const parts = { audience: 'acme-fleet', storage: new MemoryKeyValueStorage(), publish: () => {} };
    assert.equal(await refusalCode(() => createDevice(null as never)), 'INVALID_ARGUMENT');
    assert.equal(await refusalCode(() => createDevice({ ...parts, keys: {} as never })), 'INVALID_ARGUMENT');
    const keys = await syncKeys();
    assert.equal(await refusalCode(() => createDevice({ ...parts, keys, publish: 1 as never })), 'INVALID_ARGUMENT');
    assert.equal(await refusalCode(() => createDevice({ ...parts, keys, clock: {} as never })), 'INVALID_ARGUMENT');
    const device = createDevice({ ...parts, keys, audience: 'bad audience!' });
    assert.equal(await refusalCode(() => device.telemetry(new Uint8Array(1))), 'INVALID_ARGUMENT');
  });

  it('createDeviceFromSeed names the DID identityFromSeed gives, and refuses a short seed', async () => {
    const parts = { audience: 'acme-fleet', storage: new MemoryKeyValueStorage(), publish: () => {} };
    const device = await createDeviceFromSeed({ ...parts, seed: SEED, crypto });
    assert.equal(device.did, unwrap(await identityFromSeed(SEED, { crypto })).did);
    assert.equal(
      await refusalCode(() => createDeviceFromSeed({ ...parts, seed: new Uint8Array(31), crypto })),
      'INVALID_SEED:LENGTH',
    );
  });
});

describe('createEncryptedDevice', () => {
  it('sends v1 envelopes only the gateway decrypts, signed by the device and numbered by its counter', async () => {
    const noble = createNobleCrypto({ random });
    const device = unwrap(await identityFromSeed(SEED, { crypto }));
    const gateway = unwrap(await identityFromSeed(new Uint8Array(32).fill(0x99), { crypto }));
    const sent: Uint8Array[] = [];
    const encrypting = await createEncryptedDevice({
      sender: { did: device.did, signer: await noble.ed25519Signer(device.ed25519.secretKey) },
      recipient: { did: gateway.did, x25519PublicKey: gateway.x25519.publicKey },
      crypto: noble,
      storage: new MemoryKeyValueStorage(),
      publish: (bytes) => {
        sent.push(bytes);
      },
    });
    assert.equal(encrypting.did, device.did);
    // Long enough that its bytes turning up by chance in a ciphertext (2^-128 per position) cannot make the check flaky.
    const reading = new Uint8Array(16).fill(0x42);
    await encrypting.telemetry(reading, { kind: 'cbor' });
    await encrypting.telemetry(reading);
    for (const [index, bytes] of sent.entries()) {
      const { envelope } = unwrap(decodeEnvelope(bytes));
      assert.equal(envelope.header.version, 'v1');
      assert.equal(envelope.header.counter, index);
      assert.ok(!Buffer.from(bytes).includes(Buffer.from(reading)), 'the reading is not in the clear');
      assert.ok(
        (
          await verifyEnvelope(
            { did: device.did, verifier: await crypto.ed25519Verifier(device.ed25519.publicKey) },
            envelope,
            { crypto },
          )
        ).ok,
      );
      const recipient = {
        did: gateway.did,
        x25519: await crypto.x25519PrivateKey(gateway.x25519.secretKey),
        mlKem768: gateway.mlKem768,
      };
      assert.deepEqual([...unwrap(await decryptEnvelope(recipient, envelope, { crypto }))], [...reading]);
    }
    const keyless = await createEncryptedDevice({
      sender: { did: device.did, signer: await noble.ed25519Signer(device.ed25519.secretKey) },
      recipient: { did: gateway.did },
      crypto: noble,
      storage: new MemoryKeyValueStorage(),
      publish: () => {},
    });
    assert.equal(await refusalCode(() => keyless.telemetry(reading)), 'ENCRYPT_FAILED:NO_X25519_KEY');
  });
});
