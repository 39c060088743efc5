/**
 * Golden known-answer test of identity derivation. These values are FROZEN:
 * a seed burned into a device today must give the same DID and keys in ten
 * years. If this test fails, the derivation changed; revert the change (a new
 * derivation needs new labels and a new test, never edited values here).
 *
 * The DIDs and X25519 hashes were also reproduced outside xlink, with Python's
 * `cryptography` (OpenSSL) HKDF, Ed25519 and X25519.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ed25519, x25519 } from '@noble/curves/ed25519.js';
import { hkdf } from '@noble/hashes/hkdf.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { ml_dsa65 } from '@noble/post-quantum/ml-dsa.js';
import { ml_kem768 } from '@noble/post-quantum/ml-kem.js';
import { bytesToHex, concatBytes, readHex, utf8Encode } from '../../src/codec/bytes.js';
import { createNobleCrypto } from '../../src/crypto/noble/index.js';
import { identityFromSeed, signingKeyFromSeed } from '../../src/identity/derive.js';
import { didFromEd25519PublicKey } from '../../src/identity/did.js';
import { webRandomSource } from '../../src/platform/random.js';
import { backends } from '../helpers/backends.js';
import { sharedWindow } from '../helpers/windows.js';

interface Golden {
  readonly seed: string;
  readonly did: string;
  /** SHA-256 of each public key. */
  readonly x25519: string;
  readonly mlKem768: string;
  readonly mlDsa65: string;
}

const GOLDEN: readonly Golden[] = [
  {
    seed: '0000000000000000000000000000000000000000000000000000000000000000',
    did: 'did:key:z6MkvtHgnXsXj3g98W2RR28zywEhiUeMbbvAYEydkBTpt7uP',
    x25519: 'b2c2c35f369c1b28031d787e3380b60bfc244c2c09558e52504e662ac08a15f5',
    mlKem768: 'e25f9863b717f3d0d687756ebb4acb1c7e86fdd94ae6ee547442913b18ab7a88',
    mlDsa65: '24b3b0b259367a454a5920667e651ed4c107c0049143294df28414cf39a5568a',
  },
  {
    seed: '000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f',
    did: 'did:key:z6MkwE8gEk2dWVF3kxcjePgHfGnS5wtyektv2a62LKT7WZzE',
    x25519: 'c2311f6fc851a4271146c50354e2f54026b56504f77de4d0865266eaea6f6c63',
    mlKem768: 'afbad159f642a520f3910f829d4e4f0039beb86565bda86d71b98ea90689b363',
    mlDsa65: 'a512cbc2c888fcad5cc7b52c9f82ad313583f7b931d796151e16a756187a2914',
  },
  {
    seed: 'ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff',
    did: 'did:key:z6Mkt86KY1BHjJHEE3JC5vc1Ue4XwJdogninb9ECsdrynx3U',
    x25519: '474a7a3ac24d74aaf3af165088a2df0ebc0f94d9580ca011b311c2a33c9e7775',
    mlKem768: '15dc24321417ac8b25a9e7ca0a69ff68faaab433e7f2eab728dc9f2090e40fd8',
    mlDsa65: '814aa8348a37412058c3ea6354c902d0e2e715d8be68334924129f20cbdcd9c6',
  },
];

const SALT = utf8Encode('xlink identity seed v1');

/** HKDF-SHA256 with the frozen salt, straight from @noble/hashes: no xlink code involved. */
function hkdfLabel(seed: Uint8Array, label: string, length: number): Uint8Array {
  return hkdf(sha256, seed, SALT, utf8Encode(label), length);
}

describe('identity derivation known answers (frozen)', () => {
  for (const golden of GOLDEN) {
    for (const backend of backends) {
      it(`seed ${golden.seed.slice(0, 8)}… through ${backend.name}`, async () => {
        const result = await identityFromSeed(readHex(golden.seed), { crypto: backend });
        assert.ok(result.ok);
        const identity = result.value;
        assert.equal(identity.did, golden.did);
        assert.equal(bytesToHex(sha256(identity.x25519.publicKey)), golden.x25519);
        assert.equal(bytesToHex(sha256(identity.mlKem768.publicKey)), golden.mlKem768);
        assert.equal(bytesToHex(sha256(identity.mlDsa65.publicKey)), golden.mlDsa65);
      });

      it(`seed ${golden.seed.slice(0, 8)}…: a signer alone (Ed25519 only, through ${backend.name}) names the same DID`, async () => {
        const signing = await signingKeyFromSeed(readHex(golden.seed), { crypto: backend });
        assert.ok(signing.ok);
        assert.equal(didFromEd25519PublicKey(signing.value.signer.publicKey), golden.did);
        // kid: the RFC 9679 thumbprint prefix, computed here from the COSE_Key bytes by hand.
        const coseKey = concatBytes(readHex('a301012006215820'), signing.value.signer.publicKey);
        assert.deepEqual(signing.value.kid, sha256(coseKey).subarray(0, 6));
      });
    }

    it(`seed ${golden.seed.slice(0, 8)}…: the four HKDF labels, recomputed with @noble/hashes`, async () => {
      const seed = readHex(golden.seed);
      const ed25519Seed = hkdfLabel(seed, 'xlink/v1/ed25519', 32);
      const x25519Secret = hkdfLabel(seed, 'xlink/v1/x25519', 32);
      const mlKemSeed = hkdfLabel(seed, 'xlink/v1/ml-kem-768', 64);
      const mlDsaSeed = hkdfLabel(seed, 'xlink/v1/ml-dsa-65', 32);

      const result = await identityFromSeed(seed, {
        crypto: createNobleCrypto({ random: webRandomSource(globalThis.crypto) }),
      });
      assert.ok(result.ok);
      const identity = result.value;
      assert.deepEqual(identity.ed25519.secretKey, ed25519Seed);
      assert.deepEqual(identity.x25519.secretKey, x25519Secret);
      assert.equal(didFromEd25519PublicKey(ed25519.getPublicKey(ed25519Seed)), golden.did);
      assert.deepEqual(identity.x25519.publicKey, x25519.getPublicKey(x25519Secret));
      const mlKem = ml_kem768.keygen(mlKemSeed);
      assert.deepEqual(identity.mlKem768.publicKey, mlKem.publicKey);
      assert.deepEqual(identity.mlKem768.secretKey, mlKem.secretKey);
      const mlDsa = ml_dsa65.keygen(mlDsaSeed);
      assert.deepEqual(identity.mlDsa65.publicKey, mlDsa.publicKey);
      assert.deepEqual(identity.mlDsa65.secretKey, mlDsa.secretKey);

      // Distinct labels: no 8-byte run of one derived secret appears in another or in the seed
      // (for independent random values, about 2^-50 over all these pairs).
      const outputs = [seed, ed25519Seed, x25519Secret, mlKemSeed.subarray(0, 32), mlKemSeed.subarray(32), mlDsaSeed];
      outputs.forEach((a, i) => {
        outputs.slice(i + 1).forEach((b, offset) => {
          assert.equal(sharedWindow(a, b), undefined, `outputs ${i} and ${i + 1 + offset} share 8 bytes`);
        });
      });
    });
  }
});
