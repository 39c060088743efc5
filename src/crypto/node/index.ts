/**
 * The `node` crypto backend: node:crypto (OpenSSL) for everything Node has
 * natively, @noble/post-quantum for ML-KEM-768 and ML-DSA-65.
 *
 *   import { createNodeCrypto } from 'xlink/crypto/node';
 *   const crypto = createNodeCrypto();
 *   const ok = await crypto.ed25519Verify(publicKey, message, signature);
 *
 * Limits: Node only (Buffer, OpenSSL). It adds the rules provider.ts states on
 * top of OpenSSL's defaults: strict Ed25519 verification, X25519 peer-key
 * checks, 16-byte GCM tags only, HKDF info of any length.
 */
import {
  createCipheriv,
  createDecipheriv,
  createHash,
  createHmac,
  createPublicKey,
  diffieHellman,
  generateKeyPairSync,
  hkdfSync,
  type KeyObject,
  randomBytes as nodeRandomBytes,
  sign,
  timingSafeEqual,
  verify,
} from 'node:crypto';
import { assertBytes, concatBytes } from '../../codec/bytes.js';
import { assertByteCount, assertGcmArguments, decryptionFailed, RANDOM_BYTES_MAX } from '../arguments.js';
import { passesEd25519StrictChecks } from '../ed25519-strict.js';
import { hkdfSha256WithHmac } from '../hkdf-with-hmac.js';
import { postQuantumMethods } from '../post-quantum.js';
import {
  AES_GCM_TAG_LENGTH,
  type CryptoProvider,
  ED25519_KEY_LENGTH,
  HKDF_SHA256_MAX_LENGTH,
  X25519_KEY_LENGTH,
  type X25519Ephemeral,
} from '../provider.js';
import { assertNonZeroSharedSecret, assertX25519PublicKey, zeroSharedSecret } from '../x25519-public-key.js';
import { createKeyObjects } from './key-objects.js';

/** node:crypto refuses a longer HKDF info; RFC 5869 sets no limit, so longer ones take the HMAC path. */
const NODE_HKDF_INFO_MAX = 1024;
const SHA256_LENGTH = 32;

/** The node:crypto backend. Private KeyObjects are cached per caller-owned key array (key-objects.ts). */
export function createNodeCrypto(): CryptoProvider {
  const keys = createKeyObjects();

  function randomBytes(length: number): Uint8Array {
    assertByteCount(length, 'length', RANDOM_BYTES_MAX);
    return copy(nodeRandomBytes(length));
  }

  return Object.freeze({
    name: 'node',
    randomBytes,

    async sha256(data: Uint8Array): Promise<Uint8Array> {
      assertBytes(data, 'data');
      return copy(createHash('sha256').update(data).digest());
    },

    async sha512(data: Uint8Array): Promise<Uint8Array> {
      assertBytes(data, 'data');
      return copy(createHash('sha512').update(data).digest());
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
      return timingSafeEqual(hmac(key, data), tag);
    },

    async hkdfSha256(ikm: Uint8Array, salt: Uint8Array, info: Uint8Array, length: number): Promise<Uint8Array> {
      assertBytes(ikm, 'ikm');
      assertBytes(salt, 'salt');
      assertBytes(info, 'info');
      assertByteCount(length, 'length', HKDF_SHA256_MAX_LENGTH);
      if (info.length > NODE_HKDF_INFO_MAX) return hkdfSha256WithHmac(hmac, ikm, salt, info, length);
      return new Uint8Array(hkdfSync('sha256', ikm, salt, info, length));
    },

    async ed25519PublicKey(seed: Uint8Array): Promise<Uint8Array> {
      assertBytes(seed, 'seed', ED25519_KEY_LENGTH);
      return rawPublicKey(keys.privateKey('Ed25519', seed));
    },

    async ed25519Sign(seed: Uint8Array, message: Uint8Array): Promise<Uint8Array> {
      assertBytes(seed, 'seed', ED25519_KEY_LENGTH);
      assertBytes(message, 'message');
      return copy(sign(null, message, keys.privateKey('Ed25519', seed)));
    },

    async ed25519Verify(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): Promise<boolean> {
      assertBytes(publicKey, 'publicKey');
      assertBytes(message, 'message');
      assertBytes(signature, 'signature');
      // OpenSSL alone accepts e.g. any message under the identity key; these checks come first.
      if (!passesEd25519StrictChecks(publicKey, signature)) return false;
      try {
        return verify(null, message, keys.publicKey('Ed25519', publicKey), signature);
      } catch {
        return false;
      }
    },

    async x25519PublicKey(secretKey: Uint8Array): Promise<Uint8Array> {
      assertBytes(secretKey, 'secretKey', X25519_KEY_LENGTH);
      return rawPublicKey(keys.privateKey('X25519', secretKey));
    },

    async x25519SharedSecret(secretKey: Uint8Array, publicKey: Uint8Array): Promise<Uint8Array> {
      assertBytes(secretKey, 'secretKey', X25519_KEY_LENGTH);
      assertBytes(publicKey, 'publicKey', X25519_KEY_LENGTH);
      assertX25519PublicKey(publicKey);
      return x25519Derive(keys.privateKey('X25519', secretKey), keys.publicKey('X25519', publicKey));
    },

    async x25519Ephemeral(publicKey: Uint8Array): Promise<X25519Ephemeral> {
      assertBytes(publicKey, 'publicKey', X25519_KEY_LENGTH);
      assertX25519PublicKey(publicKey);
      // Generated inside OpenSSL: no PKCS#8 round trip for a key used once.
      const { privateKey } = generateKeyPairSync('x25519');
      return {
        ephemeralPublicKey: rawPublicKey(privateKey),
        sharedSecret: x25519Derive(privateKey, keys.publicKey('X25519', publicKey)),
      };
    },

    async aes256GcmEncrypt(
      key: Uint8Array,
      iv: Uint8Array,
      plaintext: Uint8Array,
      aad?: Uint8Array,
    ): Promise<Uint8Array> {
      assertGcmArguments(key, iv, plaintext, 'plaintext', aad);
      const cipher = createCipheriv('aes-256-gcm', key, iv, { authTagLength: AES_GCM_TAG_LENGTH });
      if (aad !== undefined) cipher.setAAD(aad);
      const head = cipher.update(plaintext);
      const tail = cipher.final();
      return concatBytes(head, tail, cipher.getAuthTag());
    },

    async aes256GcmDecrypt(key: Uint8Array, iv: Uint8Array, sealed: Uint8Array, aad?: Uint8Array): Promise<Uint8Array> {
      assertGcmArguments(key, iv, sealed, 'sealed', aad);
      if (sealed.length < AES_GCM_TAG_LENGTH) throw decryptionFailed();
      const split = sealed.length - AES_GCM_TAG_LENGTH;
      // The split above already hands Node exactly 16 tag bytes; authTagLength makes Node itself refuse
      // anything shorter too (by default it accepts tags of 4 bytes), should this code ever change.
      const decipher = createDecipheriv('aes-256-gcm', key, iv, { authTagLength: AES_GCM_TAG_LENGTH });
      decipher.setAuthTag(sealed.subarray(split));
      if (aad !== undefined) decipher.setAAD(aad);
      try {
        const head = decipher.update(sealed.subarray(0, split));
        return concatBytes(head, decipher.final());
      } catch {
        throw decryptionFailed();
      }
    },

    ...postQuantumMethods(randomBytes),
  });
}

/**
 * A plain Uint8Array copy of a Buffer: small Buffers are views into Node's
 * shared pool, and callers compare results with deepStrictEqual.
 */
function copy(bytes: Uint8Array): Uint8Array {
  return new Uint8Array(bytes);
}

function hmac(key: Uint8Array, data: Uint8Array): Uint8Array {
  return copy(createHmac('sha256', key).update(data).digest());
}

/** The raw 32-byte public key: the tail of the RFC 8410 SubjectPublicKeyInfo. */
function x25519Derive(privateKey: KeyObject, publicKey: KeyObject): Uint8Array {
  let shared: Uint8Array;
  try {
    shared = copy(diffieHellman({ privateKey, publicKey }));
  } catch (cause) {
    // OpenSSL 3 fails the derivation itself when the result is all zero (a low-order peer key).
    if ((cause as { code?: unknown } | null)?.code === 'ERR_OSSL_FAILED_DURING_DERIVATION') {
      throw zeroSharedSecret(cause);
    }
    throw cause;
  }
  assertNonZeroSharedSecret(shared);
  return shared;
}

function rawPublicKey(privateKey: KeyObject): Uint8Array {
  const spki = createPublicKey(privateKey).export({ format: 'der', type: 'spki' });
  return copy(spki.subarray(spki.length - 32));
}
