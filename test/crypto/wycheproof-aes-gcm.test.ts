/**
 * Wycheproof aes_gcm_test through every backend. xlink offers AES-256-GCM
 * with 96-bit IVs and 128-bit tags only: those groups must encrypt to ct ‖ tag
 * exactly, decrypt back, and refuse a modified tag with the opaque
 * DECRYPT_FAILED:DECRYPTION. Every other group (AES-128/192, other IV sizes)
 * is not skipped: both directions must refuse it with INVALID_LENGTH.
 */
import { test } from 'node:test';
import { readHex } from '../../src/codec/bytes.js';
import type { CryptoProvider } from '../../src/crypto/provider.js';
import { backends, outcome, refusalCode } from '../helpers/backends.js';
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

interface AeadTest extends WycheproofTest {
  readonly key: string;
  readonly iv: string;
  readonly aad: string;
  readonly msg: string;
  readonly ct: string;
  readonly tag: string;
}

interface AeadGroup extends WycheproofGroup<AeadTest> {
  readonly keySize: number;
  readonly ivSize: number;
  readonly tagSize: number;
}

async function runCase(backend: CryptoProvider, group: AeadGroup, t: AeadTest): Promise<CaseOutcome> {
  const key = readHex(t.key);
  const iv = readHex(t.iv);
  const aad = readHex(t.aad);
  const sealed = readHex(t.ct + t.tag);
  if (group.keySize !== 256 || group.ivSize !== 96 || group.tagSize !== 128) {
    const encrypt = await refusalCode(() => backend.aes256GcmEncrypt(key, iv, readHex(t.msg), aad));
    expectEqual(encrypt, 'INVALID_LENGTH', 'aes256GcmEncrypt refusal');
    const decrypt = await refusalCode(() => backend.aes256GcmDecrypt(key, iv, sealed, aad));
    expectEqual(decrypt, 'INVALID_LENGTH', 'aes256GcmDecrypt refusal');
    return 'unsupported';
  }
  const opened = await outcome(() => backend.aes256GcmDecrypt(key, iv, sealed, aad));
  if (t.result !== 'valid') {
    expectEqual(opened.ok ? 'decrypted' : opened.code, 'DECRYPT_FAILED:DECRYPTION', 'aes256GcmDecrypt');
    return 'rejected';
  }
  if (!opened.ok) throw new Error(`aes256GcmDecrypt refused a valid case with ${opened.code}`);
  expectBytes(opened.value, t.msg, 'plaintext');
  expectBytes(await backend.aes256GcmEncrypt(key, iv, readHex(t.msg), aad), t.ct + t.tag, 'ciphertext ‖ tag');
  return 'accepted';
}

const SUITE = 'wycheproof aes_gcm_test';
/** Cases the file held when this suite was written: fewer means it was emptied, cut or replaced. */
const SUITE_MINIMUM = 316;
const groups = loadWycheproof<AeadGroup>('aes_gcm_test');

if (groups === undefined) reportNotRun(SUITE);
else {
  for (const backend of backends) {
    test(`${SUITE} through ${backend.name}`, () =>
      runCases(SUITE, backend.name, casesOf<AeadTest, AeadGroup>(groups), SUITE_MINIMUM, ({ group, test: t }) =>
        runCase(backend, group, t),
      ));
  }
}
