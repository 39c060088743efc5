/**
 * base58btc (the Bitcoin alphabet), as used by multibase 'z' and did:key.
 *
 *   base58btcEncode(Uint8Array.of(0, 0, 0x28, 0x7f, 0xb4, 0xcd)); // '11233QC4'
 *   base58btcDecode('11233QC4'); // Uint8Array [0, 0, 40, 127, 180, 205]
 *
 * Limits: quadratic time in the input length, meant for keys and DIDs (tens of
 * bytes), not bulk data; decoding refuses text over 4096 characters (about 3 KB,
 * room for an ML-DSA-65 key) so untrusted input cannot buy seconds of CPU. No BigInt, so ES5-era device engines can run it. Each
 * leading zero byte maps to one leading '1' and back; there is no checksum.
 */
import { attemptSync, quote, type Result, xlinkError } from '../errors.js';
import { assertBytes } from './bytes.js';

const ALPHABET = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz';

/** Longest text decoded: about 13 ms of work here, where 100,000 characters would take 8 s. */
export const BASE58_MAX_DECODE_LENGTH = 4096;

/** Digit value of each ASCII code, -1 where the character is not in the alphabet. */
const DIGIT_OF_CODE: readonly number[] = /* @__PURE__ */ (() => {
  const table: number[] = [];
  for (let code = 0; code < 128; code++) table.push(ALPHABET.indexOf(String.fromCharCode(code)));
  return table;
})();

export function base58btcEncode(bytes: Uint8Array): string {
  assertBytes(bytes, 'bytes');
  let zeros = 0;
  while (zeros < bytes.length && bytes[zeros] === 0) zeros++;
  // Little-endian base-58 digits of the number the remaining bytes spell.
  const digits: number[] = [];
  for (let i = zeros; i < bytes.length; i++) {
    let carry = bytes[i] as number;
    for (let k = 0; k < digits.length; k++) {
      carry += (digits[k] as number) * 256;
      digits[k] = carry % 58;
      carry = Math.floor(carry / 58);
    }
    while (carry > 0) {
      digits.push(carry % 58);
      carry = Math.floor(carry / 58);
    }
  }
  let out = '';
  for (let i = 0; i < zeros; i++) out += '1';
  for (let k = digits.length - 1; k >= 0; k--) out += ALPHABET[digits[k] as number];
  return out;
}

/** Decodes untrusted text; never throws for any input. */
export function base58btcDecode(text: string): Result<Uint8Array> {
  return attemptSync(() => readBase58btc(text));
}

/** `base58btcDecode` for callers inside xlink that handle the thrown XlinkError themselves. */
export function readBase58btc(text: string): Uint8Array {
  if (typeof text !== 'string') {
    throw xlinkError('INVALID_ARGUMENT', `"text" expected string, got ${text === null ? 'null' : typeof text}`, {
      field: 'text',
    });
  }
  if (text.length > BASE58_MAX_DECODE_LENGTH) {
    throw xlinkError(
      'PARSE_FAILED:BASE58',
      `base58btc text of ${text.length} characters is longer than the ${BASE58_MAX_DECODE_LENGTH} decoded`,
    );
  }
  let zeros = 0;
  while (zeros < text.length && text[zeros] === '1') zeros++;
  // Little-endian base-256 bytes of the number the remaining digits spell.
  const bytes: number[] = [];
  for (let i = zeros; i < text.length; i++) {
    const code = text.charCodeAt(i);
    const digit = code < 128 ? (DIGIT_OF_CODE[code] as number) : -1;
    if (digit < 0) {
      // Name the whole character, not half of a surrogate pair.
      const character = text.slice(i, code >= 0xd800 && code <= 0xdbff ? i + 2 : i + 1);
      throw xlinkError('PARSE_FAILED:BASE58', `invalid base58btc character ${quote(character)} at index ${i}`);
    }
    let carry = digit;
    for (let k = 0; k < bytes.length; k++) {
      carry += (bytes[k] as number) * 58;
      bytes[k] = carry & 0xff;
      carry >>= 8;
    }
    while (carry > 0) {
      bytes.push(carry & 0xff);
      carry >>= 8;
    }
  }
  const out = new Uint8Array(zeros + bytes.length);
  for (let k = 0; k < bytes.length; k++) out[out.length - 1 - k] = bytes[k] as number;
  return out;
}
