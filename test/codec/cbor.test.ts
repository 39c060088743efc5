import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { bytesToHex, equalBytes, readHex } from '../../src/codec/bytes.js';
import { type CborMap, CborTagged, type CborValue, encodeCbor, readCbor } from '../../src/codec/cbor.js';
import { isXlinkError } from '../../src/errors.js';

const map = (entries: [number | string, CborValue][]): CborMap => new Map(entries);

/** Encodes to `hex` and decodes back to a value deep-equal to `value`. */
function assertVector(value: CborValue, hex: string): void {
  assert.equal(bytesToHex(encodeCbor(value)), hex);
  assert.deepStrictEqual(readCbor(readHex(hex)), value);
}

function assertCborError(input: Uint8Array | string, message: RegExp, limits?: Parameters<typeof readCbor>[1]): void {
  const bytes = typeof input === 'string' ? readHex(input) : input;
  assert.throws(
    () => readCbor(bytes, limits),
    (error: unknown) => isXlinkError(error) && error.code === 'PARSE_FAILED:CBOR' && message.test(error.message),
  );
}

function nested(depth: number): Uint8Array {
  const bytes = new Uint8Array(depth + 1).fill(0x81);
  bytes[depth] = 0x00;
  return bytes;
}

describe('CBOR RFC 8949 Appendix A examples', () => {
  it('unsigned integers', () => {
    const vectors: [number, string][] = [
      [0, '00'],
      [1, '01'],
      [10, '0a'],
      [23, '17'],
      [24, '1818'],
      [25, '1819'],
      [100, '1864'],
      [1000, '1903e8'],
      [1000000, '1a000f4240'],
      [1000000000000, '1b000000e8d4a51000'],
    ];
    for (const [value, hex] of vectors) assertVector(value, hex);
  });

  it('negative integers', () => {
    const vectors: [number, string][] = [
      [-1, '20'],
      [-10, '29'],
      [-100, '3863'],
      [-1000, '3903e7'],
    ];
    for (const [value, hex] of vectors) assertVector(value, hex);
  });

  it('floats in preferred (shortest exact) serialization', () => {
    const vectors: [number, string][] = [
      [-0, 'f98000'],
      [1.1, 'fb3ff199999999999a'],
      [1.5, 'f93e00'],
      [2 ** -24, 'f90001'], // printed 5.960464477539063e-8 in the RFC
      [0.00006103515625, 'f90400'],
      [-4.1, 'fbc010666666666666'],
      [Number.POSITIVE_INFINITY, 'f97c00'],
      [Number.NaN, 'f97e00'],
      [Number.NEGATIVE_INFINITY, 'f9fc00'],
      [1363896240.5, 'fb41d452d9ec200000'],
    ];
    for (const [value, hex] of vectors) assertVector(value, hex);
  });

  it('integral floats of Appendix A become integers (1.0, -4.0, 65504.0, 100000.0)', () => {
    const vectors: [number, string][] = [
      [1.0, '01'],
      [-4.0, '23'],
      [65504.0, '19ffe0'],
      [100000.0, '1a000186a0'],
    ];
    for (const [value, hex] of vectors) assertVector(value, hex);
    for (const float of ['f90000', 'f93c00', 'f9c400', 'f97bff', 'fa47c35000']) {
      assertCborError(float, /integral value .* encoded as a float at offset 0/);
    }
  });

  it('simple values', () => {
    assertVector(false, 'f4');
    assertVector(true, 'f5');
    assertVector(null, 'f6');
  });

  it('tags', () => {
    assertVector(new CborTagged(0, '2013-03-21T20:04:00Z'), 'c074323031332d30332d32315432303a30343a30305a');
    assertVector(new CborTagged(1, 1363896240), 'c11a514b67b0');
    assertVector(new CborTagged(1, 1363896240.5), 'c1fb41d452d9ec200000');
    assertVector(new CborTagged(23, readHex('01020304')), 'd74401020304');
    assertVector(new CborTagged(24, readHex('6449455446')), 'd818456449455446');
    assertVector(new CborTagged(32, 'http://www.example.com'), 'd82076687474703a2f2f7777772e6578616d706c652e636f6d');
    assertVector(new CborTagged(2, readHex('010000000000000000')), 'c249010000000000000000');
  });

  it('byte and text strings', () => {
    assertVector(new Uint8Array(0), '40');
    assertVector(readHex('01020304'), '4401020304');
    assertVector('', '60');
    assertVector('a', '6161');
    assertVector('IETF', '6449455446');
    assertVector('"\\', '62225c');
    assertVector('\u00fc', '62c3bc');
    assertVector('\u6c34', '63e6b0b4');
    assertVector('\ud800\udd51', '64f0908591');
  });

  it('arrays', () => {
    assertVector([], '80');
    assertVector([1, 2, 3], '83010203');
    assertVector([1, [2, 3], [4, 5]], '8301820203820405');
    const upTo25 = Array.from({ length: 25 }, (_, i) => i + 1);
    assertVector(upTo25, '98190102030405060708090a0b0c0d0e0f101112131415161718181819');
  });

  it('maps', () => {
    assertVector(map([]), 'a0');
    assertVector(
      map([
        [1, 2],
        [3, 4],
      ]),
      'a201020304',
    );
    assertVector(
      map([
        ['a', 1],
        ['b', [2, 3]],
      ]),
      'a26161016162820203',
    );
    assertVector(['a', map([['b', 'c']])], '826161a161626163');
    assertVector(
      map([
        ['a', 'A'],
        ['b', 'B'],
        ['c', 'C'],
        ['d', 'D'],
        ['e', 'E'],
      ]),
      'a56161614161626142616361436164614461656145',
    );
  });

  it('values beyond the JS safe range are refused, not rounded', () => {
    assertCborError('1bffffffffffffffff', /integer above 2\^53−1 at offset 0/); // 18446744073709551615
    assertCborError('3bffffffffffffffff', /integer above 2\^53−1 at offset 0/); // -18446744073709551616
    assertCborError('fb7e37e43c8800759c', /integral value 1e\+300 encoded as a float/); // 1.0e+300
  });
});

describe('CBOR encoder', () => {
  it('sorts map keys by the bytes of their encodings (RFC 8949 §4.2.1)', () => {
    // Inserted in reverse of §4.2.1's example order 10, 100, -1, "z", "aa".
    const value = map([
      ['aa', 5],
      ['z', 4],
      [-1, 3],
      [100, 2],
      [10, 1],
    ]);
    assert.equal(bytesToHex(encodeCbor(value)), 'a50a011864022003617a0462616105');
  });

  it('uses float32 when float16 cannot hold the value but float32 can', () => {
    assertVector(100000.5, 'fa47c35040');
    assertVector(3.000000238418579, 'fa40400001'); // 3 + 2^-22
    assertVector(1023.5, 'f963ff');
    assertVector(2 ** -24 * 3, 'f90003');
  });

  it('writes integer boundaries in the shortest form', () => {
    const vectors: [number, string][] = [
      [255, '18ff'],
      [256, '190100'],
      [65535, '19ffff'],
      [65536, '1a00010000'],
      [4294967295, '1affffffff'],
      [4294967296, '1b0000000100000000'],
      [Number.MAX_SAFE_INTEGER, '1b001fffffffffffff'],
      [-Number.MAX_SAFE_INTEGER, '3b001ffffffffffffe'],
      [-24, '37'],
      [-25, '3818'],
    ];
    for (const [value, hex] of vectors) assertVector(value, hex);
  });

  it('refuses unencodable values with INVALID_ARGUMENT naming where', () => {
    const refuses = (value: unknown, message: RegExp) =>
      assert.throws(() => encodeCbor(value as CborValue), {
        name: 'XlinkArgumentError',
        message,
      });
    refuses(2 ** 53, /integer 9007199254740992 is outside ±\(2\^53−1\) at value/);
    refuses([1, new Map([['k', [undefined]]])], /cannot encode undefined at value\[1\]\.get\("k"\)\[0\]/);
    refuses(
      new Map<unknown, number>([
        [1, 2],
        [true, 1],
      ]),
      /map key boolean/,
    );
    refuses({ a: 1 }, /cannot encode Object at value/);
    refuses(BigInt(1), /cannot encode bigint/);
    refuses(new CborTagged(-1, 0), /tag number -1/);
    refuses('\ud800', /lone surrogate/);
    const cyclic: CborValue[] = [];
    cyclic.push(cyclic);
    refuses(cyclic, /nesting deeper than 256 levels/);
  });
});

describe('CBOR decoder rejections', () => {
  it('duplicate map keys', () => assertCborError('a201020103', /duplicate map key at offset 3/));
  it('unsorted map keys', () => assertCborError('a203040102', /not in bytewise order .* at offset 3/));
  it('unsorted keys by encoding, not by value ("aa" before "z")', () =>
    assertCborError('a262616101617a02', /not in bytewise order/));
  it('indefinite length', () => assertCborError('9f01ff', /indefinite length not allowed at offset 0/));
  it('indefinite byte string (Appendix A 0x5f42010243030405ff)', () =>
    assertCborError('5f42010243030405ff', /indefinite length/));
  it('break code alone', () => assertCborError('ff', /break \(0xff\)/));
  it('non-shortest integer', () => assertCborError('1817', /not in shortest form at offset 0/));
  it('non-shortest 8-byte integer', () => assertCborError('1b00000000ffffffff', /not in shortest form/));
  it('non-shortest length', () => assertCborError('780161', /not in shortest form at offset 0/));
  it('non-shortest tag number', () => assertCborError('d80101', /not in shortest form at offset 0/));
  it('non-shortest float (1.5 as float32)', () => assertCborError('fa3fc00000', /float not in its shortest/));
  it('non-shortest float (1.1 is fine as float64, 1.5 is not)', () =>
    assertCborError('fb3ff8000000000000', /float not in its shortest/));
  it('non-preferred NaN and Infinity (Appendix A float32/float64 forms)', () => {
    for (const hex of ['fa7f800000', 'fa7fc00000', 'faff800000', 'fb7ff0000000000000', 'fb7ff8000000000000']) {
      assertCborError(hex, /float not in its shortest/);
    }
  });
  it('NaN with a payload', () => assertCborError('f97e01', /float not in its shortest/));
  it('integral value as a float (1.0 as 0xf93c00)', () =>
    assertCborError('f93c00', /integral value 1 encoded as a float at offset 0/));
  it('undefined (0xf7)', () => assertCborError('f7', /simple value .*0xf7/));
  it('other simple values (Appendix A simple(16), simple(255))', () => {
    assertCborError('f0', /simple value/);
    assertCborError('f8ff', /simple value/);
  });
  it('reserved additional information', () => assertCborError('1c', /reserved additional information 28/));
  it('invalid UTF-8 in a text string', () => assertCborError('8262c328', /not valid UTF-8 .* at offset 1/));
  it('overlong UTF-8 in a text string', () => assertCborError('62c0af', /not valid UTF-8/));
  it('encoded surrogate in a text string', () => assertCborError('63eda080', /not valid UTF-8/));
  it('trailing bytes', () => assertCborError('0000', /1 trailing bytes after the item at offset 1/));
  it('truncated input', () => {
    assertCborError('', /truncated: needs 1 more bytes, 0 left at offset 0/);
    assertCborError('1a0001', /truncated: needs 4 more bytes, 2 left at offset 1/);
    assertCborError('6261', /truncated/);
    assertCborError('83010261', /truncated: needs 1 more bytes, 0 left at offset 4/);
  });
  it('a length larger than the input, without allocating it', () =>
    assertCborError('9b001fffffffffffff', /container of 9007199254740991 items exceeds the remaining input/));
  it('negative integer below -(2^53−1)', () => assertCborError('3b001fffffffffffff', /below -\(2\^53−1\)/));
  it('integer above 2^53−1', () => assertCborError('1b0020000000000000', /above 2\^53−1/));
  it('map key that is neither number nor string', () =>
    assertCborError('a18001', /map key is neither a number nor a string at offset 1/));
  it('map key -0', () => assertCborError('a1f9800001', /map key -0/));
  it('depth above the default maxDepth of 16', () => {
    assert.deepStrictEqual(readCbor(nested(16)), JSON.parse(`${'['.repeat(16)}0${']'.repeat(16)}`));
    assertCborError(nested(17), /nesting deeper than maxDepth=16 at offset 16/);
  });
  it('depth above a given maxDepth, tags counting as a level', () => {
    assertCborError('c1c100', /nesting deeper than maxDepth=1 at offset 1/, { maxDepth: 1 });
    assert.deepStrictEqual(readCbor(readHex('c100'), { maxDepth: 1 }), new CborTagged(1, 0));
    assert.equal(readCbor(readHex('01'), { maxDepth: 0 }), 1);
    assertCborError('8100', /nesting deeper than maxDepth=0 at offset 0/, { maxDepth: 0 });
  });
  it('more bytes than maxBytes, checked before parsing', () => {
    const big = new Uint8Array(5 + 262144);
    big.set([0x5a, 0x00, 0x04, 0x00, 0x00]);
    assertCborError(big, /input of 262149 bytes exceeds maxBytes=262144 at offset 0/);
    assertCborError('ff', /exceeds maxBytes=0/, { maxBytes: 0 });
  });
  it('more items than maxItems', () => {
    assert.deepStrictEqual(readCbor(readHex('83010203'), { maxItems: 4 }), [1, 2, 3]);
    assertCborError('83010203', /more than maxItems=3 items/, { maxItems: 3 });
    const many = new Uint8Array(3 + 65535);
    many.set([0x99, 0xff, 0xff]);
    assert.equal((readCbor(many) as CborValue[]).length, 65535);
    const tooMany = new Uint8Array(5 + 65536);
    tooMany.set([0x9a, 0x00, 0x01, 0x00, 0x00]);
    assertCborError(tooMany, /more than maxItems=65536 items at offset 0/);
  });
  it('bad limits are a caller error', () => {
    assert.throws(() => readCbor(readHex('00'), { maxDepth: 257 }), { message: /"maxDepth" expected/ });
    assert.throws(() => readCbor(readHex('00'), { maxItems: -1 }), { message: /"maxItems" expected/ });
  });
});

describe('CBOR decoder output', () => {
  it('copies byte strings out of the input', () => {
    const input = readHex('4401020304');
    const value = readCbor(input) as Uint8Array;
    input[1] = 0xff;
    assert.deepEqual(value, readHex('01020304'));
    assert.notEqual(value.buffer, input.buffer);
  });

  it('decodes from a view at a non-zero offset', () => {
    const backing = readHex('ff83f93e00fa47c35040c100ff');
    assert.deepStrictEqual(readCbor(backing.subarray(1, 12)), [1.5, 100000.5, new CborTagged(1, 0)]);
  });
});

describe('CBOR float16, all 65536 bit patterns', () => {
  /** IEEE 754 binary16 by the textbook formula, independent of the decoder's bit manipulation. */
  function halfValue(half: number): number {
    const sign = half >> 15 ? -1 : 1;
    const exponent = (half >> 10) & 0x1f;
    const fraction = half & 0x3ff;
    if (exponent === 0x1f) return fraction === 0 ? sign * Number.POSITIVE_INFINITY : Number.NaN;
    if (exponent === 0) return sign * fraction * 2 ** -24;
    return sign * (1 + fraction / 1024) * 2 ** (exponent - 15);
  }

  it('accepts exactly the non-integral values, -0, ±Infinity and one NaN, each at its true value', () => {
    let accepted = 0;
    for (let half = 0; half < 0x10000; half++) {
      const bytes = Uint8Array.of(0xf9, half >> 8, half & 0xff);
      const expected = halfValue(half);
      const canonical =
        (Number.isNaN(expected) && half === 0x7e00) ||
        (!Number.isNaN(expected) && (!Number.isInteger(expected) || Object.is(expected, -0)));
      if (canonical) {
        assert.ok(Object.is(readCbor(bytes), expected), `0x${half.toString(16)}`);
        assert.ok(equalBytes(encodeCbor(expected), bytes), `0x${half.toString(16)}`);
        accepted++;
      } else assertCborError(bytes, /integral value|float not in its shortest/);
    }
    // 65536 − 2045 NaNs other than 0x7e00 − 14335 integral values (+0; per sign 6·1024 with exponent ≥ 10
    // and 2^0+…+2^9 = 1023 with exponent 0..9).
    assert.equal(accepted, 49156);
  });
});

describe('CBOR properties', () => {
  // Integral doubles beyond 2^53−1 are not encodable: the encoder refuses them rather than round.
  const double = fc.double().filter((d) => !Number.isInteger(d) || Number.isSafeInteger(d));
  const key = fc.oneof(fc.integer(), fc.maxSafeInteger(), fc.string({ unit: 'binary', maxLength: 6 }), double);
  const leaf = fc.oneof(
    fc.maxSafeInteger(),
    fc.integer({ min: -300, max: 300 }),
    double,
    fc.string({ unit: 'binary', maxLength: 12 }),
    fc.boolean(),
    fc.constant(null),
    fc.uint8Array({ maxLength: 12 }),
  );
  const { value } = fc.letrec<{ value: CborValue }>((tie) => ({
    value: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      leaf,
      fc.array(tie('value'), { maxLength: 5 }),
      fc
        .uniqueArray(fc.tuple(key, tie('value')), {
          maxLength: 5,
          selector: ([k]) => k,
          comparator: 'SameValueZero',
        })
        .map((entries) => new Map(entries) as CborMap),
      fc.tuple(fc.maxSafeNat(), tie('value')).map(([tag, inner]) => new CborTagged(tag, inner)),
    ),
  }));
  const unlimited = { maxDepth: 256 };

  it('decode(encode(x)) equals x, and re-encodes to the same bytes', () => {
    fc.assert(
      fc.property(value, (x) => {
        const bytes = encodeCbor(x);
        const decoded = readCbor(bytes, unlimited);
        assert.deepStrictEqual(decoded, x);
        assert.ok(equalBytes(encodeCbor(decoded), bytes));
      }),
      { numRuns: 500 },
    );
  });

  /** Either a canonical encoding (re-encodes to exactly the input) or PARSE_FAILED:CBOR, nothing else. */
  function assertCanonicalOrRejected(bytes: Uint8Array): void {
    let decoded: CborValue;
    try {
      decoded = readCbor(bytes, unlimited);
    } catch (error) {
      assert.ok(isXlinkError(error) && error.code === 'PARSE_FAILED:CBOR', String(error));
      return;
    }
    assert.equal(bytesToHex(encodeCbor(decoded)), bytesToHex(bytes));
  }

  it('random bytes decode only if canonical, else PARSE_FAILED:CBOR', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 40 }), assertCanonicalOrRejected), { numRuns: 2000 });
  });

  it('mutated encodings decode only if canonical, else PARSE_FAILED:CBOR', () => {
    const mutated = fc
      .tuple(value, fc.array(fc.tuple(fc.nat(), fc.nat(255)), { minLength: 1, maxLength: 3 }), fc.nat())
      .map(([x, edits, cut]) => {
        const bytes = encodeCbor(x);
        for (const [at, byte] of edits) bytes[at % bytes.length] = byte;
        return cut % 4 === 0 ? bytes.subarray(0, cut % (bytes.length + 1)) : bytes;
      });
    fc.assert(fc.property(mutated, assertCanonicalOrRejected), { numRuns: 2000 });
  });
});
