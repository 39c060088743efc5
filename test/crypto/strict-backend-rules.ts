/**
 * The rules provider.ts promises beyond the native defaults, run against one
 * backend: strict Ed25519, X25519 peer-key checks, 16-byte GCM tags and the
 * opaque decryption error, length checks, random bytes that look random.
 * node-backend.test.ts, webcrypto-backend.test.ts and noble-backend.test.ts
 * call `describeStrictBackendRules` with their backend; the first two add the
 * native controls that show each rule is needed there.
 */
import assert from 'node:assert/strict';
import { createCipheriv, createHash, createHmac } from 'node:crypto';
import { describe, it } from 'node:test';
import { ed25519, x25519 } from '@noble/curves/ed25519.js';
import type { CryptoProvider } from '../../src/crypto/provider.js';
import { isXlinkError } from '../../src/errors.js';
import {
  ed25519PublicKey,
  ed25519Sign,
  ed25519Verify,
  x25519PublicKey,
  x25519SharedSecret,
} from '../helpers/one-shot.js';
import { sharedWindow } from '../helpers/windows.js';

export const ORDER_L: bigint = 2n ** 252n + 27742317777372353535851937790883648493n;
export const FIELD_P: bigint = 2n ** 255n - 19n;

export function bytesToNumberLE(bytes: Uint8Array): bigint {
  let value = 0n;
  for (let i = bytes.length - 1; i >= 0; i--) value = (value << 8n) | BigInt(bytes[i] as number);
  return value;
}

export function numberToBytesLE(value: bigint, length = 32): Uint8Array {
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i++) out[i] = Number((value >> BigInt(8 * i)) & 0xffn);
  return out;
}

/** Ed25519 identity point (y = 1): [k]A is the identity for every k, so R = [S]B verifies any message. */
export const ED25519_IDENTITY: Uint8Array = numberToBytesLE(1n);

/** R = [s]B and S = s: a signature that cofactorless verification accepts for every message under the identity key. */
export function identityKeyForgery(): Uint8Array {
  const s = 1234567n;
  return Uint8Array.from([...ed25519.Point.BASE.multiply(s).toBytes(), ...numberToBytesLE(s)]);
}

/** Euler's criterion on u^3 + A u^2 + u: an independent check of which points lie on Curve25519. */
function isOnCurve25519(u: bigint): boolean {
  const rhs = (((u * u) % FIELD_P) * (u + 486662n) + u) % FIELD_P;
  if (rhs === 0n) return true;
  let result = 1n;
  let base = rhs;
  for (let e = (FIELD_P - 1n) / 2n; e > 0n; e >>= 1n) {
    if (e & 1n) result = (result * base) % FIELD_P;
    base = (base * base) % FIELD_P;
  }
  return result === 1n;
}

/** `run` may throw synchronously (noble, node) or reject (Web Crypto): both count. */
export async function rejectsWithCode(run: () => unknown, code: string, message?: string): Promise<void> {
  await assert.rejects(
    async () => run(),
    (error: unknown) => {
      assert.ok(isXlinkError(error), `expected an XlinkError, got ${String(error)}`);
      assert.equal(error.code, code);
      if (message !== undefined) assert.equal(error.message, message);
      return true;
    },
  );
}

function hmacReference(key: Uint8Array, data: Uint8Array): Uint8Array {
  return new Uint8Array(createHmac('sha256', key).update(data).digest());
}

/** RFC 5869 §2.2 and §2.3, written out with node:crypto's HMAC as the reference. */
function hkdfReference(ikm: Uint8Array, salt: Uint8Array, info: Uint8Array, length: number): Uint8Array {
  const prk = hmacReference(salt, ikm);
  const blocks: number[] = [];
  let previous: Uint8Array = new Uint8Array(0);
  for (let counter = 1; blocks.length < length; counter++) {
    previous = hmacReference(prk, Uint8Array.from([...previous, ...info, counter]));
    blocks.push(...previous);
  }
  return Uint8Array.from(blocks.slice(0, length));
}

function gcmReference(key: Uint8Array, iv: Uint8Array, plaintext: Uint8Array, aad: Uint8Array): Uint8Array {
  const cipher = createCipheriv('aes-256-gcm', key, iv, { authTagLength: 16 });
  cipher.setAAD(aad);
  return Uint8Array.from([...cipher.update(plaintext), ...cipher.final(), ...cipher.getAuthTag()]);
}

const SEED = Uint8Array.from({ length: 32 }, (_, i) => i);
const MESSAGE = new TextEncoder().encode('xlink strict backend rules');
const AES_KEY = Uint8Array.from({ length: 32 }, (_, i) => 0xa0 ^ i);
const IV = Uint8Array.from({ length: 12 }, (_, i) => i + 1);
const AAD = new TextEncoder().encode('header');

export function describeStrictBackendRules(create: () => CryptoProvider): void {
  const crypto = create();

  describe(`${crypto.name} backend: Ed25519`, () => {
    it('signs like RFC 8032 (noble as reference) and verifies its own signatures', async () => {
      const publicKey = await ed25519PublicKey(crypto, SEED);
      assert.deepEqual(publicKey, ed25519.getPublicKey(SEED));
      const signature = await ed25519Sign(crypto, SEED, MESSAGE);
      assert.deepEqual(signature, ed25519.sign(MESSAGE, SEED));
      assert.equal(await ed25519Verify(crypto, publicKey, MESSAGE, signature), true);
      assert.equal(await ed25519Verify(crypto, publicKey, MESSAGE.subarray(1), signature), false);
      const flipped = signature.slice();
      flipped[10] = (flipped[10] as number) ^ 1;
      assert.equal(await ed25519Verify(crypto, publicKey, MESSAGE, flipped), false);
      const otherKey = await ed25519PublicKey(crypto, new Uint8Array(32).fill(9));
      assert.equal(await ed25519Verify(crypto, otherKey, MESSAGE, signature), false);
    });

    it('returns false, not an error, for wrong lengths', async () => {
      const publicKey = await ed25519PublicKey(crypto, SEED);
      const signature = await ed25519Sign(crypto, SEED, MESSAGE);
      assert.equal(await ed25519Verify(crypto, publicKey, MESSAGE, signature.subarray(0, 63)), false);
      assert.equal(await ed25519Verify(crypto, publicKey, MESSAGE, Uint8Array.from([...signature, 0])), false);
      assert.equal(await ed25519Verify(crypto, publicKey.subarray(0, 31), MESSAGE, signature), false);
      assert.equal(await ed25519Verify(crypto, new Uint8Array(0), MESSAGE, new Uint8Array(0)), false);
    });

    it('refuses the small-order (identity) public key that verifies any message natively', async () => {
      const forgery = identityKeyForgery();
      // noble's default (ZIP-215) accepts it: the forgery is real, the strict checks refuse it.
      assert.equal(ed25519.verify(forgery, MESSAGE, ED25519_IDENTITY), true);
      assert.equal(await ed25519Verify(crypto, ED25519_IDENTITY, MESSAGE, forgery), false);
      assert.equal(await ed25519Verify(crypto, ED25519_IDENTITY, new Uint8Array(0), forgery), false);
    });

    it('refuses a non-canonical encoding of the identity key (y = p + 1)', async () => {
      const alias = numberToBytesLE(FIELD_P + 1n);
      assert.equal(await ed25519Verify(crypto, alias, MESSAGE, identityKeyForgery()), false);
    });

    it('refuses a small-order R that a cofactored verifier accepts', async () => {
      const { scalar, pointBytes } = ed25519.utils.getExtendedPublicKey(SEED);
      const orderEightR = Uint8Array.from(
        Buffer.from('26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05', 'hex'),
      );
      const k =
        bytesToNumberLE(
          new Uint8Array(createHash('sha512').update(orderEightR).update(pointBytes).update(MESSAGE).digest()),
        ) % ORDER_L;
      // [S]B = [k]A exactly, so [8]([S]B - R - [k]A) = -[8]R = 0.
      const signature = Uint8Array.from([...orderEightR, ...numberToBytesLE((k * scalar) % ORDER_L)]);
      assert.equal(ed25519.verify(signature, MESSAGE, pointBytes, { zip215: true }), true);
      assert.equal(await ed25519Verify(crypto, pointBytes, MESSAGE, signature), false);
    });

    it('refuses S + L (signature malleability)', async () => {
      const publicKey = await ed25519PublicKey(crypto, SEED);
      const signature = await ed25519Sign(crypto, SEED, MESSAGE);
      const s = bytesToNumberLE(signature.subarray(32));
      assert.ok(s + ORDER_L < 2n ** 256n);
      const malleated = Uint8Array.from([...signature.subarray(0, 32), ...numberToBytesLE(s + ORDER_L)]);
      assert.equal(await ed25519Verify(crypto, publicKey, MESSAGE, signature), true);
      assert.equal(await ed25519Verify(crypto, publicKey, MESSAGE, malleated), false);
    });

    it('checks seed lengths with an exact message', async () => {
      const expected = '"seed" expected Uint8Array of length 32, got length=31';
      await rejectsWithCode(async () => ed25519Sign(crypto, SEED.subarray(1), MESSAGE), 'INVALID_LENGTH', expected);
      await rejectsWithCode(async () => ed25519PublicKey(crypto, SEED.subarray(1)), 'INVALID_LENGTH', expected);
    });
  });

  describe(`${crypto.name} backend: X25519`, () => {
    const alice = Uint8Array.from({ length: 32 }, (_, i) => 0x11 * (i % 15));
    const bob = Uint8Array.from({ length: 32 }, (_, i) => 255 - i);

    it('agrees on a shared secret equal to noble x25519', async () => {
      const alicePublic = await x25519PublicKey(crypto, alice);
      const bobPublic = await x25519PublicKey(crypto, bob);
      assert.deepEqual(alicePublic, x25519.getPublicKey(alice));
      const shared = await x25519SharedSecret(crypto, alice, bobPublic);
      assert.deepEqual(shared, await x25519SharedSecret(crypto, bob, alicePublic));
      assert.deepEqual(shared, x25519.getSharedSecret(alice, bobPublic));
    });

    it('refuses a point on the twist with INVALID_PUBLIC_KEY:NOT_ON_CURVE', async () => {
      assert.equal(isOnCurve25519(2n), false);
      assert.equal(isOnCurve25519(FIELD_P - 1n), false);
      for (const u of [2n, FIELD_P - 1n]) {
        await rejectsWithCode(
          async () => x25519SharedSecret(crypto, alice, numberToBytesLE(u)),
          'INVALID_PUBLIC_KEY:NOT_ON_CURVE',
        );
      }
    });

    it('refuses non-canonical u (u >= p, top bit set) with INVALID_PUBLIC_KEY:NON_CANONICAL', async () => {
      for (const u of [FIELD_P, FIELD_P + 9n, 2n ** 255n + 9n, 2n ** 256n - 1n]) {
        await rejectsWithCode(
          async () => x25519SharedSecret(crypto, alice, numberToBytesLE(u)),
          'INVALID_PUBLIC_KEY:NON_CANONICAL',
        );
      }
    });

    it('refuses low-order points on the curve with ECDH_FAILED:ZERO_SHARED_SECRET', async () => {
      const lowOrder = [
        0n, // order 2
        1n, // order 4
        // The two order-8 points (libsodium's blocklist).
        bytesToNumberLE(Buffer.from('e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800', 'hex')),
        bytesToNumberLE(Buffer.from('5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157', 'hex')),
      ];
      for (const u of lowOrder) {
        assert.ok(isOnCurve25519(u), `u=${u} should lie on the curve`);
        await rejectsWithCode(
          async () => x25519SharedSecret(crypto, alice, numberToBytesLE(u)),
          'ECDH_FAILED:ZERO_SHARED_SECRET',
        );
      }
    });

    it('checks key lengths', async () => {
      const bobPublic = await x25519PublicKey(crypto, bob);
      await rejectsWithCode(async () => x25519SharedSecret(crypto, alice, bobPublic.subarray(1)), 'INVALID_LENGTH');
      await rejectsWithCode(async () => x25519SharedSecret(crypto, alice.subarray(1), bobPublic), 'INVALID_LENGTH');
      await rejectsWithCode(async () => x25519PublicKey(crypto, new Uint8Array(33)), 'INVALID_LENGTH');
    });

    it('x25519Ephemeral: a fresh key each call whose secret the peer derives too', async () => {
      const bobPublic = await x25519PublicKey(crypto, bob);
      const first = await crypto.x25519Ephemeral(bobPublic);
      const second = await crypto.x25519Ephemeral(bobPublic);
      assert.notDeepEqual(first.ephemeralPublicKey, second.ephemeralPublicKey);
      for (const { ephemeralPublicKey, sharedSecret } of [first, second]) {
        assert.equal(ephemeralPublicKey.length, 32);
        assert.deepEqual(sharedSecret, await x25519SharedSecret(crypto, bob, ephemeralPublicKey));
        assert.deepEqual(sharedSecret, x25519.getSharedSecret(bob, ephemeralPublicKey));
      }
    });

    it('x25519Ephemeral refuses the peer keys x25519SharedSecret refuses, with the same codes', async () => {
      await rejectsWithCode(async () => crypto.x25519Ephemeral(numberToBytesLE(2n)), 'INVALID_PUBLIC_KEY:NOT_ON_CURVE');
      await rejectsWithCode(
        async () => crypto.x25519Ephemeral(numberToBytesLE(FIELD_P + 9n)),
        'INVALID_PUBLIC_KEY:NON_CANONICAL',
      );
      for (const u of [0n, 1n]) {
        await rejectsWithCode(async () => crypto.x25519Ephemeral(numberToBytesLE(u)), 'ECDH_FAILED:ZERO_SHARED_SECRET');
      }
      await rejectsWithCode(async () => crypto.x25519Ephemeral(new Uint8Array(31)), 'INVALID_LENGTH');
    });
  });

  describe(`${crypto.name} backend: AES-256-GCM`, () => {
    const plaintext = new TextEncoder().encode('a reading of 21.5 degrees');

    it('seals to ciphertext ‖ 16-byte tag, as node:crypto does, and opens it', async () => {
      const sealed = await crypto.aes256GcmEncrypt(AES_KEY, IV, plaintext, AAD);
      assert.deepEqual(sealed, gcmReference(AES_KEY, IV, plaintext, AAD));
      assert.deepEqual(await crypto.aes256GcmDecrypt(AES_KEY, IV, sealed, AAD), plaintext);
      const bare = await crypto.aes256GcmEncrypt(AES_KEY, IV, plaintext);
      assert.deepEqual(bare, gcmReference(AES_KEY, IV, plaintext, new Uint8Array(0)));
      assert.deepEqual(await crypto.aes256GcmDecrypt(AES_KEY, IV, bare), plaintext);
      const empty = await crypto.aes256GcmEncrypt(AES_KEY, IV, new Uint8Array(0));
      assert.equal(empty.length, 16);
      assert.deepEqual(await crypto.aes256GcmDecrypt(AES_KEY, IV, empty), new Uint8Array(0));
    });

    it('refuses a truncated tag', async () => {
      const sealed = await crypto.aes256GcmEncrypt(AES_KEY, IV, plaintext, AAD);
      const ciphertext = sealed.subarray(0, plaintext.length);
      const tag = sealed.subarray(plaintext.length);
      for (const kept of [15, 12, 8, 4]) {
        const truncated = Uint8Array.from([...ciphertext, ...tag.subarray(0, kept)]);
        await rejectsWithCode(
          async () => crypto.aes256GcmDecrypt(AES_KEY, IV, truncated, AAD),
          'DECRYPT_FAILED:DECRYPTION',
        );
      }
      const emptySealed = await crypto.aes256GcmEncrypt(AES_KEY, IV, new Uint8Array(0));
      await rejectsWithCode(
        async () => crypto.aes256GcmDecrypt(AES_KEY, IV, emptySealed.subarray(0, 4)),
        'DECRYPT_FAILED:DECRYPTION',
      );
      await rejectsWithCode(
        async () => crypto.aes256GcmDecrypt(AES_KEY, IV, new Uint8Array(0)),
        'DECRYPT_FAILED:DECRYPTION',
      );
    });

    it('refuses IVs other than 12 bytes and keys other than 32 bytes, in both directions', async () => {
      const sealed = await crypto.aes256GcmEncrypt(AES_KEY, IV, plaintext);
      for (const length of [0, 8, 11, 13, 16]) {
        const expected = `"iv" expected Uint8Array of length 12, got length=${length}`;
        const iv = new Uint8Array(length);
        await rejectsWithCode(async () => crypto.aes256GcmEncrypt(AES_KEY, iv, plaintext), 'INVALID_LENGTH', expected);
        await rejectsWithCode(async () => crypto.aes256GcmDecrypt(AES_KEY, iv, sealed), 'INVALID_LENGTH', expected);
      }
      for (const length of [16, 24, 31, 33]) {
        const key = new Uint8Array(length);
        await rejectsWithCode(async () => crypto.aes256GcmEncrypt(key, IV, plaintext), 'INVALID_LENGTH');
        await rejectsWithCode(async () => crypto.aes256GcmDecrypt(key, IV, sealed), 'INVALID_LENGTH');
      }
    });

    it('fails every tampering with one opaque error: same message, no cause', async () => {
      const sealed = await crypto.aes256GcmEncrypt(AES_KEY, IV, plaintext, AAD);
      const flip = (bytes: Uint8Array, index: number): Uint8Array => {
        const copy = bytes.slice();
        copy[index] = (copy[index] as number) ^ 0x01;
        return copy;
      };
      const attempts: Array<() => unknown> = [
        () => crypto.aes256GcmDecrypt(flip(AES_KEY, 0), IV, sealed, AAD),
        () => crypto.aes256GcmDecrypt(AES_KEY, flip(IV, 11), sealed, AAD),
        () => crypto.aes256GcmDecrypt(AES_KEY, IV, sealed, flip(AAD, 2)),
        () => crypto.aes256GcmDecrypt(AES_KEY, IV, sealed),
        () => crypto.aes256GcmDecrypt(AES_KEY, IV, sealed, Uint8Array.from([...AAD, 0])),
        () => crypto.aes256GcmDecrypt(AES_KEY, IV, flip(sealed, 0), AAD),
        () => crypto.aes256GcmDecrypt(AES_KEY, IV, flip(sealed, sealed.length - 1), AAD),
        () => crypto.aes256GcmDecrypt(AES_KEY, IV, sealed.subarray(0, 15), AAD),
      ];
      const messages = new Set<string>();
      for (const attempt of attempts) {
        const error = await Promise.resolve()
          .then(attempt)
          .then(
            () => assert.fail('tampered input decrypted'),
            (caught: unknown) => caught,
          );
        assert.ok(isXlinkError(error));
        assert.equal(error.code, 'DECRYPT_FAILED:DECRYPTION');
        assert.equal(error.cause, undefined);
        assert.equal(Object.hasOwn(error, 'cause'), false);
        messages.add(error.message);
      }
      assert.deepEqual([...messages], ['AES-256-GCM decryption failed']);
    });
  });

  describe(`${crypto.name} backend: HMAC and HKDF`, () => {
    it('computes HMAC-SHA256 like node:crypto, empty and long keys included', async () => {
      for (const key of [new Uint8Array(0), AES_KEY, new Uint8Array(100).fill(7)]) {
        assert.deepEqual(await crypto.hmacSha256(key, MESSAGE), hmacReference(key, MESSAGE));
      }
    });

    it('verifies only a full, exact 32-byte tag', async () => {
      const tag = await crypto.hmacSha256(AES_KEY, MESSAGE);
      assert.equal(await crypto.hmacSha256Verify(AES_KEY, MESSAGE, tag), true);
      assert.equal(
        await crypto.hmacSha256Verify(new Uint8Array(0), MESSAGE, hmacReference(new Uint8Array(0), MESSAGE)),
        true,
      );
      assert.equal(await crypto.hmacSha256Verify(AES_KEY, MESSAGE, tag.subarray(0, 16)), false);
      assert.equal(await crypto.hmacSha256Verify(AES_KEY, MESSAGE, tag.subarray(0, 31)), false);
      assert.equal(await crypto.hmacSha256Verify(AES_KEY, MESSAGE, Uint8Array.from([...tag, 0])), false);
      assert.equal(await crypto.hmacSha256Verify(AES_KEY, MESSAGE, new Uint8Array(0)), false);
      const flipped = tag.slice();
      flipped[31] = (flipped[31] as number) ^ 0x80;
      assert.equal(await crypto.hmacSha256Verify(AES_KEY, MESSAGE, flipped), false);
    });

    it('derives HKDF-SHA256 for every info length, past the 1024 bytes native HKDF takes', async () => {
      const ikm = Uint8Array.from({ length: 22 }, () => 0x0b);
      const salt = Uint8Array.from({ length: 13 }, (_, i) => i);
      for (const infoLength of [0, 10, 1024, 1025, 4000]) {
        const info = Uint8Array.from({ length: infoLength }, (_, i) => i & 0xff);
        for (const length of [1, 32, 42, 100]) {
          assert.deepEqual(await crypto.hkdfSha256(ikm, salt, info, length), hkdfReference(ikm, salt, info, length));
        }
      }
      const longInfo = new Uint8Array(2000).fill(3);
      const max = await crypto.hkdfSha256(ikm, new Uint8Array(0), longInfo, 8160);
      assert.deepEqual(max, hkdfReference(ikm, new Uint8Array(0), longInfo, 8160));
    });

    it('returns no bytes for length 0 and refuses lengths past 255 * 32', async () => {
      assert.deepEqual(await crypto.hkdfSha256(MESSAGE, AAD, AAD, 0), new Uint8Array(0));
      assert.equal((await crypto.hkdfSha256(MESSAGE, AAD, AAD, 8160)).length, 8160);
      await rejectsWithCode(
        async () => crypto.hkdfSha256(MESSAGE, AAD, AAD, 8161),
        'INVALID_LENGTH',
        '"length" expected at most 8160, got 8161',
      );
      for (const length of [-1, 1.5, Number.NaN, '32' as unknown as number]) {
        await rejectsWithCode(async () => crypto.hkdfSha256(MESSAGE, AAD, AAD, length), 'INVALID_ARGUMENT');
      }
    });
  });

  describe(`${crypto.name} backend: randomness, hashes, post-quantum entropy`, () => {
    // Each bound below fails a uniform source with probability under 2^-40, and fails
    // a source that fills one byte per getRandomValues chunk, or repeats itself, every time.
    it('draws fresh random bytes of any length, beyond one getRandomValues call', () => {
      assert.equal(crypto.randomBytes(0).length, 0);
      const key = crypto.randomBytes(32);
      // 32 uniform bytes hold about 30 distinct values.
      assert.ok(new Set(key).size >= 16, `randomBytes(32) has ${new Set(key).size} distinct byte values`);
      assert.equal(sharedWindow(key, crypto.randomBytes(32)), undefined, 'two calls share 8 bytes');
      const big = crypto.randomBytes(200_000);
      assert.equal(big.length, 200_000);
      // 1 KiB of uniform bytes holds about 251 distinct values; the last block overlaps its neighbour.
      const starts = Array.from({ length: Math.floor(big.length / 1024) }, (_, i) => i * 1024);
      for (const start of [...starts, big.length - 1024]) {
        const count = new Set(big.subarray(start, start + 1024)).size;
        assert.ok(count >= 200, `the 1 KiB block at ${start} has ${count} distinct byte values`);
      }
      // Later 64 KiB chunks are not copies of the first.
      const head = big.subarray(0, 1024);
      for (const chunk of [65_536, 131_072, 196_608]) {
        assert.equal(sharedWindow(head, big.subarray(chunk, chunk + 1024)), undefined, `chunk at ${chunk}`);
      }
      assert.throws(
        () => crypto.randomBytes(-1),
        (error: unknown) => isXlinkError(error) && error.code === 'INVALID_ARGUMENT',
      );
      assert.throws(
        () => crypto.randomBytes(2 ** 31),
        (error: unknown) => isXlinkError(error) && error.code === 'INVALID_LENGTH',
      );
    });

    it('hashes like node:crypto and returns plain Uint8Arrays', async () => {
      const digest = await crypto.sha256(MESSAGE);
      assert.equal(Object.getPrototypeOf(digest), Uint8Array.prototype);
      assert.deepEqual(digest, new Uint8Array(createHash('sha256').update(MESSAGE).digest()));
      assert.deepEqual(await crypto.sha512(MESSAGE), new Uint8Array(createHash('sha512').update(MESSAGE).digest()));
      assert.equal(Object.getPrototypeOf(await ed25519Sign(crypto, SEED, MESSAGE)), Uint8Array.prototype);
    });

    it('encapsulates ML-KEM-768 with fresh entropy when none is given', async () => {
      const { publicKey, secretKey } = await crypto.mlKem768KeyPair(new Uint8Array(64).fill(1));
      const first = await crypto.mlKem768Encapsulate(publicKey);
      const second = await crypto.mlKem768Encapsulate(publicKey);
      assert.notDeepEqual(first.ciphertext, second.ciphertext);
      assert.deepEqual(await crypto.mlKem768Decapsulate(secretKey, first.ciphertext), first.sharedSecret);
      assert.deepEqual(await crypto.mlKem768Decapsulate(secretKey, second.ciphertext), second.sharedSecret);
      await rejectsWithCode(async () => crypto.mlKem768Encapsulate(publicKey, new Uint8Array(31)), 'INVALID_LENGTH');
    });

    it('signs ML-DSA-65 hedged with fresh entropy when none is given', async () => {
      const { publicKey, secretKey } = await crypto.mlDsa65KeyPair(new Uint8Array(32).fill(2));
      const first = await crypto.mlDsa65Sign(secretKey, MESSAGE);
      const second = await crypto.mlDsa65Sign(secretKey, MESSAGE);
      assert.notDeepEqual(first, second);
      assert.equal(await crypto.mlDsa65Verify(publicKey, MESSAGE, first), true);
      assert.equal(await crypto.mlDsa65Verify(publicKey, MESSAGE, second), true);
      assert.equal(await crypto.mlDsa65Verify(publicKey, MESSAGE, first.subarray(1)), false);
      await rejectsWithCode(async () => crypto.mlDsa65Sign(secretKey, MESSAGE, new Uint8Array(33)), 'INVALID_LENGTH');
    });
  });

  describe(`${crypto.name} backend: argument types`, () => {
    it('refuses a non-Uint8Array in every byte argument with INVALID_ARGUMENT', async () => {
      const bad = 'not bytes' as unknown as Uint8Array;
      const b32 = new Uint8Array(32);
      const calls: Array<[string, () => unknown]> = [
        ['sha256', () => crypto.sha256(bad)],
        ['sha512', () => crypto.sha512(bad)],
        ['hmacSha256', () => crypto.hmacSha256(bad, b32)],
        ['hmacSha256Verify', () => crypto.hmacSha256Verify(b32, b32, bad)],
        ['hkdfSha256', () => crypto.hkdfSha256(b32, bad, b32, 32)],
        ['ed25519PublicKey', () => ed25519PublicKey(crypto, bad)],
        ['ed25519Sign', () => ed25519Sign(crypto, b32, bad)],
        ['ed25519Verify', () => ed25519Verify(crypto, b32, b32, bad)],
        ['x25519PublicKey', () => x25519PublicKey(crypto, bad)],
        ['x25519SharedSecret', () => x25519SharedSecret(crypto, b32, bad)],
        ['x25519Ephemeral', () => crypto.x25519Ephemeral(bad)],
        ['aes256GcmEncrypt', () => crypto.aes256GcmEncrypt(b32, IV, b32, bad)],
        ['aes256GcmDecrypt', () => crypto.aes256GcmDecrypt(b32, IV, bad)],
        ['mlKem768KeyPair', () => crypto.mlKem768KeyPair(bad)],
        ['mlKem768Encapsulate', () => crypto.mlKem768Encapsulate(bad)],
        ['mlKem768Decapsulate', () => crypto.mlKem768Decapsulate(bad, b32)],
        ['mlDsa65KeyPair', () => crypto.mlDsa65KeyPair(bad)],
        ['mlDsa65Sign', () => crypto.mlDsa65Sign(bad, b32)],
        ['mlDsa65Verify', () => crypto.mlDsa65Verify(b32, bad, b32)],
      ];
      for (const [name, call] of calls) {
        await assert.rejects(
          async () => call(),
          (error: unknown) => {
            assert.ok(isXlinkError(error), name);
            assert.equal(error.code, 'INVALID_ARGUMENT', name);
            return true;
          },
        );
      }
    });
  });
}
