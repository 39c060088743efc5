import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { utf8Encode } from '../../src/codec/bytes.js';
import { createNobleCrypto } from '../../src/crypto/noble/index.js';
import type { CryptoProvider } from '../../src/crypto/provider.js';
import { documentKeysFromSeed, generateIdentity, type Identity, identityFromSeed } from '../../src/identity/derive.js';
import { parseDid } from '../../src/identity/did.js';
import { webRandomSource } from '../../src/platform/random.js';
import { backends } from '../helpers/backends.js';
import { ed25519Sign, ed25519Verify, x25519SharedSecret } from '../helpers/one-shot.js';

const noble = createNobleCrypto({ random: webRandomSource(globalThis.crypto) });

async function derive(seed: Uint8Array, crypto: CryptoProvider = noble): Promise<Identity> {
  const result = await identityFromSeed(seed, { crypto });
  assert.ok(result.ok, result.ok ? '' : result.error.message);
  return result.value;
}

describe('identityFromSeed', () => {
  it('refuses 31- and 33-byte seeds with INVALID_SEED:LENGTH, naming the length', async () => {
    for (const length of [0, 31, 33, 64]) {
      const result = await identityFromSeed(new Uint8Array(length), { crypto: noble });
      assert.ok(!result.ok);
      assert.equal(result.error.code, 'INVALID_SEED:LENGTH');
      assert.equal(result.error.field, 'seed');
      assert.match(result.error.message, new RegExp(`length=${length}$`));
    }
  });

  it('refuses a seed that is not a Uint8Array, and a missing provider, with INVALID_ARGUMENT', async () => {
    const notBytes = await identityFromSeed('00'.repeat(32) as unknown as Uint8Array, { crypto: noble });
    assert.deepEqual(notBytes.ok ? undefined : [notBytes.error.code, notBytes.error.field], [
      'INVALID_ARGUMENT',
      'seed',
    ]);
    const noProvider = await identityFromSeed(new Uint8Array(32), { crypto: undefined as unknown as CryptoProvider });
    assert.deepEqual(noProvider.ok ? undefined : noProvider.error.field, 'crypto');
  });

  it('gives different DIDs and keys for different seeds, the same for the same seed', async () => {
    const seeds = [new Uint8Array(32), Uint8Array.of(1, ...new Uint8Array(31)), new Uint8Array(32).fill(0x80)];
    const identities = await Promise.all(seeds.map((seed) => derive(seed)));
    assert.equal(new Set(identities.map((i) => i.did)).size, seeds.length);
    assert.equal(new Set(identities.map((i) => i.x25519.publicKey.join())).size, seeds.length);
    assert.deepEqual(await derive(seeds[1] as Uint8Array), identities[1]);
  });

  it('derives working keys: the DID names the signing key, X25519 agrees, ML-KEM and ML-DSA round-trip', async () => {
    const [alice, bob] = await Promise.all([derive(new Uint8Array(32).fill(1)), derive(new Uint8Array(32).fill(2))]);
    for (const crypto of backends) {
      const parsed = parseDid(alice.did);
      assert.ok(parsed.ok);
      assert.deepEqual(parsed.value.publicKey, alice.ed25519.publicKey);
      const message = utf8Encode('hello');
      const signature = await ed25519Sign(crypto, alice.ed25519.secretKey, message);
      assert.ok(await ed25519Verify(crypto, parsed.value.publicKey, message, signature));

      const ab = await x25519SharedSecret(crypto, alice.x25519.secretKey, bob.x25519.publicKey);
      const ba = await x25519SharedSecret(crypto, bob.x25519.secretKey, alice.x25519.publicKey);
      assert.deepEqual(ab, ba);

      const { ciphertext, sharedSecret } = await crypto.mlKem768Encapsulate(bob.mlKem768.publicKey);
      assert.deepEqual(await crypto.mlKem768Decapsulate(bob.mlKem768.secretKey, ciphertext), sharedSecret);

      const mlDsaSignature = await crypto.mlDsa65Sign(alice.mlDsa65.secretKey, message);
      assert.ok(await crypto.mlDsa65Verify(alice.mlDsa65.publicKey, message, mlDsaSignature));
      assert.ok(!(await crypto.mlDsa65Verify(bob.mlDsa65.publicKey, message, mlDsaSignature)));
    }
  });
});

describe('generateIdentity', () => {
  it('draws its 32-byte seed from crypto.randomBytes and returns it, so the identity can be recreated', async () => {
    const requests: number[] = [];
    const rng = createNobleCrypto({
      random: (length) => {
        requests.push(length);
        return new Uint8Array(length).fill(0x42);
      },
    });
    const generated = await generateIdentity({ crypto: rng });
    assert.ok(generated.ok);
    // The blinding probe, the seed, then one 16-byte blind per secret base-point multiplication.
    assert.deepEqual(requests.slice(0, 2), [16, 32]);
    assert.ok(
      requests.slice(2).every((length) => length === 16),
      String(requests),
    );
    assert.deepEqual(generated.value.seed, new Uint8Array(32).fill(0x42));
    const { seed, ...identity } = generated.value;
    assert.deepEqual(await derive(seed), identity);
  });

  it('gives a new DID each time with a real CSPRNG', async () => {
    for (const crypto of backends) {
      const [a, b] = await Promise.all([generateIdentity({ crypto }), generateIdentity({ crypto })]);
      assert.ok(a.ok && b.ok);
      assert.notEqual(a.value.did, b.value.did);
    }
  });
});

it('documentKeysFromSeed derives the same Ed25519, X25519 and ML-KEM-768 keys as identityFromSeed, and no ML-DSA key', async () => {
  const crypto = backends[0] as CryptoProvider;
  const seed = Uint8Array.from({ length: 32 }, (_, i) => i * 7);
  const full = await identityFromSeed(seed, { crypto });
  const keys = await documentKeysFromSeed(seed, { crypto });
  assert.ok(full.ok && keys.ok);
  const { mlDsa65: _, ...expected } = full.value;
  assert.deepEqual(keys.value, expected);
  assert.equal('mlDsa65' in keys.value, false);
  const short = await documentKeysFromSeed(seed.subarray(1), { crypto });
  assert.equal(short.ok ? 'ok' : short.error.code, 'INVALID_SEED:LENGTH');
});
