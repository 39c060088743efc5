import { readHex } from '../codec/bytes.js';

/**
 * Byte-level checks that make Ed25519 verification strict RFC 8032 in every
 * backend. Node's native verify and noble's default (`zip215: true`) accept a
 * signature under the identity key for any message; these checks close that,
 * before any curve arithmetic runs, with no BigInt (so ES5 engines can use them).
 *
 * Rejected: S >= L (malleability), non-canonical encodings of A or R (y >= p),
 * and A or R among the eight small-order points (libsodium's blocklist).
 */

/** The group order L = 2^252 + 27742317777372353535851937790883648493, little-endian. */
const ORDER_L_LE: Uint8Array = /* @__PURE__ */ new Uint8Array([
  0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde, 0x14, 0, 0, 0, 0, 0, 0, 0,
  0, 0, 0, 0, 0, 0, 0, 0, 0x10,
]);

/**
 * The y-coordinates (sign bit masked) of the eight small-order points: y = 1
 * (order 1), y = p - 1 (order 2), y = 0 (order 4) and the two order-8 values.
 * Non-canonical aliases (y + p) are refused earlier by `isCanonicalPointEncoding`.
 */
const SMALL_ORDER_Y: readonly Uint8Array[] = /* @__PURE__ */ [
  '0100000000000000000000000000000000000000000000000000000000000000',
  'ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
  '0000000000000000000000000000000000000000000000000000000000000000',
  '26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05',
  'c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a',
].map(readHex);

/** True when the 32-byte little-endian scalar is below the group order L. */
export function isCanonicalScalar(scalar: Uint8Array): boolean {
  if (scalar.length !== 32) return false;
  for (let i = 31; i >= 0; i--) {
    const a = scalar[i] as number;
    const b = ORDER_L_LE[i] as number;
    if (a !== b) return a < b;
  }
  return false;
}

/** True when the encoded y-coordinate (sign bit masked) is below p = 2^255 - 19. */
export function isCanonicalPointEncoding(point: Uint8Array): boolean {
  if (point.length !== 32) return false;
  if (((point[31] as number) & 0x7f) !== 0x7f) return true;
  for (let i = 30; i > 0; i--) if (point[i] !== 0xff) return true;
  return (point[0] as number) < 0xed;
}

/** True when the encoding names one of the eight small-order points. */
export function isSmallOrderEncoding(point: Uint8Array): boolean {
  if (point.length !== 32) return false;
  for (const y of SMALL_ORDER_Y) {
    let diff = 0;
    for (let i = 0; i < 32; i++) {
      const expected = y[i] as number;
      const actual = i === 31 ? (point[i] as number) & 0x7f : (point[i] as number);
      diff |= expected ^ actual;
    }
    if (diff === 0) return true;
  }
  return false;
}

/** A public key xlink accepts: 32 bytes, canonical, not small order. */
export function isAcceptableEd25519PublicKey(publicKey: Uint8Array): boolean {
  return publicKey.length === 32 && isCanonicalPointEncoding(publicKey) && !isSmallOrderEncoding(publicKey);
}

/** The checks every backend runs before its own curve arithmetic. */
export function passesEd25519StrictChecks(publicKey: Uint8Array, signature: Uint8Array): boolean {
  return isAcceptableEd25519PublicKey(publicKey) && passesEd25519SignatureChecks(signature);
}

/**
 * The signature's share of those checks (R canonical and not of small order,
 * S < L), for a prepared verifier that checked its key once when it was made.
 */
export function passesEd25519SignatureChecks(signature: Uint8Array): boolean {
  if (signature.length !== 64) return false;
  const r = signature.subarray(0, 32);
  return isCanonicalPointEncoding(r) && !isSmallOrderEncoding(r) && isCanonicalScalar(signature.subarray(32));
}
