import assert from 'node:assert/strict';
import { describe, it, test } from 'node:test';
import fc from 'fast-check';
import { BASE58_MAX_DECODE_LENGTH, base58btcEncode, readBase58btc } from '../../src/codec/base58.js';
import { readHex, utf8Encode } from '../../src/codec/bytes.js';
import { isXlinkError, XlinkError } from '../../src/errors.js';

const ALPHABET = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz';

function assertBase58Error(text: string, message: RegExp): void {
  assert.throws(
    () => readBase58btc(text),
    (error: unknown) => isXlinkError(error) && error.code === 'PARSE_FAILED:BASE58' && message.test(error.message),
  );
}

describe('base58btc', () => {
  describe('draft-msporny-base58-03 §5 test vectors', () => {
    const vectors: [Uint8Array, string][] = [
      [utf8Encode('Hello World!'), '2NEpo7TZRRrLZSi2U'],
      [
        utf8Encode('The quick brown fox jumps over the lazy dog.'),
        'USm3fpXnKG5EUBx2ndxBDMPVciP5hGey2Jh4NDv6gmeo1LkMeiKrLJUUBk6Z',
      ],
      [readHex('0000287fb4cd'), '11233QC4'],
    ];
    for (const [bytes, text] of vectors) {
      it(`encodes and decodes ${text}`, () => {
        assert.equal(base58btcEncode(bytes), text);
        assert.deepEqual(readBase58btc(text), bytes);
      });
    }
  });

  it('maps each leading zero byte to one leading "1" and back', () => {
    const cases: [string, string][] = [
      ['', ''],
      ['00', '1'],
      ['0000', '11'],
      ['000001', '112'],
      ['0039', '1z'],
      ['003a', '121'],
    ];
    for (const [hex, text] of cases) {
      assert.equal(base58btcEncode(readHex(hex)), text, hex);
      assert.deepEqual(readBase58btc(text), readHex(hex), text);
    }
  });

  it('rejects characters outside the alphabet, naming the character and its index', () => {
    assertBase58Error('2NEp0', /"0" at index 4/);
    assertBase58Error('O', /"O" at index 0/);
    assertBase58Error('1I', /"I" at index 1/);
    assertBase58Error('11l', /"l" at index 2/);
    assertBase58Error('2N Ep', /" " at index 2/);
    assertBase58Error('2Né', /"é" at index 2/);
    assertBase58Error('z😀', /"😀" at index 1/);
  });

  it('rejects a non-string and a non-Uint8Array as INVALID_ARGUMENT', () => {
    assert.throws(() => readBase58btc(42 as unknown as string), { name: 'XlinkArgumentError', message: /"text"/ });
    assert.throws(() => base58btcEncode([1, 2] as unknown as Uint8Array), { name: 'XlinkArgumentError' });
  });

  it('round-trips random bytes, leading zeros included', () => {
    fc.assert(
      fc.property(fc.nat(4), fc.uint8Array({ maxLength: 48 }), (zeros, tail) => {
        const bytes = new Uint8Array(zeros + tail.length);
        bytes.set(tail, zeros);
        assert.deepEqual(readBase58btc(base58btcEncode(bytes)), bytes);
      }),
    );
  });

  it('re-encodes any alphabet text to itself (one text per byte string)', () => {
    const text = fc.string({ unit: fc.constantFrom(...ALPHABET), maxLength: 60 });
    fc.assert(fc.property(text, (s) => assert.equal(base58btcEncode(readBase58btc(s)), s)));
  });
});

test('decoding refuses text longer than BASE58_MAX_DECODE_LENGTH before any work', () => {
  const longest = '2'.repeat(BASE58_MAX_DECODE_LENGTH);
  assert.equal(readBase58btc(longest).length > 0, true);
  assert.throws(
    () => readBase58btc(`${longest}2`),
    (error: unknown) =>
      error instanceof XlinkError &&
      error.code === 'PARSE_FAILED:BASE58' &&
      error.message.includes(`longer than the ${BASE58_MAX_DECODE_LENGTH}`),
  );
});
