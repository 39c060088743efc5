import assert from 'node:assert/strict';
import { createPublicKey, verify as nodeVerify } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ed448 } from '@noble/curves/ed448.js';
import { ed25519 } from '@noble/curves/ed25519.js';
import { bytesToHex, concatBytes, readHex, utf8Encode } from '../../src/codec/bytes.js';
import { type CborMap, CborTagged, type CborValue, encodeCbor, readCbor } from '../../src/codec/cbor.js';
import {
  COSE_ALG_EDDSA,
  COSE_HEADER_ALG,
  COSE_SIGN1_TAG,
  type CoseSign1,
  type CoseVerifier,
  coseAlgorithm,
  coseSign1SigStructure,
  encodeCoseSign1,
  readCoseSign1,
  verifyCoseSign1,
} from '../../src/envelope/cose-sign1.js';
import { type ErrorCode, isXlinkError, type Result } from '../../src/errors.js';
import { backends } from '../helpers/backends.js';
import { ed25519PublicKey, ed25519Sign, ed25519Verify } from '../helpers/one-shot.js';
import { expectBytes, loadSharedJson, reportNotRun, vectorsDir } from '../helpers/vectors.js';

/** A cose-wg/Examples file, as far as these tests read it. */
interface CoseExample {
  readonly title: string;
  readonly fail?: boolean;
  readonly input: {
    readonly plaintext: string;
    readonly sign0: {
      readonly key: { readonly crv: string; readonly x?: string; readonly y?: string; readonly x_hex?: string };
      readonly external?: string;
    };
  };
  readonly intermediates?: { readonly ToBeSign_hex?: string };
  readonly output: { readonly cbor: string };
}

type Outcome = 'verified' | 'not verified' | ErrorCode;

/** What verifyCoseSign1 answered: a forged signature is 'not verified', any other refusal its code. */
function verdict(result: Result<void>): Outcome {
  if (result.ok) return 'verified';
  return result.error.code === 'VERIFICATION_FAILED:SIGNATURE_MISMATCH' ? 'not verified' : result.error.code;
}

/** Decodes and verifies, folding an XlinkError into its code; anything else thrown is a bug and propagates. */
async function outcomeOf(
  bytes: Uint8Array,
  verifiers: Readonly<Record<number, CoseVerifier>>,
  externalAad?: Uint8Array,
): Promise<Outcome> {
  try {
    const message = readCoseSign1(bytes);
    const options = externalAad === undefined ? {} : { externalAad };
    return verdict(await verifyCoseSign1(verifiers, message, options));
  } catch (error) {
    if (isXlinkError(error)) return error.code;
    throw error;
  }
}

function codeOf(fn: () => unknown): ErrorCode {
  try {
    fn();
  } catch (error) {
    if (isXlinkError(error)) return error.code;
    throw error;
  }
  assert.fail('expected an XlinkError, but the call returned');
}

/** A cose-wg/Examples file; only called once the vectors folder is known to exist, so a missing file throws. */
function loadExample(relativePath: string): CoseExample {
  const example = loadSharedJson(join('cose', relativePath)) as CoseExample | undefined;
  assert.ok(example !== undefined, `cose/${relativePath}: the vectors folder vanished while the tests ran`);
  return example;
}

/** The message's Sig_structure; a message under a foreign tag is read without it, to compare intermediates. */
function sigStructureOf(bytes: Uint8Array, externalAad?: Uint8Array): Uint8Array {
  const outer = readCbor(bytes);
  const message = readCoseSign1(
    outer instanceof CborTagged && outer.tag !== COSE_SIGN1_TAG ? encodeCbor(outer.value) : bytes,
  );
  return coseSign1SigStructure(message.protectedBytes, message.payload, externalAad);
}

function es256Verifier(key: CoseExample['input']['sign0']['key']): CoseVerifier {
  const publicKey = createPublicKey({
    key: { kty: 'EC', crv: key.crv, x: key.x as string, y: key.y as string },
    format: 'jwk',
  });
  return async (data, signature) =>
    nodeVerify('sha256', data, { key: publicKey, dsaEncoding: 'ieee-p1363' }, signature);
}

const ES256 = -7;

/**
 * What each sign1-tests file must do, by name, and whether its ToBeSign_hex
 * (computed by the generator before the failure was injected) is the
 * Sig_structure of the message as published.
 */
const SIGN1_EXPECTED: Readonly<Record<string, { readonly outcome: Outcome; readonly toBeSign: 'equal' | 'differs' }>> =
  {
    // Tag 998: not a COSE_Sign1 message; its body is the intact message.
    'sign-fail-01.json': { outcome: 'PARSE_FAILED:COSE', toBeSign: 'equal' },
    // Last payload byte changed after signing.
    'sign-fail-02.json': { outcome: 'not verified', toBeSign: 'differs' },
    // Protected alg replaced by -999, which has no verifier.
    'sign-fail-03.json': { outcome: 'ENVELOPE_INVALID:ALGORITHM', toBeSign: 'differs' },
    // Protected alg replaced by the text "unknown".
    'sign-fail-04.json': { outcome: 'ENVELOPE_INVALID:ALGORITHM', toBeSign: 'differs' },
    // ctyp added to the protected header after signing.
    'sign-fail-06.json': { outcome: 'not verified', toBeSign: 'differs' },
    // ctyp removed from the protected header after signing.
    'sign-fail-07.json': { outcome: 'not verified', toBeSign: 'differs' },
    // Protected h'' re-sent as h'a0' (the empty map); alg in the unprotected header.
    'sign-pass-01.json': { outcome: 'verified', toBeSign: 'equal' },
    // External AAD 11aa22bb33cc44dd55006699.
    'sign-pass-02.json': { outcome: 'verified', toBeSign: 'equal' },
    // No tag.
    'sign-pass-03.json': { outcome: 'verified', toBeSign: 'equal' },
  };

// Decided before any test runs, so a missing folder is reported once: skipped, or failed under
// XLINK_REQUIRE_VECTORS=1. Every file below is named, and sign1-tests must hold exactly the nine
// of SIGN1_EXPECTED, so no file can go missing or empty unnoticed.
const coseVectorsPresent = existsSync(vectorsDir());
if (!coseVectorsPresent) reportNotRun('cose-wg/Examples vectors (cose/)');
describe('cose-wg/Examples vectors (/work/shared/vectors/cose, see SOURCE and LICENSE there)', {
  skip: !coseVectorsPresent,
}, () => {
  it('eddsa-sig-01 (Ed25519): ToBeSign matches and the message verifies in every backend', async () => {
    const example = loadExample('eddsa-examples/eddsa-sig-01.json');
    const bytes = readHex(example.output.cbor);
    const publicKey = readHex(example.input.sign0.key.x_hex ?? '');
    const message = readCoseSign1(bytes);
    assert.equal(message.tagged, true);
    assert.equal(coseAlgorithm(message), COSE_ALG_EDDSA);
    assert.equal(new TextDecoder().decode(message.payload), example.input.plaintext);
    assert.deepEqual(message.unprotectedHeader, new Map([[4, utf8Encode('11')]]));
    expectBytes(sigStructureOf(bytes), example.intermediates?.ToBeSign_hex ?? '', 'eddsa-sig-01 ToBeSign');
    for (const backend of backends) {
      const verifiers = {
        [COSE_ALG_EDDSA]: (data: Uint8Array, sig: Uint8Array) => ed25519Verify(backend, publicKey, data, sig),
      };
      assert.equal(await outcomeOf(bytes, verifiers), 'verified', backend.name);
      const forged = bytes.slice();
      forged[forged.length - 1] = (forged[forged.length - 1] as number) ^ 1;
      assert.equal(await outcomeOf(forged, verifiers), 'not verified', backend.name);
    }
  });

  it('eddsa-sig-02 (EdDSA over Ed448, alg -8): a valid Ed448 signature our Ed25519 verifiers answer false to', async () => {
    const example = loadExample('eddsa-examples/eddsa-sig-02.json');
    const bytes = readHex(example.output.cbor);
    const publicKey = readHex(example.input.sign0.key.x_hex ?? '');
    const message = readCoseSign1(bytes);
    assert.equal(example.input.sign0.key.crv, 'Ed448');
    assert.equal(publicKey.length, 57);
    assert.equal(message.signature.length, 114);
    // alg is EdDSA, the same -8 xlink uses: the algorithm alone cannot tell the curves apart, so no ALGORITHM error.
    assert.equal(coseAlgorithm(message), COSE_ALG_EDDSA);
    const toBeSign = sigStructureOf(bytes);
    expectBytes(toBeSign, example.intermediates?.ToBeSign_hex ?? '', 'eddsa-sig-02 ToBeSign');
    // The vector is sound: an Ed448 implementation accepts it.
    assert.equal(ed448.verify(message.signature, toBeSign, publicKey), true);
    for (const backend of backends) {
      const verifiers = {
        [COSE_ALG_EDDSA]: (data: Uint8Array, sig: Uint8Array) => ed25519Verify(backend, publicKey, data, sig),
      };
      assert.equal(await outcomeOf(bytes, verifiers), 'not verified', backend.name);
    }
  });

  it('eddsa-01 is a COSE_Sign message (tag 98), refused as COSE_Sign1', () => {
    const example = loadExample('eddsa-examples/eddsa-01.json');
    assert.throws(
      () => readCoseSign1(readHex(example.output.cbor)),
      (error: unknown) => isXlinkError(error) && error.code === 'PARSE_FAILED:COSE' && /tag 98/.test(error.message),
    );
  });

  it('sign1-tests (ES256 over P-256, verified with node:crypto): every file, outcome named per file', async () => {
    const folder = join(vectorsDir(), 'cose', 'sign1-tests');
    const files = readdirSync(folder)
      .filter((name) => name.endsWith('.json'))
      .sort();
    if (files.length === 0) throw new Error(`${folder} holds no vectors`);
    assert.deepEqual(files, Object.keys(SIGN1_EXPECTED).sort(), 'every file has an expected outcome, and only those');
    const tally: Record<string, number> = {};
    for (const file of files) {
      const example = loadExample(join('sign1-tests', file)) as CoseExample;
      const expected = SIGN1_EXPECTED[file];
      assert.ok(expected !== undefined);
      assert.equal(expected.outcome === 'verified', example.fail !== true, `${file}: "fail" flag vs expected outcome`);
      const bytes = readHex(example.output.cbor);
      const external = example.input.sign0.external;
      const externalAad = external === undefined ? undefined : readHex(external);
      const verifiers = { [ES256]: es256Verifier(example.input.sign0.key) };
      const outcome = await outcomeOf(bytes, verifiers, externalAad);
      assert.equal(outcome, expected.outcome, `${file} (${example.title})`);
      tally[outcome] = (tally[outcome] ?? 0) + 1;

      const toBeSign = example.intermediates?.ToBeSign_hex;
      assert.ok(toBeSign !== undefined, `${file} has ToBeSign_hex`);
      const ours = bytesToHex(sigStructureOf(bytes, externalAad));
      if (expected.toBeSign === 'equal') assert.equal(ours, toBeSign.toLowerCase(), `${file} ToBeSign`);
      else assert.notEqual(ours, toBeSign.toLowerCase(), `${file} ToBeSign`);
      // The published signature is good over the published ToBeSign, so each refusal comes from the injected change.
      const outer = readCbor(bytes);
      const items = (outer instanceof CborTagged ? outer.value : outer) as CborValue[];
      assert.equal(await verifiers[ES256](readHex(toBeSign), items[3] as Uint8Array), true, `${file} signature`);
    }
    console.log(`cose sign1-tests: ${files.length} files: ${JSON.stringify(tally)}`);
  });
});

describe('COSE_Sign1 structure', () => {
  const protectedBytes = encodeCbor(
    new Map<number | string, CborValue>([
      [COSE_HEADER_ALG, COSE_ALG_EDDSA],
      ['v', 'signed'],
    ]),
  );
  const payload = utf8Encode('{"hello":"world"}');
  const signature = new Uint8Array(64).fill(7);
  const unprotectedHeader: CborMap = new Map([['pqsig', Uint8Array.of(1, 2, 3)]]);
  const parts = { protectedBytes, unprotectedHeader, payload, signature };
  const array = (items: CborValue[]): Uint8Array => encodeCbor(new CborTagged(COSE_SIGN1_TAG, items));

  function assertCose(bytes: Uint8Array, message: RegExp): void {
    assert.throws(
      () => readCoseSign1(bytes),
      (error: unknown) => isXlinkError(error) && error.code === 'PARSE_FAILED:COSE' && message.test(error.message),
    );
  }

  it('encode → decode round-trips, always under tag 18', () => {
    const bytes = encodeCoseSign1(parts);
    assert.equal(bytesToHex(bytes.subarray(0, 2)), 'd284');
    const message = readCoseSign1(bytes);
    assert.deepEqual(message, {
      protectedBytes,
      protectedHeader: new Map<number | string, CborValue>([
        [1, -8],
        ['v', 'signed'],
      ]),
      unprotectedHeader,
      payload,
      signature,
      tagged: true,
    } satisfies CoseSign1);
    assert.deepEqual(encodeCoseSign1(message), bytes);
  });

  it('an untagged message is accepted and says so', () => {
    const message = readCoseSign1(encodeCbor([protectedBytes, unprotectedHeader, payload, signature]));
    assert.equal(message.tagged, false);
    assert.deepEqual(message.payload, payload);
  });

  it('any tag but 18 is refused', () => {
    for (const tag of [0, 17, 19, 61, 96, 98, 998]) {
      assertCose(
        encodeCbor(new CborTagged(tag, [protectedBytes, unprotectedHeader, payload, signature])),
        new RegExp(`tag ${tag} `),
      );
    }
    assertCose(
      encodeCbor(new CborTagged(18, new CborTagged(18, [protectedBytes, new Map(), payload, signature]))),
      /got tag 18/,
    );
  });

  it('arrays of 3 or 5 items, and non-arrays, are refused', () => {
    assertCose(array([protectedBytes, unprotectedHeader, payload]), /array of 4 items, got 3$/);
    assertCose(array([protectedBytes, unprotectedHeader, payload, signature, signature]), /got 5$/);
    assertCose(array([]), /got 0$/);
    assertCose(encodeCbor(new CborTagged(18, new Map())), /got a map/);
    assertCose(encodeCbor(payload), /got a byte string/);
  });

  it('each item must have its type; a detached (nil) payload is refused by name', () => {
    assertCose(
      array([protectedBytes, unprotectedHeader, 'text payload', signature]),
      /payload expected a byte string, got string/,
    );
    assertCose(array([protectedBytes, unprotectedHeader, 1, signature]), /payload expected a byte string, got number/);
    assertCose(
      array([protectedBytes, unprotectedHeader, null, signature]),
      /detached payload \(nil\) is not supported/,
    );
    assertCose(array([new Map(), unprotectedHeader, payload, signature]), /protected header expected a byte string/);
    assertCose(array([protectedBytes, new Uint8Array(0), payload, signature]), /unprotected header expected a map/);
    assertCose(array([protectedBytes, unprotectedHeader, payload, 'sig']), /signature expected a byte string/);
  });

  it("protected header: empty, h'a0', or an encoded map; nothing else", () => {
    for (const bytes of [new Uint8Array(0), Uint8Array.of(0xa0)]) {
      const message = readCoseSign1(array([bytes, new Map([[1, -8]]), payload, signature]));
      assert.deepEqual(message.protectedHeader, new Map());
      assert.deepEqual(message.protectedBytes, bytes);
      assert.equal(coseAlgorithm(message), -8);
    }
    assertCose(
      array([encodeCbor([1, -8]), new Map(), payload, signature]),
      /protected header expected an encoded map, got an array of 2/,
    );
    assertCose(array([encodeCbor('a'), new Map(), payload, signature]), /encoded map, got string/);
    // Not CBOR, or not deterministic CBOR, inside the byte string: a CBOR failure, named as the protected header's.
    for (const inner of [Uint8Array.of(0xff), Uint8Array.of(0xa1, 0x01), readHex('a2036001f6'), readHex('a1180101')]) {
      assert.throws(
        () => readCoseSign1(array([inner, new Map(), payload, signature])),
        (error: unknown) =>
          isXlinkError(error) &&
          error.code === 'PARSE_FAILED:CBOR' &&
          /^COSE_Sign1 protected header: CBOR: /.test(error.message),
      );
    }
  });

  it('a label in both headers is refused (RFC 9052 §3), when decoding and when encoding', () => {
    assertCose(array([protectedBytes, new Map([[1, -7]]), payload, signature]), /header label 1 is in both/);
    assertCose(array([protectedBytes, new Map([['v', 'v1']]), payload, signature]), /header label "v" is in both/);
    // 1 and "1" are different labels.
    assert.equal(
      readCoseSign1(array([protectedBytes, new Map([['1', 0]]), payload, signature])).unprotectedHeader.size,
      1,
    );
    assert.equal(
      codeOf(() => encodeCoseSign1({ ...parts, unprotectedHeader: new Map([[COSE_HEADER_ALG, COSE_ALG_EDDSA]]) })),
      'INVALID_ARGUMENT',
    );
  });

  it('labels are integers or text; a float label is refused', () => {
    assertCose(array([protectedBytes, new Map([[1.5, 0]]), payload, signature]), /unprotected header label 1.5/);
    assertCose(array([encodeCbor(new Map([[-0.5, 0]])), new Map(), payload, signature]), /protected header label -0.5/);
    assert.equal(
      codeOf(() => encodeCoseSign1({ ...parts, unprotectedHeader: new Map([[2.5, 0]]) })),
      'INVALID_ARGUMENT',
    );
  });

  it('bytes that are not deterministic CBOR, or over the limits, fail as PARSE_FAILED:CBOR', () => {
    const bytes = encodeCoseSign1(parts);
    assert.equal(
      codeOf(() => readCoseSign1(concatBytes(bytes, Uint8Array.of(0)))),
      'PARSE_FAILED:CBOR',
    );
    assert.equal(
      codeOf(() => readCoseSign1(bytes.subarray(0, bytes.length - 1))),
      'PARSE_FAILED:CBOR',
    );
    // Tag 18 written in a longer form than needed (d8 12): valid CBOR, not deterministic.
    assert.equal(
      codeOf(() => readCoseSign1(concatBytes(Uint8Array.of(0xd8, 0x12), bytes.subarray(1)))),
      'PARSE_FAILED:CBOR',
    );
    assert.equal(
      codeOf(() => readCoseSign1(bytes, { maxBytes: bytes.length - 1 })),
      'PARSE_FAILED:CBOR',
    );
    // Tag, array, map: depth 3 is needed for the message, and the same limits apply to the protected header.
    assert.equal(
      codeOf(() => readCoseSign1(bytes, { maxDepth: 2 })),
      'PARSE_FAILED:CBOR',
    );
    assert.equal(readCoseSign1(bytes, { maxDepth: 3 }).tagged, true);
  });

  it('encodeCoseSign1 refuses parts that would not decode back', () => {
    assert.equal(
      codeOf(() => encodeCoseSign1({ ...parts, payload: 'x' as unknown as Uint8Array })),
      'INVALID_ARGUMENT',
    );
    assert.equal(
      codeOf(() => encodeCoseSign1({ ...parts, unprotectedHeader: {} as CborMap })),
      'INVALID_ARGUMENT',
    );
    assert.equal(
      codeOf(() => encodeCoseSign1({ ...parts, protectedBytes: encodeCbor([1]) })),
      'INVALID_ARGUMENT',
    );
    assert.equal(
      codeOf(() => encodeCoseSign1({ ...parts, protectedBytes: Uint8Array.of(0xff) })),
      'INVALID_ARGUMENT',
    );
  });
});

describe('Sig_structure, alg and verification', () => {
  it("coseSign1SigStructure is [\"Signature1\", protected, aad, payload] (RFC 9052 §4.4), with h'a0' signed as h''", () => {
    const protectedBytes = readHex('a10127');
    const payload = utf8Encode('hi');
    // 84 6a "Signature1" 43 a10127 40 42 "hi"
    const expected = `846a${bytesToHex(utf8Encode('Signature1'))}43a1012740426869`;
    assert.equal(bytesToHex(coseSign1SigStructure(protectedBytes, payload)), expected);
    assert.equal(
      bytesToHex(coseSign1SigStructure(protectedBytes, payload, Uint8Array.of(0xaa, 0xbb))),
      `846a${bytesToHex(utf8Encode('Signature1'))}43a1012742aabb426869`,
    );
    assert.deepEqual(
      coseSign1SigStructure(Uint8Array.of(0xa0), payload),
      coseSign1SigStructure(new Uint8Array(0), payload),
    );
    assert.equal(
      codeOf(() => coseSign1SigStructure(protectedBytes, payload, 'aad' as unknown as Uint8Array)),
      'INVALID_ARGUMENT',
    );
  });

  const message = (
    protectedHeader: [number | string, CborValue][],
    unprotected: [number | string, CborValue][],
  ): CoseSign1 =>
    readCoseSign1(
      encodeCoseSign1({
        protectedBytes: protectedHeader.length === 0 ? new Uint8Array(0) : encodeCbor(new Map(protectedHeader)),
        unprotectedHeader: new Map(unprotected),
        payload: Uint8Array.of(1),
        signature: Uint8Array.of(2),
      }),
    );
  const alwaysTrue: CoseVerifier = async () => true;

  it('coseAlgorithm reads the protected header, else the unprotected one', () => {
    assert.equal(coseAlgorithm(message([[1, -8]], [])), -8);
    assert.equal(coseAlgorithm(message([], [[1, -7]])), -7);
    assert.equal(coseAlgorithm(message([['1', -8]], [[4, 'kid']])), undefined);
    assert.equal(
      codeOf(() => coseAlgorithm(message([[1, 'EdDSA']], []))),
      'ENVELOPE_INVALID:ALGORITHM',
    );
    assert.equal(
      codeOf(() => coseAlgorithm(message([], [[1, 1.5]]))),
      'ENVELOPE_INVALID:ALGORITHM',
    );
  });

  it('a missing, non-integer or unregistered alg is ENVELOPE_INVALID:ALGORITHM, never false', async () => {
    const verifiers = { [COSE_ALG_EDDSA]: alwaysTrue };
    assert.equal(verdict(await verifyCoseSign1(verifiers, message([[1, -8]], []))), 'verified');
    for (const m of [message([], []), message([[1, -7]], []), message([[1, 'EdDSA']], []), message([], [[4, 'kid']])]) {
      assert.equal(verdict(await verifyCoseSign1(verifiers, m)), 'ENVELOPE_INVALID:ALGORITHM');
    }
    // A verifier inherited from the prototype chain is not registered.
    const inherited = Object.create({ [COSE_ALG_EDDSA]: alwaysTrue }) as Record<number, CoseVerifier>;
    assert.equal(verdict(await verifyCoseSign1(inherited, message([[1, -8]], []))), 'ENVELOPE_INVALID:ALGORITHM');
  });

  it('only a literal true from the verifier verifies', async () => {
    const truthy = (async () => 1) as unknown as CoseVerifier;
    assert.equal(verdict(await verifyCoseSign1({ [COSE_ALG_EDDSA]: truthy }, message([[1, -8]], []))), 'not verified');
  });

  it('the verifier sees the Sig_structure and signature, with the external AAD', async () => {
    const seen: [string, string][] = [];
    const spy: CoseVerifier = async (data, sig) => {
      seen.push([bytesToHex(data), bytesToHex(sig)]);
      return false;
    };
    const m = message([[1, -8]], []);
    const aad = Uint8Array.of(9, 9);
    assert.equal(verdict(await verifyCoseSign1({ [COSE_ALG_EDDSA]: spy }, m, { externalAad: aad })), 'not verified');
    assert.deepEqual(seen, [[bytesToHex(coseSign1SigStructure(m.protectedBytes, m.payload, aad)), '02']]);
  });

  it('our own signed message verifies under @noble/curves ed25519 directly, over a Sig_structure built by hand', async () => {
    const seed = new Uint8Array(32).fill(42);
    for (const backend of backends) {
      const publicKey = await ed25519PublicKey(backend, seed);
      const protectedBytes = encodeCbor(
        new Map<number | string, CborValue>([
          [COSE_HEADER_ALG, COSE_ALG_EDDSA],
          ['v', 'signed'],
        ]),
      );
      const payload = utf8Encode('{"temperature":21.5}');
      const signature = await ed25519Sign(backend, seed, coseSign1SigStructure(protectedBytes, payload));
      const bytes = encodeCoseSign1({ protectedBytes, unprotectedHeader: new Map(), payload, signature });

      // RFC 9052 §4.4 by hand, short lengths only: 84, tstr "Signature1", bstr protected, h'', bstr payload.
      const bstr = (b: Uint8Array): Uint8Array => concatBytes(Uint8Array.of(0x40 + b.length), b);
      assert.ok(protectedBytes.length < 24 && payload.length < 24);
      const byHand = concatBytes(
        Uint8Array.of(0x84, 0x6a),
        utf8Encode('Signature1'),
        bstr(protectedBytes),
        Uint8Array.of(0x40),
        bstr(payload),
      );
      const decoded = readCoseSign1(bytes);
      assert.equal(ed25519.verify(decoded.signature, byHand, publicKey), true, backend.name);

      const nobleVerifiers = {
        [COSE_ALG_EDDSA]: async (data: Uint8Array, sig: Uint8Array) => ed25519.verify(sig, data, publicKey),
      };
      assert.equal(verdict(await verifyCoseSign1(nobleVerifiers, decoded)), 'verified', backend.name);
      // One flipped bit in the payload, the protected header's "v" value, or the signature: not verified.
      for (const at of [bytes.length - 70, bytes.indexOf(0x73, 6), bytes.length - 1]) {
        const tampered = bytes.slice();
        tampered[at] = (tampered[at] as number) ^ 0x20;
        assert.equal(await outcomeOf(tampered, nobleVerifiers), 'not verified', `${backend.name}, byte ${at}`);
      }
    }
  });
});
