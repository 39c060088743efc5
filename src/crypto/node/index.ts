/**
 * The `node` crypto backend: node:crypto (OpenSSL) for everything Node has
 * natively, @noble/post-quantum for ML-KEM-768 and ML-DSA-65.
 *
 *   import { createNodeCrypto } from 'xlink/crypto/node';
 *   const crypto = createNodeCrypto();
 *   const verifier = crypto.ed25519Verifier(publicKey); // a KeyObject, imported once
 *   const ok = verifier.verify(message, signature);
 *
 * Limits: Node only (Buffer, OpenSSL). It adds the rules provider.ts states on
 * top of OpenSSL's defaults: strict Ed25519 verification, X25519 peer-key
 * checks, 16-byte GCM tags only, HKDF info of any length. Keys are prepared
 * once, so a prepared signer or verifier costs only the operation; private
 * keys enter as raw JWK `d` (about 30 µs), never PKCS#8 (OpenSSL 3's decoder
 * takes ~0.4 ms, ten times a signature: a factory deriving thousands of
 * identities paid most of its time there).
 * Randomness is node:crypto's CSPRNG. Every method answers synchronously.
 */
import {
  createCipheriv,
  createDecipheriv,
  createHash,
  createHmac,
  createPrivateKey,
  createPublicKey,
  diffieHellman,
  generateKeyPairSync,
  hkdfSync,
  type KeyObject,
  randomFillSync,
  sign,
  timingSafeEqual,
  verify,
} from 'node:crypto';
import { base64urlEncode } from '../../codec/base64url.js';
import { assertBytes, concatBytes, copyBytes } from '../../codec/bytes.js';
import { assertByteCount, assertGcmArguments, decryptionFailed, RANDOM_BYTES_MAX } from '../arguments.js';
import { isAcceptableEd25519PublicKey, passesEd25519SignatureChecks } from '../ed25519-strict.js';
import { hkdfSha256WithHmac } from '../hkdf-with-hmac.js';
import { mlDsa65 } from '../ml-dsa.js';
import { mlKem768 } from '../ml-kem.js';
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

/** node:crypto refuses a longer HKDF info; RFC 5869 sets no limit, so longer ones take the HMAC path. */
const NODE_HKDF_INFO_MAX = 1024;
const SHA256_LENGTH = 32;

export function createNodeCrypto(): CryptoProvider {
  const random = new RandomBatch();
  function randomBytes(length: number): Uint8Array {
    assertByteCount(length, 'length', RANDOM_BYTES_MAX);
    return random.take(length);
  }

  return Object.freeze({
    name: 'node',
    randomBytes,

    sha256(data: Uint8Array): Uint8Array {
      assertBytes(data, 'data');
      return copy(createHash('sha256').update(data).digest());
    },

    sha512(data: Uint8Array): Uint8Array {
      assertBytes(data, 'data');
      return copy(createHash('sha512').update(data).digest());
    },

    hmacSha256(key: Uint8Array, data: Uint8Array): Uint8Array {
      assertBytes(key, 'key');
      assertBytes(data, 'data');
      return hmac(key, data);
    },

    hmacSha256Verify(key: Uint8Array, data: Uint8Array, tag: Uint8Array): boolean {
      assertBytes(key, 'key');
      assertBytes(data, 'data');
      assertBytes(tag, 'tag');
      if (tag.length !== SHA256_LENGTH) return false;
      return timingSafeEqual(hmac(key, data), tag);
    },

    hkdfSha256(ikm: Uint8Array, salt: Uint8Array, info: Uint8Array, length: number): Uint8Array | Promise<Uint8Array> {
      assertBytes(ikm, 'ikm');
      assertBytes(salt, 'salt');
      assertBytes(info, 'info');
      assertByteCount(length, 'length', HKDF_SHA256_MAX_LENGTH);
      if (info.length > NODE_HKDF_INFO_MAX) return hkdfSha256WithHmac(hmac, ikm, salt, info, length);
      return new Uint8Array(hkdfSync('sha256', ikm, salt, info, length));
    },

    ed25519Signer(seed: Uint8Array): Ed25519Signer {
      assertBytes(seed, 'seed', ED25519_KEY_LENGTH);
      const key = privateKeyObject('Ed25519', seed);
      return {
        publicKey: rawPublicKey(key),
        sign(message: Uint8Array): Uint8Array {
          assertBytes(message, 'message');
          return copy(sign(null, message, key));
        },
      };
    },

    ed25519Verifier(publicKey: Uint8Array): Ed25519Verifier {
      assertBytes(publicKey, 'publicKey');
      const raw = copyBytes(publicKey);
      // OpenSSL alone accepts e.g. any message under the identity key: such keys verify nothing.
      const key = isAcceptableEd25519PublicKey(raw) ? publicKeyObject('Ed25519', raw) : undefined;
      return {
        publicKey: raw,
        verify(message: Uint8Array, signature: Uint8Array): boolean {
          assertBytes(message, 'message');
          assertBytes(signature, 'signature');
          if (key === undefined || !passesEd25519SignatureChecks(signature)) return false;
          try {
            return verify(null, message, key, signature);
          } catch {
            return false;
          }
        },
      };
    },

    x25519PrivateKey(secretKey: Uint8Array): X25519PrivateKey {
      assertBytes(secretKey, 'secretKey', X25519_KEY_LENGTH);
      const key = privateKeyObject('X25519', secretKey);
      return {
        publicKey: rawPublicKey(key),
        sharedSecret(peerPublicKey: Uint8Array): Uint8Array {
          return x25519Derive(key, peerKeyObject(peerPublicKey));
        },
      };
    },

    x25519Ephemeral(peerPublicKey: Uint8Array): X25519Ephemeral {
      const peer = peerKeyObject(peerPublicKey);
      // Generated inside OpenSSL: no PKCS#8 round trip for a key used once.
      const { privateKey } = generateKeyPairSync('x25519');
      return { ephemeralPublicKey: rawPublicKey(privateKey), sharedSecret: x25519Derive(privateKey, peer) };
    },

    aes256GcmEncrypt(key: Uint8Array, iv: Uint8Array, plaintext: Uint8Array, aad?: Uint8Array): Uint8Array {
      assertGcmArguments(key, iv, plaintext, 'plaintext', aad);
      const cipher = createCipheriv('aes-256-gcm', key, iv, { authTagLength: AES_GCM_TAG_LENGTH });
      if (aad !== undefined) cipher.setAAD(aad);
      const head = cipher.update(plaintext);
      const tail = cipher.final();
      return concatBytes(head, tail, cipher.getAuthTag());
    },

    aes256GcmDecrypt(key: Uint8Array, iv: Uint8Array, sealed: Uint8Array, aad?: Uint8Array): Uint8Array {
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

    ...mlKem768(randomBytes),
    ...mlDsa65(randomBytes),
  });
}

/**
 * OpenSSL's RNG costs about 2 µs a call whatever the size, and every envelope
 * draws a nonce and an IV: small requests are cut from a batch drawn at once.
 * Each byte is handed out once, and zeroed here as it is.
 */
class RandomBatch {
  #batch = new Uint8Array(0);
  #offset = 0;

  take(length: number): Uint8Array {
    if (length > RANDOM_BATCH_BYTES / 8) return randomFillSync(new Uint8Array(length));
    if (this.#offset + length > this.#batch.length) {
      this.#batch = randomFillSync(new Uint8Array(RANDOM_BATCH_BYTES));
      this.#offset = 0;
    }
    const end = this.#offset + length;
    const out = this.#batch.slice(this.#offset, end);
    this.#batch.fill(0, this.#offset, end);
    this.#offset = end;
    return out;
  }
}

const RANDOM_BATCH_BYTES = 4096;

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

/**
 * Node imports a JWK OKP private key from `d` alone (EVP_PKEY_new_raw_private_key,
 * the public key computed from it): `x` must be a string but is not read, so
 * it is left empty rather than guessed. Same key as the PKCS#8 form
 * (test/crypto/node-backend.test.ts compares both).
 */
function privateKeyObject(curve: 'Ed25519' | 'X25519', secret: Uint8Array): KeyObject {
  return createPrivateKey({ key: { kty: 'OKP', crv: curve, d: base64urlEncode(secret), x: '' }, format: 'jwk' });
}

/** A JWK public key imports in about 15 µs, SPKI DER in about 150. */
function publicKeyObject(curve: 'Ed25519' | 'X25519', raw: Uint8Array): KeyObject | undefined {
  try {
    return createPublicKey({ key: { kty: 'OKP', crv: curve, x: base64urlEncode(raw) }, format: 'jwk' });
  } catch {
    return undefined;
  }
}

/** The peer's key, after xlink's canonical and on-curve rule. */
function peerKeyObject(peerPublicKey: Uint8Array): KeyObject {
  assertBytes(peerPublicKey, 'publicKey', X25519_KEY_LENGTH);
  assertX25519PublicKey(peerPublicKey);
  const key = publicKeyObject('X25519', peerPublicKey);
  // A canonical on-curve u always imports; this only guards against an OpenSSL surprise.
  if (key === undefined) throw zeroSharedSecret();
  return key;
}

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

/**
 * The raw 32-byte public key, from the JWK export (RFC 8037 `x`): OpenSSL 3
 * exports SPKI DER in about 70 µs and JWK in about 1, and an ephemeral key
 * pays this once per envelope.
 */
function rawPublicKey(privateKey: KeyObject): Uint8Array {
  const { x } = createPublicKey(privateKey).export({ format: 'jwk' });
  return new Uint8Array(Buffer.from(x as string, 'base64url'));
}
