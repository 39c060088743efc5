/**
 * Arithmetic in the ring R_p = GF(2)[x] / (1 + x + … + x^(p−1)), p an odd
 * prime, on elements small enough to be bit masks (bit t is the coefficient
 * of x^t, t < p − 1). The threshold scheme (threshold.ts) never multiplies
 * data here: it only needs the Lagrange coefficients, a handful of masks per
 * reconstruction, and then applies them to shares as XORs of shifted pieces.
 *
 *   const lambda = lagrangeAtZero(5, [0, 2, 3]); // masks over x^0..x^3, one per share
 *
 * Why this ring: x^p = 1 in it (1 + x + … + x^(p−1) divides x^p − 1), so
 * multiplying by x^e is a rotation of pieces plus one XOR, and x^a − x^b is a
 * unit for a ≢ b (mod p) because gcd(x^d − 1, M_p) = 1 for 0 < d < p (the
 * only common factor of x^d − 1 and x^p − 1 is x − 1, and M_p(1) = p mod 2 = 1).
 * That is all Shamir's argument needs; see docs/split-channel.md.
 */

/** Product of two masks in GF(2)[x] (carry-less), no reduction. */
function carrylessMultiply(a: number, b: number): number {
  let product = 0;
  for (let bit = 0; b >>> bit !== 0; bit++) if ((b >>> bit) & 1) product ^= a << bit;
  return product;
}

/** Degree of a non-zero mask. */
function degree(a: number): number {
  return 31 - Math.clz32(a);
}

/** a mod b in GF(2)[x], b non-zero. */
function remainder(a: number, b: number): number {
  const db = degree(b);
  let r = a;
  while (r !== 0 && degree(r) >= db) r ^= b << (degree(r) - db);
  return r;
}

/** M_p = 1 + x + … + x^(p−1) as a mask. */
function modulus(p: number): number {
  return (1 << p) - 1;
}

/** a · b in R_p; both inputs reduced (degree < p − 1), so the product fits 32 bits for p ≤ 17. */
export function multiply(p: number, a: number, b: number): number {
  return remainder(carrylessMultiply(a, b), modulus(p));
}

/** a⁻¹ in R_p by the extended Euclidean algorithm; a must be a unit (every x^a − x^b with a ≢ b is). */
export function inverse(p: number, a: number): number {
  let [r0, r1] = [modulus(p), a];
  let [s0, s1] = [0, 1];
  while (r1 !== 0) {
    let quotient = 0;
    let r = r0;
    const d1 = degree(r1);
    while (r !== 0 && degree(r) >= d1) {
      quotient ^= 1 << (degree(r) - d1);
      r ^= r1 << (degree(r) - d1);
    }
    [r0, r1] = [r1, r];
    [s0, s1] = [s1, s0 ^ carrylessMultiply(quotient, s1)];
  }
  if (r0 !== 1) throw new RangeError(`mask ${a} is not a unit of R_${p}`); // unreachable for distinct points
  return remainder(s0, modulus(p));
}

/** x^e in R_p, e in 0..p−1 (x^(p−1) reduces to 1 + x + … + x^(p−2)). */
export function powerOfX(p: number, e: number): number {
  return e === p - 1 ? modulus(p - 1) : 1 << e;
}

/**
 * The Lagrange coefficients λ_j = Π_{l≠j} α_l / (α_l − α_j) at 0 for the
 * points α_j = x^(exponents[j]), so that S = Σ λ_j · y_j. In GF(2) minus is plus.
 */
export function lagrangeAtZero(p: number, exponents: readonly number[]): number[] {
  return exponents.map((ej, j) => {
    let coefficient = 1;
    for (let l = 0; l < exponents.length; l++) {
      if (l === j) continue;
      const al = powerOfX(p, exponents[l] as number);
      coefficient = multiply(p, coefficient, multiply(p, al, inverse(p, al ^ powerOfX(p, ej))));
    }
    return coefficient;
  });
}
