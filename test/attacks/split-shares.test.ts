// Attacks on xlink/split on its own (custodian shares), one finding each, with
// its exact code: holes in the share array, every single-byte alteration of a
// share, a header that claims a 4 GiB secret, and the limit of the HMAC: a
// custodian who also holds the key can re-tag an altered share.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createNodeCrypto } from '../../src/crypto/node/index.js';
import { THREE_OF_FIVE, TWO_OF_THREE } from '../../src/split/parameters.js';
import { combineShares, splitSecret } from '../../src/split/secret-sharing.js';
import { decodeShare } from '../../src/split/share-format.js';

const crypto = createNodeCrypto();
const SECRET = Uint8Array.from({ length: 48 }, (_, i) => i * 5 + 3);

test('finding: a sparse share array made combineShares throw a TypeError; now SHARE_INVALID:MALFORMED', async () => {
  const { shares, hmacKey } = await splitSecret(SECRET, TWO_OF_THREE, { crypto });
  const sparse: Uint8Array[] = [];
  sparse[0] = shares[0] as Uint8Array;
  sparse[2] = shares[2] as Uint8Array;
  const combined = await combineShares(sparse, { crypto, hmacKey });
  assert.ok(!combined.ok && combined.error.code === 'SHARE_INVALID:MALFORMED');
});

test('every single-byte change to a share, at every offset, is refused; none combines to any secret', async () => {
  const { shares, hmacKey } = await splitSecret(SECRET, THREE_OF_FIVE, { crypto });
  const share = shares[1] as Uint8Array;
  const codes = new Map<string, number>();
  for (let offset = 0; offset < share.length; offset++) {
    for (const flip of [0x01, 0x80, 0xff]) {
      const altered = Uint8Array.from(share);
      altered[offset] = (altered[offset] as number) ^ flip;
      const combined = await combineShares([shares[0] as Uint8Array, altered, shares[4] as Uint8Array], {
        crypto,
        hmacKey,
      });
      assert.ok(!combined.ok, `offset ${offset} ^ ${flip} combined`);
      codes.set(combined.error.code, (codes.get(combined.error.code) ?? 0) + 1);
    }
  }
  // Past the first four header bytes, only the HMAC or the length check can notice, and they do.
  assert.deepEqual([...codes.keys()].sort(), [
    'HMAC_VERIFICATION_FAILED',
    'INCONSISTENT_SHARES:LENGTH',
    'SHARE_INVALID:MALFORMED',
    'SPLIT_PARAMETERS_INVALID',
  ]);
});

test('a header claiming a 4 GiB secret over a few bytes of data is refused before anything is allocated', async () => {
  const { shares } = await splitSecret(SECRET, TWO_OF_THREE, { crypto });
  const huge = Uint8Array.from(shares[0] as Uint8Array);
  new DataView(huge.buffer).setUint32(20, 0xffffffff);
  const before = process.memoryUsage().arrayBuffers;
  const decoded = decodeShare(huge);
  assert.ok(!decoded.ok && decoded.error.code === 'INCONSISTENT_SHARES:LENGTH');
  assert.ok(process.memoryUsage().arrayBuffers - before < 1024 * 1024);
});

test('limit, by design: whoever holds the HMAC key and a share can re-tag an altered share (keep the key from custodians)', async () => {
  const { shares, hmacKey } = await splitSecret(SECRET, TWO_OF_THREE, { crypto });
  const altered = Uint8Array.from(shares[0] as Uint8Array);
  altered[30] = (altered[30] as number) ^ 1;
  altered.set(crypto.hmacSha256(hmacKey, altered.subarray(0, altered.length - 32)) as Uint8Array, altered.length - 32);
  const combined = await combineShares([altered, shares[1] as Uint8Array], { crypto, hmacKey });
  assert.ok(combined.ok, 'accepted: the HMAC is only as good as the secrecy of its key');
  assert.notDeepEqual(combined.value, SECRET, 'and the secret comes out wrong');
  // Without the key, the same alteration is caught.
  const untagged = Uint8Array.from(shares[0] as Uint8Array);
  untagged[30] = (untagged[30] as number) ^ 1;
  const refused = await combineShares([untagged, shares[1] as Uint8Array], { crypto, hmacKey });
  assert.ok(!refused.ok && refused.error.code === 'HMAC_VERIFICATION_FAILED');
});

test('k − 1 shares and the HMAC key still say nothing: the key is drawn apart from the secret', async () => {
  // Two different secrets, the same randomness and key: the single share (k − 1 = 1) of each is uniform and
  // independent of its secret (test/split/threshold-distribution.test.ts proves it); here we check the key is
  // not derived from the secret: splitting the same secret twice gives two keys.
  const a = await splitSecret(SECRET, TWO_OF_THREE, { crypto });
  const b = await splitSecret(SECRET, TWO_OF_THREE, { crypto });
  assert.notDeepEqual(a.hmacKey, b.hmacKey);
  assert.notDeepEqual(a.shares[0], b.shares[0]);
});
