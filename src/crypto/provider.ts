/**
 * The one seam between xlink and a crypto implementation.
 *
 *   import { createNodeCrypto } from 'xlink/crypto/node';
 *   const crypto = createNodeCrypto();
 *   const signature = await crypto.ed25519Sign(seed, message);
 *
 * Backends: `node` (node:crypto), `webcrypto` (crypto.subtle), `noble` (pure JS).
 * The caller picks one and passes it in; nothing in xlink detects the runtime.
 *
 * Every backend enforces the same rules, stricter than some native defaults:
 * - Ed25519 verification is strict RFC 8032 and cofactorless: S < L, canonical
 *   A and R, and small-order A or R rejected (see ed25519-strict.ts).
 * - X25519 rejects non-canonical and off-curve (twist) public keys and an
 *   all-zero shared secret (see x25519-public-key.ts).
 * - AES-256-GCM takes only 32-byte keys, 12-byte IVs and 16-byte tags.
 * Methods are async because Web Crypto is; `randomBytes` is sync because every
 * platform CSPRNG is.
 *
 * Failures throw `XlinkError` with a catalogue code: bad lengths `INVALID_LENGTH`,
 * rejected keys `INVALID_PUBLIC_KEY:*`, failed decryption the opaque
 * `DECRYPT_FAILED:DECRYPTION`. A signature that does not verify is not an error:
 * verify functions return `false` for any bytes (wrong lengths included) and
 * throw only when an argument is not a Uint8Array.
 */

export interface KeyPair {
  readonly publicKey: Uint8Array;
  readonly secretKey: Uint8Array;
}

export interface KemEncapsulation {
  readonly ciphertext: Uint8Array;
  readonly sharedSecret: Uint8Array;
}

export interface X25519Ephemeral {
  readonly ephemeralPublicKey: Uint8Array;
  readonly sharedSecret: Uint8Array;
}

export type CryptoBackendName = 'node' | 'webcrypto' | 'noble';

export interface CryptoProvider {
  readonly name: CryptoBackendName;

  /** `length` bytes from the platform CSPRNG (or the injected hardware RNG). */
  randomBytes(length: number): Uint8Array;

  sha256(data: Uint8Array): Promise<Uint8Array>;
  sha512(data: Uint8Array): Promise<Uint8Array>;

  /** Full 32-byte HMAC-SHA256 tag. */
  hmacSha256(key: Uint8Array, data: Uint8Array): Promise<Uint8Array>;
  /** Constant-time check of a full 32-byte tag; any other length is `false`. */
  hmacSha256Verify(key: Uint8Array, data: Uint8Array, tag: Uint8Array): Promise<boolean>;

  /** RFC 5869 HKDF-SHA256; `length` at most 255 * 32. */
  hkdfSha256(ikm: Uint8Array, salt: Uint8Array, info: Uint8Array, length: number): Promise<Uint8Array>;

  /** The Ed25519 public key of a 32-byte secret seed (RFC 8032 §5.1.5). */
  ed25519PublicKey(seed: Uint8Array): Promise<Uint8Array>;
  ed25519Sign(seed: Uint8Array, message: Uint8Array): Promise<Uint8Array>;
  /** Strict RFC 8032 verification; malformed, non-canonical or small-order inputs give `false`. */
  ed25519Verify(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): Promise<boolean>;

  /** The X25519 public key of a 32-byte secret (RFC 7748 §6.1). */
  x25519PublicKey(secretKey: Uint8Array): Promise<Uint8Array>;
  /** Throws `INVALID_PUBLIC_KEY:*` for a rejected peer key, `ECDH_FAILED:ZERO_SHARED_SECRET` for low order. */
  x25519SharedSecret(secretKey: Uint8Array, publicKey: Uint8Array): Promise<Uint8Array>;
  /**
   * A fresh ephemeral key pair and its shared secret with `publicKey`, the
   * per-message key agreement of an envelope. The ephemeral secret never leaves
   * the backend, so a native one need not import it (OpenSSL spends ~0.65 ms
   * decoding a PKCS#8 key). Same refusals as `x25519SharedSecret`.
   */
  x25519Ephemeral(publicKey: Uint8Array): Promise<X25519Ephemeral>;

  /** Returns ciphertext followed by the 16-byte tag. */
  aes256GcmEncrypt(key: Uint8Array, iv: Uint8Array, plaintext: Uint8Array, aad?: Uint8Array): Promise<Uint8Array>;
  /** Takes ciphertext followed by the 16-byte tag; throws the opaque `DECRYPT_FAILED:DECRYPTION`. */
  aes256GcmDecrypt(key: Uint8Array, iv: Uint8Array, sealed: Uint8Array, aad?: Uint8Array): Promise<Uint8Array>;

  /** FIPS 203 ML-KEM-768 key pair from a 64-byte seed (d ‖ z). */
  mlKem768KeyPair(seed: Uint8Array): Promise<KeyPair>;
  /**
   * Encapsulates to `publicKey`. `entropy` (32 bytes, FIPS 203 `m`) exists for
   * known-answer tests; production callers omit it and get fresh random bytes.
   */
  mlKem768Encapsulate(publicKey: Uint8Array, entropy?: Uint8Array): Promise<KemEncapsulation>;
  mlKem768Decapsulate(ciphertext: Uint8Array, secretKey: Uint8Array): Promise<Uint8Array>;

  /** FIPS 204 ML-DSA-65 key pair from a 32-byte seed (ξ). */
  mlDsa65KeyPair(seed: Uint8Array): Promise<KeyPair>;
  /**
   * Hedged signing with an empty context. `entropy` (32 bytes, FIPS 204 `rnd`)
   * exists for known-answer tests; all zeros gives the deterministic variant.
   */
  mlDsa65Sign(secretKey: Uint8Array, message: Uint8Array, entropy?: Uint8Array): Promise<Uint8Array>;
  mlDsa65Verify(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): Promise<boolean>;
}

export const ED25519_KEY_LENGTH = 32;
export const ED25519_SIGNATURE_LENGTH = 64;
export const X25519_KEY_LENGTH = 32;
export const AES_256_KEY_LENGTH = 32;
export const AES_GCM_IV_LENGTH = 12;
export const AES_GCM_TAG_LENGTH = 16;
export const HKDF_SHA256_MAX_LENGTH: number = 255 * 32;
export const ML_KEM_768_SEED_LENGTH = 64;
export const ML_KEM_768_PUBLIC_KEY_LENGTH = 1184;
export const ML_KEM_768_SECRET_KEY_LENGTH = 2400;
export const ML_KEM_768_CIPHERTEXT_LENGTH = 1088;
export const ML_DSA_65_SEED_LENGTH = 32;
export const ML_DSA_65_PUBLIC_KEY_LENGTH = 1952;
export const ML_DSA_65_SECRET_KEY_LENGTH = 4032;
export const ML_DSA_65_SIGNATURE_LENGTH = 3309;
