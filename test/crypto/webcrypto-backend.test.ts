/**
 * The `webcrypto` backend: the shared strictness rules, controls showing what
 * bare Web Crypto would do where the backend differs, and a runtime that
 * lacks an algorithm.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createWebCrypto } from '../../src/crypto/webcrypto/index.js';
import { isXlinkError } from '../../src/errors.js';
import {
  ed25519PublicKey,
  ed25519Sign,
  ed25519Verify,
  x25519PublicKey,
  x25519SharedSecret,
} from '../helpers/one-shot.js';
import {
  describeStrictBackendRules,
  ED25519_IDENTITY,
  identityKeyForgery,
  numberToBytesLE,
  rejectsWithCode,
} from './strict-backend-rules.js';

describeStrictBackendRules(() => createWebCrypto(globalThis.crypto));

const native = globalThis.crypto;

/** The real Web Crypto with `importKey` failing for one algorithm, as in a runtime that lacks it. */
function cryptoLacking(algorithm: string): Crypto {
  const subtle = new Proxy(native.subtle, {
    get(target, property) {
      if (property === 'importKey') {
        return (...args: Parameters<SubtleCrypto['importKey']>) => {
          const requested = args[2];
          const name = typeof requested === 'string' ? requested : requested.name;
          if (name === algorithm)
            return Promise.reject(new DOMException('Unrecognized algorithm name', 'NotSupportedError'));
          return target.importKey(...args);
        };
      }
      const value = Reflect.get(target, property, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
  return { subtle, getRandomValues: native.getRandomValues.bind(native) } as unknown as Crypto;
}

describe('webcrypto backend: where bare Web Crypto differs', () => {
  const crypto = createWebCrypto(globalThis.crypto);

  it('refuses the identity-key forgery that subtle.verify accepts', async () => {
    const forgery = identityKeyForgery().slice();
    const message = new TextEncoder().encode('any message at all');
    const key = await native.subtle.importKey('raw', ED25519_IDENTITY.slice(), 'Ed25519', false, ['verify']);
    assert.equal(await native.subtle.verify('Ed25519', key, forgery, message), true);
    assert.equal(await ed25519Verify(crypto, ED25519_IDENTITY, message, forgery), false);
  });

  it('fills more than the 65536 bytes one getRandomValues call allows', () => {
    assert.throws(() => native.getRandomValues(new Uint8Array(65_537)), { name: 'QuotaExceededError' });
    assert.equal(crypto.randomBytes(3 * 65_536 + 1).length, 3 * 65_536 + 1);
  });

  it('handles the empty HMAC key and long HKDF info that subtle refuses', async () => {
    await assert.rejects(
      native.subtle.importKey('raw', new Uint8Array(0), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']),
      {
        name: 'DataError',
      },
    );
    assert.equal((await crypto.hmacSha256(new Uint8Array(0), new Uint8Array(3))).length, 32);
    const ikm = await native.subtle.importKey('raw', new Uint8Array(16), 'HKDF', false, ['deriveBits']);
    const longInfo = new Uint8Array(1025);
    await assert.rejects(
      native.subtle.deriveBits({ name: 'HKDF', hash: 'SHA-256', salt: new Uint8Array(0), info: longInfo }, ikm, 256),
      { name: 'OperationError' },
    );
    assert.equal((await crypto.hkdfSha256(new Uint8Array(16), new Uint8Array(0), longInfo, 32)).length, 32);
  });

  it('maps the OperationError of an all-zero X25519 derivation to ECDH_FAILED:ZERO_SHARED_SECRET', async () => {
    await rejectsWithCode(
      async () => x25519SharedSecret(crypto, new Uint8Array(32).fill(5), new Uint8Array(32)),
      'ECDH_FAILED:ZERO_SHARED_SECRET',
    );
  });
});

describe('webcrypto backend: missing algorithms', () => {
  it('throws CRYPTO_UNAVAILABLE:ALGORITHM without crypto.subtle', () => {
    const isUnavailable = (error: unknown): boolean =>
      isXlinkError(error) && error.code === 'CRYPTO_UNAVAILABLE:ALGORITHM';
    assert.throws(
      () => createWebCrypto({ getRandomValues: native.getRandomValues.bind(native) } as unknown as Crypto),
      isUnavailable,
    );
    assert.throws(() => createWebCrypto(null as unknown as Crypto), isUnavailable);
  });

  it('throws CRYPTO_UNAVAILABLE:ALGORITHM when the runtime lacks Ed25519, even from verify', async () => {
    const reference = createWebCrypto(globalThis.crypto);
    const seed = new Uint8Array(32).fill(1);
    const message = new Uint8Array([1, 2, 3]);
    const publicKey = await ed25519PublicKey(reference, seed);
    const signature = await ed25519Sign(reference, seed, message);
    const lacking = createWebCrypto(cryptoLacking('Ed25519'));
    const expected = "this runtime's Web Crypto does not support Ed25519";
    await rejectsWithCode(async () => ed25519Sign(lacking, seed, message), 'CRYPTO_UNAVAILABLE:ALGORITHM', expected);
    await rejectsWithCode(async () => ed25519PublicKey(lacking, seed), 'CRYPTO_UNAVAILABLE:ALGORITHM', expected);
    await rejectsWithCode(
      async () => ed25519Verify(lacking, publicKey, message, signature),
      'CRYPTO_UNAVAILABLE:ALGORITHM',
      expected,
    );
    // The other algorithms still work.
    assert.deepEqual(await lacking.sha256(message), await reference.sha256(message));
    assert.equal(await lacking.hmacSha256Verify(seed, message, await reference.hmacSha256(seed, message)), true);
  });

  it('throws CRYPTO_UNAVAILABLE:ALGORITHM when the runtime lacks X25519', async () => {
    const lacking = createWebCrypto(cryptoLacking('X25519'));
    await rejectsWithCode(
      async () => x25519PublicKey(lacking, new Uint8Array(32).fill(3)),
      'CRYPTO_UNAVAILABLE:ALGORITHM',
    );
    await rejectsWithCode(
      async () => x25519SharedSecret(lacking, new Uint8Array(32).fill(3), numberToBytesLE(9n)),
      'CRYPTO_UNAVAILABLE:ALGORITHM',
    );
  });
});
