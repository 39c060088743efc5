import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createSecretKeyCache } from '../../src/crypto/secret-key-cache.js';
import { backends } from '../helpers/backends.js';

test('the cache returns a key only for the same array, algorithm and bytes', () => {
  const cache = createSecretKeyCache<string>();
  const secret = new Uint8Array(32).fill(1);
  cache.set(secret, 'Ed25519', 'key-1');
  assert.equal(cache.get(secret, 'Ed25519'), 'key-1');
  assert.equal(cache.get(secret, 'X25519'), undefined, 'another algorithm');
  assert.equal(cache.get(secret.slice(), 'Ed25519'), undefined, 'an equal but different array');
  secret[5] = 9;
  assert.equal(cache.get(secret, 'Ed25519'), undefined, 'the array was overwritten in place');
});

for (const crypto of backends) {
  test(`${crypto.name}: overwriting a secret-key array in place never reuses the old key`, async () => {
    const message = new Uint8Array([1, 2, 3]);
    const seed = new Uint8Array(32).fill(0x11);
    const firstPublic = await crypto.ed25519PublicKey(seed.slice());
    const first = await crypto.ed25519Sign(seed, message);
    assert.ok(await crypto.ed25519Verify(firstPublic, message, first));

    seed.fill(0x22);
    const secondPublic = await crypto.ed25519PublicKey(seed.slice());
    const second = await crypto.ed25519Sign(seed, message);
    assert.ok(await crypto.ed25519Verify(secondPublic, message, second));
    assert.equal(await crypto.ed25519Verify(firstPublic, message, second), false);

    const secret = new Uint8Array(32).fill(0x33);
    const peer = await crypto.x25519PublicKey(new Uint8Array(32).fill(0x44));
    const before = await crypto.x25519SharedSecret(secret, peer);
    secret.fill(0x55);
    const after = await crypto.x25519SharedSecret(secret, peer);
    assert.deepEqual(after, await crypto.x25519SharedSecret(secret.slice(), peer));
    assert.notDeepEqual(after, before);
  });
}
