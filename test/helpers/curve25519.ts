/** Reference arithmetic for tests: the slow, obviously-correct way to decide what xlink must do. */

export const P: bigint = 2n ** 255n - 19n;

function modPow(base: bigint, exponent: bigint, modulus: bigint): bigint {
  let result = 1n;
  let b = base % modulus;
  for (let e = exponent; e > 0n; e >>= 1n, b = (b * b) % modulus) {
    if (e & 1n) result = (result * b) % modulus;
  }
  return result;
}

/** Euler's criterion: u is on Curve25519 iff u³ + Au² + u is a square (or zero) mod p. */
export function onCurveByEuler(u: bigint): boolean {
  const rhs = (u * u * u + 486662n * u * u + u) % P;
  return modPow(rhs, (P - 1n) / 2n, P) !== P - 1n;
}
