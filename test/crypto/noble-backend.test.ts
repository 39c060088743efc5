/**
 * What only the noble backend does: the injected random source, and
 * cofactorless Ed25519 verification built from noble's point arithmetic
 * (noble's own verify is cofactored). The rules every backend shares run here
 * through `describeStrictBackendRules`; vectors and cross-backend parity live
 * in the shared suites.
 */
import assert from 'node:assert/strict';
import { createPublicKey, hkdfSync, verify as nodeVerify } from 'node:crypto';
import { describe, test } from 'node:test';
import { ed25519 } from '@noble/curves/ed25519.js';
import { bytesToNumberLE, numberToBytesLE } from '@noble/curves/utils.js';
import { sha512 } from '@noble/hashes/sha2.js';
import { concatBytes, readHex, utf8Encode } from '../../src/codec/bytes.js';
import { passesEd25519StrictChecks } from '../../src/crypto/ed25519-strict.js';
import { createNobleCrypto } from '../../src/crypto/noble/index.js';
import type { ErrorCode } from '../../src/errors.js';
import { isXlinkError } from '../../src/errors.js';
import { webRandomSource } from '../../src/platform/random.js';
import {
  ed25519PublicKey,
  ed25519Sign,
  ed25519Verify,
  x25519PublicKey,
  x25519SharedSecret,
} from '../helpers/one-shot.js';
import { describeStrictBackendRules } from './strict-backend-rules.js';

describeStrictBackendRules(() => createNobleCrypto({ random: webRandomSource(globalThis.crypto) }));

const { Point } = ed25519;
const { Fn } = Point;

function hasCode(code: ErrorCode): (error: unknown) => boolean {
  return (error) => {
    assert.ok(isXlinkError(error), `expected an XlinkError, got ${String(error)}`);
    assert.equal(error.code, code);
    return true;
  };
}

/** Deterministic stand-in for a hardware RNG: 0, 1, 2, … (mod 256), recording each request. */
function counterSource(): { source: (length: number) => Uint8Array; requests: number[] } {
  let next = 0;
  const requests: number[] = [];
  const source = (length: number): Uint8Array => {
    requests.push(length);
    const out = new Uint8Array(length);
    for (let i = 0; i < length; i++) out[i] = next++ & 0xff;
    return out;
  };
  return { source, requests };
}

function counterBytes(start: number, length: number): Uint8Array {
  return Uint8Array.from({ length }, (_, i) => (start + i) & 0xff);
}

/** A scalar in [1, L) derived from a label, so the test's keys are reproducible. */
function scalarFrom(label: string): bigint {
  return Fn.create(bytesToNumberLE(sha512(utf8Encode(label))));
}

/** The RFC 8032 challenge k = SHA-512(R ‖ A ‖ M) mod L. */
function challenge(r: Uint8Array, publicKey: Uint8Array, message: Uint8Array): bigint {
  return Fn.create(bytesToNumberLE(sha512(concatBytes(r, publicKey, message))));
}

function nodeAccepts(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
  const key = createPublicKey({
    key: { kty: 'OKP', crv: 'Ed25519', x: Buffer.from(publicKey).toString('base64url') },
    format: 'jwk',
  });
  return nodeVerify(null, message, key, signature);
}

/** noble probes its blinding RNG once, when the backend is built: 16 bytes. */
const PROBE = 16;

describe('noble backend: the injected random source reaches every consumer', () => {
  test('randomBytes returns what the source returns, after the one probe at construction', () => {
    const { source, requests } = counterSource();
    const crypto = createNobleCrypto({ random: source });
    assert.deepEqual(requests, [PROBE]);
    assert.deepEqual(crypto.randomBytes(5), counterBytes(PROBE, 5));
    assert.deepEqual(crypto.randomBytes(3), counterBytes(PROBE + 5, 3));
    assert.deepEqual(requests, [PROBE, 5, 3]);
  });

  test('Ed25519 signing blinds with 16 bytes of the source per signature, and stays deterministic', async () => {
    const { source, requests } = counterSource();
    const crypto = createNobleCrypto({ random: source });
    const seed = counterBytes(9, 32);
    const signer = crypto.ed25519Signer(seed);
    const before = requests.length;
    const first = signer.sign(utf8Encode('reading 1'));
    const second = signer.sign(utf8Encode('reading 1'));
    // Each base-point multiplication (the nonce point R) draws its blind from the injected source.
    assert.deepEqual(requests.slice(before), [16, 16]);
    // Blinding changes the computation, never the RFC 8032 signature.
    assert.deepEqual(first, second);
    const reference = createNobleCrypto({ random: webRandomSource(globalThis.crypto) });
    assert.deepEqual(first, await ed25519Sign(reference, seed, utf8Encode('reading 1')));
    assert.equal(nodeAccepts(signer.publicKey, utf8Encode('reading 1'), first), true);
  });

  test('a signer works where the engine has no globalThis.crypto: nothing reads it', async () => {
    const { source } = counterSource();
    const saved = Object.getOwnPropertyDescriptor(globalThis, 'crypto');
    Object.defineProperty(globalThis, 'crypto', { value: undefined, configurable: true });
    try {
      const crypto = createNobleCrypto({ random: source });
      const signer = crypto.ed25519Signer(counterBytes(1, 32));
      const signature = signer.sign(utf8Encode('no web crypto'));
      assert.equal(nodeAccepts(signer.publicKey, utf8Encode('no web crypto'), signature), true);
      crypto.x25519Ephemeral(crypto.x25519PrivateKey(counterBytes(2, 32)).publicKey);
    } finally {
      if (saved !== undefined) Object.defineProperty(globalThis, 'crypto', saved);
    }
  });

  test('ML-KEM-768 encapsulation draws FIPS 203 m from the source, reproducibly', async () => {
    const seed = counterBytes(100, 64);
    const first = counterSource();
    const second = counterSource();
    const a = createNobleCrypto({ random: first.source });
    const b = createNobleCrypto({ random: second.source });
    const { publicKey, secretKey } = a.mlKem768KeyPair(seed);
    const fromA = a.mlKem768Encapsulate(publicKey);
    const fromB = b.mlKem768Encapsulate(publicKey);
    assert.deepEqual(first.requests, [PROBE, 32]);
    assert.deepEqual(fromA, fromB);
    const reference = createNobleCrypto({ random: webRandomSource(globalThis.crypto) });
    assert.deepEqual(reference.mlKem768Encapsulate(publicKey, counterBytes(PROBE, 32)), fromA);
    assert.deepEqual(a.mlKem768Decapsulate(secretKey, fromA.ciphertext), fromA.sharedSecret);
    const again = a.mlKem768Encapsulate(publicKey);
    assert.deepEqual(again, reference.mlKem768Encapsulate(publicKey, counterBytes(PROBE + 32, 32)));
  });

  test('ML-DSA-65 hedged signing draws FIPS 204 rnd from the source', () => {
    const { source, requests } = counterSource();
    const crypto = createNobleCrypto({ random: source });
    const { publicKey, secretKey } = crypto.mlDsa65KeyPair(counterBytes(7, 32));
    const message = utf8Encode('hedged');
    const signature = crypto.mlDsa65Sign(secretKey, message);
    assert.deepEqual(requests, [PROBE, 32]);
    assert.deepEqual(signature, crypto.mlDsa65Sign(secretKey, message, counterBytes(PROBE, 32)));
    assert.notDeepEqual(signature, crypto.mlDsa65Sign(secretKey, message, new Uint8Array(32)));
    assert.equal(crypto.mlDsa65Verify(publicKey, message, signature), true);
  });

  test('a source that misbehaves at construction is refused with RANDOM_SOURCE_FAILED, never silently unblinded', () => {
    const broken: Array<(length: number) => Uint8Array> = [
      (length) => new Uint8Array(length - 1),
      (length) => new Uint8Array(length + 1),
      (length) => Array.from({ length }, () => 4) as unknown as Uint8Array,
      () => {
        throw new Error('RNG peripheral not clocked');
      },
    ];
    for (const random of broken) assert.throws(() => createNobleCrypto({ random }), hasCode('RANDOM_SOURCE_FAILED'));
    const notAFunction = { random: 42 } as unknown as { random: (length: number) => Uint8Array };
    assert.throws(() => createNobleCrypto(notAFunction), hasCode('INVALID_ARGUMENT'));
  });

  test('a source that fails later fails the call that needed it: no signature, nonce or key without randomness', () => {
    let working = true;
    const crypto = createNobleCrypto({
      random: (length) => {
        if (!working) throw new Error('RNG gone');
        return new Uint8Array(length).fill(7);
      },
    });
    const signer = crypto.ed25519Signer(counterBytes(1, 32));
    const peer = crypto.x25519PrivateKey(counterBytes(2, 32)).publicKey;
    working = false;
    assert.throws(() => signer.sign(utf8Encode('m')), hasCode('RANDOM_SOURCE_FAILED'));
    assert.throws(() => crypto.randomBytes(16), hasCode('RANDOM_SOURCE_FAILED'));
    assert.throws(() => crypto.x25519Ephemeral(peer), hasCode('RANDOM_SOURCE_FAILED'));
    assert.throws(() => crypto.mlDsa65Sign(new Uint8Array(4032), utf8Encode('m')), hasCode('RANDOM_SOURCE_FAILED'));
  });

  test('a bad length request is refused before the source is asked', () => {
    const { source, requests } = counterSource();
    const crypto = createNobleCrypto({ random: source });
    for (const length of [-1, 1.5, Number.NaN]) {
      assert.throws(() => crypto.randomBytes(length), hasCode('INVALID_ARGUMENT'));
    }
    assert.deepEqual(requests, [PROBE]);
  });
});

describe('noble backend: cofactorless Ed25519 verification', () => {
  const crypto = createNobleCrypto({ random: webRandomSource(globalThis.crypto) });
  const a = scalarFrom('xlink mixed-order secret scalar');
  const r = scalarFrom('xlink mixed-order nonce');
  // An order-8 point (RFC 8032 errata / libsodium blocklist encoding), checked by arithmetic.
  const torsion = Point.fromBytes(readHex('c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a'), false);

  /** Signs `message` for A' = aB + T by hand: R = rB, S = r + k·a mod L. */
  function signMixed(message: Uint8Array): { publicKey: Uint8Array; signature: Uint8Array; k: bigint } {
    const publicKey = Point.BASE.multiply(a).add(torsion).toBytes();
    const rBytes = Point.BASE.multiply(r).toBytes();
    const k = challenge(rBytes, publicKey, message);
    const s = Fn.add(r, Fn.mul(k, a));
    return { publicKey, signature: concatBytes(rBytes, numberToBytesLE(s, 32)), k };
  }

  /** The first message `mixed-order <i>` whose challenge satisfies `wanted`. */
  function findMessage(wanted: (k: bigint) => boolean): ReturnType<typeof signMixed> & { message: Uint8Array } {
    for (let i = 0; ; i++) {
      const message = utf8Encode(`mixed-order ${i}`);
      const signed = signMixed(message);
      if (wanted(signed.k)) return { ...signed, message };
    }
  }

  test('the torsion point has order exactly 8', () => {
    assert.ok(torsion.multiplyUnsafe(8n).is0());
    assert.ok(!torsion.multiplyUnsafe(4n).is0());
  });

  test('mixed-order key, k mod 8 != 0: noble stock verify accepts, this backend and node:crypto refuse', async () => {
    const { publicKey, signature, message, k } = findMessage((k) => k % 8n !== 0n);
    assert.notEqual(k % 8n, 0n);
    // The key is not rejected by the byte-level checks: only the equation tells them apart.
    assert.ok(passesEd25519StrictChecks(publicKey, signature));
    assert.equal(ed25519.verify(signature, message, publicKey, { zip215: false }), true);
    assert.equal(nodeAccepts(publicKey, message, signature), false);
    assert.equal(await ed25519Verify(crypto, publicKey, message, signature), false);
  });

  test('mixed-order key, k mod 8 == 0: all three accept, since kT vanishes', async () => {
    const { publicKey, signature, message, k } = findMessage((k) => k % 8n === 0n);
    assert.equal(k % 8n, 0n);
    assert.equal(ed25519.verify(signature, message, publicKey, { zip215: false }), true);
    assert.equal(nodeAccepts(publicKey, message, signature), true);
    assert.equal(await ed25519Verify(crypto, publicKey, message, signature), true);
  });

  test('an honest signature verifies, and S + L does not', async () => {
    const seed = counterBytes(1, 32);
    const message = utf8Encode('honest');
    const publicKey = await ed25519PublicKey(crypto, seed);
    const signature = await ed25519Sign(crypto, seed, message);
    assert.equal(await ed25519Verify(crypto, publicKey, message, signature), true);
    assert.equal(nodeAccepts(publicKey, message, signature), true);

    const s = bytesToNumberLE(signature.subarray(32));
    const malleated = concatBytes(signature.subarray(0, 32), numberToBytesLE(s + Fn.ORDER, 32));
    assert.equal(await ed25519Verify(crypto, publicKey, message, malleated), false);
    assert.equal(nodeAccepts(publicKey, message, malleated), false);
  });

  test('small-order public key: the identity key with (R = identity, S = 0) is refused', async () => {
    const identity = Point.ZERO.toBytes();
    const signature = concatBytes(identity, new Uint8Array(32));
    const message = utf8Encode('any message at all');
    // Lax (ZIP-215) verification accepts this forgery for every message.
    assert.equal(ed25519.verify(signature, message, identity, { zip215: true }), true);
    assert.equal(await ed25519Verify(crypto, identity, message, signature), false);
  });

  test('small-order R: (R = identity, S = k·a) satisfies [S]B = R + [k]A yet is refused', async () => {
    const publicKey = Point.BASE.multiply(a).toBytes();
    const rBytes = Point.ZERO.toBytes();
    const message = utf8Encode('small-order R');
    const s = Fn.mul(challenge(rBytes, publicKey, message), a);
    const signature = concatBytes(rBytes, numberToBytesLE(s, 32));
    assert.equal(ed25519.verify(signature, message, publicKey, { zip215: false }), true);
    assert.equal(await ed25519Verify(crypto, publicKey, message, signature), false);
  });

  test('non-canonical R (y = p + 1, an alias of the identity) is refused', async () => {
    const publicKey = Point.BASE.multiply(a).toBytes();
    const rBytes = readHex('eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f');
    assert.ok(Point.fromBytes(rBytes, true).is0());
    assert.throws(() => Point.fromBytes(rBytes, false));
    const message = utf8Encode('non-canonical R');
    const s = Fn.mul(challenge(rBytes, publicKey, message), a);
    const signature = concatBytes(rBytes, numberToBytesLE(s, 32));
    assert.equal(ed25519.verify(signature, message, publicKey, { zip215: true }), true);
    assert.equal(await ed25519Verify(crypto, publicKey, message, signature), false);
  });

  test('wrong lengths give false, non-bytes throw', async () => {
    const seed = counterBytes(9, 32);
    const publicKey = await ed25519PublicKey(crypto, seed);
    const signature = await ed25519Sign(crypto, seed, new Uint8Array(0));
    assert.equal(await ed25519Verify(crypto, publicKey.subarray(1), new Uint8Array(0), signature), false);
    assert.equal(await ed25519Verify(crypto, publicKey, new Uint8Array(0), signature.subarray(1)), false);
    const notBytes = 'x' as unknown as Uint8Array;
    await assert.rejects(ed25519Verify(crypto, publicKey, notBytes, signature), hasCode('INVALID_ARGUMENT'));
    await assert.rejects(ed25519Sign(crypto, seed.subarray(1), new Uint8Array(0)), hasCode('INVALID_LENGTH'));
  });
});

describe('noble backend: AES-256-GCM failures are opaque', () => {
  const crypto = createNobleCrypto({ random: webRandomSource(globalThis.crypto) });
  const key = counterBytes(0, 32);
  const iv = counterBytes(40, 12);
  const aad = utf8Encode('header');
  const plaintext = utf8Encode('attack at dawn');

  function isOpaque(error: unknown): boolean {
    hasCode('DECRYPT_FAILED:DECRYPTION')(error);
    assert.ok(error instanceof Error);
    assert.equal(error.message, 'AES-256-GCM decryption failed');
    assert.equal(error.cause, undefined);
    return true;
  }

  test('every kind of tampering gives the same error, with no cause', async () => {
    const sealed = await crypto.aes256GcmEncrypt(key, iv, plaintext, aad);
    assert.equal(sealed.length, plaintext.length + 16);
    assert.deepEqual(await crypto.aes256GcmDecrypt(key, iv, sealed, aad), plaintext);

    const flipped = (at: number): Uint8Array => {
      const copy = sealed.slice();
      copy[at] = (copy[at] as number) ^ 1;
      return copy;
    };
    const otherKey = counterBytes(1, 32);
    const attempts: Array<() => Uint8Array> = [
      () => crypto.aes256GcmDecrypt(key, iv, flipped(0), aad),
      () => crypto.aes256GcmDecrypt(key, iv, flipped(sealed.length - 1), aad),
      () => crypto.aes256GcmDecrypt(key, iv, sealed, utf8Encode('Header')),
      () => crypto.aes256GcmDecrypt(key, iv, sealed),
      () => crypto.aes256GcmDecrypt(otherKey, iv, sealed, aad),
      () => crypto.aes256GcmDecrypt(key, iv, sealed.subarray(0, sealed.length - 1), aad),
      () => crypto.aes256GcmDecrypt(key, iv, sealed.subarray(0, 15), aad),
      () => crypto.aes256GcmDecrypt(key, iv, new Uint8Array(0), aad),
    ];
    for (const attempt of attempts) assert.throws(attempt, isOpaque);
  });

  test('wrong key or IV lengths are argument errors, not decryption failures', async () => {
    assert.throws(() => crypto.aes256GcmEncrypt(key.subarray(16), iv, plaintext), hasCode('INVALID_LENGTH'));
    assert.throws(() => crypto.aes256GcmDecrypt(key, counterBytes(0, 16), plaintext), hasCode('INVALID_LENGTH'));
  });
});

describe('noble backend: X25519', () => {
  const crypto = createNobleCrypto({ random: webRandomSource(globalThis.crypto) });
  const secretKey = counterBytes(3, 32);

  test('low-order peer keys on the curve give ECDH_FAILED:ZERO_SHARED_SECRET', async () => {
    const lowOrder = [
      '0000000000000000000000000000000000000000000000000000000000000000',
      '0100000000000000000000000000000000000000000000000000000000000000',
      'e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800',
      '5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157',
    ];
    for (const hex of lowOrder) {
      await assert.rejects(
        x25519SharedSecret(crypto, secretKey, readHex(hex)),
        hasCode('ECDH_FAILED:ZERO_SHARED_SECRET'),
      );
    }
  });

  test('twist and non-canonical peer keys are refused before the ladder', async () => {
    // u = 2 lies on the twist; u = p + 1 is a non-canonical alias of 1.
    const twist = numberToBytesLE(2n, 32);
    const nonCanonical = readHex('eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f');
    await assert.rejects(x25519SharedSecret(crypto, secretKey, twist), hasCode('INVALID_PUBLIC_KEY:NOT_ON_CURVE'));
    await assert.rejects(
      x25519SharedSecret(crypto, secretKey, nonCanonical),
      hasCode('INVALID_PUBLIC_KEY:NON_CANONICAL'),
    );
  });

  test('two parties agree', async () => {
    const otherSecret = counterBytes(77, 32);
    const shared = await x25519SharedSecret(crypto, secretKey, await x25519PublicKey(crypto, otherSecret));
    assert.deepEqual(shared, await x25519SharedSecret(crypto, otherSecret, await x25519PublicKey(crypto, secretKey)));
  });
});

describe('noble backend: HMAC and HKDF edges', () => {
  const crypto = createNobleCrypto({ random: webRandomSource(globalThis.crypto) });

  test('HMAC verify accepts only the full 32-byte tag', async () => {
    const key = counterBytes(0, 32);
    const data = utf8Encode('data');
    const tag = await crypto.hmacSha256(key, data);
    assert.equal(await crypto.hmacSha256Verify(key, data, tag), true);
    assert.equal(await crypto.hmacSha256Verify(key, data, tag.subarray(0, 16)), false);
    assert.equal(await crypto.hmacSha256Verify(key, data, concatBytes(tag, new Uint8Array(1))), false);
    const flipped = tag.slice();
    flipped[31] = (flipped[31] as number) ^ 0x80;
    assert.equal(await crypto.hmacSha256Verify(key, data, flipped), false);
  });

  test('HKDF lengths 0 and 8160 match node:crypto hkdfSync; 8161 is INVALID_LENGTH', async () => {
    const ikm = counterBytes(0, 22);
    const salt = counterBytes(50, 13);
    const info = counterBytes(90, 10);
    for (const length of [0, 8160]) {
      const expected = new Uint8Array(hkdfSync('sha256', ikm, salt, info, length));
      assert.deepEqual(await crypto.hkdfSha256(ikm, salt, info, length), expected);
    }
    assert.throws(() => crypto.hkdfSha256(ikm, salt, info, 8161), hasCode('INVALID_LENGTH'));
    assert.throws(() => crypto.hkdfSha256(ikm, salt, info, -1), hasCode('INVALID_ARGUMENT'));
  });
});
