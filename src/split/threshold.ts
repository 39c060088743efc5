/**
 * The (k, n) threshold scheme itself, on raw share bytes: Shamir's polynomial
 * over the ring R_p = GF(2)[x] / (1 + x + … + x^(p−1)) (ring.ts). A secret of
 * L bytes is m = p − 1 pieces S_0 … S_(m−1) (zero-padded to m · ⌈L/m⌉), the
 * element Σ S_t x^t; k − 1 random elements R_1 … R_(k−1) make
 * f(y) = S + Σ R_h y^h. Share 1 is the point at infinity, f's leading
 * coefficient R_(k−1) (random bytes as drawn: no XOR at all); share i ≥ 2 is
 * f(x^(i−2)). Multiplying by x^e only moves pieces and XORs one of them into
 * the rest, so every share piece is an XOR of secret and random pieces, and
 * reconstruction is XORs of share pieces chosen by the Lagrange coefficients.
 * Proof of correctness and (k−1)-secrecy: docs/split-channel.md.
 *
 *   const bodies = splitRaw(secret, TWO_OF_THREE, random);     // three Uint8Arrays, secret-sized
 *   const secret = combineRaw([{ index: 1, body: bodies[0] }, { index: 3, body: bodies[2] }], TWO_OF_THREE, length);
 *
 * These functions trust their arguments (index ranges, lengths, distinctness);
 * `splitSecret` / `combineShares` check them and add the share format and HMAC.
 */

import { pieceLengthFor, type Threshold, type ThresholdParameters, thresholdParameters } from './parameters.js';
import { lagrangeAtZero, multiply, powerOfX } from './ring.js';
import { isWordAligned, type PieceRef, runXorPlan, type XorPlan } from './xor-pieces.js';

/** One share's data and its index (1 … n). */
export interface RawShare {
  readonly index: number;
  readonly body: Uint8Array;
}

/**
 * Source pieces of (c · y)_t for every piece t, c a mask over x^0…x^(m−1):
 * (x^e · y)_t = y_(t−e mod p) ⊕ y_(p−1−e mod p), where y_(p−1) is the zero
 * piece and is left out. Pieces named twice cancel (XOR), so they toggle.
 */
function addProduct(target: Map<number, PieceRef>[], p: number, coefficient: number, buffer: number): void {
  for (let e = 0; e < p - 1; e++) {
    if (((coefficient >>> e) & 1) === 0) continue;
    const common = (p - 1 - e) % p;
    for (let t = 0; t < p - 1; t++) {
      toggle(target[t] as Map<number, PieceRef>, buffer, (t - e + p) % p, p);
      toggle(target[t] as Map<number, PieceRef>, buffer, common, p);
    }
  }
}

function toggle(refs: Map<number, PieceRef>, buffer: number, piece: number, p: number): void {
  if (piece === p - 1) return; // the zero piece
  const key = buffer * p + piece;
  if (refs.has(key)) refs.delete(key);
  else refs.set(key, { buffer, piece });
}

function emptyPieces(params: ThresholdParameters): Map<number, PieceRef>[] {
  return Array.from({ length: params.pieces }, () => new Map<number, PieceRef>());
}

function finish(pieces: Map<number, PieceRef>[]): PieceRef[][] {
  return pieces.map((refs) => [...refs.values()]);
}

const splitPlans = new Map<number, XorPlan>();

/**
 * Inputs: buffer 0 the secret, buffer h the random element R_h (R_(k−1) is
 * share 1 itself, the point at infinity). Output o: share o + 2, the point x^o.
 */
function splitPlan(params: ThresholdParameters): XorPlan {
  const key = params.k * 32 + params.n;
  let plan = splitPlans.get(key);
  if (plan === undefined) {
    const { k, n, p } = params;
    plan = Array.from({ length: n - 1 }, (_, o) => {
      const pieces = emptyPieces(params);
      addProduct(pieces, p, 1, 0);
      for (let h = 1; h < k; h++) addProduct(pieces, p, powerOfX(p, (h * o) % p), h);
      return finish(pieces);
    });
    splitPlans.set(key, plan);
  }
  return plan;
}

/**
 * Inputs: the given shares in order. One output: the padded secret. Without
 * share 1 this is Lagrange at 0; with it (y_∞ = R_(k−1)), the other k − 1
 * shares at points β_j give S = Σ λ'_j (y_j + β_j^(k−1) y_∞), λ' the Lagrange
 * coefficients of those k − 1 points.
 */
function combinePlan(params: ThresholdParameters, indexes: readonly number[]): XorPlan {
  const { k, p } = params;
  const pieces = emptyPieces(params);
  const infinity = indexes.indexOf(1);
  const finite = indexes.flatMap((index, j) => (index === 1 ? [] : [{ j, e: index - 2 }]));
  const lambdas = lagrangeAtZero(
    p,
    finite.map((point) => point.e),
  );
  let atInfinity = 0;
  for (const [t, { j, e }] of finite.entries()) {
    const lambda = lambdas[t] as number;
    addProduct(pieces, p, lambda, j);
    atInfinity ^= multiply(p, lambda, powerOfX(p, (e * (k - 1)) % p));
  }
  if (infinity >= 0) addProduct(pieces, p, atInfinity, infinity);
  return [finish(pieces)];
}

/** Padded copy when the secret is not whole pieces or not word-aligned; the secret itself otherwise. */
function paddedSecret(secret: Uint8Array, pieceLength: number, pieces: number): Uint8Array {
  const length = pieceLength * pieces;
  if (secret.length === length && (isWordAligned(secret) || (pieceLength & 3) !== 0)) return secret;
  const padded = new Uint8Array(length);
  padded.set(secret);
  return padded;
}

/** A word-aligned copy of bytes at an odd offset (a pooled Buffer, a subarray); the bytes themselves otherwise. */
function aligned(bytes: Uint8Array): Uint8Array {
  return isWordAligned(bytes) ? bytes : new Uint8Array(bytes);
}

/**
 * Writes the n share bodies of `secret` into `outputs` (each `pieceLength · m`
 * bytes, where pieceLength = ⌈L/m⌉), with `random` the (k−1) · m · pieceLength
 * random bytes: the first element becomes share 1 (R_(k−1)) as it is, the
 * rest are R_1 … R_(k−2). Used by `splitSecret` to write straight into encoded shares.
 */
export function splitInto(
  secret: Uint8Array,
  params: ThresholdParameters,
  random: Uint8Array,
  outputs: readonly Uint8Array[],
): void {
  const elementLength = pieceLengthFor(params, secret.length) * params.pieces;
  const atInfinity = outputs[0] as Uint8Array;
  atInfinity.set(random.subarray(0, elementLength));
  writeFiniteShares(secret, params, atInfinity, aligned(random.subarray(elementLength)), outputs.slice(1));
}

/** Shares 2 … n from the secret, share 1 (R_(k−1)) and the other random elements R_1 … R_(k−2) back to back. */
function writeFiniteShares(
  secret: Uint8Array,
  params: ThresholdParameters,
  atInfinity: Uint8Array,
  rest: Uint8Array,
  outputs: readonly Uint8Array[],
): void {
  const pieceLength = pieceLengthFor(params, secret.length);
  const elementLength = pieceLength * params.pieces;
  const inputs = [paddedSecret(secret, pieceLength, params.pieces)];
  for (let h = 1; h < params.k - 1; h++) inputs.push(rest.subarray((h - 1) * elementLength, h * elementLength));
  inputs.push(atInfinity);
  runXorPlan(splitPlan(params), inputs, outputs, pieceLength);
}

/** Random bytes a split of `length` bytes consumes. */
export function randomLengthFor(params: ThresholdParameters, length: number): number {
  return (params.k - 1) * pieceLengthFor(params, length) * params.pieces;
}

/**
 * The n share bodies of `secret`, index i at position i − 1. `random(length)`
 * must return fresh random bytes. For k = 2 they are share 1 as drawn: no
 * copy of the randomness.
 */
export function splitRaw(
  secret: Uint8Array,
  threshold: Threshold,
  random: (length: number) => Uint8Array,
): Uint8Array[] {
  const params = thresholdParameters(threshold.k, threshold.n);
  const shareLength = pieceLengthFor(params, secret.length) * params.pieces;
  const drawn = random(randomLengthFor(params, secret.length));
  // For k = 2 (2-of-3) the randomness is share 1 exactly; otherwise share 1 is its first element.
  const atInfinity = params.k === 2 ? ownBuffer(drawn) : drawn.slice(0, shareLength);
  const rest = aligned(drawn.subarray(shareLength));
  const outputs = [atInfinity];
  for (let i = 1; i < params.n; i++) outputs.push(new Uint8Array(shareLength));
  writeFiniteShares(secret, params, atInfinity, rest, outputs.slice(1));
  return outputs;
}

/** Bytes that own their whole buffer, as a returned share must (a view into a pool would share it); copied otherwise. */
function ownBuffer(bytes: Uint8Array): Uint8Array {
  return bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength ? bytes : new Uint8Array(bytes);
}

/**
 * The secret (its first `length` bytes) from exactly k shares with distinct
 * indexes in 1 … n and bodies of the share length. Unchecked: see combineShares.
 */
export function combineRaw(shares: readonly RawShare[], threshold: Threshold, length: number): Uint8Array {
  const params = thresholdParameters(threshold.k, threshold.n);
  const chosen = shares.slice(0, params.k);
  const pieceLength = pieceLengthFor(params, length);
  const out = new Uint8Array(pieceLength * params.pieces);
  runXorPlan(
    combinePlan(
      params,
      chosen.map((share) => share.index),
    ),
    chosen.map((share) => aligned(share.body)),
    [out],
    pieceLength,
  );
  return out.length === length ? out : out.subarray(0, length);
}
