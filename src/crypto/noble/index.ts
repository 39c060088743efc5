/**
 * The pure-JavaScript crypto backend, for engines without Web Crypto
 * (Moddable XS, QuickJS) and as the reference the native backends are tested against.
 *
 *   import { createNobleCrypto } from 'xlink/crypto/noble';
 *   const crypto = createNobleCrypto({ randomBytes: (n) => device.rng(n) });
 *   const signature = await crypto.ed25519Sign(seed, message);
 *
 * Limits: needs BigInt; without an injected `randomBytes` it draws from
 * `globalThis.crypto.getRandomValues` and throws where that is missing.
 * Scalar arithmetic is noble's; signing and X25519 are constant-time only as
 * far as a JavaScript engine lets them be.
 */
import { gcm } from '@noble/ciphers/aes.js';
import { ed25519, x25519 } from '@noble/curves/ed25519.js';
import { bytesToNumberLE } from '@noble/curves/utils.js';
import { hkdf } from '@noble/hashes/hkdf.js';
import { hmac } from '@noble/hashes/hmac.js';
import { sha256, sha512 } from '@noble/hashes/sha2.js';
import { randomBytes as nobleRandomBytes } from '@noble/hashes/utils.js';
import { assertBytes, concatBytes, constantTimeEqual } from '../../codec/bytes.js';
import { xlinkError } from '../../errors.js';
import { assertByteCount, assertGcmArguments, decryptionFailed, RANDOM_BYTES_MAX } from '../arguments.js';
import { passesEd25519StrictChecks } from '../ed25519-strict.js';
import { postQuantumMethods } from '../post-quantum.js';
import {
  AES_GCM_TAG_LENGTH,
  type CryptoProvider,
  ED25519_KEY_LENGTH,
  HKDF_SHA256_MAX_LENGTH,
  X25519_KEY_LENGTH,
} from '../provider.js';
import { assertNonZeroSharedSecret, assertX25519PublicKey, zeroSharedSecret } from '../x25519-public-key.js';

export interface NobleCryptoOptions {
  /**
   * The device's hardware RNG. Must return a new Uint8Array of exactly
   * `length` random bytes; a result of another type or length is refused.
   * Defaults to the platform CSPRNG.
   */
  randomBytes?: (length: number) => Uint8Array;
}

/** getRandomValues fills at most 65536 bytes per call. */
const RANDOM_VALUES_CHUNK = 65536;

function platformRandomBytes(length: number): Uint8Array {
  const out = new Uint8Array(length);
  for (let offset = 0; offset < length; offset += RANDOM_VALUES_CHUNK) {
    out.set(nobleRandomBytes(Math.min(RANDOM_VALUES_CHUNK, length - offset)), offset);
  }
  return out;
}
const HMAC_SHA256_TAG_LENGTH = 32;

export function createNobleCrypto(options: NobleCryptoOptions = {}): CryptoProvider {
  const source = options.randomBytes ?? platformRandomBytes;
  if (typeof source !== 'function') {
    throw xlinkError('INVALID_ARGUMENT', `"options.randomBytes" expected a function, got ${typeof source}`, {
      field: 'options.randomBytes',
    });
  }

  // An RNG that returns short output would silently weaken every
  // key and nonce, so its answer is checked on every call.
  function randomBytes(length: number): Uint8Array {
    assertByteCount(length, 'length', RANDOM_BYTES_MAX);
    const out: unknown = source(length);
    if (!(out instanceof Uint8Array)) {
      throw xlinkError('INVALID_ARGUMENT', `"options.randomBytes" expected to return a Uint8Array, got ${typeof out}`, {
        field: 'options.randomBytes',
      });
    }
    if (out.length !== length) {
      throw xlinkError(
        'INVALID_LENGTH',
        `"options.randomBytes" returned ${out.length} bytes, ${length} were requested`,
        { field: 'options.randomBytes' },
      );
    }
    return out;
  }

  async function x25519SharedSecret(secretKey: Uint8Array, publicKey: Uint8Array): Promise<Uint8Array> {
    assertBytes(secretKey, 'secretKey', X25519_KEY_LENGTH);
    assertBytes(publicKey, 'publicKey', X25519_KEY_LENGTH);
    assertX25519PublicKey(publicKey);
    let shared: Uint8Array;
    try {
      shared = x25519.getSharedSecret(secretKey, publicKey);
    } catch (cause) {
      // noble refuses the low-order u values before running the ladder; on a
      // clamped scalar each of them yields the all-zero secret, which the
      // other backends report as ECDH_FAILED, so this one does too.
      throw zeroSharedSecret(cause);
    }
    assertNonZeroSharedSecret(shared);
    return shared;
  }

  return {
    name: 'noble',
    randomBytes,

    async sha256(data) {
      assertBytes(data, 'data');
      return sha256(data);
    },

    async sha512(data) {
      assertBytes(data, 'data');
      return sha512(data);
    },

    async hmacSha256(key, data) {
      assertBytes(key, 'key');
      assertBytes(data, 'data');
      return hmac(sha256, key, data);
    },

    async hmacSha256Verify(key, data, tag) {
      assertBytes(key, 'key');
      assertBytes(data, 'data');
      assertBytes(tag, 'tag');
      if (tag.length !== HMAC_SHA256_TAG_LENGTH) return false;
      return constantTimeEqual(hmac(sha256, key, data), tag);
    },

    async hkdfSha256(ikm, salt, info, length) {
      assertBytes(ikm, 'ikm');
      assertBytes(salt, 'salt');
      assertBytes(info, 'info');
      assertByteCount(length, 'length', HKDF_SHA256_MAX_LENGTH);
      // Length 0 gives empty output, as node:crypto's hkdfSync does (RFC 5869 allows L = 0).
      return hkdf(sha256, ikm, salt, info, length);
    },

    async ed25519PublicKey(seed) {
      assertBytes(seed, 'seed', ED25519_KEY_LENGTH);
      return ed25519.getPublicKey(seed);
    },

    async ed25519Sign(seed, message) {
      assertBytes(seed, 'seed', ED25519_KEY_LENGTH);
      assertBytes(message, 'message');
      return ed25519.sign(message, seed);
    },

    async ed25519Verify(publicKey, message, signature) {
      assertBytes(publicKey, 'publicKey');
      assertBytes(message, 'message');
      assertBytes(signature, 'signature');
      if (!passesEd25519StrictChecks(publicKey, signature)) return false;
      try {
        return verifyCofactorless(publicKey, message, signature);
      } catch {
        return false;
      }
    },

    async x25519PublicKey(secretKey) {
      assertBytes(secretKey, 'secretKey', X25519_KEY_LENGTH);
      return x25519.getPublicKey(secretKey);
    },

    x25519SharedSecret,

    async x25519Ephemeral(publicKey) {
      assertBytes(publicKey, 'publicKey', X25519_KEY_LENGTH);
      const secret = randomBytes(X25519_KEY_LENGTH);
      const sharedSecret = await x25519SharedSecret(secret, publicKey);
      return { ephemeralPublicKey: x25519.getPublicKey(secret), sharedSecret };
    },

    async aes256GcmEncrypt(key, iv, plaintext, aad) {
      assertGcmArguments(key, iv, plaintext, 'plaintext', aad);
      return gcm(key, iv, aad).encrypt(plaintext);
    },

    async aes256GcmDecrypt(key, iv, sealed, aad) {
      assertGcmArguments(key, iv, sealed, 'sealed', aad);
      if (sealed.length < AES_GCM_TAG_LENGTH) throw decryptionFailed();
      try {
        return gcm(key, iv, aad).decrypt(sealed);
      } catch {
        // No cause and one message for every failure: the error must not say which check failed.
        throw decryptionFailed();
      }
    },

    ...postQuantumMethods(randomBytes),
  };
}

/**
 * RFC 8032 §5.1.7 verification with the cofactorless equation [S]B = R + [k]A.
 *
 * §5.1.7 allows either this or the cofactored [8][S]B = [8]R + [8][k]A, and
 * noble's `ed25519.verify` checks the cofactored one, while node:crypto
 * (OpenSSL) and Web Crypto check the cofactorless one. They disagree when A or
 * R carries a small-order (torsion) component: a key A' = aB + T with T of
 * order 8 makes noble accept signatures that OpenSSL rejects. Every xlink
 * backend must accept exactly the same signatures, so this one does the
 * arithmetic itself. The caller has already run `passesEd25519StrictChecks`,
 * so S < L and both A and R are canonical and not of small order.
 */
function verifyCofactorless(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
  const { Point } = ed25519;
  const rBytes = signature.subarray(0, 32);
  // zip215 = false: canonical encodings only, as RFC 8032 requires.
  const a = Point.fromBytes(publicKey, false);
  const r = Point.fromBytes(rBytes, false);
  const s = bytesToNumberLE(signature.subarray(32));
  const k = Point.Fn.create(bytesToNumberLE(sha512(concatBytes(rBytes, publicKey, message))));
  // Public scalars, so the variable-time multiplication is fine; unlike `multiply`,
  // it also takes S = 0, which RFC 8032 does not exclude.
  const sb = Point.BASE.multiplyUnsafe(s);
  return sb.equals(r.add(a.multiplyUnsafe(k)));
}
