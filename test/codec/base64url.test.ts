import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { base64urlEncode, readBase64url } from '../../src/codec/base64url.js';
import { readHex, utf8Encode } from '../../src/codec/bytes.js';
import { isXlinkError } from '../../src/errors.js';

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

function assertBase64urlError(text: string, message: RegExp): void {
  assert.throws(
    () => readBase64url(text),
    (error: unknown) => isXlinkError(error) && error.code === 'PARSE_FAILED:BASE64URL' && message.test(error.message),
  );
}

describe('base64url', () => {
  describe('RFC 4648 §10 test vectors, unpadded as §5 base64url', () => {
    const vectors: [string, string][] = [
      ['', ''],
      ['f', 'Zg'],
      ['fo', 'Zm8'],
      ['foo', 'Zm9v'],
      ['foob', 'Zm9vYg'],
      ['fooba', 'Zm9vYmE'],
      ['foobar', 'Zm9vYmFy'],
    ];
    for (const [plain, text] of vectors) {
      it(`BASE64URL("${plain}") = "${text}"`, () => {
        assert.equal(base64urlEncode(utf8Encode(plain)), text);
        assert.deepEqual(readBase64url(text), utf8Encode(plain));
      });
    }
  });

  it('uses "-" and "_" for values 62 and 63 (RFC 4648 §5 table)', () => {
    assert.equal(base64urlEncode(readHex('fbefff')), '--__');
    assert.deepEqual(readBase64url('--__'), readHex('fbefff'));
    assert.equal(base64urlEncode(readHex('fbff')), '-_8');
  });

  it('rejects padding', () => {
    assertBase64urlError('Zg==', /"=" at index 2/);
    assertBase64urlError('QR==', /"=" at index 2/);
  });

  it('rejects whitespace', () => {
    assertBase64urlError('Zm9v\nYg', /"\\n" at index 4/);
    assertBase64urlError(' Zm9vYg', /" " at index 0/);
    assertBase64urlError('Zm9v\tYg', /"\\t" at index 4/);
  });

  it('rejects the standard-alphabet characters "+" and "/"', () => {
    assertBase64urlError('++//', /"\+" at index 0/);
    assertBase64urlError('-_/8', /"\/" at index 2/);
  });

  it('rejects a length ≡ 1 (mod 4)', () => {
    assertBase64urlError('Z', /length 1/);
    assertBase64urlError('Zm9vY', /length 5/);
  });

  it('rejects non-canonical trailing bits', () => {
    assert.deepEqual(readBase64url('QQ'), Uint8Array.of(0x41));
    assertBase64urlError('QR', /unused bits .* index 1/);
    assert.deepEqual(readBase64url('Zm8'), utf8Encode('fo'));
    assertBase64urlError('Zm9', /unused bits of the last character at index 2/);
  });

  it('rejects non-ASCII characters', () => {
    assertBase64urlError('Zm9é', /"é" at index 3/);
  });

  it('matches Node Buffer base64url on random bytes and round-trips', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
        const text = base64urlEncode(bytes);
        assert.equal(text, Buffer.from(bytes).toString('base64url'));
        assert.deepEqual(readBase64url(text), bytes);
      }),
    );
  });

  it('either rejects alphabet text or re-encodes it to itself', () => {
    const text = fc.string({ unit: fc.constantFrom(...ALPHABET), maxLength: 40 });
    fc.assert(
      fc.property(text, (s) => {
        let bytes: Uint8Array;
        try {
          bytes = readBase64url(s);
        } catch (error) {
          assert.ok(isXlinkError(error) && error.code === 'PARSE_FAILED:BASE64URL');
          return;
        }
        assert.equal(base64urlEncode(bytes), s);
      }),
    );
  });
});
