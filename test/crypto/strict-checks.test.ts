/**
 * The shared strictness rules every backend runs before its own arithmetic:
 * src/crypto/ed25519-strict.ts (S < L, canonical encodings, the small-order
 * blocklist) and src/crypto/x25519-public-key.ts (canonical u, on the curve
 * rather than the twist). Each constant is checked against an independent
 * derivation: the blocklist against the 8-torsion subgroup generated with
 * noble's Point arithmetic, L against noble's group order, the Jacobi-symbol
 * curve test against Euler's criterion.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { invert } from '@noble/curves/abstract/modular.js';
import { ed25519 } from '@noble/curves/ed25519.js';
import { numberToBytesLE } from '@noble/curves/utils.js';
import { sha256 } from '@noble/hashes/sha2.js';
import fc from 'fast-check';
import { bytesToHex, readHex, utf8Encode } from '../../src/codec/bytes.js';
import {
  isAcceptableEd25519PublicKey,
  isCanonicalPointEncoding,
  isCanonicalScalar,
  isSmallOrderEncoding,
  passesEd25519StrictChecks,
} from '../../src/crypto/ed25519-strict.js';
import { assertNonZeroSharedSecret, assertX25519PublicKey } from '../../src/crypto/x25519-public-key.js';
import { outcome, refusalCode } from '../helpers/backends.js';
import { onCurveByEuler, P } from '../helpers/curve25519.js';

const { Point } = ed25519;
const L = Point.Fn.ORDER;
const SEED = 20240611;

const le = (value: bigint): Uint8Array => numberToBytesLE(value, 32);

function withSignBit(encoding: Uint8Array): Uint8Array {
  const out = encoding.slice();
  out[31] = (out[31] as number) | 0x80;
  return out;
}

function masked(encoding: Uint8Array): string {
  const out = encoding.slice();
  out[31] = (out[31] as number) & 0x7f;
  return bytesToHex(out);
}

/**
 * A point of order exactly 8. The curve group is Z_L × Z_8, so any point Q
 * splits as Q = Q_L + T: 8Q = 8Q_L, and multiplying by 8⁻¹ mod L gives Q_L,
 * leaving the torsion part T = Q − Q_L. Candidates are decoded from hashes
 * until T has order 8 (4T ≠ O).
 */
function orderEightPoint(): typeof Point.BASE {
  const inverseOfEight = invert(8n, L);
  for (let i = 0; ; i++) {
    let q: typeof Point.BASE;
    try {
      q = Point.fromBytes(sha256(utf8Encode(`xlink torsion candidate ${i}`)));
    } catch {
      continue;
    }
    const t = q.subtract(q.multiplyUnsafe(8n).multiplyUnsafe(inverseOfEight));
    if (!t.multiplyUnsafe(4n).is0()) return t;
  }
}

const torsionPoints = (() => {
  const generator = orderEightPoint();
  const points = [Point.ZERO];
  for (let k = 1; k < 8; k++) points.push((points[k - 1] as typeof Point.BASE).add(generator));
  return points;
})();

test('the 8-torsion subgroup generated here has 8 distinct points, each of order dividing 8', () => {
  const encodings = new Set(torsionPoints.map((point) => bytesToHex(point.toBytes())));
  assert.equal(encodings.size, 8);
  for (const point of torsionPoints) assert.ok(point.multiplyUnsafe(8n).is0());
  // Sign bit masked, ±x share a y: orders 1 and 2 have x = 0, so 5 distinct y remain.
  assert.equal(new Set(torsionPoints.map((point) => masked(point.toBytes()))).size, 5);
});

test('the small-order blocklist is exactly the 8 torsion points (sign bit masked)', () => {
  const expected = [...new Set(torsionPoints.map((point) => masked(point.toBytes())))].sort();
  // The list is private to the module, so read it from the source: only an exact
  // comparison proves it holds no extra entry and misses none.
  const source = readFileSync(new URL('../../src/crypto/ed25519-strict.ts', import.meta.url), 'utf8');
  const block = source.match(/const SMALL_ORDER_Y\b([\s\S]*?)\]\.map\(/);
  assert.ok(block?.[1] !== undefined, 'SMALL_ORDER_Y not found in ed25519-strict.ts');
  const listed = [...block[1].matchAll(/'([0-9a-f]{64})'/g)].map((match) => match[1]);
  assert.deepEqual([...listed].sort(), expected);

  // And the behaviour: members with either sign bit are caught…
  for (const point of torsionPoints) {
    assert.equal(isSmallOrderEncoding(point.toBytes()), true);
    assert.equal(isSmallOrderEncoding(withSignBit(point.toBytes())), true);
    assert.equal(isAcceptableEd25519PublicKey(point.toBytes()), false);
  }
  // …every single-bit neighbour that is not itself a member is not…
  for (const member of expected) {
    for (let bit = 0; bit < 255; bit++) {
      const probe = readHex(member);
      probe[bit >> 3] = (probe[bit >> 3] as number) ^ (1 << (bit & 7));
      assert.equal(isSmallOrderEncoding(probe), expected.includes(masked(probe)), `${member} bit ${bit}`);
    }
  }
  // …nor are points of prime order or of mixed order (P + T with T ≠ O).
  for (let k = 1n; k <= 50n; k++) {
    const point = Point.BASE.multiply(k * 7919n);
    assert.equal(isSmallOrderEncoding(point.toBytes()), false);
    for (const t of torsionPoints.slice(1)) assert.equal(isSmallOrderEncoding(point.add(t).toBytes()), false);
  }
  assert.equal(isSmallOrderEncoding(new Uint8Array(31)), false);
});

test('non-canonical aliases y + p of small-order points are refused as non-canonical', () => {
  // Only y = 0 and y = 1 have an alias below 2^255 (y + p needs y < 19, and no other small-order y is that small).
  for (const y of [0n, 1n]) {
    for (const alias of [le(y + P), withSignBit(le(y + P))]) {
      assert.equal(isCanonicalPointEncoding(alias), false);
      assert.equal(isSmallOrderEncoding(alias), false);
      assert.equal(isAcceptableEd25519PublicKey(alias), false);
    }
  }
});

test('isCanonicalScalar: the bound is exactly noble’s group order L', () => {
  // A comparison against a constant that holds for L − 1 and fails for L has that constant equal to L.
  assert.equal(isCanonicalScalar(le(L - 1n)), true);
  assert.equal(isCanonicalScalar(le(L)), false);
  assert.equal(isCanonicalScalar(le(0n)), true);
  assert.equal(isCanonicalScalar(le(L + 1n)), false);
  assert.equal(isCanonicalScalar(le(2n ** 256n - 1n)), false);
  // Byte by byte, so a comparison that skipped a byte would show too.
  const lBytes = le(L);
  for (let i = 0; i < 32; i++) {
    if ((lBytes[i] as number) > 0) {
      const below = lBytes.slice();
      below[i] = (below[i] as number) - 1;
      assert.equal(isCanonicalScalar(below), true, `L with byte ${i} decremented`);
    }
    if ((lBytes[i] as number) < 255) {
      const above = lBytes.slice();
      above[i] = (above[i] as number) + 1;
      assert.equal(isCanonicalScalar(above), false, `L with byte ${i} incremented`);
    }
  }
  assert.equal(isCanonicalScalar(le(L - 1n).subarray(0, 31)), false);
});

test('isCanonicalPointEncoding refuses y = p … 2^255 − 1 and accepts every y < p', () => {
  for (let y = P; y < 2n ** 255n; y++) {
    assert.equal(isCanonicalPointEncoding(le(y)), false, `y = p + ${y - P}`);
    assert.equal(isCanonicalPointEncoding(withSignBit(le(y))), false, `y = p + ${y - P}, sign bit set`);
  }
  for (const y of [0n, 1n, P - 1n, P - 2n, 2n ** 254n]) {
    assert.equal(isCanonicalPointEncoding(le(y)), true);
    assert.equal(isCanonicalPointEncoding(withSignBit(le(y))), true);
  }
  for (const sample of fc.sample(fc.bigInt(0n, P - 1n), { seed: SEED, numRuns: 2000 })) {
    assert.equal(isCanonicalPointEncoding(le(sample)), true, `y = ${sample}`);
  }
  assert.equal(isCanonicalPointEncoding(new Uint8Array(33)), false);
});

test('passesEd25519StrictChecks: a valid signature passes; S + L, small-order R and bad lengths do not', () => {
  const seed = new Uint8Array(32).fill(1);
  const message = utf8Encode('strict');
  const publicKey = ed25519.getPublicKey(seed);
  const signature = ed25519.sign(message, seed);
  assert.equal(passesEd25519StrictChecks(publicKey, signature), true);
  const s = signature.subarray(32);
  let sValue = 0n;
  for (let i = 31; i >= 0; i--) sValue = (sValue << 8n) | BigInt(s[i] as number);
  const malleated = signature.slice();
  malleated.set(le(sValue + L), 32);
  assert.equal(passesEd25519StrictChecks(publicKey, malleated), false);
  for (const point of torsionPoints) {
    const smallR = signature.slice();
    smallR.set(point.toBytes(), 0);
    assert.equal(passesEd25519StrictChecks(publicKey, smallR), false);
  }
  assert.equal(passesEd25519StrictChecks(publicKey, signature.subarray(0, 63)), false);
  assert.equal(passesEd25519StrictChecks(publicKey.subarray(0, 31), signature), false);
});

test('passesEd25519StrictChecks refuses a non-canonical R (y >= p) beside an otherwise valid signature', () => {
  const seed = new Uint8Array(32).fill(2);
  const message = utf8Encode('non-canonical R');
  const publicKey = ed25519.getPublicKey(seed);
  const signature = ed25519.sign(message, seed);
  assert.equal(passesEd25519StrictChecks(publicKey, signature), true);
  // y = p + 1 aliases the identity (y = 1) and y = p + 5 aliases y = 5; neither is on the small-order
  // blocklist as written, so only the canonical-encoding check refuses them.
  const aliases = [readHex('eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f'), le(P + 5n)];
  assert.deepEqual(aliases[0], le(P + 1n));
  for (const r of aliases.flatMap((alias) => [alias, withSignBit(alias)])) {
    assert.equal(isSmallOrderEncoding(r), false);
    const forged = signature.slice();
    forged.set(r, 0);
    assert.equal(passesEd25519StrictChecks(publicKey, forged), false, bytesToHex(r));
  }
});

async function x25519Verdict(publicKey: Uint8Array): Promise<string> {
  const result = await outcome(async () => assertX25519PublicKey(publicKey));
  return result.ok ? 'accepted' : result.code;
}

test('the Jacobi-symbol curve check agrees with Euler’s criterion on 2000 random u', async () => {
  const tally = { curve: 0, twist: 0 };
  const samples = fc.sample(fc.bigInt(0n, P - 1n), { seed: SEED, numRuns: 2000 });
  for (const u of [0n, 1n, 2n, 9n, P - 2n, P - 1n, ...samples]) {
    const onCurve = onCurveByEuler(u);
    tally[onCurve ? 'curve' : 'twist']++;
    assert.equal(await x25519Verdict(le(u)), onCurve ? 'accepted' : 'INVALID_PUBLIC_KEY:NOT_ON_CURVE', `u = ${u}`);
  }
  // About half of all u lie on the twist; both branches must have been exercised.
  assert.ok(tally.curve > 800 && tally.twist > 800, `curve ${tally.curve}, twist ${tally.twist}`);
});

test('X25519 keys: non-canonical refused as NON_CANONICAL, twist as NOT_ON_CURVE, zero secret as ECDH_FAILED', async () => {
  for (let u = P; u < 2n ** 255n; u++) {
    assert.equal(await x25519Verdict(le(u)), 'INVALID_PUBLIC_KEY:NON_CANONICAL', `u = p + ${u - P}`);
  }
  // The top bit set on an otherwise good key (the base point u = 9): RFC 7748 would mask it, xlink refuses it.
  assert.equal(await x25519Verdict(le(9n)), 'accepted');
  assert.equal(await x25519Verdict(withSignBit(le(9n))), 'INVALID_PUBLIC_KEY:NON_CANONICAL');
  assert.equal(await x25519Verdict(le(2n ** 256n - 1n)), 'INVALID_PUBLIC_KEY:NON_CANONICAL');
  const twist = fc.sample(fc.bigInt(0n, P - 1n), { seed: SEED + 1, numRuns: 200 }).filter((u) => !onCurveByEuler(u));
  assert.ok(twist.length > 0);
  for (const u of twist) assert.equal(await x25519Verdict(le(u)), 'INVALID_PUBLIC_KEY:NOT_ON_CURVE', `u = ${u}`);

  assert.equal(
    await refusalCode(async () => assertNonZeroSharedSecret(new Uint8Array(32))),
    'ECDH_FAILED:ZERO_SHARED_SECRET',
  );
  const nonZero = new Uint8Array(32);
  nonZero[31] = 1;
  assert.equal((await outcome(async () => assertNonZeroSharedSecret(nonZero))).ok, true);
});
