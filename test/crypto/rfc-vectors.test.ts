/**
 * Published known-answer vectors, typed in with the section they come from,
 * run through every backend: RFC 8032 §7.1 (Ed25519), RFC 7748 §5.2 and §6.1
 * (X25519), RFC 5869 appendix A (HKDF-SHA256), RFC 4231 §4.2–4.3
 * (HMAC-SHA256), and the FIPS 180-4 examples published by NIST (SHA-256,
 * SHA-512). They need no vector folder, so they always run.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { bytesToHex, hexToBytes, utf8Encode } from '../../src/codec/bytes.js';
import { backends, refusalCode } from '../helpers/backends.js';

const hex = hexToBytes;
const text = utf8Encode;

/** Bytes start, start + 1, … (RFC 5869 A.2 writes its inputs as such runs). */
function run(start: number, length: number): Uint8Array {
  return Uint8Array.from({ length }, (_, i) => start + i);
}

const RFC8032_SECTION_7_1 = [
  {
    name: 'TEST 1',
    secret: '9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60',
    public: 'd75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a',
    message: '',
    signature:
      'e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b',
  },
  {
    name: 'TEST 2',
    secret: '4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb',
    public: '3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c',
    message: '72',
    signature:
      '92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00',
  },
  {
    name: 'TEST 3',
    secret: 'c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7',
    public: 'fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025',
    message: 'af82',
    signature:
      '6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac18ff9b538d16f290ae67f760984dc6594a7c15e9716ed28dc027beceea1ec40a',
  },
  {
    name: 'TEST SHA(abc)',
    secret: '833fe62409237b9d62ec77587520911e9a759cec1d19755b7da901b96dca3d42',
    public: 'ec172b93ad5e563bf4932c70e1245034c35467ef2efd4d64ebf819683467e2bf',
    message:
      'ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f',
    signature:
      'dc2a4459e7369633a52b1bf277839a00201009a3efbf3ecb69bea2186c26b58909351fc9ac90b3ecfdfbc7c66431e0303dca179c138ac17ad9bef1177331a704',
  },
];

// RFC 5869 appendix A; PRK = HMAC-SHA256(salt, IKM) is checked through hmacSha256
// (A.3's absent salt is HashLen zero bytes, which HMAC treats like an empty key).
const RFC5869_APPENDIX_A = [
  {
    name: 'A.1 Test Case 1',
    ikm: new Uint8Array(22).fill(0x0b),
    salt: hex('000102030405060708090a0b0c'),
    info: hex('f0f1f2f3f4f5f6f7f8f9'),
    prk: '077709362c2e32df0ddc3f0dc47bba6390b6c73bb50f9c3122ec844ad7c2b3e5',
    okm: '3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865',
  },
  {
    name: 'A.2 Test Case 2',
    ikm: run(0x00, 80),
    salt: run(0x60, 80),
    info: run(0xb0, 80),
    prk: '06a6b88c5853361a06104c9ceb35b45cef760014904671014a193f40c15fc244',
    okm: 'b11e398dc80327a1c8e7f78c596a49344f012eda2d4efad8a050cc4c19afa97c59045a99cac7827271cb41c65e590e09da3275600c2f09b8367793a9aca3db71cc30c58179ec3e87c14c01d5c1f3434f1d87',
  },
  {
    name: 'A.3 Test Case 3',
    ikm: new Uint8Array(22).fill(0x0b),
    salt: new Uint8Array(0),
    info: new Uint8Array(0),
    prk: '19ef24a32c717b167f33a91d6f648bdf96596776afdb6377ac434c1c293ccb04',
    okm: '8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b61a96c8',
  },
];

const RFC4231 = [
  {
    name: '§4.2 Test Case 1',
    key: new Uint8Array(20).fill(0x0b),
    data: text('Hi There'),
    mac: 'b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7',
  },
  {
    name: '§4.3 Test Case 2',
    key: text('Jefe'),
    data: text('what do ya want for nothing?'),
    mac: '5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843',
  },
];

for (const backend of backends) {
  test(`RFC and FIPS known answers through ${backend.name}`, async (t) => {
    await t.test('RFC 8032 §7.1 Ed25519', async () => {
      for (const v of RFC8032_SECTION_7_1) {
        assert.equal(bytesToHex(await backend.ed25519PublicKey(hex(v.secret))), v.public, `${v.name} public key`);
        const signature = await backend.ed25519Sign(hex(v.secret), hex(v.message));
        assert.equal(bytesToHex(signature), v.signature, `${v.name} signature`);
        assert.equal(await backend.ed25519Verify(hex(v.public), hex(v.message), signature), true, `${v.name} verify`);
      }
    });

    await t.test('RFC 7748 §5.2 X25519 scalar multiplication', async () => {
      // First vector: the u-coordinate's top bit is clear (last byte 0x4c) and
      // u is on the curve, so xlink accepts it and must give the RFC's output.
      const output = await backend.x25519SharedSecret(
        hex('a546e36bf0527c9d3b16154b82465edd62144c0ac1fc5a18506a2244ba449ac4'),
        hex('e6db6867583030db3594c1a424b15f7c726624ec26b3353b10a903a6d0ab1c4c'),
      );
      assert.equal(bytesToHex(output), 'c3da55379de9c6908e94ea4df28d084f32eccf03491c71f754b4075577a28552');

      // Second vector: the top bit is set (last byte 0x93). RFC 7748 masks it
      // and computes 95cbde94…7aac7957 from the masked u, but an honest peer
      // never sends that bit, so xlink refuses the key as non-canonical. The
      // masked u (8883857351…2736741 in the RFC's decimal) lies on the twist,
      // so it is refused too and the RFC output cannot be reached through xlink.
      const secret = hex('4b66e9d4d1b4673c5ad22691957d6af5c11b6421e0ea01d42ca4169e7918ba0d');
      const u = hex('e5210f12786811d3f4b7959d0538ae2c31dbe7106fc03c3efc4cd549c715a493');
      assert.equal(await refusalCode(() => backend.x25519SharedSecret(secret, u)), 'INVALID_PUBLIC_KEY:NON_CANONICAL');
      const masked = u.slice();
      masked[31] = (masked[31] as number) & 0x7f;
      assert.equal(
        await refusalCode(() => backend.x25519SharedSecret(secret, masked)),
        'INVALID_PUBLIC_KEY:NOT_ON_CURVE',
      );
    });

    await t.test('RFC 7748 §5.2 X25519 iterated from k = u = 9 (1 and 1,000 iterations)', async () => {
      let k: Uint8Array = new Uint8Array(32);
      k[0] = 9;
      let u: Uint8Array = k.slice();
      for (let i = 1; i <= 1000; i++) {
        [k, u] = [await backend.x25519SharedSecret(k, u), k];
        if (i === 1) assert.equal(bytesToHex(k), '422c8e7a6227d7bca1350b3e2bb7279f7897b87bb6854b783c60e80311ae3079');
      }
      assert.equal(bytesToHex(k), '684cf59ba83309552800ef566f2f4d3c1c3887c49360e3875f2eb94d99532c51');
    });

    await t.test('RFC 7748 §6.1 X25519 Diffie-Hellman', async () => {
      const alicePrivate = hex('77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a');
      const alicePublic = '8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a';
      const bobPrivate = hex('5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb');
      const bobPublic = 'de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f';
      const sharedK = '4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742';
      assert.equal(bytesToHex(await backend.x25519PublicKey(alicePrivate)), alicePublic);
      assert.equal(bytesToHex(await backend.x25519PublicKey(bobPrivate)), bobPublic);
      assert.equal(bytesToHex(await backend.x25519SharedSecret(alicePrivate, hex(bobPublic))), sharedK);
      assert.equal(bytesToHex(await backend.x25519SharedSecret(bobPrivate, hex(alicePublic))), sharedK);
    });

    await t.test('RFC 5869 appendix A HKDF-SHA256', async () => {
      for (const v of RFC5869_APPENDIX_A) {
        assert.equal(bytesToHex(await backend.hmacSha256(v.salt, v.ikm)), v.prk, `${v.name} PRK`);
        const okm = await backend.hkdfSha256(v.ikm, v.salt, v.info, v.okm.length / 2);
        assert.equal(bytesToHex(okm), v.okm, `${v.name} OKM`);
      }
    });

    await t.test('RFC 4231 §4.2–4.3 HMAC-SHA256', async () => {
      for (const v of RFC4231) {
        assert.equal(bytesToHex(await backend.hmacSha256(v.key, v.data)), v.mac, v.name);
        assert.equal(await backend.hmacSha256Verify(v.key, v.data, hex(v.mac)), true, `${v.name} verify`);
      }
    });

    await t.test('FIPS 180-4 examples (NIST CSRC): SHA-256 and SHA-512', async () => {
      // One-block "abc" and the two-block messages of the NIST example files.
      assert.equal(
        bytesToHex(await backend.sha256(text('abc'))),
        'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
      );
      assert.equal(
        bytesToHex(await backend.sha256(text('abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq'))),
        '248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1',
      );
      assert.equal(
        bytesToHex(await backend.sha512(text('abc'))),
        'ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f',
      );
      const twoBlocks =
        'abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu';
      assert.equal(
        bytesToHex(await backend.sha512(text(twoBlocks))),
        '8e959b75dae313da8cf4f72814fc143f8f7779c6eb9f7fa17299aeadb6889018501d289e4900f7e4331b99dec4b5433ac7d329eeb6dd26545e96e55b874be909',
      );
    });
  });
}
