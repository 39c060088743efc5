/**
 * Unpadded base64url (RFC 4648 §5), strict on input.
 *
 *   base64urlEncode(Uint8Array.of(0xfb, 0xff)); // '-_8'
 *   base64urlDecode('-_8'); // Uint8Array [251, 255]
 *
 * Limits: the decoder accepts only the canonical form the encoder produces:
 * no '=' padding, no whitespace, no '+' or '/', no length ≡ 1 (mod 4), and
 * the unused low bits of the last character must be zero ("QR" is refused,
 * "QQ" is 0x41). So every byte string has exactly one accepted text, and a
 * signed or hashed text cannot be varied without changing its bytes.
 */
import { attemptSync, quote, type Result, xlinkError } from '../errors.js';
import { assertBytes } from './bytes.js';

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

/** 6-bit value of each ASCII code, -1 where the character is not in the alphabet. */
const VALUE_OF_CODE: readonly number[] = /* @__PURE__ */ (() => {
  const table: number[] = [];
  for (let code = 0; code < 128; code++) table.push(ALPHABET.indexOf(String.fromCharCode(code)));
  return table;
})();

export function base64urlEncode(bytes: Uint8Array): string {
  assertBytes(bytes, 'bytes');
  let out = '';
  let i = 0;
  for (; i + 2 < bytes.length; i += 3) {
    const n = ((bytes[i] as number) << 16) | ((bytes[i + 1] as number) << 8) | (bytes[i + 2] as number);
    out += (ALPHABET[n >> 18] as string) + ALPHABET[(n >> 12) & 63] + ALPHABET[(n >> 6) & 63] + ALPHABET[n & 63];
  }
  const rest = bytes.length - i;
  if (rest === 1) {
    const n = bytes[i] as number;
    out += (ALPHABET[n >> 2] as string) + ALPHABET[(n & 3) << 4];
  } else if (rest === 2) {
    const n = ((bytes[i] as number) << 8) | (bytes[i + 1] as number);
    out += (ALPHABET[n >> 10] as string) + ALPHABET[(n >> 4) & 63] + ALPHABET[(n & 15) << 2];
  }
  return out;
}

/** Decodes untrusted text; never throws for any input. */
export function base64urlDecode(text: string): Result<Uint8Array> {
  return attemptSync(() => readBase64url(text));
}

/** `base64urlDecode` for callers inside xlink that handle the thrown XlinkError themselves. */
export function readBase64url(text: string): Uint8Array {
  if (typeof text !== 'string') {
    throw xlinkError('INVALID_ARGUMENT', `"text" expected string, got ${text === null ? 'null' : typeof text}`, {
      field: 'text',
    });
  }
  if (text.length % 4 === 1) {
    throw xlinkError('PARSE_FAILED:BASE64URL', `invalid base64url length ${text.length} (≡ 1 mod 4)`);
  }
  const out = new Uint8Array(Math.floor((text.length * 3) / 4));
  let buffer = 0;
  let bits = 0;
  let o = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    const value = code < 128 ? (VALUE_OF_CODE[code] as number) : -1;
    if (value < 0) {
      const character = text.slice(i, code >= 0xd800 && code <= 0xdbff ? i + 2 : i + 1);
      throw xlinkError('PARSE_FAILED:BASE64URL', `invalid base64url character ${quote(character)} at index ${i}`);
    }
    buffer = ((buffer << 6) | value) & 0xffff;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[o++] = (buffer >> bits) & 0xff;
    }
  }
  // Leftover bits (2 or 4) belong to no byte; a canonical encoder leaves them zero.
  if ((buffer & ((1 << bits) - 1)) !== 0) {
    throw xlinkError(
      'PARSE_FAILED:BASE64URL',
      `non-canonical base64url: unused bits of the last character at index ${text.length - 1} are not zero`,
    );
  }
  return out;
}
