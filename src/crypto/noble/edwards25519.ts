/**
 * The edwards25519 group for the noble parts, built from noble's audited
 * generic Edwards code with xlink's random source for scalar blinding.
 *
 *   const { Point } = edwards25519(random);
 *   const publicKey = Point.BASE.multiply(scalar).toBytes(); // constant-time, blinded with `random`
 *
 * Why not `ed25519` from @noble/curves: that instance is built when its module
 * is imported, probing `globalThis.crypto.getRandomValues` for its blinding
 * randomness and silently blinding nothing where the engine has none (Moddable
 * XS, QuickJS). Here the group exists only once a backend part asks for it,
 * with the source the entry point injected; the curve constants are RFC 8032
 * §5.1's, and the known-answer and RFC vectors pin the arithmetic.
 *
 * One group per random source (a WeakMap), so the Ed25519 and X25519 parts of
 * one backend share the base-point table instead of each building its own.
 */
import { edwards } from '@noble/curves/abstract/edwards.js';
import type { RandomSource } from '../../platform/random.js';

/** edwards25519 (RFC 8032 §5.1): p = 2^255 - 19, a = -1, d = -121665/121666, order L, cofactor 8, base point B. */
const CURVE = /* @__PURE__ */ (() => ({
  p: BigInt('0x7fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffed'),
  n: BigInt('0x1000000000000000000000000000000014def9dea2f79cd65812631a5cf5d3ed'),
  h: BigInt(8),
  a: BigInt('0x7fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffec'),
  d: BigInt('0x52036cee2b6ffe738cc740797779e89800700a4d4141d8ab75eb4dca135978a3'),
  Gx: BigInt('0x216936d3cd6e53fec0a4e231fdd6dc5c692cc7609525a7b2c9562d608f25d51a'),
  Gy: BigInt('0x6666666666666666666666666666666666666666666666666666666666666658'),
}))();

/** noble blinds each secret multiplication with 16 random bytes. */
const BLIND_BYTES = 16;

export type EdwardsPoint = ReturnType<typeof edwards>;

/** The RNG signature noble's options declare. */
export type NobleRandomBytes = (length?: number) => Uint8Array<ArrayBuffer>;

export interface Edwards25519 {
  readonly Point: EdwardsPoint;
}

const groups = new WeakMap<RandomSource, Edwards25519>();

/**
 * The group blinded with `random`. noble probes its RNG once, at construction,
 * and disables blinding if the probe fails; so the probe is answered with bytes
 * drawn (and checked) here first: a failing source throws RANDOM_SOURCE_FAILED
 * now instead of quietly turning blinding off.
 */
export function edwards25519(random: RandomSource): Edwards25519 {
  const known = groups.get(random);
  if (known !== undefined) return known;
  let probe: Uint8Array | undefined = random(BLIND_BYTES);
  const answered: RandomSource = (length) => {
    if (probe === undefined || length !== BLIND_BYTES) return random(length);
    const bytes = probe;
    probe = undefined;
    return bytes;
  };
  // noble types its RNG as returning an ArrayBuffer-backed array; any Uint8Array serves it.
  const group = { Point: edwards(CURVE, { randomBytes: answered as NobleRandomBytes }) };
  groups.set(random, group);
  return group;
}
