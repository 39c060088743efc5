/**
 * The `webcrypto` crypto backend: `crypto.subtle` and `crypto.getRandomValues`
 * for everything Web Crypto has, @noble/post-quantum for ML-KEM-768 and ML-DSA-65.
 *
 *   import { createWebCrypto } from 'xlink/crypto/webcrypto';
 *   const crypto = createWebCrypto(); // or createWebCrypto(someRuntime.crypto)
 *   const signature = await crypto.ed25519Sign(seed, message);
 *
 * Limits: needs Ed25519 and X25519 in `crypto.subtle` (Node 20, Deno, current
 * browsers, and only in secure contexts); a runtime without them throws
 * `CRYPTO_UNAVAILABLE:ALGORITHM`, and the noble backend is the way out.
 * No Node built-ins: this file also runs in browsers and workers.
 */

import { base64urlDecode } from '../../codec/base64url.js';
import { assertBytes } from '../../codec/bytes.js';
import { xlinkError } from '../../errors.js';
import { assertByteCount, assertGcmArguments, decryptionFailed, RANDOM_BYTES_MAX } from '../arguments.js';
import { passesEd25519StrictChecks } from '../ed25519-strict.js';
import { hkdfSha256WithHmac } from '../hkdf-with-hmac.js';
import { ed25519SeedToPkcs8, x25519SecretToPkcs8 } from '../pkcs8.js';
import { postQuantumMethods } from '../post-quantum.js';
import {
  AES_GCM_TAG_LENGTH,
  type CryptoProvider,
  ED25519_KEY_LENGTH,
  HKDF_SHA256_MAX_LENGTH,
  X25519_KEY_LENGTH,
  type X25519Ephemeral,
} from '../provider.js';
import { createSecretKeyCache } from '../secret-key-cache.js';
import { assertNonZeroSharedSecret, assertX25519PublicKey, zeroSharedSecret } from '../x25519-public-key.js';
import type {
  WebAesGcmParams,
  WebAlgorithm,
  WebCryptoKey,
  WebCryptoLike,
  WebHkdfParams,
  WebKeyUsage,
} from './web-crypto-api.js';

export type { WebCryptoLike } from './web-crypto-api.js';

/** getRandomValues fills at most 65536 bytes per call (QuotaExceededError beyond). */
const RANDOM_VALUES_CHUNK = 65536;
/** Node's Web Crypto refuses a longer HKDF info; RFC 5869 sets no limit, so longer ones take the HMAC path. */
const NATIVE_HKDF_INFO_MAX = 1024;
const SHA256_LENGTH = 32;
/** HMAC pads every key with zeros to the 64-byte block (RFC 2104 §2), so 64 zero bytes equal the empty key. */
const HMAC_EMPTY_KEY_EQUIVALENT_LENGTH = 64;

const ED25519 = { name: 'Ed25519' } as const;
const X25519 = { name: 'X25519' } as const;
const HMAC_SHA256 = { name: 'HMAC', hash: 'SHA-256' } as const;

/** The Web Crypto backend over `crypto` (default: the global one); throws `CRYPTO_UNAVAILABLE:ALGORITHM` without it. */
export function createWebCrypto(crypto: WebCryptoLike = globalThis.crypto): CryptoProvider {
  if (typeof crypto?.getRandomValues !== 'function' || typeof crypto.subtle?.importKey !== 'function') {
    throw xlinkError(
      'CRYPTO_UNAVAILABLE:ALGORITHM',
      'Web Crypto is unavailable: crypto.subtle and crypto.getRandomValues are required (browsers offer subtle only in secure contexts)',
    );
  }
  const subtle = crypto.subtle;
  const privateKeys = createSecretKeyCache<WebCryptoKey>();

  function randomBytes(length: number): Uint8Array {
    assertByteCount(length, 'length', RANDOM_BYTES_MAX);
    const out = new Uint8Array(length);
    for (let offset = 0; offset < length; offset += RANDOM_VALUES_CHUNK) {
      crypto.getRandomValues(out.subarray(offset, offset + RANDOM_VALUES_CHUNK));
    }
    return out;
  }

  /** importKey with a missing algorithm reported as `CRYPTO_UNAVAILABLE:ALGORITHM`. */
  async function importKey(
    format: 'raw' | 'pkcs8',
    keyData: Uint8Array,
    algorithm: WebAlgorithm,
    extractable: boolean,
    usages: WebKeyUsage[],
  ): Promise<WebCryptoKey> {
    try {
      return await subtle.importKey(format, own(keyData), algorithm, extractable, usages);
    } catch (cause) {
      throw unavailableOr(cause, algorithm.name);
    }
  }

  /** The signing or key-agreement CryptoKey of a raw secret, imported once per caller-owned array. */
  async function privateKey(secret: Uint8Array, algorithm: typeof ED25519 | typeof X25519): Promise<WebCryptoKey> {
    const cached = privateKeys.get(secret, algorithm.name);
    if (cached !== undefined) return cached;
    const der = algorithm === ED25519 ? ed25519SeedToPkcs8(secret) : x25519SecretToPkcs8(secret);
    const usages: WebKeyUsage[] = algorithm === ED25519 ? ['sign'] : ['deriveBits'];
    const key = await importKey('pkcs8', der, algorithm, false, usages);
    privateKeys.set(secret, algorithm.name, key);
    return key;
  }

  async function digest(algorithm: 'SHA-256' | 'SHA-512', data: Uint8Array): Promise<Uint8Array> {
    try {
      return new Uint8Array(await subtle.digest(algorithm, own(data)));
    } catch (cause) {
      throw unavailableOr(cause, algorithm);
    }
  }

  function hmacKey(key: Uint8Array, usage: 'sign' | 'verify'): Promise<WebCryptoKey> {
    // Web Crypto refuses a zero-length HMAC key; the zero-padded block is the same key.
    const material = key.length === 0 ? new Uint8Array(HMAC_EMPTY_KEY_EQUIVALENT_LENGTH) : key;
    return importKey('raw', material, HMAC_SHA256, false, [usage]);
  }

  async function hmac(key: Uint8Array, data: Uint8Array): Promise<Uint8Array> {
    return new Uint8Array(await subtle.sign(HMAC_SHA256, await hmacKey(key, 'sign'), own(data)));
  }

  /** The raw public key of an extractable OKP private key, read from its JWK `x`. */
  async function okpPublicKey(privateKey: WebCryptoKey, curve: string): Promise<Uint8Array> {
    const jwk = await subtle.exportKey('jwk', privateKey);
    const publicKey = typeof jwk.x === 'string' ? base64urlDecode(jwk.x) : undefined;
    if (publicKey?.length !== 32) {
      throw xlinkError('KEYGEN_FAILED', `Web Crypto exported no 32-byte ${curve} public key`);
    }
    return publicKey;
  }

  async function x25519PublicKey(secretKey: Uint8Array): Promise<Uint8Array> {
    assertBytes(secretKey, 'secretKey', X25519_KEY_LENGTH);
    return okpPublicKey(
      await importKey('pkcs8', x25519SecretToPkcs8(secretKey), X25519, true, ['deriveBits']),
      'X25519',
    );
  }

  async function x25519SharedSecret(secretKey: Uint8Array, publicKey: Uint8Array): Promise<Uint8Array> {
    assertBytes(secretKey, 'secretKey', X25519_KEY_LENGTH);
    assertBytes(publicKey, 'publicKey', X25519_KEY_LENGTH);
    assertX25519PublicKey(publicKey);
    const mine = await privateKey(secretKey, X25519);
    const peer = await importKey('raw', publicKey, X25519, false, []);
    let shared: Uint8Array;
    try {
      shared = new Uint8Array(await subtle.deriveBits({ name: 'X25519', public: peer }, mine, 256));
    } catch (cause) {
      // The Secure Curves spec makes deriveBits fail with OperationError exactly when the secret is all zero.
      if (isNamed(cause, 'OperationError')) {
        throw zeroSharedSecret(cause);
      }
      throw cause;
    }
    assertNonZeroSharedSecret(shared);
    return shared;
  }

  return Object.freeze({
    name: 'webcrypto',

    randomBytes,

    async sha256(data: Uint8Array): Promise<Uint8Array> {
      assertBytes(data, 'data');
      return digest('SHA-256', data);
    },

    async sha512(data: Uint8Array): Promise<Uint8Array> {
      assertBytes(data, 'data');
      return digest('SHA-512', data);
    },

    async hmacSha256(key: Uint8Array, data: Uint8Array): Promise<Uint8Array> {
      assertBytes(key, 'key');
      assertBytes(data, 'data');
      return hmac(key, data);
    },

    async hmacSha256Verify(key: Uint8Array, data: Uint8Array, tag: Uint8Array): Promise<boolean> {
      assertBytes(key, 'key');
      assertBytes(data, 'data');
      assertBytes(tag, 'tag');
      if (tag.length !== SHA256_LENGTH) return false;
      // subtle.verify compares in constant time.
      return subtle.verify(HMAC_SHA256, await hmacKey(key, 'verify'), own(tag), own(data));
    },

    async hkdfSha256(ikm: Uint8Array, salt: Uint8Array, info: Uint8Array, length: number): Promise<Uint8Array> {
      assertBytes(ikm, 'ikm');
      assertBytes(salt, 'salt');
      assertBytes(info, 'info');
      assertByteCount(length, 'length', HKDF_SHA256_MAX_LENGTH);
      // node:crypto returns no bytes for length 0; some Web Crypto versions refuse a zero-bit derivation.
      if (length === 0) return new Uint8Array(0);
      if (info.length > NATIVE_HKDF_INFO_MAX) return hkdfSha256WithHmac(hmac, ikm, salt, info, length);
      const key = await importKey('raw', ikm, { name: 'HKDF' }, false, ['deriveBits']);
      const params: WebHkdfParams = { name: 'HKDF', hash: 'SHA-256', salt: own(salt), info: own(info) };
      return new Uint8Array(await subtle.deriveBits(params, key, length * 8));
    },

    async ed25519PublicKey(seed: Uint8Array): Promise<Uint8Array> {
      assertBytes(seed, 'seed', ED25519_KEY_LENGTH);
      return okpPublicKey(await importKey('pkcs8', ed25519SeedToPkcs8(seed), ED25519, true, ['sign']), 'Ed25519');
    },

    async ed25519Sign(seed: Uint8Array, message: Uint8Array): Promise<Uint8Array> {
      assertBytes(seed, 'seed', ED25519_KEY_LENGTH);
      assertBytes(message, 'message');
      const key = await privateKey(seed, ED25519);
      return new Uint8Array(await subtle.sign(ED25519, key, own(message)));
    },

    async ed25519Verify(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): Promise<boolean> {
      assertBytes(publicKey, 'publicKey');
      assertBytes(message, 'message');
      assertBytes(signature, 'signature');
      // Web Crypto alone accepts e.g. any message under the identity key; these checks come first.
      if (!passesEd25519StrictChecks(publicKey, signature)) return false;
      let key: WebCryptoKey;
      try {
        key = await subtle.importKey('raw', own(publicKey), ED25519, false, ['verify']);
      } catch (cause) {
        if (isNamed(cause, 'NotSupportedError')) throw unavailableOr(cause, 'Ed25519');
        return false;
      }
      try {
        return await subtle.verify(ED25519, key, own(signature), own(message));
      } catch {
        return false;
      }
    },

    x25519PublicKey,

    x25519SharedSecret,

    async x25519Ephemeral(publicKey: Uint8Array): Promise<X25519Ephemeral> {
      assertBytes(publicKey, 'publicKey', X25519_KEY_LENGTH);
      const secret = randomBytes(X25519_KEY_LENGTH);
      const sharedSecret = await x25519SharedSecret(secret, publicKey);
      return { ephemeralPublicKey: await x25519PublicKey(secret), sharedSecret };
    },

    async aes256GcmEncrypt(
      key: Uint8Array,
      iv: Uint8Array,
      plaintext: Uint8Array,
      aad?: Uint8Array,
    ): Promise<Uint8Array> {
      assertGcmArguments(key, iv, plaintext, 'plaintext', aad);
      const cryptoKey = await importKey('raw', key, { name: 'AES-GCM' }, false, ['encrypt']);
      return new Uint8Array(await subtle.encrypt(gcmParams(iv, aad), cryptoKey, own(plaintext)));
    },

    async aes256GcmDecrypt(key: Uint8Array, iv: Uint8Array, sealed: Uint8Array, aad?: Uint8Array): Promise<Uint8Array> {
      assertGcmArguments(key, iv, sealed, 'sealed', aad);
      if (sealed.length < AES_GCM_TAG_LENGTH) throw decryptionFailed();
      const cryptoKey = await importKey('raw', key, { name: 'AES-GCM' }, false, ['decrypt']);
      try {
        return new Uint8Array(await subtle.decrypt(gcmParams(iv, aad), cryptoKey, own(sealed)));
      } catch {
        throw decryptionFailed();
      }
    },

    ...postQuantumMethods(randomBytes),
  });
}

/**
 * A private ArrayBuffer-backed copy: Web Crypto reads its inputs after the
 * call returns, so a caller reusing its buffer cannot change what is signed,
 * and Web Crypto takes no views of a SharedArrayBuffer.
 */
function own(bytes: Uint8Array): Uint8Array<ArrayBuffer> {
  return bytes.slice();
}

function gcmParams(iv: Uint8Array, aad: Uint8Array | undefined): WebAesGcmParams {
  const params = { name: 'AES-GCM', iv: own(iv), tagLength: AES_GCM_TAG_LENGTH * 8 } as const;
  return aad === undefined ? params : { ...params, additionalData: own(aad) };
}

/** DOMException names are the portable test; not every runtime's DOMException is the global one. */
function isNamed(error: unknown, name: string): boolean {
  return typeof error === 'object' && error !== null && (error as { name?: unknown }).name === name;
}

function unavailableOr(cause: unknown, algorithm: string): unknown {
  if (!isNamed(cause, 'NotSupportedError')) return cause;
  return xlinkError('CRYPTO_UNAVAILABLE:ALGORITHM', `this runtime's Web Crypto does not support ${algorithm}`, {
    cause,
  });
}
