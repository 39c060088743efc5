/**
 * The X25519 public-key rule every backend applies before key agreement.
 * RFC 7748 lets implementations accept any 32 bytes; xlink refuses what an
 * honest peer never sends: a set top bit or u >= p (non-canonical), and a u
 * that lies on the quadratic twist instead of Curve25519. Low-order points on
 * the curve are caught afterwards by the all-zero shared-secret check.
 */
import { type XlinkError, xlinkError } from '../errors.js';

const P: bigint = /* @__PURE__ */ (() => 2n ** 255n - 19n)();
const A = 486662n;

function decodeLittleEndian(bytes: Uint8Array): bigint {
  let value = 0n;
  for (let i = bytes.length - 1; i >= 0; i--) value = (value << 8n) | BigInt(bytes[i] as number);
  return value;
}

/**
 * Jacobi symbol (a/n) for odd n by quadratic reciprocity; for prime n it is the
 * Legendre symbol. Ten times faster than Euler's criterion (a modular power),
 * and the input is a public key, so variable time leaks nothing.
 */
function jacobiSymbol(value: bigint, modulus: bigint): number {
  let a = value % modulus;
  let n = modulus;
  let sign = 1;
  while (a !== 0n) {
    while ((a & 1n) === 0n) {
      a >>= 1n;
      const r = n & 7n;
      if (r === 3n || r === 5n) sign = -sign;
    }
    [a, n] = [n, a];
    if ((a & 3n) === 3n && (n & 3n) === 3n) sign = -sign;
    a %= n;
  }
  return n === 1n ? sign : 0;
}

/**
 * Throws `INVALID_PUBLIC_KEY:NON_CANONICAL` or `INVALID_PUBLIC_KEY:NOT_ON_CURVE`
 * unless `publicKey` is a canonical u-coordinate of a point on Curve25519.
 */
export function assertX25519PublicKey(publicKey: Uint8Array): void {
  const u = decodeLittleEndian(publicKey);
  if (u >= P) {
    throw xlinkError('INVALID_PUBLIC_KEY:NON_CANONICAL', 'X25519 public key is not a canonical u-coordinate', {
      field: 'publicKey',
    });
  }
  // u is on the curve iff v^2 = u^3 + A u^2 + u has a solution v.
  const rhs = (((u * u) % P) * (u + A) + u) % P;
  if (jacobiSymbol(rhs, P) < 0) {
    throw xlinkError('INVALID_PUBLIC_KEY:NOT_ON_CURVE', 'X25519 public key lies on the twist, not on Curve25519', {
      field: 'publicKey',
    });
  }
}

/** Throws `ECDH_FAILED:ZERO_SHARED_SECRET` when a low-order peer key forced an all-zero secret. */
export function assertNonZeroSharedSecret(shared: Uint8Array): void {
  let bits = 0;
  for (const byte of shared) bits |= byte;
  if (bits === 0) throw zeroSharedSecret();
}

/** The error for an all-zero secret, also when a native library refused to produce one. */
export function zeroSharedSecret(cause?: unknown): XlinkError {
  return xlinkError(
    'ECDH_FAILED:ZERO_SHARED_SECRET',
    'X25519 shared secret is all zero',
    cause === undefined ? {} : { cause },
  );
}
