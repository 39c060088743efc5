/**
 * Threshold parameters: k of n, 2 ≤ k ≤ n ≤ 16, and what they imply for the
 * scheme: the prime p (the smallest odd prime ≥ n − 1: share 1 is the point
 * at infinity, the others need n − 1 distinct powers of x), m = p − 1 pieces per
 * share, the piece length for a secret of L bytes (⌈L / m⌉) and so the share
 * length (m · ⌈L / m⌉: the secret's length, plus fewer than m bytes).
 *
 *   const params = thresholdParameters(3, 5); // { k: 3, n: 5, p: 5, pieces: 4 }
 */
import { xlinkError } from '../errors.js';

export const MAX_SHARES = 16;

export interface Threshold {
  /** Shares needed to reconstruct. */
  readonly k: number;
  /** Shares made. */
  readonly n: number;
}

/** The white paper's presets: `high` and `critical`. */
export const TWO_OF_THREE: Threshold = { k: 2, n: 3 };
export const THREE_OF_FIVE: Threshold = { k: 3, n: 5 };

export interface ThresholdParameters extends Threshold {
  /** The odd prime of the ring R_p; share 1 is the point at infinity, share i ≥ 2 the point x^(i−2). */
  readonly p: number;
  /** Pieces per share: p − 1. */
  readonly pieces: number;
}

const PRIMES = [3, 5, 7, 11, 13, 17] as const;

function isSmallInteger(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value);
}

/** The parameters of a k-of-n split; throws SPLIT_PARAMETERS_INVALID unless 2 ≤ k ≤ n ≤ 16. */
export function thresholdParameters(k: unknown, n: unknown): ThresholdParameters {
  if (!isSmallInteger(k) || !isSmallInteger(n) || k < 2 || k > n || n > MAX_SHARES) {
    throw xlinkError(
      'SPLIT_PARAMETERS_INVALID',
      `a split needs integers 2 ≤ k ≤ n ≤ ${MAX_SHARES}, got k = ${describe(k)}, n = ${describe(n)}`,
      { field: isSmallInteger(k) && k >= 2 ? 'n' : 'k' },
    );
  }
  const p = PRIMES.find((prime) => prime >= n - 1) as number;
  return { k, n, p, pieces: p - 1 };
}

/** Bytes per piece for a secret of `length` bytes. */
export function pieceLengthFor(params: ThresholdParameters, length: number): number {
  return Math.ceil(length / params.pieces);
}

/** Bytes of share data for a secret of `length` bytes. */
export function shareLengthFor(params: ThresholdParameters, length: number): number {
  return pieceLengthFor(params, length) * params.pieces;
}

function describe(value: unknown): string {
  return typeof value === 'number' ? String(value) : typeof value;
}
