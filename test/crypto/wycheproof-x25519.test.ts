/**
 * Wycheproof x25519_test through every backend. `valid` cases must give the
 * exact shared secret. Every `acceptable` case is one xlink refuses on
 * purpose (x25519-public-key.ts): the test works out which rule applies from
 * the public key itself (u >= p after reading all 256 bits, a u on the twist
 * by Euler's criterion, or a low-order point with an all-zero secret) and
 * expects that rule's code.
 */
import { test } from 'node:test';
import { readHex } from '../../src/codec/bytes.js';
import type { ErrorCode } from '../../src/errors.js';
import { backends, outcome } from '../helpers/backends.js';
import { onCurveByEuler, P } from '../helpers/curve25519.js';
import { x25519SharedSecret } from '../helpers/one-shot.js';
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

interface XdhTest extends WycheproofTest {
  readonly public: string;
  readonly private: string;
  readonly shared: string;
}

/** The code xlink must refuse `publicHex` with, or undefined when it must accept it. */
function expectedRefusal(publicHex: string, sharedHex: string): ErrorCode | undefined {
  const u = BigInt(`0x${publicHex.match(/../g)?.reverse().join('')}`);
  if (u >= P) return 'INVALID_PUBLIC_KEY:NON_CANONICAL';
  if (!onCurveByEuler(u)) return 'INVALID_PUBLIC_KEY:NOT_ON_CURVE';
  if (/^0+$/.test(sharedHex)) return 'ECDH_FAILED:ZERO_SHARED_SECRET';
  return undefined;
}

const SUITE = 'wycheproof x25519_test';
/** Cases the file held when this suite was written: fewer means it was emptied, cut or replaced. */
const SUITE_MINIMUM = 518;
const groups = loadWycheproof<WycheproofGroup<XdhTest>>('x25519_test');

if (groups === undefined) reportNotRun(SUITE);
else {
  for (const backend of backends) {
    test(`${SUITE} through ${backend.name}`, () =>
      runCases(
        SUITE,
        backend.name,
        casesOf<XdhTest, WycheproofGroup<XdhTest>>(groups),
        SUITE_MINIMUM,
        async ({ test: t }) => {
          const result = await outcome(() => x25519SharedSecret(backend, readHex(t.private), readHex(t.public)));
          if (t.result === 'valid') {
            if (!result.ok) throw new Error(`x25519SharedSecret refused a valid case with ${result.code}`);
            expectBytes(result.value, t.shared, 'shared secret');
            return 'accepted';
          }
          // Every acceptable case breaks one of xlink's rules; if one ever did not, say so.
          const refusal = expectedRefusal(t.public, t.shared);
          if (refusal === undefined) throw new Error('acceptable case that xlink has no rule to refuse');
          expectEqual(result.ok ? 'accepted' : result.code, refusal, 'x25519SharedSecret');
          return 'rejected';
        },
      ));
  }
}
