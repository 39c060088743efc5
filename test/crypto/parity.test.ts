/**
 * Every backend gives the same answer. Deterministic operations must agree
 * byte for byte on random inputs; for tampered inputs (bit flips in keys,
 * signatures, messages, GCM ciphertext, tag and AAD; S + L; small-order and
 * mixed-order points) every backend must make the same accept/reject
 * decision, down to the error code. Inputs come from fast-check with a fixed
 * seed, so a failure reproduces; it prints the counterexample.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ED25519_TORSION_SUBGROUP, ed25519 } from '@noble/curves/ed25519.js';
import { bytesToNumberLE, numberToBytesLE } from '@noble/curves/utils.js';
import { sha512 } from '@noble/hashes/sha2.js';
import fc from 'fast-check';
import { bytesToHex, concatBytes, readHex } from '../../src/codec/bytes.js';
import type { CryptoProvider } from '../../src/crypto/provider.js';
import { backends, outcome } from '../helpers/backends.js';
import {
  ed25519PublicKey,
  ed25519Sign,
  ed25519Verify,
  x25519PublicKey,
  x25519SharedSecret,
} from '../helpers/one-shot.js';

const SEED = 20240611;
const RUNS = 50;
const L = ed25519.Point.Fn.ORDER;
const P = ed25519.Point.Fp.ORDER;
const DECRYPT_FAILED = 'refused DECRYPT_FAILED:DECRYPTION';

/** The backend that makes the untampered inputs; any would do, since parity is checked separately. */
const reference: CryptoProvider = (() => {
  const first = backends[0];
  if (first === undefined) throw new Error('no backends to compare');
  return first;
})();

function check<Ts>(property: fc.IAsyncProperty<Ts>): Promise<void> {
  return fc.assert(property, { seed: SEED, numRuns: RUNS });
}

function bytes(length: number): fc.Arbitrary<Uint8Array> {
  return fc.uint8Array({ minLength: length, maxLength: length });
}

function someBytes(maxLength: number): fc.Arbitrary<Uint8Array> {
  return fc.uint8Array({ maxLength });
}

function render(value: unknown): string {
  if (value instanceof Uint8Array) return bytesToHex(value);
  if (typeof value === 'boolean') return String(value);
  if (typeof value === 'object' && value !== null) {
    return Object.entries(value)
      .map(([key, field]) => `${key}=${render(field)}`)
      .join(' ');
  }
  throw new Error(`cannot render ${typeof value}`);
}

/** Runs `operation` on every backend; asserts they agree and returns the common answer ("refused CODE" for refusals). */
async function agree(label: string, operation: (backend: CryptoProvider) => unknown): Promise<string> {
  const answers = await Promise.all(
    backends.map(async (backend) => {
      const result = await outcome(() => operation(backend));
      return result.ok ? render(result.value) : `refused ${result.code}`;
    }),
  );
  for (const [index, backend] of backends.entries()) {
    assert.equal(answers[index], answers[0], `${label}: ${backend.name} disagrees with ${reference.name}`);
  }
  return answers[0] as string;
}

function flipBit(data: Uint8Array, bit: number): Uint8Array {
  const out = data.slice();
  const index = bit % (out.length * 8);
  out[index >> 3] = (out[index >> 3] as number) ^ (1 << (index & 7));
  return out;
}

const torsion = ED25519_TORSION_SUBGROUP.map((encoding) => readHex(encoding));
/** A generator of the 8-torsion subgroup (order 8), named as such in noble's documentation. */
const ORDER_8 = ed25519.Point.fromHex('26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05');

function scalarOf(seed: Uint8Array): bigint {
  return (bytesToNumberLE(seed) % (L - 1n)) + 1n;
}

/** k = SHA-512(R ‖ A ‖ M) mod L, the challenge of RFC 8032 §5.1.7. */
function challenge(r: Uint8Array, a: Uint8Array, message: Uint8Array): bigint {
  return bytesToNumberLE(sha512(concatBytes(r, a, message))) % L;
}

/**
 * A signature under A' = aB + T (T of order 8) made with the secret a. The
 * cofactorless check [S]B = R + [k]A' holds iff [k]T = 0, i.e. k ≡ 0 (mod 8);
 * the cofactored check (noble's default) would accept every one of them.
 */
function mixedOrderSignature(aSeed: Uint8Array, rSeed: Uint8Array, message: Uint8Array) {
  const a = scalarOf(aSeed);
  const r = scalarOf(rSeed);
  const publicKey = ed25519.Point.BASE.multiply(a).add(ORDER_8).toBytes();
  const rBytes = ed25519.Point.BASE.multiply(r).toBytes();
  const k = challenge(rBytes, publicKey, message);
  const signature = concatBytes(rBytes, numberToBytesLE((r + k * a) % L, 32));
  return { publicKey, signature, cofactorlessValid: k % 8n === 0n };
}

test('parity: SHA-256 and SHA-512', () =>
  check(
    fc.asyncProperty(someBytes(300), async (data) => {
      await agree('sha256', (b) => b.sha256(data));
      await agree('sha512', (b) => b.sha512(data));
    }),
  ));

test('parity: HMAC-SHA256 (keys longer than a block included) and its verify', () =>
  check(
    fc.asyncProperty(someBytes(150), someBytes(200), async (key, data) => {
      const tag = await agree('hmacSha256', (b) => b.hmacSha256(key, data));
      assert.equal(await agree('hmacSha256Verify', (b) => b.hmacSha256Verify(key, data, readHex(tag))), 'true');
    }),
  ));

test('parity: HKDF-SHA256 (lengths 0 and 255 · 32 included)', () =>
  check(
    fc.asyncProperty(
      someBytes(100),
      someBytes(100),
      someBytes(100),
      fc.oneof(fc.constantFrom(0, 1, 32, 33, 255 * 32), fc.integer({ min: 0, max: 600 })),
      async (ikm, salt, info, length) => {
        const okm = await agree('hkdfSha256', (b) => b.hkdfSha256(ikm, salt, info, length));
        assert.equal(okm.length, 2 * length);
      },
    ),
  ));

test('parity: Ed25519 public key and signature; every backend verifies every signature', () =>
  check(
    fc.asyncProperty(bytes(32), someBytes(200), async (seed, message) => {
      const publicKey = readHex(await agree('ed25519PublicKey', (b) => ed25519PublicKey(b, seed)));
      const signature = readHex(await agree('ed25519Sign', (b) => ed25519Sign(b, seed, message)));
      assert.equal(await agree('ed25519Verify', (b) => ed25519Verify(b, publicKey, message, signature)), 'true');
    }),
  ));

test('parity: X25519 public key and shared secret', () =>
  check(
    fc.asyncProperty(bytes(32), bytes(32), async (alice, bob) => {
      const alicePublic = readHex(await agree('x25519PublicKey', (b) => x25519PublicKey(b, alice)));
      const bobPublic = readHex(await agree('x25519PublicKey', (b) => x25519PublicKey(b, bob)));
      const shared = await agree('x25519SharedSecret', (b) => x25519SharedSecret(b, alice, bobPublic));
      assert.equal(await agree('x25519SharedSecret', (b) => x25519SharedSecret(b, bob, alicePublic)), shared);
    }),
  ));

test('parity: AES-256-GCM encryption; every backend opens every ciphertext', () =>
  check(
    fc.asyncProperty(
      bytes(32),
      bytes(12),
      someBytes(200),
      fc.option(someBytes(64), { nil: undefined }),
      async (key, iv, plaintext, aad) => {
        const sealed = readHex(await agree('aes256GcmEncrypt', (b) => b.aes256GcmEncrypt(key, iv, plaintext, aad)));
        assert.equal(sealed.length, plaintext.length + 16);
        const opened = await agree('aes256GcmDecrypt', (b) => b.aes256GcmDecrypt(key, iv, sealed, aad));
        assert.equal(opened, bytesToHex(plaintext));
        // No AAD and empty AAD are the same thing in GCM.
        const emptyAad = aad === undefined || aad.length === 0 ? new Uint8Array(0) : undefined;
        if (emptyAad !== undefined) {
          assert.equal(await agree('empty AAD', (b) => b.aes256GcmDecrypt(key, iv, sealed, emptyAad)), opened);
        }
      },
    ),
  ));

test('parity: ML-KEM-768 key pair, encapsulation with fixed entropy, decapsulation', () =>
  check(
    fc.asyncProperty(bytes(64), bytes(32), async (seed, entropy) => {
      await agree('mlKem768KeyPair', (b) => b.mlKem768KeyPair(seed));
      const { publicKey, secretKey } = await reference.mlKem768KeyPair(seed);
      await agree('mlKem768Encapsulate', (b) => b.mlKem768Encapsulate(publicKey, entropy));
      const { ciphertext, sharedSecret } = await reference.mlKem768Encapsulate(publicKey, entropy);
      const opened = await agree('mlKem768Decapsulate', (b) => b.mlKem768Decapsulate(secretKey, ciphertext));
      assert.equal(opened, bytesToHex(sharedSecret));
    }),
  ));

test('parity: ML-DSA-65 key pair and signature with fixed entropy', () =>
  check(
    fc.asyncProperty(bytes(32), someBytes(100), bytes(32), async (seed, message, entropy) => {
      await agree('mlDsa65KeyPair', (b) => b.mlDsa65KeyPair(seed));
      const { publicKey, secretKey } = await reference.mlDsa65KeyPair(seed);
      const signature = readHex(await agree('mlDsa65Sign', (b) => b.mlDsa65Sign(secretKey, message, entropy)));
      assert.equal(await agree('mlDsa65Verify', (b) => b.mlDsa65Verify(publicKey, message, signature)), 'true');
    }),
  ));

test('acceptance parity: Ed25519 with a bit flipped in signature, public key or message', () =>
  check(
    fc.asyncProperty(
      bytes(32),
      someBytes(100),
      fc.constantFrom('signature', 'publicKey', 'message'),
      fc.nat(),
      async (seed, message, target, bit) => {
        let publicKey = await ed25519PublicKey(reference, seed);
        let signature = await ed25519Sign(reference, seed, message);
        if (target === 'signature') signature = flipBit(signature, bit);
        else if (target === 'publicKey') publicKey = flipBit(publicKey, bit);
        else message = message.length === 0 ? Uint8Array.of(bit & 0xff) : flipBit(message, bit);
        const [key, sig, msg] = [publicKey, signature, message];
        // A single flipped bit that still verified would be a forgery.
        assert.equal(await agree(`tampered ${target}`, (b) => ed25519Verify(b, key, msg, sig)), 'false');
      },
    ),
  ));

test('acceptance parity: Ed25519 malleated S + L, wrong lengths', () =>
  check(
    fc.asyncProperty(bytes(32), someBytes(100), async (seed, message) => {
      const publicKey = await ed25519PublicKey(reference, seed);
      const signature = await ed25519Sign(reference, seed, message);
      const s = bytesToNumberLE(signature.subarray(32));
      const malleated = concatBytes(signature.subarray(0, 32), numberToBytesLE(s + L, 32));
      assert.equal(await agree('S + L', (b) => ed25519Verify(b, publicKey, message, malleated)), 'false');
      const short = signature.subarray(0, 63);
      assert.equal(await agree('63-byte signature', (b) => ed25519Verify(b, publicKey, message, short)), 'false');
      const long = concatBytes(signature, Uint8Array.of(0));
      assert.equal(await agree('65-byte signature', (b) => ed25519Verify(b, publicKey, message, long)), 'false');
      const shortKey = publicKey.subarray(0, 31);
      assert.equal(await agree('31-byte key', (b) => ed25519Verify(b, shortKey, message, signature)), 'false');
    }),
  ));

test('acceptance parity: Ed25519 small-order public keys and R', async () => {
  const message = new TextEncoder().encode('small order');
  const zero = new Uint8Array(32);
  for (const a of torsion) {
    const withSign = a.slice();
    withSign[31] = (withSign[31] as number) ^ 0x80;
    for (const key of [a, withSign]) {
      // S = 0 with R of small order satisfies the cofactorless equation for some
      // of these pairs (with A = R = identity, for every message): refused anyway.
      for (const r of torsion) {
        const forged = concatBytes(r, zero);
        assert.equal(await agree('small-order A and R, S = 0', (b) => ed25519Verify(b, key, message, forged)), 'false');
      }
    }
  }
  const seed = new Uint8Array(32).fill(7);
  const publicKey = await ed25519PublicKey(reference, seed);
  const signature = await ed25519Sign(reference, seed, message);
  for (const r of torsion) {
    const smallR = concatBytes(r, signature.subarray(32));
    assert.equal(await agree('small-order R', (b) => ed25519Verify(b, publicKey, message, smallR)), 'false');
    // R + T: the cofactored equation would still hold for T ≠ O, the cofactorless one does not.
    const mixedR = ed25519.Point.fromBytes(signature.subarray(0, 32)).add(ed25519.Point.fromBytes(r)).toBytes();
    const expected = bytesToHex(r) === bytesToHex(ed25519.Point.ZERO.toBytes()) ? 'true' : 'false';
    const tampered = concatBytes(mixedR, signature.subarray(32));
    assert.equal(await agree('mixed-order R', (b) => ed25519Verify(b, publicKey, message, tampered)), expected);
  }
});

test('acceptance parity: Ed25519 mixed-order public key A + T (cofactorless)', async () => {
  await check(
    fc.asyncProperty(bytes(32), bytes(32), someBytes(64), async (aSeed, rSeed, message) => {
      const { publicKey, signature, cofactorlessValid } = mixedOrderSignature(aSeed, rSeed, message);
      const decision = await agree('mixed-order A', (b) => ed25519Verify(b, publicKey, message, signature));
      assert.equal(decision, String(cofactorlessValid));
    }),
  );
  // Both outcomes, for sure: search nonces until k ≡ 0 (mod 8) and k ≢ 0 (mod 8).
  const message = new TextEncoder().encode('mixed order');
  const aSeed = new Uint8Array(32).fill(3);
  const seen = new Set<boolean>();
  for (let nonce = 1; seen.size < 2; nonce++) {
    const { publicKey, signature, cofactorlessValid } = mixedOrderSignature(aSeed, numberToBytesLE(nonce, 32), message);
    if (seen.has(cofactorlessValid)) continue;
    seen.add(cofactorlessValid);
    const decision = await agree('mixed-order A', (b) => ed25519Verify(b, publicKey, message, signature));
    assert.equal(decision, String(cofactorlessValid));
  }
});

/** Little-endian encoding of u, for public keys given as numbers. */
function uBytes(u: bigint): Uint8Array {
  return numberToBytesLE(u, 32);
}

test('acceptance parity: X25519 peer keys (random, low order, non-canonical)', async () => {
  const secret = new Uint8Array(32).fill(0x42);
  // The low-order u values of libsodium's blocklist, on the curve and the twist.
  const lowOrder = [
    0n,
    1n,
    325606250916557431795983626356110631294008115727848805560023387167927233504n,
    39382357235489614581723060781553021112529911719440698176882885853963445705823n,
    P - 1n,
  ];
  const edges = [...lowOrder, P, P + 1n, ...lowOrder.map((u) => u + 2n ** 255n), 2n ** 255n - 1n, 2n ** 256n - 1n];
  for (const u of edges) {
    const decision = await agree(`u = ${u}`, (b) => x25519SharedSecret(b, secret, uBytes(u)));
    assert.match(decision, /^refused /, `u = ${u} must be refused`);
  }
  await check(
    fc.asyncProperty(bytes(32), bytes(32), async (secretKey, publicKey) => {
      await agree('random peer key', (b) => x25519SharedSecret(b, secretKey, publicKey));
    }),
  );
});

test('acceptance parity: AES-256-GCM with a bit flipped in ciphertext, tag, AAD, IV or key, or truncated', () =>
  check(
    fc.asyncProperty(
      bytes(32),
      bytes(12),
      someBytes(100),
      someBytes(40),
      fc.constantFrom('ciphertext', 'tag', 'aad', 'iv', 'key', 'truncate'),
      fc.nat(),
      async (key, iv, plaintext, aad, target, bit) => {
        const sealed = await reference.aes256GcmEncrypt(key, iv, plaintext, aad);
        let [k, n, c, a] = [key, iv, sealed, aad];
        const [ciphertext, tag] = [sealed.subarray(0, plaintext.length), sealed.subarray(plaintext.length)];
        if (target === 'ciphertext') {
          c = concatBytes(ciphertext.length === 0 ? Uint8Array.of(bit & 0xff) : flipBit(ciphertext, bit), tag);
        } else if (target === 'tag') {
          c = concatBytes(ciphertext, flipBit(tag, bit));
        } else if (target === 'aad') a = aad.length === 0 ? Uint8Array.of(bit & 0xff) : flipBit(aad, bit);
        else if (target === 'iv') n = flipBit(iv, bit);
        else if (target === 'key') k = flipBit(key, bit);
        else c = sealed.subarray(0, bit % sealed.length);
        const decision = await agree(`tampered ${target}`, (b) => b.aes256GcmDecrypt(k, n, c, a));
        assert.equal(decision, DECRYPT_FAILED);
      },
    ),
  ));

test('acceptance parity: HMAC-SHA256 verify of tampered or wrong-length tags', () =>
  check(
    fc.asyncProperty(
      someBytes(80),
      someBytes(80),
      fc.constantFrom('flip', 'truncate', 'extend'),
      fc.nat(),
      async (key, data, how, bit) => {
        const tag = await reference.hmacSha256(key, data);
        let forged: Uint8Array;
        if (how === 'flip') forged = flipBit(tag, bit);
        else if (how === 'truncate') forged = tag.subarray(0, bit % 32);
        else forged = concatBytes(tag, Uint8Array.of(bit & 0xff));
        assert.equal(await agree(`${how}ed tag`, (b) => b.hmacSha256Verify(key, data, forged)), 'false');
      },
    ),
  ));

test('acceptance parity: ML-DSA-65 with a bit flipped in signature, public key or message', () =>
  check(
    fc.asyncProperty(
      bytes(32),
      someBytes(64),
      fc.constantFrom('signature', 'publicKey', 'message', 'length'),
      fc.nat(),
      async (seed, message, target, bit) => {
        const keyPair = await reference.mlDsa65KeyPair(seed);
        let publicKey = keyPair.publicKey;
        let signature = await reference.mlDsa65Sign(keyPair.secretKey, message, new Uint8Array(32));
        if (target === 'signature') signature = flipBit(signature, bit);
        else if (target === 'publicKey') publicKey = flipBit(publicKey, bit);
        else if (target === 'message')
          message = message.length === 0 ? Uint8Array.of(bit & 0xff) : flipBit(message, bit);
        else signature = signature.subarray(0, bit % signature.length);
        const [key, sig, msg] = [publicKey, signature, message];
        assert.equal(await agree(`tampered ${target}`, (b) => b.mlDsa65Verify(key, msg, sig)), 'false');
      },
    ),
  ));

test('acceptance parity: ML-KEM-768 tampered ciphertext (implicit rejection) and tampered encapsulation key', () =>
  check(
    fc.asyncProperty(bytes(64), bytes(32), fc.nat(), async (seed, entropy, bit) => {
      const keyPair = await reference.mlKem768KeyPair(seed);
      const sealed = await reference.mlKem768Encapsulate(keyPair.publicKey, entropy);
      const tampered = flipBit(sealed.ciphertext, bit);
      const rejected = await agree('tampered ciphertext', (b) => b.mlKem768Decapsulate(keyPair.secretKey, tampered));
      assert.notEqual(rejected, bytesToHex(sealed.sharedSecret));
      const badKey = flipBit(keyPair.publicKey, bit);
      await agree('tampered encapsulation key', (b) => b.mlKem768Encapsulate(badKey, entropy));
    }),
  ));
