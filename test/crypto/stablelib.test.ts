/**
 * The no-BigInt Ed25519 backend (@stablelib/ed25519) against the noble and
 * node backends: byte-identical public keys and signatures for any seed and
 * message (fast-check), and the same verdict on every Wycheproof
 * ed25519_test case (strict RFC 8032, cofactorless) as the other backends.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { bytesToHex, readHex } from '../../src/codec/bytes.js';
import { nobleEd25519Signing } from '../../src/crypto/noble/ed25519.js';
import { createNodeCrypto } from '../../src/crypto/node/index.js';
import { stablelibEd25519Signing, stablelibEd25519Verifying } from '../../src/crypto/stablelib/ed25519.js';
import { webRandomSource } from '../../src/platform/random.js';
import { refusalCode } from '../helpers/backends.js';
import {
  casesOf,
  expectEqual,
  loadWycheproof,
  reportNotRun,
  runCases,
  type WycheproofGroup,
  type WycheproofTest,
} from '../helpers/vectors.js';

const stablelib = stablelibEd25519Signing();
const noble = nobleEd25519Signing(webRandomSource(globalThis.crypto));
const node = createNodeCrypto();

test('stablelib signs byte for byte as noble and node:crypto, for any seed and message (fast-check)', async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.uint8Array({ minLength: 32, maxLength: 32 }),
      fc.uint8Array({ maxLength: 300 }),
      async (seed, message) => {
        const ours = stablelib.ed25519Signer(seed);
        const reference = noble.ed25519Signer(seed);
        assert.equal(bytesToHex(ours.publicKey), bytesToHex(reference.publicKey));
        const signature = ours.sign(message);
        assert.equal(bytesToHex(signature), bytesToHex(reference.sign(message)));
        assert.equal(bytesToHex(signature), bytesToHex(await (await node.ed25519Signer(seed)).sign(message)));
        assert.equal(stablelibEd25519Verifying().ed25519Verifier(ours.publicKey).verify(message, signature), true);
      },
    ),
    { numRuns: 150 },
  );
});

test('RFC 8032 §7.1 TEST 1 (empty message) signs to the published signature', () => {
  const signer = stablelib.ed25519Signer(readHex('9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60'));
  assert.equal(bytesToHex(signer.publicKey), 'd75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a');
  assert.equal(
    bytesToHex(signer.sign(new Uint8Array(0))),
    'e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b',
  );
});

test('bad arguments are typed errors, as in every backend', async () => {
  assert.equal(await refusalCode(() => stablelib.ed25519Signer(new Uint8Array(31))), 'INVALID_LENGTH');
  assert.equal(await refusalCode(() => stablelib.ed25519Signer('seed' as never)), 'INVALID_ARGUMENT');
  assert.equal(
    await refusalCode(() => stablelib.ed25519Signer(new Uint8Array(32)).sign([1] as never)),
    'INVALID_ARGUMENT',
  );
});

interface EddsaTest extends WycheproofTest {
  readonly msg: string;
  readonly sig: string;
}
interface EddsaGroup extends WycheproofGroup<EddsaTest> {
  readonly publicKey: { readonly pk: string };
}
const SUITE = 'wycheproof ed25519_test';
const groups = loadWycheproof<EddsaGroup>('ed25519_test');
if (groups === undefined) reportNotRun(SUITE);
else {
  test(`${SUITE} through stablelib`, () =>
    runCases(SUITE, 'stablelib', casesOf<EddsaTest, EddsaGroup>(groups), 151, async ({ group, test: t }) => {
      const verifier = stablelibEd25519Verifying().ed25519Verifier(readHex(group.publicKey.pk));
      const verified = verifier.verify(readHex(t.msg), readHex(t.sig));
      expectEqual(verified, t.result === 'valid', 'verify');
      return verified ? 'accepted' : 'rejected';
    }));
}
