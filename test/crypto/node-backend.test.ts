/**
 * The `node` backend: the shared strictness rules, plus controls showing what
 * bare node:crypto would accept where the backend refuses.
 */
import assert from 'node:assert/strict';
import {
  createCipheriv,
  createDecipheriv,
  createPrivateKey,
  createPublicKey,
  diffieHellman,
  generateKeyPairSync,
  randomBytes,
  sign,
  verify,
} from 'node:crypto';
import { describe, it } from 'node:test';
import { createNodeCrypto } from '../../src/crypto/node/index.js';
import {
  ed25519PublicKeyToSpki,
  ed25519SeedToPkcs8,
  x25519PublicKeyToSpki,
  x25519SecretToPkcs8,
} from '../../src/crypto/pkcs8.js';
import { ed25519Verify, x25519SharedSecret } from '../helpers/one-shot.js';
import {
  describeStrictBackendRules,
  ED25519_IDENTITY,
  identityKeyForgery,
  rejectsWithCode,
} from './strict-backend-rules.js';

describeStrictBackendRules(createNodeCrypto);

describe('node backend: where bare node:crypto is looser', () => {
  const crypto = createNodeCrypto();
  const key = new Uint8Array(32).fill(0x42);
  const iv = new Uint8Array(12).fill(0x24);
  const plaintext = new TextEncoder().encode('sixteen+ bytes of plaintext');

  it('refuses a 4-byte GCM tag that node:crypto accepts without authTagLength', async () => {
    const cipher = createCipheriv('aes-256-gcm', key, iv);
    const ciphertext = Uint8Array.from([...cipher.update(plaintext), ...cipher.final()]);
    const shortTag = cipher.getAuthTag().subarray(0, 4);
    const loose = createDecipheriv('aes-256-gcm', key, iv);
    loose.setAuthTag(shortTag);
    assert.deepEqual(Uint8Array.from([...loose.update(ciphertext), ...loose.final()]), plaintext);
    await rejectsWithCode(
      async () => crypto.aes256GcmDecrypt(key, iv, Uint8Array.from([...ciphertext, ...shortTag])),
      'DECRYPT_FAILED:DECRYPTION',
    );
  });

  it('refuses the identity-key forgery that node:crypto verifies', async () => {
    const forgery = identityKeyForgery();
    const message = new TextEncoder().encode('any message at all');
    const nativeKey = createPublicKey({
      key: Buffer.from(ed25519PublicKeyToSpki(ED25519_IDENTITY)),
      format: 'der',
      type: 'spki',
    });
    assert.equal(verify(null, message, nativeKey, forgery), true);
    assert.equal(await ed25519Verify(crypto, ED25519_IDENTITY, message, forgery), false);
  });

  it('maps OpenSSL failing an all-zero X25519 derivation to ECDH_FAILED:ZERO_SHARED_SECRET', async () => {
    const { privateKey } = generateKeyPairSync('x25519');
    const zeroPoint = createPublicKey({
      key: Buffer.from(x25519PublicKeyToSpki(new Uint8Array(32))),
      format: 'der',
      type: 'spki',
    });
    assert.throws(() => diffieHellman({ privateKey, publicKey: zeroPoint }), {
      code: 'ERR_OSSL_FAILED_DURING_DERIVATION',
    });
    await rejectsWithCode(
      async () => x25519SharedSecret(crypto, new Uint8Array(32).fill(5), new Uint8Array(32)),
      'ECDH_FAILED:ZERO_SHARED_SECRET',
    );
  });
});

describe('node backend: private keys imported from raw bytes (JWK d), not PKCS#8', () => {
  const crypto = createNodeCrypto();
  const pkcs8Key = (der: Uint8Array) => createPrivateKey({ key: Buffer.from(der), format: 'der', type: 'pkcs8' });
  const rawPublic = (key: ReturnType<typeof createPrivateKey>) =>
    new Uint8Array(createPublicKey(key).export({ format: 'der', type: 'spki' }).subarray(12));
  const secrets = [
    new Uint8Array(32),
    new Uint8Array(32).fill(0xff),
    ...Array.from({ length: 64 }, () => randomBytes(32)),
  ];
  const message = new TextEncoder().encode('the same key either way');

  it('gives the Ed25519 key, and the signatures, that the PKCS#8 import of the same seed gives', async () => {
    for (const seed of secrets) {
      const reference = pkcs8Key(ed25519SeedToPkcs8(seed));
      const signer = await crypto.ed25519Signer(seed);
      assert.deepEqual(signer.publicKey, rawPublic(reference));
      assert.deepEqual(await signer.sign(message), new Uint8Array(sign(null, message, reference)));
    }
  });

  it('gives the X25519 key, and the shared secrets, that the PKCS#8 import of the same secret gives', async () => {
    const peer = generateKeyPairSync('x25519');
    const peerPublic = rawPublic(peer.privateKey);
    for (const secret of secrets) {
      const reference = pkcs8Key(x25519SecretToPkcs8(secret));
      const key = await crypto.x25519PrivateKey(secret);
      assert.deepEqual(key.publicKey, rawPublic(reference));
      assert.deepEqual(
        await key.sharedSecret(peerPublic),
        new Uint8Array(diffieHellman({ privateKey: reference, publicKey: peer.publicKey })),
      );
    }
  });
});
