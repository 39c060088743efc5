/**
 * The seam between xlink and crypto implementations, as small capabilities.
 * Each function asks for the narrowest set it uses, so a device that only
 * signs bundles Ed25519 and SHA-2 and nothing else; the Agent takes them all.
 *
 *   import { createNobleCrypto } from 'xlink/crypto/noble';
 *   const crypto = createNobleCrypto({ random: (n) => device.rng(n) });
 *   const signer = await crypto.ed25519Signer(seed);     // key prepared once
 *   const signature = await signer.sign(message);        // per message: the signature only
 *
 * Backends: `node` (node:crypto), `webcrypto` (crypto.subtle), `noble` (pure
 * JS, assembled from separately importable parts); the name is open, so a
 * no-BigInt backend for ES5 engines joins without changing this file. The
 * caller picks a backend at its entry point and passes it in; nothing in
 * xlink detects the runtime.
 *
 * Every backend enforces the same rules, stricter than some native defaults:
 * - Ed25519 verification is strict RFC 8032 and cofactorless: S < L, canonical
 *   A and R, and small-order A or R rejected (see ed25519-strict.ts).
 * - X25519 rejects non-canonical and off-curve (twist) public keys and an
 *   all-zero shared secret (see x25519-public-key.ts).
 * - AES-256-GCM takes only 32-byte keys, 12-byte IVs and 16-byte tags.
 * Methods return `Awaitable` values: the noble and node backends answer
 * synchronously, Web Crypto cannot; callers `await` either.
 *
 * Failures throw `XlinkError` with a catalogue code: bad arguments
 * `INVALID_ARGUMENT`/`INVALID_LENGTH`, rejected keys `INVALID_PUBLIC_KEY:*`,
 * failed decryption the opaque `DECRYPT_FAILED:DECRYPTION`, a failing random
 * source `RANDOM_SOURCE_FAILED`. A signature that does not verify is not an
 * error: verifiers return `false` for any bytes (wrong lengths included).
 */
import type { Awaitable } from '../platform/awaitable.js';

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

/** Fresh random bytes from the source the backend was built with. */
export interface Randomness {
  randomBytes(length: number): Uint8Array;
}

/** An Ed25519 signing key prepared once: its public key derived and any native key object built. */
export interface Ed25519Signer {
  readonly publicKey: Uint8Array;
  sign(message: Uint8Array): Awaitable<Uint8Array>;
}

export interface Ed25519Signing {
  /** Prepares the signing key of a 32-byte seed (RFC 8032 §5.1.5). */
  ed25519Signer(seed: Uint8Array): Awaitable<Ed25519Signer>;
}

/** An Ed25519 public key prepared once for many verifications (a gateway's view of one device). */
export interface Ed25519Verifier {
  readonly publicKey: Uint8Array;
  /** Strict RFC 8032, cofactorless; `false` for anything that does not verify, malformed input included. */
  verify(message: Uint8Array, signature: Uint8Array): Awaitable<boolean>;
}

export interface Ed25519Verifying {
  /** Prepares a 32-byte public key; an unacceptable key (small order, non-canonical) gives a verifier that refuses everything. */
  ed25519Verifier(publicKey: Uint8Array): Awaitable<Ed25519Verifier>;
}

export interface Hashing {
  sha256(data: Uint8Array): Awaitable<Uint8Array>;
  sha512(data: Uint8Array): Awaitable<Uint8Array>;
  /** Full 32-byte HMAC-SHA256 tag. */
  hmacSha256(key: Uint8Array, data: Uint8Array): Awaitable<Uint8Array>;
  /** Constant-time check of a full 32-byte tag; any other length is `false`. */
  hmacSha256Verify(key: Uint8Array, data: Uint8Array, tag: Uint8Array): Awaitable<boolean>;
  /** RFC 5869 HKDF-SHA256; `length` at most 255 * 32. */
  hkdfSha256(ikm: Uint8Array, salt: Uint8Array, info: Uint8Array, length: number): Awaitable<Uint8Array>;
}

/** An X25519 private key prepared once: its public key derived and any native key object built. */
export interface X25519PrivateKey {
  readonly publicKey: Uint8Array;
  /** Throws `INVALID_PUBLIC_KEY:*` for a rejected peer key, `ECDH_FAILED:ZERO_SHARED_SECRET` for low order. */
  sharedSecret(peerPublicKey: Uint8Array): Awaitable<Uint8Array>;
}

export interface KeyAgreement {
  /** Prepares the X25519 key of a 32-byte secret (RFC 7748 §6.1; clamped where it is used). */
  x25519PrivateKey(secretKey: Uint8Array): Awaitable<X25519PrivateKey>;
  /**
   * A fresh ephemeral key pair and its shared secret with `peerPublicKey`, the
   * per-message key agreement of an envelope. The ephemeral secret never leaves
   * the backend, so a native one need not import it. Same refusals as `sharedSecret`.
   */
  x25519Ephemeral(peerPublicKey: Uint8Array): Awaitable<X25519Ephemeral>;
}

export interface Aead {
  /** Returns ciphertext followed by the 16-byte tag. */
  aes256GcmEncrypt(key: Uint8Array, iv: Uint8Array, plaintext: Uint8Array, aad?: Uint8Array): Awaitable<Uint8Array>;
  /** Takes ciphertext followed by the 16-byte tag; throws the opaque `DECRYPT_FAILED:DECRYPTION`. */
  aes256GcmDecrypt(key: Uint8Array, iv: Uint8Array, sealed: Uint8Array, aad?: Uint8Array): Awaitable<Uint8Array>;
}

export interface PostQuantumKem {
  /** FIPS 203 ML-KEM-768 key pair from a 64-byte seed (d ‖ z). */
  mlKem768KeyPair(seed: Uint8Array): Awaitable<KeyPair>;
  /**
   * Encapsulates to `publicKey`. `entropy` (32 bytes, FIPS 203 `m`) exists for
   * known-answer tests; production callers omit it and get fresh random bytes.
   */
  mlKem768Encapsulate(publicKey: Uint8Array, entropy?: Uint8Array): Awaitable<KemEncapsulation>;
  mlKem768Decapsulate(secretKey: Uint8Array, ciphertext: Uint8Array): Awaitable<Uint8Array>;
}

export interface PostQuantumSignatures {
  /** FIPS 204 ML-DSA-65 key pair from a 32-byte seed (ξ). */
  mlDsa65KeyPair(seed: Uint8Array): Awaitable<KeyPair>;
  /**
   * Hedged signing with an empty context. `entropy` (32 bytes, FIPS 204 `rnd`)
   * exists for known-answer tests; all zeros gives the deterministic variant.
   */
  mlDsa65Sign(secretKey: Uint8Array, message: Uint8Array, entropy?: Uint8Array): Awaitable<Uint8Array>;
  mlDsa65Verify(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): Awaitable<boolean>;
}

/** Every capability: what the Agent and gateways take. */
export interface CryptoProvider
  extends Randomness,
    Ed25519Signing,
    Ed25519Verifying,
    Hashing,
    KeyAgreement,
    Aead,
    PostQuantumKem,
    PostQuantumSignatures {
  /** The backend's name, e.g. "node", "webcrypto", "noble"; open for new backends. */
  readonly name: string;
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
