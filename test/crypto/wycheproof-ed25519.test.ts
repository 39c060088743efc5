/**
 * Wycheproof ed25519_test through every backend: valid signatures verify,
 * invalid ones (malleable S, small-order or non-canonical R, bad lengths…)
 * give `false`. Verification never throws on bytes (provider.ts), so a thrown
 * error fails the case too. The file has only public keys, so signing is
 * covered by rfc-vectors and parity instead.
 */
import { test } from 'node:test';
import { readHex } from '../../src/codec/bytes.js';
import { backends } from '../helpers/backends.js';
import { ed25519Verify } from '../helpers/one-shot.js';
import {
  casesOf,
  expectEqual,
  loadWycheproof,
  reportNotRun,
  runCases,
  type WycheproofGroup,
  type WycheproofTest,
} from '../helpers/vectors.js';

interface EddsaTest extends WycheproofTest {
  readonly msg: string;
  readonly sig: string;
}

interface EddsaGroup extends WycheproofGroup<EddsaTest> {
  readonly publicKey: { readonly pk: string };
}

const SUITE = 'wycheproof ed25519_test';
/** Cases the file held when this suite was written: fewer means it was emptied, cut or replaced. */
const SUITE_MINIMUM = 151;
const groups = loadWycheproof<EddsaGroup>('ed25519_test');

if (groups === undefined) reportNotRun(SUITE);
else {
  for (const backend of backends) {
    test(`${SUITE} through ${backend.name}`, () =>
      runCases(
        SUITE,
        backend.name,
        casesOf<EddsaTest, EddsaGroup>(groups),
        SUITE_MINIMUM,
        async ({ group, test: t }) => {
          const verified = await ed25519Verify(backend, readHex(group.publicKey.pk), readHex(t.msg), readHex(t.sig));
          expectEqual(verified, t.result === 'valid', 'ed25519Verify');
          return verified ? 'accepted' : 'rejected';
        },
      ));
  }
}
