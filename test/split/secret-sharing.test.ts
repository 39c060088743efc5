// splitSecret / combineShares on their own (the custodian use): round trips
// for random sizes and parameters, the share format byte by byte, and every
// refusal with its code.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { createNobleCrypto } from '../../src/crypto/noble/index.js';
import { createNodeCrypto } from '../../src/crypto/node/index.js';
import { isXlinkError } from '../../src/errors.js';
import { webRandomSource } from '../../src/platform/random.js';
import { THREE_OF_FIVE, TWO_OF_THREE, thresholdParameters } from '../../src/split/parameters.js';
import { combineShares, splitSecret } from '../../src/split/secret-sharing.js';
import { decodeShare, SHARE_HEADER_LENGTH, SHARE_TAG_LENGTH } from '../../src/split/share-format.js';
import { combineRaw, splitRaw } from '../../src/split/threshold.js';

const crypto = createNodeCrypto();
const noble = createNobleCrypto({ random: webRandomSource(globalThis.crypto) });

function pick<T>(items: readonly T[], indexes: readonly number[]): T[] {
  return indexes.map((i) => items[i] as T);
}

async function combined(shares: readonly Uint8Array[], hmacKey: Uint8Array): Promise<Uint8Array> {
  const back = await combineShares(shares, { crypto, hmacKey });
  assert.ok(back.ok, back.ok ? '' : `${back.error.code}: ${back.error.message}`);
  return back.value;
}

async function refusal(shares: readonly Uint8Array[], hmacKey: Uint8Array): Promise<string> {
  const back = await combineShares(shares, { crypto, hmacKey });
  assert.ok(!back.ok, 'expected a refusal');
  return back.error.code;
}

describe('round trips', () => {
  it('any k of n shares, random sizes and (k, n) up to 16, both backends', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 2, max: 16 }).chain((n) => fc.tuple(fc.integer({ min: 2, max: n }), fc.constant(n))),
        fc.uint8Array({ minLength: 0, maxLength: 700 }),
        fc.integer({ min: 0, max: 1 }),
        fc.integer(),
        async ([k, n], secret, offset, seed) => {
          // An odd byte offset sends the scheme down its byte path; an aligned one uses words.
          const buffer = new Uint8Array(secret.length + 1);
          buffer.set(secret, offset);
          const input = buffer.subarray(offset, offset + secret.length);
          const backend = seed % 2 === 0 ? crypto : noble;
          const { shares, hmacKey } = await splitSecret(input, { k, n }, { crypto: backend });
          assert.equal(shares.length, n);
          const order = Array.from({ length: n }, (_, i) => i).sort(
            (a, b) => ((a * 7919 + seed) % 97) - ((b * 7919 + seed) % 97),
          );
          const chosen = pick(shares, order.slice(0, k));
          const back = await combineShares(chosen, { crypto: backend, hmacKey });
          assert.ok(back.ok && Buffer.from(back.value).equals(Buffer.from(secret)));
          // More than k shares work too.
          assert.deepEqual(await combined(shares, hmacKey), secret);
        },
      ),
      { numRuns: 150 },
    );
  });

  it('the word path and the byte path agree bit for bit (same randomness)', () => {
    const secret = crypto.randomBytes(4 * 4 * 9); // 3-of-5: 4 pieces of 36 bytes, word-aligned
    const random = crypto.randomBytes(2 * secret.length);
    const words = splitRaw(secret, THREE_OF_FIVE, () => random);
    const shifted = new Uint8Array(secret.length + 1);
    shifted.set(secret, 1);
    const randomShifted = new Uint8Array(random.length + 1);
    randomShifted.set(random, 1);
    const bytes = splitRaw(shifted.subarray(1), THREE_OF_FIVE, () => randomShifted.subarray(1));
    assert.deepEqual(bytes, words);
    const back = combineRaw(
      [1, 3, 4].map((index) => ({ index, body: words[index - 1] as Uint8Array })),
      THREE_OF_FIVE,
      secret.length,
    );
    assert.deepEqual(back, secret);
  });

  it('shares are the size of the secret: m · ⌈L / m⌉ data bytes, fewer than m more than L', async () => {
    for (const [k, n] of [
      [2, 3],
      [3, 5],
      [9, 16],
    ] as const) {
      const { pieces } = thresholdParameters(k, n);
      for (const length of [1, 31, 32, 1000, 4096]) {
        const { shares } = await splitSecret(new Uint8Array(length), { k, n }, { crypto });
        const data = (shares[0] as Uint8Array).length - SHARE_HEADER_LENGTH - SHARE_TAG_LENGTH;
        assert.equal(data, Math.ceil(length / pieces) * pieces);
        assert.ok(data - length < pieces);
      }
    }
  });
});

describe('share format', () => {
  it('header fields at their offsets, group id shared, HMAC at the end', async () => {
    const secret = new Uint8Array(100).fill(7);
    const hmacKey = new Uint8Array(32).fill(9);
    const { shares, groupId } = await splitSecret(secret, TWO_OF_THREE, { crypto, hmacKey });
    for (const [i, bytes] of shares.entries()) {
      assert.deepEqual([...bytes.subarray(0, 4)], [1, 2, 3, i + 1]);
      assert.deepEqual(bytes.subarray(4, 20), groupId);
      assert.deepEqual([...bytes.subarray(20, 24)], [0, 0, 0, 100]);
      assert.equal(bytes.length, 24 + 100 + 32);
      const tag = crypto.hmacSha256(hmacKey, bytes.subarray(0, bytes.length - 32));
      assert.deepEqual(bytes.subarray(bytes.length - 32), tag);
      const decoded = decodeShare(bytes);
      assert.ok(decoded.ok && decoded.value.index === i + 1 && decoded.value.secretLength === 100);
    }
  });

  it('a generated HMAC key is 32 fresh bytes and is returned', async () => {
    const a = await splitSecret(new Uint8Array(8), TWO_OF_THREE, { crypto });
    const b = await splitSecret(new Uint8Array(8), TWO_OF_THREE, { crypto });
    assert.equal(a.hmacKey.length, 32);
    assert.notDeepEqual(a.hmacKey, b.hmacKey);
    assert.notDeepEqual(a.groupId, b.groupId);
  });
});

describe('refusals, each with its code', () => {
  it('bad parameters: k = 0, k = 1, k > n, n > 16, not integers (SPLIT_PARAMETERS_INVALID, thrown)', async () => {
    for (const [k, n] of [
      [0, 3],
      [1, 3],
      [4, 3],
      [2, 17],
      [2.5, 3],
      [Number.NaN, 3],
    ]) {
      await assert.rejects(
        splitSecret(new Uint8Array(8), { k, n } as never, { crypto }),
        (e) => isXlinkError(e) && e.code === 'SPLIT_PARAMETERS_INVALID',
        `${k}-of-${n}`,
      );
    }
  });

  it('a share claiming k = 1 or an index outside 1 … n is refused on decode', async () => {
    const { shares } = await splitSecret(new Uint8Array(8), TWO_OF_THREE, { crypto });
    for (const [offset, value] of [
      [1, 1],
      [1, 0],
      [1, 4],
      [3, 0],
      [3, 4],
    ] as const) {
      const bytes = Uint8Array.from(shares[0] as Uint8Array);
      bytes[offset] = value;
      const decoded = decodeShare(bytes);
      assert.ok(!decoded.ok && decoded.error.code === 'SPLIT_PARAMETERS_INVALID', `byte ${offset} = ${value}`);
    }
  });

  it('insufficient shares (INSUFFICIENT_SHARES)', async () => {
    const { shares, hmacKey } = await splitSecret(new Uint8Array(8), THREE_OF_FIVE, { crypto });
    assert.equal(await refusal(pick(shares, [0, 4]), hmacKey), 'INSUFFICIENT_SHARES');
    assert.equal(await refusal([], hmacKey), 'INSUFFICIENT_SHARES');
  });

  it('duplicate share (INCONSISTENT_SHARES:DUPLICATE_INDEX): a copy is not a second share', async () => {
    const { shares, hmacKey } = await splitSecret(new Uint8Array(8), TWO_OF_THREE, { crypto });
    assert.equal(await refusal(pick(shares, [1, 1]), hmacKey), 'INCONSISTENT_SHARES:DUPLICATE_INDEX');
  });

  it('mixed groups (INCONSISTENT_SHARES:MIXED_GROUPS), same key or not', async () => {
    const hmacKey = crypto.randomBytes(32);
    const a = await splitSecret(new Uint8Array(8), TWO_OF_THREE, { crypto, hmacKey });
    const b = await splitSecret(new Uint8Array(8).fill(1), TWO_OF_THREE, { crypto, hmacKey });
    assert.equal(
      await refusal([a.shares[0] as Uint8Array, b.shares[1] as Uint8Array], hmacKey),
      'INCONSISTENT_SHARES:MIXED_GROUPS',
    );
  });

  it('unequal parameters or lengths within a group (…:PARAMETERS, …:LENGTH)', async () => {
    const hmacKey = crypto.randomBytes(32);
    const { shares } = await splitSecret(new Uint8Array(8), TWO_OF_THREE, { crypto, hmacKey });
    // Re-tagged with the right key, as a custodian who holds it could: the HMAC passes, the header disagrees.
    const retag = (bytes: Uint8Array): Uint8Array => {
      bytes.set(crypto.hmacSha256(hmacKey, bytes.subarray(0, bytes.length - 32)) as Uint8Array, bytes.length - 32);
      return bytes;
    };
    const other = Uint8Array.from(shares[1] as Uint8Array);
    other[2] = 4; // 2-of-4 has p = 5, 4 pieces: 8 bytes still, so only the header differs
    assert.equal(await refusal([shares[0] as Uint8Array, retag(other)], hmacKey), 'INCONSISTENT_SHARES:PARAMETERS');
    const cut = (shares[1] as Uint8Array).slice(0, -1); // one byte short: 8 data bytes and a 31-byte tag
    const decoded = decodeShare(cut);
    assert.ok(!decoded.ok && decoded.error.code === 'INCONSISTENT_SHARES:LENGTH', decoded.ok ? '' : decoded.error.code);
  });

  it('tampered share (HMAC_VERIFICATION_FAILED): any flipped bit, anywhere, wrong key', async () => {
    const { shares, hmacKey } = await splitSecret(crypto.randomBytes(40), TWO_OF_THREE, { crypto });
    const share = shares[0] as Uint8Array;
    for (let bit = 0; bit < share.length * 8; bit += 13) {
      const bytes = Uint8Array.from(share);
      bytes[bit >> 3] = (bytes[bit >> 3] as number) ^ (1 << (bit & 7));
      const code = await refusal([bytes, shares[1] as Uint8Array], hmacKey);
      // A flip in the header may make the share undecodable first; it is never combined either way.
      assert.ok(
        [
          'HMAC_VERIFICATION_FAILED',
          'SPLIT_PARAMETERS_INVALID',
          'INCONSISTENT_SHARES:LENGTH',
          'SHARE_INVALID:MALFORMED',
        ].includes(code),
        `bit ${bit}: ${code}`,
      );
      if (bit >= 24 * 8) assert.equal(code, 'HMAC_VERIFICATION_FAILED', `bit ${bit}`);
    }
    assert.equal(await refusal(pick(shares, [0, 1]), crypto.randomBytes(32)), 'HMAC_VERIFICATION_FAILED');
  });

  it('not a share (SHARE_INVALID:MALFORMED), a short key (INVALID_LENGTH)', async () => {
    const hmacKey = crypto.randomBytes(32);
    assert.equal(await refusal([new Uint8Array(10)], hmacKey), 'SHARE_INVALID:MALFORMED');
    const { shares } = await splitSecret(new Uint8Array(8), TWO_OF_THREE, { crypto, hmacKey });
    const v2 = Uint8Array.from(shares[0] as Uint8Array);
    v2[0] = 2;
    assert.equal(await refusal([v2], hmacKey), 'SHARE_INVALID:MALFORMED');
    assert.equal(await refusal(shares, new Uint8Array(8)), 'INVALID_LENGTH');
    await assert.rejects(
      splitSecret(new Uint8Array(8), TWO_OF_THREE, { crypto, hmacKey: new Uint8Array(8) }),
      (e) => isXlinkError(e) && e.code === 'INVALID_LENGTH',
    );
  });
});
