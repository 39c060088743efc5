/**
 * The `webcrypto` crypto backend: `crypto.subtle` and `crypto.getRandomValues`
 * for everything Web Crypto has, @noble/post-quantum for ML-KEM-768 and ML-DSA-65.
 *
 *   import { createWebCrypto } from 'xlink/crypto/webcrypto';
 *   const crypto = createWebCrypto(globalThis.crypto);
 *   const signer = await crypto.ed25519Signer(seed); // a non-extractable CryptoKey, imported once
 *
 * Limits: needs Ed25519 and X25519 in `crypto.subtle` (Node 20, Deno, current
 * browsers, and only in secure contexts); a runtime without them throws
 * `CRYPTO_UNAVAILABLE:ALGORITHM`, and the noble backend is the way out.
 * No Node built-ins: this file also runs in browsers and workers. Every
 * method but `randomBytes` is asynchronous, as Web Crypto is.
 */

import { base64urlDecode } from '../../codec/base64url.js';
import { assertBytes, copyBytes } from '../../codec/bytes.js';
import { xlinkError } from '../../errors.js';
import { webRandomSource } from '../../platform/random.js';
import { assertByteCount, assertGcmArguments, decryptionFailed, RANDOM_BYTES_MAX } from '../arguments.js';
import { isAcceptableEd25519PublicKey, passesEd25519SignatureChecks } from '../ed25519-strict.js';
import { hkdfSha256WithHmac } from '../hkdf-with-hmac.js';
import { mlDsa65 } from '../ml-dsa.js';
import { mlKem768 } from '../ml-kem.js';
import { ed25519SeedToPkcs8, x25519SecretToPkcs8 } from '../pkcs8.js';
import {
  AES_GCM_TAG_LENGTH,
  type CryptoProvider,
  ED25519_KEY_LENGTH,
  type Ed25519Signer,
  type Ed25519Verifier,
  HKDF_SHA256_MAX_LENGTH,
  X25519_KEY_LENGTH,
  type X25519Ephemeral,
  type X25519PrivateKey,
} from '../provider.js';
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

/** Node's Web Crypto refuses a longer HKDF info; RFC 5869 sets no limit, so longer ones take the HMAC path. */
const NATIVE_HKDF_INFO_MAX = 1024;
const SHA256_LENGTH = 32;
/** HMAC pads every key with zeros to the 64-byte block (RFC 2104 §2), so 64 zero bytes equal the empty key. */
const HMAC_EMPTY_KEY_EQUIVALENT_LENGTH = 64;

const ED25519 = { name: 'Ed25519' } as const;
const X25519 = { name: 'X25519' } as const;
const HMAC_SHA256 = { name: 'HMAC', hash: 'SHA-256' } as const;

/** The Web Crypto backend over `crypto` (`globalThis.crypto` where the runtime has one); `CRYPTO_UNAVAILABLE:ALGORITHM` without subtle. */
export function createWebCrypto(crypto: WebCryptoLike): CryptoProvider {
  if (typeof crypto?.getRandomValues !== 'function' || typeof crypto.subtle?.importKey !== 'function') {
    throw xlinkError(
      'CRYPTO_UNAVAILABLE:ALGORITHM',
      'Web Crypto is unavailable: crypto.subtle and crypto.getRandomValues are required (browsers offer subtle only in secure contexts)',
    );
  }
  const subtle = crypto.subtle;
  const random = webRandomSource(crypto);

  function randomBytes(length: number): Uint8Array {
    assertByteCount(length, 'length', RANDOM_BYTES_MAX);
    return random(length);
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

  /**
   * The non-extractable private key and the raw public key of a secret. The
   * public key is read from the JWK of a second, extractable import that is
   * dropped at once, so no exportable copy of the secret stays behind.
   */
  async function preparedPrivateKey(
    secret: Uint8Array,
    algorithm: typeof ED25519 | typeof X25519,
  ): Promise<{ key: WebCryptoKey; publicKey: Uint8Array }> {
    const der = algorithm === ED25519 ? ed25519SeedToPkcs8(secret) : x25519SecretToPkcs8(secret);
    const usages: WebKeyUsage[] = algorithm === ED25519 ? ['sign'] : ['deriveBits'];
    const [key, exportable] = await Promise.all([
      importKey('pkcs8', der, algorithm, false, usages),
      importKey('pkcs8', der, algorithm, true, usages),
    ]);
    const jwk = await subtle.exportKey('jwk', exportable);
    const decoded = typeof jwk.x === 'string' ? base64urlDecode(jwk.x) : undefined;
    const publicKey = decoded?.ok ? decoded.value : undefined;
    if (publicKey?.length !== 32) {
      throw xlinkError('KEYGEN_FAILED', `Web Crypto exported no 32-byte ${algorithm.name} public key`);
    }
    return { key, publicKey };
  }

  async function sharedSecret(privateKey: WebCryptoKey, peerPublicKey: Uint8Array): Promise<Uint8Array> {
    assertBytes(peerPublicKey, 'publicKey', X25519_KEY_LENGTH);
    assertX25519PublicKey(peerPublicKey);
    const peer = await importKey('raw', peerPublicKey, X25519, false, []);
    let shared: Uint8Array;
    try {
      shared = new Uint8Array(await subtle.deriveBits({ name: 'X25519', public: peer }, privateKey, 256));
    } catch (cause) {
      // The Secure Curves spec makes deriveBits fail with OperationError exactly when the secret is all zero.
      if (isNamed(cause, 'OperationError')) throw zeroSharedSecret(cause);
      throw cause;
    }
    assertNonZeroSharedSecret(shared);
    return shared;
  }

  async function x25519PrivateKey(secretKey: Uint8Array): Promise<X25519PrivateKey> {
    assertBytes(secretKey, 'secretKey', X25519_KEY_LENGTH);
    const { key, publicKey } = await preparedPrivateKey(secretKey, X25519);
    return { publicKey, sharedSecret: (peerPublicKey) => sharedSecret(key, peerPublicKey) };
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

    async ed25519Signer(seed: Uint8Array): Promise<Ed25519Signer> {
      assertBytes(seed, 'seed', ED25519_KEY_LENGTH);
      const { key, publicKey } = await preparedPrivateKey(seed, ED25519);
      return {
        publicKey,
        async sign(message: Uint8Array): Promise<Uint8Array> {
          assertBytes(message, 'message');
          return new Uint8Array(await subtle.sign(ED25519, key, own(message)));
        },
      };
    },

    async ed25519Verifier(publicKey: Uint8Array): Promise<Ed25519Verifier> {
      assertBytes(publicKey, 'publicKey');
      const raw = copyBytes(publicKey);
      let key: WebCryptoKey | undefined;
      // Web Crypto alone accepts e.g. any message under the identity key: such keys verify nothing.
      if (isAcceptableEd25519PublicKey(raw)) {
        try {
          key = await subtle.importKey('raw', own(raw), ED25519, false, ['verify']);
        } catch (cause) {
          if (isNamed(cause, 'NotSupportedError')) throw unavailableOr(cause, 'Ed25519');
        }
      }
      return {
        publicKey: raw,
        async verify(message: Uint8Array, signature: Uint8Array): Promise<boolean> {
          assertBytes(message, 'message');
          assertBytes(signature, 'signature');
          if (key === undefined || !passesEd25519SignatureChecks(signature)) return false;
          try {
            return await subtle.verify(ED25519, key, own(signature), own(message));
          } catch {
            return false;
          }
        },
      };
    },

    x25519PrivateKey,

    async x25519Ephemeral(peerPublicKey: Uint8Array): Promise<X25519Ephemeral> {
      assertBytes(peerPublicKey, 'publicKey', X25519_KEY_LENGTH);
      assertX25519PublicKey(peerPublicKey);
      const ephemeral = await x25519PrivateKey(randomBytes(X25519_KEY_LENGTH));
      return { ephemeralPublicKey: ephemeral.publicKey, sharedSecret: await ephemeral.sharedSecret(peerPublicKey) };
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

    ...mlKem768(random),
    ...mlDsa65(random),
  });
}

/**
 * A private ArrayBuffer-backed copy: Web Crypto reads its inputs after the
 * call returns, so a caller reusing its buffer cannot change what is signed,
 * and Web Crypto takes no views of a SharedArrayBuffer.
 */
function own(bytes: Uint8Array): Uint8Array<ArrayBuffer> {
  return copyBytes(bytes);
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
