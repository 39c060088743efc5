/**
 * Wycheproof hmac_sha256_test through every backend. Full 256-bit tags: a
 * valid tag is computed exactly and verifies, a modified one does not.
 * xlink offers no truncated tags, so for the 128-bit groups hmacSha256Verify
 * must return false even for a correct truncated tag, and the full MAC's
 * prefix must equal the tag exactly when (and only when) the case is valid.
 */
import { test } from 'node:test';
import { bytesToHex, readHex } from '../../src/codec/bytes.js';
import { backends } from '../helpers/backends.js';
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

interface MacTest extends WycheproofTest {
  readonly key: string;
  readonly msg: string;
  readonly tag: string;
}

interface MacGroup extends WycheproofGroup<MacTest> {
  readonly tagSize: number;
}

const SUITE = 'wycheproof hmac_sha256_test';
/** Cases the file held when this suite was written: fewer means it was emptied, cut or replaced. */
const SUITE_MINIMUM = 174;
const groups = loadWycheproof<MacGroup>('hmac_sha256_test');

if (groups === undefined) reportNotRun(SUITE);
else {
  for (const backend of backends) {
    test(`${SUITE} through ${backend.name}`, () =>
      runCases(SUITE, backend.name, casesOf<MacTest, MacGroup>(groups), SUITE_MINIMUM, async ({ group, test: t }) => {
        const key = readHex(t.key);
        const msg = readHex(t.msg);
        const valid = t.result === 'valid';
        const verified = await backend.hmacSha256Verify(key, msg, readHex(t.tag));
        const mac = await backend.hmacSha256(key, msg);
        if (group.tagSize !== 256) {
          expectEqual(verified, false, 'hmacSha256Verify of a truncated tag');
          expectEqual(bytesToHex(mac.subarray(0, group.tagSize / 8)) === t.tag, valid, 'full MAC prefix equals tag');
          return 'unsupported';
        }
        expectEqual(verified, valid, 'hmacSha256Verify');
        if (!valid) return 'rejected';
        expectBytes(mac, t.tag, 'HMAC-SHA256');
        return 'accepted';
      }));
  }
}
