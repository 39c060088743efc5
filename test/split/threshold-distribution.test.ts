// The proof in tests (docs/split-channel.md, "Why k − 1 shares say nothing"):
// for small (k, n) every secret and every random input is enumerated and the
// exact distribution of every (k − 1)-subset of shares is compared across
// secrets; for every (k, n) up to 16 the map from random input to k − 1
// shares is shown to be a bijection (full rank over GF(2)), which is the same
// statement for a linear scheme; and every k-subset reconstructs.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { thresholdParameters } from '../../src/split/parameters.js';
import { combineRaw, splitRaw } from '../../src/split/threshold.js';

/** Every subset of {1 … n} of the given size. */
function subsets(n: number, size: number): number[][] {
  const out: number[][] = [];
  const pick = (start: number, chosen: number[]): void => {
    if (chosen.length === size) {
      out.push([...chosen]);
      return;
    }
    for (let i = start; i <= n; i++) pick(i + 1, [...chosen, i]);
  };
  pick(1, []);
  return out;
}

/** Bit t of `value` into byte t of a fresh array of `length` bytes, in bit lane `lane`. */
function spread(target: Uint8Array, value: number, lane: number): void {
  for (let t = 0; t < target.length; t++) target[t] = (target[t] as number) | (((value >>> t) & 1) << lane);
}

/**
 * Splits every (secret, randomness) pair with one-byte pieces, eight pairs per
 * call (one per bit lane: XOR never mixes lanes), and hands each lane's shares
 * to `visit` as bit strings.
 */
function enumerate(k: number, n: number, visit: (secret: number, random: number, shares: string[]) => void): void {
  const { pieces } = thresholdParameters(k, n);
  const randomBits = (k - 1) * pieces;
  const total = 2 ** (pieces + randomBits);
  for (let base = 0; base < total; base += 8) {
    const secret = new Uint8Array(pieces);
    const random = new Uint8Array(randomBits);
    const lanes = Math.min(8, total - base);
    for (let lane = 0; lane < lanes; lane++) {
      const item = base + lane;
      spread(secret, item % 2 ** pieces, lane);
      spread(random, Math.floor(item / 2 ** pieces), lane);
    }
    const shares = splitRaw(secret, { k, n }, (length) => {
      assert.equal(length, randomBits, 'the scheme draws (k − 1) · m pieces of randomness');
      return random;
    });
    for (let lane = 0; lane < lanes; lane++) {
      const item = base + lane;
      const bits = shares.map((share) => Array.from(share, (byte) => (byte >>> lane) & 1).join(''));
      visit(item % 2 ** pieces, Math.floor(item / 2 ** pieces), bits);
    }
  }
}

/** Histograms of the shares at each subset, per secret. */
function distributions(k: number, n: number, size: number): Map<string, Map<number, Map<string, number>>> {
  const chosen = subsets(n, size);
  const out = new Map<string, Map<number, Map<string, number>>>();
  for (const subset of chosen) out.set(subset.join(','), new Map());
  enumerate(k, n, (secret, _random, shares) => {
    for (const subset of chosen) {
      const perSecret = out.get(subset.join(',')) as Map<number, Map<string, number>>;
      let histogram = perSecret.get(secret);
      if (histogram === undefined) {
        histogram = new Map();
        perSecret.set(secret, histogram);
      }
      const seen = subset.map((index) => shares[index - 1]).join('|');
      histogram.set(seen, (histogram.get(seen) ?? 0) + 1);
    }
  });
  return out;
}

function sameHistogram(a: Map<string, number>, b: Map<string, number>): boolean {
  if (a.size !== b.size) return false;
  for (const [key, count] of a) if (b.get(key) !== count) return false;
  return true;
}

// Every (k, n) whose enumeration stays under 2^16 splits: p = 3 (n ≤ 4), 5 (n = 5, 6), 7 (n = 7, 8);
// 3-of-7 (2^18) would take 12 s.
const EXHAUSTIVE: [number, number][] = [
  [2, 2],
  [2, 3],
  [3, 3],
  [2, 4],
  [3, 4],
  [4, 4],
  [2, 5],
  [3, 5],
  [4, 5],
  [2, 6],
  [3, 6],
  [2, 7],
  [2, 8],
];

describe('exhaustive: all secrets × all randomness, exact distributions', () => {
  for (const [k, n] of EXHAUSTIVE) {
    it(`${k}-of-${n}: every (k−1)-subset has one distribution, uniform, whatever the secret`, () => {
      const { pieces } = thresholdParameters(k, n);
      for (const [subset, perSecret] of distributions(k, n, k - 1)) {
        assert.equal(perSecret.size, 2 ** pieces, 'every secret was enumerated');
        const reference = perSecret.get(0) as Map<string, number>;
        // Uniform: each of the 2^((k−1)·m) share values once per secret, as many as there are random inputs.
        assert.equal(reference.size, 2 ** ((k - 1) * pieces), `shares ${subset} take every value`);
        for (const count of reference.values()) assert.equal(count, 1);
        for (const [secret, histogram] of perSecret) {
          assert.ok(sameHistogram(histogram, reference), `shares ${subset} differ for secret ${secret}`);
        }
      }
    });
  }

  it('the comparison has power: k shares do depend on the secret (2-of-3, 3-of-5)', () => {
    for (const [k, n] of [
      [2, 3],
      [3, 5],
    ] as const) {
      for (const [subset, perSecret] of distributions(k, n, k)) {
        const reference = perSecret.get(0) as Map<string, number>;
        const differing = [...perSecret].filter(([, histogram]) => !sameHistogram(histogram, reference));
        assert.equal(differing.length, perSecret.size - 1, `k shares ${subset} tell every secret apart`);
      }
    }
  });

  it('every k-subset reconstructs every secret under every randomness (p = 3 and 5, k ≤ 3)', () => {
    for (const [k, n] of EXHAUSTIVE.filter(([k, n]) => n <= 6 && k <= 3)) {
      const { pieces } = thresholdParameters(k, n);
      const all = subsets(n, k);
      enumerate(k, n, (secret, _random, shares) => {
        for (const subset of all) {
          const given = subset.map((index) => ({
            index,
            body: Uint8Array.from((shares[index - 1] as string).split(''), Number),
          }));
          const back = combineRaw(given, { k, n }, pieces);
          let value = 0;
          for (let t = 0; t < pieces; t++) value |= (back[t] as number) << t;
          assert.equal(value, secret, `${k}-of-${n} shares ${subset}`);
        }
      });
    }
  });
});

/** Rank over GF(2) of rows given as bit arrays. */
function rank(rows: Uint8Array[]): number {
  const matrix: Uint8Array[] = rows.map((row) => Uint8Array.from(row));
  let r = 0;
  const columns = matrix[0]?.length ?? 0;
  for (let c = 0; c < columns && r < matrix.length; c++) {
    const pivot = matrix.findIndex((row, i) => i >= r && row[c] === 1);
    if (pivot < 0) continue;
    const row = matrix[pivot] as Uint8Array;
    matrix[pivot] = matrix[r] as Uint8Array;
    matrix[r] = row;
    for (const other of matrix) {
      if (other !== row && other[c] === 1)
        for (let j = c; j < columns; j++) other[j] = (other[j] as number) ^ (row[j] as number);
    }
    r++;
  }
  return r;
}

describe('every (k, n) up to 16: random input ↦ any k − 1 shares is a bijection', () => {
  it('full rank over GF(2) for every (k−1)-subset (all subsets for n ≤ 8, 24 chosen ones beyond)', () => {
    let checked = 0;
    for (let n = 2; n <= 16; n++) {
      for (let k = 2; k <= n; k++) {
        const { pieces } = thresholdParameters(k, n);
        const randomBits = (k - 1) * pieces;
        // Column j: the shares made from the j-th unit random vector and a zero secret (the scheme is linear).
        const columns = Array.from({ length: randomBits }, (_, j) => {
          const unit = new Uint8Array(randomBits);
          unit[j] = 1;
          return splitRaw(new Uint8Array(pieces), { k, n }, () => unit);
        });
        let chosen = subsets(n, k - 1);
        if (n > 8) chosen = chosen.filter((_, i) => i % Math.ceil(chosen.length / 24) === 0);
        for (const subset of chosen) {
          // Rows: each bit of each chosen share, as a function of the random bits.
          const rows = subset.flatMap((index) =>
            Array.from({ length: pieces }, (_, t) =>
              Uint8Array.from(columns, (shares) => (shares[index - 1] as Uint8Array)[t] as number),
            ),
          );
          assert.equal(rank(rows), randomBits, `${k}-of-${n}, shares ${subset}`);
          checked++;
        }
      }
    }
    assert.ok(checked > 500, `${checked} subsets checked`);
  });
});
