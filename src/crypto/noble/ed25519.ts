/**
 * Ed25519 in pure JavaScript: the signing and the verifying capability of the
 * noble backend, each importable alone (a sensor that only signs bundles the
 * signer and SHA-512, nothing else).
 *
 *   const signer = nobleEd25519Signing(random).ed25519Signer(seed); // public key derived once
 *   const signature = signer.sign(message);                         // one blinded base multiplication
 *   const ok = nobleEd25519Verifying(random).ed25519Verifier(publicKey).verify(message, signature);
 *
 * Signing is RFC 8032 §5.1.6 over noble's group operations, with the expanded
 * key (scalar, prefix, public key) kept by the prepared signer: noble's own
 * `sign` re-derives the public key on every call, doubling its cost. Secret
 * scalars are multiplied in constant time and blinded with `random`.
 * Verification is strict and cofactorless (see verifyCofactorless below).
 * Limits: needs BigInt; constant-time only as far as a JavaScript engine lets
 * it be. Everything here is synchronous.
 */
import { bytesToNumberLE } from '@noble/curves/utils.js';
import { sha512 } from '@noble/hashes/sha2.js';
import { assertBytes, concatBytes, copyBytes } from '../../codec/bytes.js';
import type { RandomSource } from '../../platform/random.js';
import { isAcceptableEd25519PublicKey, passesEd25519SignatureChecks } from '../ed25519-strict.js';
import {
  ED25519_KEY_LENGTH,
  type Ed25519Signer,
  type Ed25519Signing,
  type Ed25519Verifier,
  type Ed25519Verifying,
} from '../provider.js';
import { type EdwardsPoint, edwards25519 } from './edwards25519.js';

export interface SyncEd25519Signer extends Ed25519Signer {
  sign(message: Uint8Array): Uint8Array;
}

export interface SyncEd25519Verifier extends Ed25519Verifier {
  verify(message: Uint8Array, signature: Uint8Array): boolean;
}

export interface NobleEd25519Signing extends Ed25519Signing {
  ed25519Signer(seed: Uint8Array): SyncEd25519Signer;
}

export interface NobleEd25519Verifying extends Ed25519Verifying {
  ed25519Verifier(publicKey: Uint8Array): SyncEd25519Verifier;
}

export interface NobleEd25519SigningOptions {
  /**
   * The width W of the base-point table noble precomputes, the memory/time
   * dial of a device: noble's default 6 holds about 2,100 points (over a MB
   * in QuickJS), 1 holds none and multiplies through a small fixed window
   * built per signature. BENCHMARKS.md (devices) shows the trade-off.
   */
  readonly baseWindow?: number;
}

/** Signing: secret multiplications are blinded with `random`. */
export function nobleEd25519Signing(
  random: RandomSource,
  options: NobleEd25519SigningOptions = {},
): NobleEd25519Signing {
  const { Point } = edwards25519(random);
  // Shared by every part of this random source's group: the last setting wins, and drops any table already built.
  if (options.baseWindow !== undefined) Point.BASE.precompute(options.baseWindow);
  return {
    ed25519Signer(seed) {
      assertBytes(seed, 'seed', ED25519_KEY_LENGTH);
      // RFC 8032 §5.1.5: h = SHA-512(seed); the clamped first half is the scalar, the second half the prefix.
      const hashed = sha512(seed);
      const scalar = Point.Fn.create(bytesToNumberLE(clamp(hashed.slice(0, 32))));
      const prefix = hashed.slice(32);
      const publicKey = Point.BASE.multiply(scalar).toBytes();
      return {
        publicKey: publicKey.slice(),
        sign(message) {
          assertBytes(message, 'message');
          // Snapshot: the nonce and the challenge must hash the same bytes even if the caller's array changes.
          const m = copyBytes(message);
          const r = Point.Fn.create(bytesToNumberLE(sha512(concatBytes(prefix, m))));
          const rBytes = Point.BASE.multiply(r).toBytes();
          const k = Point.Fn.create(bytesToNumberLE(sha512(concatBytes(rBytes, publicKey, m))));
          return concatBytes(rBytes, Point.Fn.toBytes(Point.Fn.add(r, Point.Fn.mul(k, scalar))));
        },
      };
    },
  };
}

/** Verifying: public data only, on the same group as the signer of the same `random`. */
export function nobleEd25519Verifying(random: RandomSource): NobleEd25519Verifying {
  const { Point } = edwards25519(random);
  return {
    ed25519Verifier(publicKey) {
      assertBytes(publicKey, 'publicKey');
      const key = copyBytes(publicKey);
      const a = decodeAcceptableKey(Point, key);
      return {
        publicKey: key,
        verify(message, signature) {
          assertBytes(message, 'message');
          assertBytes(signature, 'signature');
          if (a === undefined || !passesEd25519SignatureChecks(signature)) return false;
          try {
            return verifyCofactorless(Point, a, key, message, signature);
          } catch {
            return false;
          }
        },
      };
    },
  };
}

/** RFC 8032 §5.1.5 pruning of the scalar half of the hashed seed (in place). */
function clamp(bytes: Uint8Array): Uint8Array {
  bytes[0] = (bytes[0] as number) & 248;
  bytes[31] = ((bytes[31] as number) & 127) | 64;
  return bytes;
}

type Point = InstanceType<EdwardsPoint>;

/** The decoded point of a key xlink accepts (canonical, not of small order), or undefined. */
function decodeAcceptableKey(Point: EdwardsPoint, publicKey: Uint8Array): Point | undefined {
  if (!isAcceptableEd25519PublicKey(publicKey)) return undefined;
  try {
    // zip215 = false: canonical encodings only, as RFC 8032 requires.
    return Point.fromBytes(publicKey, false);
  } catch {
    return undefined;
  }
}

/**
 * RFC 8032 §5.1.7 verification with the cofactorless equation [S]B = R + [k]A.
 *
 * §5.1.7 allows either this or the cofactored [8][S]B = [8]R + [8][k]A, and
 * noble's `verify` checks the cofactored one, while node:crypto (OpenSSL) and
 * Web Crypto check the cofactorless one. They disagree when A or R carries a
 * small-order (torsion) component: a key A' = aB + T with T of order 8 makes
 * noble accept signatures that OpenSSL rejects. Every xlink backend must accept
 * exactly the same signatures, so this one does the arithmetic itself. The
 * caller has already checked A (decodeAcceptableKey) and R and S (passesEd25519SignatureChecks), so S < L and both A and R
 * are canonical and not of small order.
 */
function verifyCofactorless(
  Point: EdwardsPoint,
  a: Point,
  publicKey: Uint8Array,
  message: Uint8Array,
  signature: Uint8Array,
): boolean {
  const rBytes = signature.subarray(0, 32);
  const r = Point.fromBytes(rBytes, false);
  const s = bytesToNumberLE(signature.subarray(32));
  const k = Point.Fn.create(bytesToNumberLE(sha512(concatBytes(rBytes, publicKey, message))));
  // Public scalars, so the variable-time multiplication is fine; unlike `multiply`,
  // it also takes S = 0, which RFC 8032 does not exclude.
  return Point.BASE.multiplyUnsafe(s).equals(r.add(a.multiplyUnsafe(k)));
}
