/**
 * Wycheproof hkdf_sha256_test through every backend: each valid case gives
 * the exact OKM (empty salts and the 255 · 32-byte maximum included); an
 * output size beyond RFC 5869's limit is refused with INVALID_LENGTH.
 */
import { test } from 'node:test';
import { readHex } from '../../src/codec/bytes.js';
import { backends, outcome } from '../helpers/backends.js';
import {
  casesOf,
  expectBytes,
  expectEqual,
  loadWycheproof,
  reportNotRun,
  runCases,
  type WycheproofGroup,
  type WycheproofTest,
} from '../helpers/vectors.js';

interface HkdfTest extends WycheproofTest {
  readonly ikm: string;
  readonly salt: string;
  readonly info: string;
  readonly size: number;
  readonly okm: string;
}

const SUITE = 'wycheproof hkdf_sha256_test';
/** Cases the file held when this suite was written: fewer means it was emptied, cut or replaced. */
const SUITE_MINIMUM = 86;
const groups = loadWycheproof<WycheproofGroup<HkdfTest>>('hkdf_sha256_test');

if (groups === undefined) reportNotRun(SUITE);
else {
  for (const backend of backends) {
    test(`${SUITE} through ${backend.name}`, () =>
      runCases(
        SUITE,
        backend.name,
        casesOf<HkdfTest, WycheproofGroup<HkdfTest>>(groups),
        SUITE_MINIMUM,
        async ({ test: t }) => {
          const result = await outcome(() =>
            backend.hkdfSha256(readHex(t.ikm), readHex(t.salt), readHex(t.info), t.size),
          );
          if (t.result !== 'valid') {
            expectEqual(result.ok ? 'derived' : result.code, 'INVALID_LENGTH', 'hkdfSha256');
            return 'rejected';
          }
          if (!result.ok) throw new Error(`hkdfSha256 refused a valid case with ${result.code}`);
          expectBytes(result.value, t.okm, 'okm');
          return 'accepted';
        },
      ));
  }
}
