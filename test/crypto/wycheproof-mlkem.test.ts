/**
 * Wycheproof ML-KEM-768 through every backend.
 * mlkem_768_test: the 64-byte seed (d ‖ z) must give `ek`, and decapsulating
 * `c` must give `K` (tampered and random ciphertexts included: FIPS 203
 * implicit rejection). Seeds and ciphertexts of the wrong length are refused
 * with INVALID_LENGTH.
 * mlkem_768_encaps_test: encapsulating to `ek` with entropy `m` must give `c`
 * and `K`; a key whose coefficients are not reduced mod q (ModulusOverflow,
 * "Public key not reduced") is refused with INVALID_PUBLIC_KEY:ML_KEM, one of
 * the wrong length with INVALID_LENGTH.
 */
import { test } from 'node:test';
import { readHex } from '../../src/codec/bytes.js';
import {
  type CryptoProvider,
  ML_KEM_768_CIPHERTEXT_LENGTH,
  ML_KEM_768_PUBLIC_KEY_LENGTH,
  ML_KEM_768_SEED_LENGTH,
} from '../../src/crypto/provider.js';
import { backends, outcome } from '../helpers/backends.js';
import {
  type CaseOutcome,
  casesOf,
  expectBytes,
  expectEqual,
  loadWycheproof,
  reportNotRun,
  runCases,
  type WycheproofGroup,
  type WycheproofTest,
} from '../helpers/vectors.js';

interface KemTest extends WycheproofTest {
  readonly seed: string;
  readonly ek?: string;
  readonly c: string;
  readonly K: string;
}

interface EncapsTest extends WycheproofTest {
  readonly ek: string;
  readonly m: string;
  readonly c: string;
  readonly K: string;
}

async function runKemCase(backend: CryptoProvider, t: KemTest): Promise<CaseOutcome> {
  const seed = readHex(t.seed);
  const keyPair = await outcome(() => backend.mlKem768KeyPair(seed));
  if (seed.length !== ML_KEM_768_SEED_LENGTH) {
    expectEqual(keyPair.ok ? 'key pair' : keyPair.code, 'INVALID_LENGTH', 'mlKem768KeyPair');
    return 'rejected';
  }
  if (!keyPair.ok) throw new Error(`mlKem768KeyPair refused a ${seed.length}-byte seed with ${keyPair.code}`);
  if (t.ek !== undefined) expectBytes(keyPair.value.publicKey, t.ek, 'ek');
  const ciphertext = readHex(t.c);
  const shared = await outcome(() => backend.mlKem768Decapsulate(keyPair.value.secretKey, ciphertext));
  if (t.result !== 'valid') {
    // Every invalid case with a good seed has a ciphertext of the wrong length; anything else would need a new rule.
    expectEqual(
      ciphertext.length === ML_KEM_768_CIPHERTEXT_LENGTH,
      false,
      'invalid case has a wrong-length ciphertext',
    );
    expectEqual(shared.ok ? 'shared secret' : shared.code, 'INVALID_LENGTH', 'mlKem768Decapsulate');
    return 'rejected';
  }
  if (!shared.ok) throw new Error(`mlKem768Decapsulate refused a valid case with ${shared.code}`);
  expectBytes(shared.value, t.K, 'K');
  return 'accepted';
}

async function runEncapsCase(backend: CryptoProvider, t: EncapsTest): Promise<CaseOutcome> {
  const ek = readHex(t.ek);
  const result = await outcome(() => backend.mlKem768Encapsulate(ek, readHex(t.m)));
  if (t.result !== 'valid') {
    const expected = ek.length === ML_KEM_768_PUBLIC_KEY_LENGTH ? 'INVALID_PUBLIC_KEY:ML_KEM' : 'INVALID_LENGTH';
    expectEqual(result.ok ? 'encapsulated' : result.code, expected, 'mlKem768Encapsulate');
    return 'rejected';
  }
  if (!result.ok) throw new Error(`mlKem768Encapsulate refused a valid case with ${result.code}`);
  expectBytes(result.value.ciphertext, t.c, 'c');
  expectBytes(result.value.sharedSecret, t.K, 'K');
  return 'accepted';
}

const KEM_SUITE = 'wycheproof mlkem_768_test';
/** Cases the file held when this suite was written: fewer means it was emptied, cut or replaced. */
const KEM_SUITE_MINIMUM = 193;
const kemGroups = loadWycheproof<WycheproofGroup<KemTest>>('mlkem_768_test');
const ENCAPS_SUITE = 'wycheproof mlkem_768_encaps_test';
/** Cases the file held when this suite was written: fewer means it was emptied, cut or replaced. */
const ENCAPS_SUITE_MINIMUM = 265;
const encapsGroups = loadWycheproof<WycheproofGroup<EncapsTest>>('mlkem_768_encaps_test');

if (kemGroups === undefined) reportNotRun(KEM_SUITE);
else {
  for (const backend of backends) {
    test(`${KEM_SUITE} through ${backend.name}`, () =>
      runCases(
        KEM_SUITE,
        backend.name,
        casesOf<KemTest, WycheproofGroup<KemTest>>(kemGroups),
        KEM_SUITE_MINIMUM,
        ({ test: t }) => runKemCase(backend, t),
      ));
  }
}

if (encapsGroups === undefined) reportNotRun(ENCAPS_SUITE);
else {
  for (const backend of backends) {
    test(`${ENCAPS_SUITE} through ${backend.name}`, () =>
      runCases(
        ENCAPS_SUITE,
        backend.name,
        casesOf<EncapsTest, WycheproofGroup<EncapsTest>>(encapsGroups),
        ENCAPS_SUITE_MINIMUM,
        ({ test: t }) => runEncapsCase(backend, t),
      ));
  }
}
