/**
 * PKCS#8 / SPKI DER for Ed25519 and X25519 (RFC 8410): the RFC's examples,
 * strict parsing, and interop with keys node:crypto imports and generates.
 */
import assert from 'node:assert/strict';
import {
  createPrivateKey,
  createPublicKey,
  diffieHellman,
  generateKeyPairSync,
  type KeyObject,
  sign,
  verify,
} from 'node:crypto';
import { describe, it } from 'node:test';
import { createNodeCrypto } from '../../src/crypto/node/index.js';
import {
  ed25519PublicKeyToSpki,
  ed25519SeedToPkcs8,
  pkcs8ToEd25519Seed,
  pkcs8ToX25519Secret,
  x25519PublicKeyToSpki,
  x25519SecretToPkcs8,
} from '../../src/crypto/pkcs8.js';
import { createWebCrypto } from '../../src/crypto/webcrypto/index.js';
import { isXlinkError } from '../../src/errors.js';
import {
  ed25519PublicKey,
  ed25519Sign,
  ed25519Verify,
  x25519PublicKey,
  x25519SharedSecret,
} from '../helpers/one-shot.js';

const fromBase64 = (text: string): Uint8Array => new Uint8Array(Buffer.from(text, 'base64'));
const fromHex = (text: string): Uint8Array => new Uint8Array(Buffer.from(text, 'hex'));
const fromBase64url = (text: string): Uint8Array => new Uint8Array(Buffer.from(text, 'base64url'));

// RFC 8410 §10.3: the Ed25519 private key, in the v1 form and in the v2 form
// with an attribute ("Curdle Chairs") and the public key.
const RFC8410_V1 = fromBase64('MC4CAQAwBQYDK2VwBCIEINTuctv5E1hK1bbY8fdp+K06/nwoy/HU++CXqI9EdVhC');
const RFC8410_V2 = fromBase64(
  'MHICAQEwBQYDK2VwBCIEINTuctv5E1hK1bbY8fdp+K06/nwoy/HU++CXqI9EdVhC' +
    'oB8wHQYKKoZIhvcNAQkJFDEPDA1DdXJkbGUgQ2hhaXJzgSEAGb9ECWmEzf6FQbrB' +
    'Z9w7lshQhqowtrbLDFw4rXAxZuE=',
);
const RFC8410_SEED = fromHex('d4ee72dbf913584ad5b6d8f1f769f8ad3afe7c28cbf1d4fbe097a88f44755842');
// RFC 8410 §10.1: the matching Ed25519 public key as SubjectPublicKeyInfo.
const RFC8410_SPKI = fromBase64('MCowBQYDK2VwAyEAGb9ECWmEzf6FQbrBZ9w7lshQhqowtrbLDFw4rXAxZuE=');
const RFC8410_PUBLIC_KEY = fromHex('19bf44096984cdfe8541bac167dc3b96c85086aa30b6b6cb0c5c38ad703166e1');

const SEED = Uint8Array.from({ length: 32 }, (_, i) => 3 * i + 1);

function expectCode(code: string): (error: unknown) => boolean {
  return (error: unknown) => {
    assert.ok(isXlinkError(error), `expected an XlinkError, got ${String(error)}`);
    assert.equal(error.code, code);
    return true;
  };
}

/** DER built by hand: SEQUENCE of the given parts, with a short-form length. */
function sequence(...parts: Uint8Array[]): Uint8Array {
  const body = Uint8Array.from(parts.flatMap((part) => [...part]));
  assert.ok(body.length < 128);
  return Uint8Array.from([0x30, body.length, ...body]);
}

const VERSION_0 = fromHex('020100');
const VERSION_1 = fromHex('020101');
const ED25519_ALGORITHM = fromHex('300506032b6570');
const privateKeyField = (key: Uint8Array): Uint8Array => Uint8Array.from([0x04, 0x22, 0x04, 0x20, ...key]);
const publicKeyField = (key: Uint8Array): Uint8Array => Uint8Array.from([0x81, 0x21, 0x00, ...key]);

describe('PKCS#8 writers', () => {
  it('writes the RFC 8410 §10.3 v1 key byte for byte', () => {
    assert.deepEqual(ed25519SeedToPkcs8(RFC8410_SEED), RFC8410_V1);
  });

  it('writes the RFC 8410 §10.1 SubjectPublicKeyInfo byte for byte', () => {
    assert.deepEqual(ed25519PublicKeyToSpki(RFC8410_PUBLIC_KEY), RFC8410_SPKI);
  });

  it('writes 48-byte PKCS#8 and 44-byte SPKI with the X25519 OID 1.3.101.110', () => {
    const der = x25519SecretToPkcs8(SEED);
    assert.equal(der.length, 48);
    assert.deepEqual(der.subarray(0, 16), fromHex('302e020100300506032b656e04220420'));
    assert.deepEqual(der.subarray(16), SEED);
    const spki = x25519PublicKeyToSpki(SEED);
    assert.deepEqual(spki, Uint8Array.from([...fromHex('302a300506032b656e032100'), ...SEED]));
  });

  it('checks key lengths and types', () => {
    assert.throws(() => ed25519SeedToPkcs8(new Uint8Array(31)), {
      message: '"seed" expected Uint8Array of length 32, got length=31',
    });
    assert.throws(() => x25519SecretToPkcs8(new Uint8Array(33)), expectCode('INVALID_LENGTH'));
    assert.throws(() => ed25519PublicKeyToSpki(new Uint8Array(0)), expectCode('INVALID_LENGTH'));
    assert.throws(() => x25519PublicKeyToSpki([1, 2] as unknown as Uint8Array), expectCode('INVALID_ARGUMENT'));
    assert.throws(() => pkcs8ToEd25519Seed('MC4C' as unknown as Uint8Array), expectCode('INVALID_ARGUMENT'));
  });
});

describe('PKCS#8 readers', () => {
  it('read both RFC 8410 §10.3 examples', () => {
    assert.deepEqual(pkcs8ToEd25519Seed(RFC8410_V1), RFC8410_SEED);
    assert.deepEqual(pkcs8ToEd25519Seed(RFC8410_V2), RFC8410_SEED);
  });

  it('round-trip seeds and secrets, returning a copy', () => {
    const der = ed25519SeedToPkcs8(SEED);
    const seed = pkcs8ToEd25519Seed(der);
    assert.deepEqual(seed, SEED);
    der[20] = (der[20] as number) ^ 0xff;
    assert.deepEqual(seed, SEED);
    assert.deepEqual(pkcs8ToX25519Secret(x25519SecretToPkcs8(SEED)), SEED);
  });

  it('read v2 with only a public key, or with neither optional field', () => {
    const withPublicKey = sequence(VERSION_1, ED25519_ALGORITHM, privateKeyField(SEED), publicKeyField(SEED));
    assert.deepEqual(pkcs8ToEd25519Seed(withPublicKey), SEED);
    assert.deepEqual(pkcs8ToEd25519Seed(sequence(VERSION_1, ED25519_ALGORITHM, privateKeyField(SEED))), SEED);
  });

  it('refuse another algorithm with INVALID_PKCS8:ALGORITHM', () => {
    assert.throws(() => pkcs8ToEd25519Seed(x25519SecretToPkcs8(SEED)), expectCode('INVALID_PKCS8:ALGORITHM'));
    assert.throws(() => pkcs8ToX25519Secret(ed25519SeedToPkcs8(SEED)), expectCode('INVALID_PKCS8:ALGORITHM'));
    const ed448 = generateKeyPairSync('ed448').privateKey.export({ format: 'der', type: 'pkcs8' });
    assert.throws(() => pkcs8ToEd25519Seed(new Uint8Array(ed448)), expectCode('INVALID_PKCS8:ALGORITHM'));
    const p256 = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'der', type: 'pkcs8' });
    assert.throws(() => pkcs8ToX25519Secret(new Uint8Array(p256)), expectCode('INVALID_PKCS8:ALGORITHM'));
  });

  it('refuse every truncation and any trailing byte', () => {
    const der = ed25519SeedToPkcs8(SEED);
    for (let length = 0; length < der.length; length++) {
      assert.throws(
        () => pkcs8ToEd25519Seed(der.subarray(0, length)),
        expectCode('INVALID_PKCS8:MALFORMED'),
        `length ${length}`,
      );
    }
    assert.throws(() => pkcs8ToEd25519Seed(Uint8Array.from([...der, 0])), expectCode('INVALID_PKCS8:MALFORMED'));
    assert.throws(() => pkcs8ToEd25519Seed(Uint8Array.from([...RFC8410_V2, 0])), expectCode('INVALID_PKCS8:MALFORMED'));
  });

  const malformed: Array<[string, Uint8Array]> = [
    ['version 2', sequence(fromHex('020102'), ED25519_ALGORITHM, privateKeyField(SEED))],
    ['version with a padded INTEGER', sequence(fromHex('02020000'), ED25519_ALGORITHM, privateKeyField(SEED))],
    ['version as OCTET STRING', sequence(fromHex('040100'), ED25519_ALGORITHM, privateKeyField(SEED))],
    [
      'a v1 key carrying a public key',
      sequence(VERSION_0, ED25519_ALGORITHM, privateKeyField(SEED), publicKeyField(SEED)),
    ],
    ['a v1 key carrying attributes', sequence(VERSION_0, ED25519_ALGORITHM, privateKeyField(SEED), fromHex('a000'))],
    ['NULL algorithm parameters', sequence(VERSION_0, fromHex('300706032b65700500'), privateKeyField(SEED))],
    [
      'a 31-byte key',
      sequence(VERSION_0, ED25519_ALGORITHM, Uint8Array.from([0x04, 0x21, 0x04, 0x1f, ...SEED.subarray(1)])),
    ],
    ['a 33-byte key', sequence(VERSION_0, ED25519_ALGORITHM, Uint8Array.from([0x04, 0x23, 0x04, 0x21, 0, ...SEED]))],
    [
      'a bare key without the inner OCTET STRING',
      sequence(VERSION_0, ED25519_ALGORITHM, Uint8Array.from([0x04, 0x20, ...SEED])),
    ],
    [
      'bytes after the inner OCTET STRING',
      sequence(VERSION_0, ED25519_ALGORITHM, Uint8Array.from([0x04, 0x23, 0x04, 0x20, ...SEED, 0])),
    ],
    [
      'a 31-byte public key',
      sequence(
        VERSION_1,
        ED25519_ALGORITHM,
        privateKeyField(SEED),
        Uint8Array.from([0x81, 0x20, 0x00, ...SEED.subarray(1)]),
      ),
    ],
    [
      'a public key with unused bits',
      sequence(VERSION_1, ED25519_ALGORITHM, privateKeyField(SEED), Uint8Array.from([0x81, 0x21, 0x01, ...SEED])),
    ],
    [
      'attributes after the public key',
      sequence(VERSION_1, ED25519_ALGORITHM, privateKeyField(SEED), publicKeyField(SEED), fromHex('a000')),
    ],
    ['an unknown field', sequence(VERSION_1, ED25519_ALGORITHM, privateKeyField(SEED), fromHex('820100'))],
    ['a SET instead of a SEQUENCE', Uint8Array.from([0x31, ...ed25519SeedToPkcs8(SEED).subarray(1)])],
    ['a non-minimal long-form length', Uint8Array.from([0x30, 0x81, 0x2e, ...ed25519SeedToPkcs8(SEED).subarray(2)])],
    ['an indefinite length', Uint8Array.from([0x30, 0x80, ...ed25519SeedToPkcs8(SEED).subarray(2), 0, 0])],
    ['a length past the end', Uint8Array.from([0x30, 0x2f, ...ed25519SeedToPkcs8(SEED).subarray(2)])],
  ];
  for (const [name, der] of malformed) {
    it(`refuse ${name} with INVALID_PKCS8:MALFORMED`, () => {
      assert.throws(() => pkcs8ToEd25519Seed(der), expectCode('INVALID_PKCS8:MALFORMED'));
    });
  }

  it('accept a long-form length where DER requires one', () => {
    // 200 bytes of attributes push the outer length past 127: 0x81 0xNN is then the only DER form.
    const attributes = Uint8Array.from([0xa0, 0x81, 200, ...new Uint8Array(200)]);
    const body = [...VERSION_1, ...ED25519_ALGORITHM, ...privateKeyField(SEED), ...attributes];
    const der = Uint8Array.from([0x30, 0x81, body.length, ...body]);
    assert.deepEqual(pkcs8ToEd25519Seed(der), SEED);
    const shortAttributes = Uint8Array.from([0xa0, 0x81, 100, ...new Uint8Array(100)]);
    const nonMinimal = [...VERSION_1, ...ED25519_ALGORITHM, ...privateKeyField(SEED), ...shortAttributes];
    assert.throws(
      () => pkcs8ToEd25519Seed(Uint8Array.from([0x30, 0x81, nonMinimal.length, ...nonMinimal])),
      expectCode('INVALID_PKCS8:MALFORMED'),
    );
  });
});

describe('PKCS#8 interop with node:crypto', () => {
  const backends = [createNodeCrypto(), createWebCrypto(globalThis.crypto)];
  const message = new TextEncoder().encode('signed by node, verified by xlink');
  const rawPublicKey = (key: KeyObject): Uint8Array => fromBase64url(key.export({ format: 'jwk' }).x as string);

  it('node signs with our Ed25519 PKCS#8 and verifies with our SPKI; backends agree', async () => {
    const privateKey = createPrivateKey({ key: Buffer.from(ed25519SeedToPkcs8(SEED)), format: 'der', type: 'pkcs8' });
    const signature = new Uint8Array(sign(null, message, privateKey));
    for (const crypto of backends) {
      const publicKey = await ed25519PublicKey(crypto, SEED);
      assert.deepEqual(publicKey, rawPublicKey(createPublicKey(privateKey)), crypto.name);
      assert.equal(await ed25519Verify(crypto, publicKey, message, signature), true, crypto.name);
      const spki = createPublicKey({
        key: Buffer.from(ed25519PublicKeyToSpki(publicKey)),
        format: 'der',
        type: 'spki',
      });
      assert.equal(verify(null, message, spki, await ed25519Sign(crypto, SEED, message)), true, crypto.name);
    }
  });

  it('reads node-generated Ed25519 PKCS#8, and the backends derive node’s public key', async () => {
    for (let round = 0; round < 4; round++) {
      const { privateKey, publicKey } = generateKeyPairSync('ed25519');
      const seed = pkcs8ToEd25519Seed(new Uint8Array(privateKey.export({ format: 'der', type: 'pkcs8' })));
      assert.deepEqual(seed, fromBase64url(privateKey.export({ format: 'jwk' }).d as string));
      for (const crypto of backends) {
        assert.deepEqual(await ed25519PublicKey(crypto, seed), rawPublicKey(publicKey), crypto.name);
      }
    }
  });

  it('reads node-generated X25519 PKCS#8; node and the backends agree on keys and shared secrets', async () => {
    const peer = generateKeyPairSync('x25519');
    for (let round = 0; round < 4; round++) {
      const { privateKey, publicKey } = generateKeyPairSync('x25519');
      const secret = pkcs8ToX25519Secret(new Uint8Array(privateKey.export({ format: 'der', type: 'pkcs8' })));
      assert.deepEqual(secret, fromBase64url(privateKey.export({ format: 'jwk' }).d as string));
      const expected = new Uint8Array(diffieHellman({ privateKey, publicKey: peer.publicKey }));
      for (const crypto of backends) {
        assert.deepEqual(await x25519PublicKey(crypto, secret), rawPublicKey(publicKey), crypto.name);
        assert.deepEqual(await x25519SharedSecret(crypto, secret, rawPublicKey(peer.publicKey)), expected, crypto.name);
      }
    }
  });

  it('node imports our X25519 PKCS#8 and SPKI', () => {
    const mine = createPrivateKey({ key: Buffer.from(x25519SecretToPkcs8(SEED)), format: 'der', type: 'pkcs8' });
    const other = generateKeyPairSync('x25519');
    const theirs = createPublicKey({
      key: Buffer.from(x25519PublicKeyToSpki(rawPublicKey(other.publicKey))),
      format: 'der',
      type: 'spki',
    });
    assert.deepEqual(
      new Uint8Array(diffieHellman({ privateKey: mine, publicKey: theirs })),
      new Uint8Array(diffieHellman({ privateKey: other.privateKey, publicKey: createPublicKey(mine) })),
    );
  });
});

describe('PKCS#8 error messages never echo key material', () => {
  it('a private key missing its inner OCTET STRING wrapper is refused without quoting its bytes', () => {
    // The 32 secret bytes sit directly in the privateKey OCTET STRING (no CurvePrivateKey wrapper),
    // so the first secret byte (0xab) is where the parser expects a tag.
    const secret = Uint8Array.from({ length: 32 }, (_, i) => 0xab - i);
    const der = fromHex(`302e020100300506032b65700422ab20${Buffer.from(secret).toString('hex')}`);
    let message = '';
    assert.throws(
      () => pkcs8ToEd25519Seed(der),
      (error: unknown) => {
        message = error instanceof Error ? error.message : '';
        return isXlinkError(error) && error.code === 'INVALID_PKCS8:MALFORMED';
      },
    );
    assert.match(message, /CurvePrivateKey at offset 14 is not an OCTET STRING/);
    assert.doesNotMatch(message, /0xab|\bab\b/i, message);
  });
});
