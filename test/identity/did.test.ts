import assert from 'node:assert/strict';
import { describe, it, test } from 'node:test';
import fc from 'fast-check';
import { base58btcEncode, readBase58btc } from '../../src/codec/base58.js';
import { base64urlEncode, readBase64url } from '../../src/codec/base64url.js';
import { bytesToHex, concatBytes, readHex } from '../../src/codec/bytes.js';
import { isCanonicalPointEncoding, isSmallOrderEncoding } from '../../src/crypto/ed25519-strict.js';
import { type ErrorCode, isXlinkError } from '../../src/errors.js';
import { didFromEd25519PublicKey, parseDid } from '../../src/identity/did.js';
import { backends } from '../helpers/backends.js';
import { ed25519PublicKey } from '../helpers/one-shot.js';
import { loadSharedJson, reportNotRun } from '../helpers/vectors.js';

/** did:key of arbitrary multicodec-prefixed bytes, built without xlink's own checks. */
function rawDid(...parts: Uint8Array[]): string {
  return `did:key:z${base58btcEncode(concatBytes(...parts))}`;
}

const ED25519_CODEC = Uint8Array.of(0xed, 0x01);
/** RFC 8032 §7.1 TEST 1 public key, a real Ed25519 key. */
const RFC8032_KEY = readHex('d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a');
const RFC8032_DID = rawDid(ED25519_CODEC, RFC8032_KEY);

function refusal(did: string): ErrorCode {
  const result = parseDid(did);
  assert.ok(!result.ok, `expected ${JSON.stringify(String(did).slice(0, 80))} to be refused`);
  return result.error.code;
}

describe('parseDid', () => {
  it('parses an Ed25519 did:key back to its key, and didFromEd25519PublicKey builds the same string', () => {
    assert.equal(RFC8032_DID, 'did:key:z6MktwupdmLXVVqTzCw4i46r4uGyosGXRnR3XjN4Zq7oMMsw');
    assert.equal(RFC8032_DID.length, 56);
    const parsed = parseDid(RFC8032_DID);
    assert.ok(parsed.ok);
    assert.equal(parsed.value.did, RFC8032_DID);
    assert.deepEqual(parsed.value.publicKey, RFC8032_KEY);
    assert.equal(didFromEd25519PublicKey(RFC8032_KEY), RFC8032_DID);
  });

  it('round-trips every acceptable 32-byte key (property)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), (key) => {
        fc.pre(isCanonicalPointEncoding(key) && !isSmallOrderEncoding(key));
        const did = didFromEd25519PublicKey(key);
        assert.match(did, /^did:key:z6Mk[1-9A-HJ-NP-Za-km-z]{44}$/);
        const parsed = parseDid(did);
        assert.ok(parsed.ok);
        assert.deepEqual(parsed.value.publicKey, key);
      }),
    );
  });

  it('INVALID_DID:PREFIX for other methods, another case, or a bare multibase id', () => {
    assert.equal(refusal('did:web:example.com'), 'INVALID_DID:PREFIX');
    assert.equal(refusal(RFC8032_DID.replace('did:key:', 'DID:KEY:')), 'INVALID_DID:PREFIX');
    assert.equal(refusal(RFC8032_DID.slice('did:key:'.length)), 'INVALID_DID:PREFIX');
    assert.equal(refusal(` ${RFC8032_DID}`), 'INVALID_DID:PREFIX');
    assert.equal(refusal(''), 'INVALID_DID:PREFIX');
  });

  it('INVALID_DID:MULTIBASE when the id is not base58btc multibase ("z")', () => {
    // 'u' is multibase base64url of the same bytes; 'Z' is no multibase prefix xlink knows.
    const base64url = `did:key:u${base64urlEncode(concatBytes(ED25519_CODEC, RFC8032_KEY))}`;
    assert.equal(base64url, 'did:key:u7QHXWpgBgrEKt9VL_tPJZAc6DuFy89qmIyWvAhpo9wdRGg');
    assert.equal(refusal(base64url), 'INVALID_DID:MULTIBASE');
    assert.equal(refusal(RFC8032_DID.replace(':z', ':Z')), 'INVALID_DID:MULTIBASE');
    assert.equal(refusal('did:key:'), 'INVALID_DID:MULTIBASE');
  });

  it('INVALID_DID:BASE58 for each of the characters base58btc leaves out (0 O I l) and others', () => {
    for (const bad of ['0', 'O', 'I', 'l', '+', ' ', '😀']) {
      const did = `${RFC8032_DID.slice(0, 20)}${bad}${RFC8032_DID.slice(21)}`;
      const result = parseDid(did);
      assert.ok(!result.ok);
      assert.equal(result.error.code, 'INVALID_DID:BASE58', bad);
      assert.ok(result.error.message.includes(`${JSON.stringify(bad)} at index 20`), result.error.message);
    }
  });

  it('INVALID_DID:MULTICODEC for X25519 (z6LS…), secp256k1 (zQ3s…) and P-256 (zDn…) did:keys', () => {
    // Published examples from the did:key specification (w3c-ccg/did-method-key).
    const published = [
      'did:key:z6LShs9GGnqk85isEBzzshkuVWrVKsRp24GnDuHk8QWkARMW',
      'did:key:zQ3shokFTS3brHcDQrn82RUDfCZESWL1ZdCEJwekUDPQiYBme',
      'did:key:zDnaerDaTF5BXEavCrfRZEk316dpbLsfPDZ3WJ5hRTPFU2169',
    ];
    // And the same codecs built here: x25519-pub 0xec, secp256k1-pub 0xe7, p256-pub 0x1200 (varint 80 24).
    const x25519 = rawDid(Uint8Array.of(0xec, 0x01), new Uint8Array(32).fill(9));
    const secp256k1 = rawDid(Uint8Array.of(0xe7, 0x01, 0x02), new Uint8Array(32).fill(7));
    const p256 = rawDid(Uint8Array.of(0x80, 0x24, 0x03), new Uint8Array(32).fill(5));
    assert.match(x25519, /^did:key:z6LS/);
    assert.match(secp256k1, /^did:key:zQ3s/);
    assert.match(p256, /^did:key:zDn/);
    for (const did of [...published, x25519, secp256k1, p256])
      assert.equal(refusal(did), 'INVALID_DID:MULTICODEC', did);
  });

  it('INVALID_DID:LENGTH for a key of 31 or 33 bytes and for an empty id', () => {
    assert.equal(refusal(rawDid(ED25519_CODEC, RFC8032_KEY.subarray(1))), 'INVALID_DID:LENGTH');
    assert.equal(refusal(rawDid(ED25519_CODEC, RFC8032_KEY, Uint8Array.of(0))), 'INVALID_DID:LENGTH');
    assert.equal(refusal('did:key:z'), 'INVALID_DID:LENGTH');
    assert.equal(refusal('did:key:z6'), 'INVALID_DID:LENGTH');
  });

  it('INVALID_DID:LENGTH from the 128-character cap before base58 decoding (quadratic) starts', () => {
    const capMessage = (length: number): string =>
      `"did" method-specific id expected at most 128 characters, got ${length}`;
    const refusedByCap = (id: string): void => {
      const result = parseDid(`did:key:${id}`);
      assert.ok(!result.ok);
      assert.equal(result.error.code, 'INVALID_DID:LENGTH');
      assert.equal(result.error.message, capMessage(id.length));
    };
    // 128 characters still decode (and are refused for what they decode to); 129 do not.
    const longest = `z${'6Mk'.repeat(42)}1`;
    assert.equal(longest.length, 128);
    const decoded = parseDid(`did:key:${longest}`);
    assert.ok(!decoded.ok);
    assert.equal(decoded.error.code, 'INVALID_DID:MULTICODEC');
    refusedByCap(`${longest}1`);
    // The cap's message, not a decoder's, so the megabyte id was never decoded; characters
    // that are not base58 are not even scanned past the cap.
    refusedByCap(`z${'6Mk'.repeat(400_000)}`);
    refusedByCap(`z${'0'.repeat(200)}`);
  });

  it('INVALID_DID:URL for a DID URL (fragment, query, path): only the bare DID names an identity', () => {
    const fragment = `${RFC8032_DID}#${RFC8032_DID.slice('did:key:'.length)}`;
    for (const did of [fragment, `${RFC8032_DID}?service=files`, `${RFC8032_DID}/path`, `${RFC8032_DID}#`]) {
      assert.equal(refusal(did), 'INVALID_DID:URL', did);
    }
  });

  it('INVALID_DID:SMALL_ORDER_KEY for each of the eight small-order points, with either sign bit', () => {
    const smallOrderY = [
      '0100000000000000000000000000000000000000000000000000000000000000',
      'ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
      '0000000000000000000000000000000000000000000000000000000000000000',
      '26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05',
      'c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a',
    ];
    const points = new Set<string>();
    for (const y of smallOrderY) {
      points.add(y);
      const negated = readHex(y);
      negated[31] = (negated[31] as number) | 0x80;
      // For y = ±1 (x = 0) a set sign bit is an invalid alias; it is refused all the same.
      points.add(bytesToHex(negated));
    }
    for (const point of points) {
      assert.equal(refusal(rawDid(ED25519_CODEC, readHex(point))), 'INVALID_DID:SMALL_ORDER_KEY', point);
      assert.throws(
        () => didFromEd25519PublicKey(readHex(point)),
        (e: unknown) => isXlinkError(e) && e.code === 'INVALID_DID:SMALL_ORDER_KEY',
      );
    }
  });

  it('INVALID_PUBLIC_KEY:NON_CANONICAL for y >= p, also when it aliases a small-order point', () => {
    const yIsP = readHex('edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f'); // y = p ≡ 0
    const yIsPPlus2 = readHex('efffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff'); // y = p + 2, sign set
    for (const key of [yIsP, yIsPPlus2]) {
      assert.equal(refusal(rawDid(ED25519_CODEC, key)), 'INVALID_PUBLIC_KEY:NON_CANONICAL');
      assert.throws(
        () => didFromEd25519PublicKey(key),
        (e: unknown) => isXlinkError(e) && e.code === 'INVALID_PUBLIC_KEY:NON_CANONICAL',
      );
    }
  });

  it('a non-string is INVALID_ARGUMENT, and parseDid never throws on strings', () => {
    assert.equal(refusal(42 as unknown as string), 'INVALID_ARGUMENT');
    assert.equal(refusal(null as unknown as string), 'INVALID_ARGUMENT');
    fc.assert(
      fc.property(fc.string({ maxLength: 200 }), (text) => {
        const result = parseDid(`did:key:${text}`);
        assert.equal(typeof result.ok, 'boolean');
      }),
    );
  });
});

describe('didFromEd25519PublicKey', () => {
  it('refuses a non-Uint8Array and a key of the wrong length', () => {
    assert.throws(
      () => didFromEd25519PublicKey(new Uint8Array(31)),
      (e: unknown) => isXlinkError(e) && e.code === 'INVALID_LENGTH' && /length=31/.test(e.message),
    );
    assert.throws(
      () => didFromEd25519PublicKey('z6Mk' as unknown as Uint8Array),
      (e: unknown) => isXlinkError(e) && e.code === 'INVALID_ARGUMENT',
    );
  });
});

interface DidKeyVector {
  readonly seed: string;
  readonly verificationKeyPair: {
    readonly id: string;
    readonly type: string;
    readonly publicKeyBase58?: string;
    readonly publicKeyJwk?: { readonly crv: string; readonly x: string };
  };
}

const ED25519_FILE = 'did-key/ed25519-x25519.json';
const X25519_FILE = 'did-key/x25519.json';
/** Entries the files held when these tests were written: fewer means a file was emptied, cut or replaced. */
const ED25519_MINIMUM = 5;
const X25519_MINIMUM = 4;
const ed25519Vectors = loadSharedJson(ED25519_FILE) as Record<string, DidKeyVector> | undefined;
const x25519Vectors = loadSharedJson(X25519_FILE) as { didDocument: Record<string, unknown> } | undefined;

/** The published public key of an entry, from whichever of the two forms it uses. */
function publishedKey(vector: DidKeyVector): Uint8Array {
  const { publicKeyBase58, publicKeyJwk } = vector.verificationKeyPair;
  if (publicKeyBase58 !== undefined) return readBase58btc(publicKeyBase58);
  assert.equal(publicKeyJwk?.crv, 'Ed25519');
  return readBase64url(publicKeyJwk.x);
}

if (ed25519Vectors === undefined || x25519Vectors === undefined) reportNotRun('W3C did:key vectors (did-key/)');
else {
  // Only the Ed25519 key of each entry: its X25519 key agreement key is
  // converted from the Ed25519 key, a derivation xlink does not use.
  const entries = Object.entries(ed25519Vectors);
  for (const backend of backends) {
    test(`W3C did:key Ed25519 vectors through ${backend.name}`, async () => {
      assert.ok(
        entries.length >= ED25519_MINIMUM,
        `${ED25519_FILE} has ${entries.length} entries, expected ${ED25519_MINIMUM}`,
      );
      for (const [did, vector] of entries) {
        const publicKey = await ed25519PublicKey(backend, readHex(vector.seed));
        assert.deepEqual(publicKey, publishedKey(vector), did);
        assert.equal(didFromEd25519PublicKey(publicKey), did);
        const parsed = parseDid(did);
        assert.ok(parsed.ok, did);
        assert.deepEqual(parsed.value.publicKey, publicKey);
        // The verification method id is a DID URL (did#fragment): a real case for INVALID_DID:URL.
        const methodId = vector.verificationKeyPair.id.startsWith('#')
          ? `${did}${vector.verificationKeyPair.id}`
          : vector.verificationKeyPair.id;
        assert.equal(refusal(methodId), 'INVALID_DID:URL');
      }
      console.log(`W3C did:key vectors [${backend.name}]: ${entries.length} Ed25519 entries ran`);
    });
  }

  test('W3C did:key X25519 DIDs (z6LS…) are refused as INVALID_DID:MULTICODEC', () => {
    const dids = Object.keys(x25519Vectors.didDocument);
    assert.ok(dids.length >= X25519_MINIMUM, `${X25519_FILE} has ${dids.length} DIDs, expected ${X25519_MINIMUM}`);
    for (const did of dids) assert.equal(refusal(did), 'INVALID_DID:MULTICODEC', did);
    console.log(`W3C did:key X25519 DIDs: ${dids.length} refused`);
  });
}
