/**
 * Byte helpers every layer uses: argument checks, concatenation, comparison,
 * hex and strict UTF-8. Pure functions over Uint8Array, no platform globals
 * (device engines may lack TextEncoder), so device bundles can import them.
 */
import { attemptSync, type Result, typeName, xlinkError } from '../errors.js';

/**
 * Throws unless `value` is a Uint8Array (of `length` bytes, when given).
 * Success path first: this runs at the start of every crypto call.
 */
export function assertBytes(value: unknown, field: string, length?: number): asserts value is Uint8Array {
  if (value instanceof Uint8Array && (length === undefined || value.length === length)) return;
  if (!(value instanceof Uint8Array)) {
    throw xlinkError('INVALID_ARGUMENT', `"${field}" expected Uint8Array, got ${typeName(value)}`, { field });
  }
  throw xlinkError('INVALID_LENGTH', `"${field}" expected Uint8Array of length ${length}, got length=${value.length}`, {
    field,
  });
}

/**
 * A copy in memory of its own. Not `bytes.slice()`: on a Node Buffer (what
 * sockets and files hand out) `slice` returns a view of the same memory, so a
 * caller reusing its buffer would change the "copy".
 */
export function copyBytes(bytes: Uint8Array): Uint8Array<ArrayBuffer> {
  return new Uint8Array(bytes);
}

export function concatBytes(...parts: readonly Uint8Array[]): Uint8Array {
  let length = 0;
  for (const part of parts) length += part.length;
  const out = new Uint8Array(length);
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

/** Equality for public data; early exit is fine where nothing is secret. */
export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Equality whose time depends only on the lengths, for MACs and secrets. */
export function constantTimeEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= (a[i] as number) ^ (b[i] as number);
  return diff === 0;
}

const HEX_DIGITS = '0123456789abcdef';
/** Code units per String.fromCharCode call: well under every engine's argument limit. */
const UTF8_CHUNK = 4096;
/** Up to this length, ASCII text is made in one call from the bytes themselves: cheaper than the chunk buffer for short fields. */
const ASCII_FAST_PATH_MAX = 64;

export function bytesToHex(bytes: Uint8Array): string {
  let out = '';
  for (const byte of bytes) out += HEX_DIGITS[byte >> 4] + (HEX_DIGITS[byte & 15] as string);
  return out;
}

/** Decodes hex text (either case); never throws for any input. */
export function hexToBytes(hex: string): Result<Uint8Array> {
  return attemptSync(() => readHex(hex));
}

/** `hexToBytes` for constants and callers inside xlink that handle the thrown XlinkError themselves. */
export function readHex(hex: string): Uint8Array {
  if (typeof hex !== 'string' || hex.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(hex)) {
    throw xlinkError('PARSE_FAILED:HEX', 'expected an even-length string of hex digits');
  }
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = Number.parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return out;
}

/** UTF-8 encoding of a well-formed string; lone surrogates are refused, not replaced. */
export function utf8Encode(text: string): Uint8Array {
  const ascii = asciiEncode(text);
  if (ascii !== undefined) return ascii;
  const out: number[] = [];
  for (let i = 0; i < text.length; i++) {
    let code = text.charCodeAt(i);
    if (code >= 0xd800 && code <= 0xdfff) {
      const low = text.charCodeAt(i + 1);
      if (code > 0xdbff || !(low >= 0xdc00 && low <= 0xdfff)) {
        throw xlinkError('PARSE_FAILED:UTF8', `lone surrogate at index ${i}`);
      }
      code = 0x10000 + ((code - 0xd800) << 10) + (low - 0xdc00);
      i++;
    }
    if (code < 0x80) out.push(code);
    else if (code < 0x800) out.push(0xc0 | (code >> 6), 0x80 | (code & 63));
    else if (code < 0x10000) out.push(0xe0 | (code >> 12), 0x80 | ((code >> 6) & 63), 0x80 | (code & 63));
    else out.push(0xf0 | (code >> 18), 0x80 | ((code >> 12) & 63), 0x80 | ((code >> 6) & 63), 0x80 | (code & 63));
  }
  return new Uint8Array(out);
}

/** Short ASCII text (DIDs, scopes, header fields) without the buffer below; undefined otherwise. */
function asciiDecode(bytes: Uint8Array): string | undefined {
  if (bytes.length > ASCII_FAST_PATH_MAX) return undefined;
  for (let i = 0; i < bytes.length; i++) if ((bytes[i] as number) >= 0x80) return undefined;
  return String.fromCharCode.apply(null, bytes as unknown as number[]);
}

/**
 * The common case, DIDs, scopes, labels: one byte per character, or undefined
 * at the first non-ASCII one. Text whose alphabet is ASCII by rule (scopes,
 * audiences) needs nothing more: a device then carries no UTF-8 encoder.
 */
export function asciiEncode(text: string): Uint8Array | undefined {
  const out = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code >= 0x80) return undefined;
    out[i] = code;
  }
  return out;
}

/** Strict UTF-8 decoding of untrusted bytes; never throws for any input. */
export function utf8Decode(bytes: Uint8Array): Result<string> {
  // Checked here, not in readUtf8 (whose callers pass bytes they checked): without it null threw a
  // TypeError, and a string or array decoded as if it were bytes.
  return attemptSync(() => {
    assertBytes(bytes, 'bytes');
    return readUtf8(bytes);
  });
}

/**
 * `utf8Decode` for callers inside xlink that handle the thrown XlinkError
 * themselves: overlong forms, surrogates and truncated sequences are refused.
 */
export function readUtf8(bytes: Uint8Array): string {
  const ascii = asciiDecode(bytes);
  if (ascii !== undefined) return ascii;
  // UTF-16 code units gathered in a buffer and turned into text a chunk at a
  // time: appending one character per step made gateway headers cost microseconds.
  const units = new Uint16Array(Math.min(bytes.length, UTF8_CHUNK) + 1);
  let out = '';
  let n = 0;
  for (let i = 0; i < bytes.length; ) {
    const first = bytes[i] as number;
    if (first < 0x80) {
      units[n++] = first;
      i++;
    } else {
      let code: number;
      let extra: number;
      let min: number;
      if (first >= 0xc2 && first < 0xe0) [code, extra, min] = [first & 31, 1, 0x80];
      else if (first >= 0xe0 && first < 0xf0) [code, extra, min] = [first & 15, 2, 0x800];
      else if (first >= 0xf0 && first < 0xf5) [code, extra, min] = [first & 7, 3, 0x10000];
      else throw xlinkError('PARSE_FAILED:UTF8', `invalid UTF-8 lead byte at offset ${i}`);
      for (let k = 1; k <= extra; k++) {
        const next = bytes[i + k];
        if (next === undefined || (next & 0xc0) !== 0x80) {
          throw xlinkError('PARSE_FAILED:UTF8', `invalid UTF-8 continuation at offset ${i + k}`);
        }
        code = (code << 6) | (next & 63);
      }
      if (code < min || code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff)) {
        throw xlinkError('PARSE_FAILED:UTF8', `invalid UTF-8 code point at offset ${i}`);
      }
      if (code < 0x10000) units[n++] = code;
      else {
        code -= 0x10000;
        units[n++] = 0xd800 | (code >> 10);
        units[n++] = 0xdc00 | (code & 0x3ff);
      }
      i += extra + 1;
    }
    if (n >= UTF8_CHUNK) {
      out += String.fromCharCode.apply(null, units.subarray(0, n) as unknown as number[]);
      n = 0;
    }
  }
  return out + String.fromCharCode.apply(null, units.subarray(0, n) as unknown as number[]);
}
