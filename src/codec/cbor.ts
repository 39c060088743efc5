/**
 * Deterministic CBOR (RFC 8949 §4.2.1, "core deterministic encoding"): an
 * encoder, and a strict decoder for untrusted bytes that accepts exactly what
 * the encoder produces.
 *
 *   const bytes = encodeCbor(new Map<number | string, CborValue>([[1, 'a'], ['k', [true, null, 1.5]]]));
 *   const value = decodeCbor(bytes, { maxDepth: 4 }); // the same Map back
 *   new CborTagged(42, bytes); // a tag is a class instance, tag numbers are safe integers
 *
 * Limits. Integers are JS safe integers (|n| ≤ 2^53−1); integral numbers are
 * always integers (1.0 is 0x01, never a float), other numbers are the shortest
 * of float16/32/64 that holds them exactly, NaN is 0xf97e00. Map keys are
 * numbers or strings, sorted by their encoded bytes; -0 cannot be a key since
 * a JS Map stores it as 0. No undefined, no simple values but false/true/null,
 * no indefinite lengths, no bigints. Byte strings decode to fresh copies.
 *
 * Decoding throws only `PARSE_FAILED:CBOR` (naming the offset) for any input
 * bytes; `INVALID_ARGUMENT` means the caller passed a non-Uint8Array or bad
 * limits. Depth counts enclosing arrays, maps and tags: `[[1]]` has depth 2.
 */
import { attemptSync, quote, type Result, typeName, xlinkError } from '../errors.js';
import { assertBytes, readUtf8, utf8Encode } from './bytes.js';

export type CborValue = number | string | boolean | null | Uint8Array | readonly CborValue[] | CborMap | CborTagged;
export type CborMap = ReadonlyMap<number | string, CborValue>;

/** A tagged item (major type 6); `tag` is a safe integer ≥ 0, checked when encoded. */
export class CborTagged {
  constructor(
    readonly tag: number,
    readonly value: CborValue,
  ) {}
}

export interface CborDecodeLimits {
  /** Deepest nesting of arrays, maps and tags; default 16, at most 256. */
  maxDepth?: number;
  /** Largest input accepted, checked before parsing; default 262144. */
  maxBytes?: number;
  /** Most data items (every key, value, element and tag counts); default 65536. */
  maxItems?: number;
  /**
   * Byte strings as views into the input instead of copies; default false.
   * Only for a caller that owns the input and never changes it (decoding a
   * private copy of a message: one allocation instead of one per byte string).
   */
  viewsOfInput?: boolean;
}

const DEFAULT_MAX_DEPTH = 16;
const DEFAULT_MAX_BYTES = 262144;
const DEFAULT_MAX_ITEMS = 65536;
/** Bounds recursion on both sides, so a deep or cyclic value cannot overflow a small engine's stack. */
const MAX_NESTING = 256;
const TWO_POW_32 = 4294967296;
/** Largest high 32-bit word of a safe integer: 2^53−1 = 0x1fffff_ffffffff. */
const MAX_SAFE_HIGH_WORD = 0x1fffff;

// ---------------------------------------------------------------- encoding

export function encodeCbor(value: CborValue): Uint8Array {
  const writer = new Writer();
  encodeItem(writer, value, []);
  return writer.result();
}

/** Major type 2, a byte string: what callers framing bytes by hand (writeCborHead) mostly write. */
export const CBOR_MAJOR_BYTE_STRING = 2;

/** Bytes of the head (initial byte and argument) that encodes `argument` in its shortest form. */
export function cborHeadLength(argument: number): number {
  return argument < 24 ? 1 : argument < 0x100 ? 2 : argument < 0x10000 ? 3 : argument < TWO_POW_32 ? 5 : 9;
}

/**
 * Writes the head of an item (major type, argument) in its shortest form
 * (RFC 8949 §4.2.1) at `offset`: `cborHeadLength(argument)` bytes. Exported
 * for callers that frame bytes they already hold (a COSE Sig_structure)
 * without building a value to encode; the encoder writes every head here.
 */
export function writeCborHead(out: Uint8Array, offset: number, major: number, argument: number): void {
  const extra = cborHeadLength(argument) - 1;
  out[offset] = (major << 5) | (extra === 0 ? argument : extra === 1 ? 24 : extra === 2 ? 25 : extra === 4 ? 26 : 27);
  // Big-endian, a byte at a time: above 2^32 the bit operators would truncate.
  let rest = argument;
  for (let i = extra; i >= 1; i--) {
    out[offset + i] = rest % 256;
    rest = Math.floor(rest / 256);
  }
}

/** A growable byte buffer; doubling keeps encoding linear. */
class Writer {
  private buffer: Uint8Array;
  private length = 0;

  /** 256 bytes by default: most of what xlink encodes (headers, telemetry) fits without growing. */
  constructor(capacity = 256) {
    this.buffer = new Uint8Array(capacity);
  }

  private reserve(extra: number): void {
    if (this.length + extra <= this.buffer.length) return;
    let size = this.buffer.length * 2;
    while (size < this.length + extra) size *= 2;
    const bigger = new Uint8Array(size);
    bigger.set(this.buffer.subarray(0, this.length));
    this.buffer = bigger;
  }

  byte(value: number): void {
    this.reserve(1);
    this.buffer[this.length++] = value;
  }

  bytes(values: Uint8Array): void {
    this.reserve(values.length);
    this.buffer.set(values, this.length);
    this.length += values.length;
  }

  /** Initial byte and argument in the shortest form (RFC 8949 §4.2.1). */
  head(major: number, argument: number): void {
    const length = cborHeadLength(argument);
    this.reserve(length);
    writeCborHead(this.buffer, this.length, major, argument);
    this.length += length;
  }

  result(): Uint8Array {
    return this.buffer.slice(0, this.length);
  }
}

/** `path` lists the keys and indexes leading to `value`, joined only for error messages. */
function encodeItem(writer: Writer, value: CborValue, path: (string | number)[]): void {
  if (typeof value === 'number') encodeNumber(writer, value, path);
  else if (typeof value === 'string') {
    const bytes = textBytes(value, path);
    writer.head(3, bytes.length);
    writer.bytes(bytes);
  } else if (typeof value === 'boolean') writer.byte(value ? 0xf5 : 0xf4);
  else if (value === null) writer.byte(0xf6);
  else if (value instanceof Uint8Array) {
    writer.head(CBOR_MAJOR_BYTE_STRING, value.length);
    writer.bytes(value);
  } else if (path.length >= MAX_NESTING) {
    throw encodeError(`nesting deeper than ${MAX_NESTING} levels (is the value cyclic?)`, path);
  } else if (Array.isArray(value)) {
    const items = value as readonly CborValue[];
    writer.head(4, items.length);
    for (let i = 0; i < items.length; i++) {
      path.push(i);
      encodeItem(writer, items[i] as CborValue, path);
      path.pop();
    }
  } else if (value instanceof Map) encodeMap(writer, value as CborMap, path);
  else if (value instanceof CborTagged) {
    if (!Number.isSafeInteger(value.tag) || value.tag < 0) {
      throw encodeError(`tag number ${String(value.tag)} is not a safe integer ≥ 0`, path);
    }
    writer.head(6, value.tag);
    path.push('<tagged>');
    encodeItem(writer, value.value, path);
    path.pop();
  } else throw encodeError(`cannot encode ${typeName(value)}`, path);
}

function encodeNumber(writer: Writer, value: number, path: (string | number)[]): void {
  if (Number.isInteger(value) && !Object.is(value, -0)) {
    if (!Number.isSafeInteger(value)) throw encodeError(`integer ${value} is outside ±(2^53−1)`, path);
    if (value >= 0) writer.head(0, value);
    else writer.head(1, -1 - value);
  } else writer.bytes(encodeFloat(value));
}

function encodeMap(writer: Writer, map: CborMap, path: (string | number)[]): void {
  const entries: { key: Uint8Array; value: CborValue; name: string | number }[] = [];
  for (const [key, value] of map) {
    if (typeof key !== 'number' && typeof key !== 'string') {
      throw encodeError(`map key ${typeName(key)} is neither a number nor a string`, path);
    }
    entries.push({ key: encodeKey(key, path), value, name: key });
  }
  // Keys are distinct Map keys, so their encodings differ and the order is total.
  entries.sort((a, b) => compareBytes(a.key, b.key));
  writer.head(5, entries.length);
  for (const entry of entries) {
    writer.bytes(entry.key);
    path.push(entry.name);
    encodeItem(writer, entry.value, path);
    path.pop();
  }
}

/**
 * A map key's encoding, for sorting. Text and safe integers, nearly every key
 * there is, are framed straight into an array of their size; the rest go
 * through a Writer.
 */
function encodeKey(key: number | string, path: (string | number)[]): Uint8Array {
  if (typeof key === 'string') return framed(3, textBytes(key, path));
  if (Number.isSafeInteger(key) && !Object.is(key, -0)) {
    const out = new Uint8Array(cborHeadLength(key >= 0 ? key : -1 - key));
    writeCborHead(out, 0, key >= 0 ? 0 : 1, key >= 0 ? key : -1 - key);
    return out;
  }
  const writer = new Writer(16);
  encodeItem(writer, key, path);
  return writer.result();
}

/** Head and content of a string item. */
function framed(major: number, content: Uint8Array): Uint8Array {
  const head = cborHeadLength(content.length);
  const out = new Uint8Array(head + content.length);
  writeCborHead(out, 0, major, content.length);
  out.set(content, head);
  return out;
}

function textBytes(text: string, path: (string | number)[]): Uint8Array {
  try {
    return utf8Encode(text);
  } catch (error) {
    throw encodeError(`string has a ${(error as Error).message}`, path, error);
  }
}

/** Preferred serialization: the shortest IEEE 754 width that holds the value exactly. */
function encodeFloat(value: number): Uint8Array {
  if (Number.isNaN(value)) return Uint8Array.of(0xf9, 0x7e, 0x00);
  const view = new DataView(new ArrayBuffer(9));
  view.setFloat64(1, value);
  const half = float64BitsToHalf(view.getUint32(1), view.getUint32(5));
  if (half >= 0) return Uint8Array.of(0xf9, half >> 8, half & 0xff);
  view.setFloat32(1, value);
  if (view.getFloat32(1) === value) {
    view.setUint8(0, 0xfa);
    return new Uint8Array(view.buffer, 0, 5).slice();
  }
  view.setFloat64(1, value);
  view.setUint8(0, 0xfb);
  return new Uint8Array(view.buffer);
}

/**
 * The binary16 bits of a non-NaN double given as its high and low 32-bit
 * words, or -1 when binary16 cannot hold it exactly. By hand, since float16
 * typed arrays are too new for device engines.
 */
function float64BitsToHalf(high: number, low: number): number {
  const sign = (high >>> 31) << 15;
  const exponent = (high >>> 20) & 0x7ff;
  const mantissa = high & 0xfffff;
  if (exponent === 0x7ff) return sign | 0x7c00;
  if (exponent === 0 && mantissa === 0 && low === 0) return sign;
  if (low !== 0) return -1;
  const e = exponent - 1023;
  if (e >= -14 && e <= 15) return (mantissa & 0x3ff) === 0 ? sign | ((e + 15) << 10) | (mantissa >> 10) : -1;
  if (e >= -24 && e < -14) {
    // Subnormal half: the value is k·2^-24, k = significand shifted right by -e-4 bits, which must all be zero.
    const shift = -e - 4;
    return (mantissa & ((1 << shift) - 1)) === 0 ? sign | ((0x100000 | mantissa) >> shift) : -1;
  }
  return -1;
}

function halfToNumber(half: number): number {
  const sign = half & 0x8000 ? -1 : 1;
  const exponent = (half >> 10) & 0x1f;
  const mantissa = half & 0x3ff;
  if (exponent === 0) return (sign * mantissa) / 16777216;
  if (exponent === 0x1f) return mantissa === 0 ? sign * Number.POSITIVE_INFINITY : Number.NaN;
  // Rebuild as binary32 bits (exact) rather than trusting Math.pow to be exact on every engine.
  const view = new DataView(new ArrayBuffer(4));
  view.setUint32(0, ((half & 0x8000) << 16) | ((exponent - 15 + 127) << 23) | (mantissa << 13));
  return view.getFloat32(0);
}

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const length = Math.min(a.length, b.length);
  for (let i = 0; i < length; i++) if (a[i] !== b[i]) return (a[i] as number) - (b[i] as number);
  return a.length - b.length;
}

function encodeError(message: string, path: readonly (string | number)[], cause?: unknown): Error {
  let at = 'value';
  for (const step of path) at += typeof step === 'number' ? `[${step}]` : `.get(${quote(step)})`;
  return xlinkError(
    'INVALID_ARGUMENT',
    `CBOR: ${message} at ${at}`,
    cause === undefined ? { field: 'value' } : { field: 'value', cause },
  );
}

// ---------------------------------------------------------------- decoding

/** Strictly decodes untrusted bytes; never throws for any input (PARSE_FAILED:CBOR, or INVALID_ARGUMENT for bad limits). */
export function decodeCbor(bytes: Uint8Array, limits: CborDecodeLimits = {}): Result<CborValue> {
  return attemptSync(() => readCbor(bytes, limits));
}

/** `decodeCbor` for callers inside xlink that handle the thrown XlinkError themselves. */
export function readCbor(bytes: Uint8Array, limits: CborDecodeLimits = {}): CborValue {
  assertBytes(bytes, 'bytes');
  const maxDepth = limit(limits.maxDepth, DEFAULT_MAX_DEPTH, 'maxDepth', MAX_NESTING);
  const maxBytes = limit(limits.maxBytes, DEFAULT_MAX_BYTES, 'maxBytes', Number.MAX_SAFE_INTEGER);
  const maxItems = limit(limits.maxItems, DEFAULT_MAX_ITEMS, 'maxItems', Number.MAX_SAFE_INTEGER);
  if (bytes.length > maxBytes) {
    throw parseError(`input of ${bytes.length} bytes exceeds maxBytes=${maxBytes}`, 0);
  }
  const reader = new Reader(bytes, maxDepth, maxItems, limits.viewsOfInput === true);
  const value = reader.item(0);
  if (reader.offset !== bytes.length) {
    throw parseError(`${bytes.length - reader.offset} trailing bytes after the item`, reader.offset);
  }
  return value;
}

function limit(value: number | undefined, fallback: number, field: string, max: number): number {
  if (value === undefined) return fallback;
  if (Number.isSafeInteger(value) && value >= 0 && value <= max) return value;
  throw xlinkError('INVALID_ARGUMENT', `"${field}" expected an integer from 0 to ${max}, got ${String(value)}`, {
    field,
  });
}

function parseError(message: string, offset: number, cause?: unknown): Error {
  return xlinkError('PARSE_FAILED:CBOR', `CBOR: ${message} at offset ${offset}`, cause === undefined ? {} : { cause });
}

function readWord(bytes: Uint8Array, at: number): number {
  return (
    (bytes[at] as number) * 0x1000000 +
    (((bytes[at + 1] as number) << 16) | ((bytes[at + 2] as number) << 8) | (bytes[at + 3] as number))
  );
}

/** Minimum argument for each additional-information value 24..27, so longer forms are refused. */
const SHORTEST_MINIMUM: readonly number[] = [24, 0x100, 0x10000, TWO_POW_32];

class Reader {
  offset = 0;
  private items = 0;

  constructor(
    private readonly bytes: Uint8Array,
    private readonly maxDepth: number,
    private readonly maxItems: number,
    private readonly views: boolean,
  ) {}

  /** Decodes one item whose enclosing containers number `depth`. */
  item(depth: number): CborValue {
    const start = this.offset;
    if (++this.items > this.maxItems) throw parseError(`more than maxItems=${this.maxItems} items`, start);
    const initial = this.byte();
    const major = initial >> 5;
    const info = initial & 0x1f;
    if (major === 7) return this.simpleOrFloat(info, start);
    const argument = this.argument(info, start);
    switch (major) {
      case 0:
        return argument;
      case 1:
        if (argument > Number.MAX_SAFE_INTEGER - 1) throw parseError('negative integer below -(2^53−1)', start);
        return -1 - argument;
      case 2:
        // Not .slice(): on a Node Buffer it shares memory, and a caller reusing its buffer would change the value.
        return this.views ? this.take(argument) : new Uint8Array(this.take(argument));
      case 3: {
        const text = this.take(argument);
        try {
          return readUtf8(text);
        } catch (error) {
          throw parseError(`text string is not valid UTF-8 (${(error as Error).message} of the string)`, start, error);
        }
      }
      case 4: {
        this.enter(depth, argument, start);
        const array: CborValue[] = [];
        for (let i = 0; i < argument; i++) array.push(this.item(depth + 1));
        return array;
      }
      case 5:
        this.enter(depth, argument * 2, start);
        return this.map(argument, depth + 1);
      default: {
        this.enter(depth, 1, start);
        return new CborTagged(argument, this.item(depth + 1));
      }
    }
  }

  /** Checks depth, and that `count` items could fit before allocating for them. */
  private enter(depth: number, count: number, start: number): void {
    if (depth + 1 > this.maxDepth) throw parseError(`nesting deeper than maxDepth=${this.maxDepth}`, start);
    if (count > this.bytes.length - this.offset) {
      throw parseError(`container of ${count} items exceeds the remaining input`, start);
    }
    if (this.items + count > this.maxItems) throw parseError(`more than maxItems=${this.maxItems} items`, start);
  }

  private map(pairs: number, depth: number): Map<number | string, CborValue> {
    const map = new Map<number | string, CborValue>();
    // The previous key's encoding, as offsets into the input (no view allocated per key).
    let previousStart = -1;
    let previousEnd = -1;
    for (let i = 0; i < pairs; i++) {
      const keyStart = this.offset;
      const key = this.item(depth);
      if (typeof key !== 'number' && typeof key !== 'string') {
        throw parseError('map key is neither a number nor a string', keyStart);
      }
      if (Object.is(key, -0)) throw parseError('map key -0 (a JS Map would store it as 0)', keyStart);
      if (previousStart >= 0) {
        const order = this.compareRanges(previousStart, previousEnd, keyStart, this.offset);
        if (order === 0) throw parseError('duplicate map key', keyStart);
        if (order > 0) throw parseError('map keys not in bytewise order of their encodings', keyStart);
      }
      previousStart = keyStart;
      previousEnd = this.offset;
      map.set(key, this.item(depth));
    }
    return map;
  }

  private simpleOrFloat(info: number, start: number): CborValue {
    if (info === 20) return false;
    if (info === 21) return true;
    if (info === 22) return null;
    if (info < 25 || info > 27) {
      throw parseError(`simple value or break (0x${(0xe0 | info).toString(16)}) not allowed`, start);
    }
    const payload = this.take(1 << (info - 24));
    const view = new DataView(payload.buffer, payload.byteOffset, payload.length);
    const value = info === 25 ? halfToNumber(view.getUint16(0)) : info === 26 ? view.getFloat32(0) : view.getFloat64(0);
    if (Number.isInteger(value) && !Object.is(value, -0)) {
      throw parseError(`integral value ${value} encoded as a float`, start);
    }
    const canonical = encodeFloat(value);
    if (canonical.length !== payload.length + 1 || compareBytes(canonical.subarray(1), payload) !== 0) {
      throw parseError('float not in its shortest exact form', start);
    }
    return value;
  }

  /** The argument of a non-float head, in shortest form and at most 2^53−1. */
  private argument(info: number, start: number): number {
    if (info < 24) return info;
    if (info > 27) {
      throw parseError(
        info === 31 ? 'indefinite length not allowed' : `reserved additional information ${info}`,
        start,
      );
    }
    const length = 1 << (info - 24);
    this.need(length);
    const at = this.offset;
    this.offset += length;
    // Check the high word of an 8-byte argument first: beyond 2^53 the sum below would round.
    if (info === 27 && readWord(this.bytes, at) > MAX_SAFE_HIGH_WORD) throw parseError('integer above 2^53−1', start);
    let value = 0;
    for (let i = at; i < at + length; i++) value = value * 256 + (this.bytes[i] as number);
    if (value < (SHORTEST_MINIMUM[info - 24] as number))
      throw parseError('integer or length not in shortest form', start);
    return value;
  }

  /** A view of the next `length` bytes; callers copy what they keep. */
  private take(length: number): Uint8Array {
    this.need(length);
    const view = this.bytes.subarray(this.offset, this.offset + length);
    this.offset += length;
    return view;
  }

  /** The next byte: every item starts with one, so this is the hot path (no view allocated). */
  private byte(): number {
    this.need(1);
    return this.bytes[this.offset++] as number;
  }

  private need(length: number): void {
    if (length > this.bytes.length - this.offset) {
      throw parseError(`truncated: needs ${length} more bytes, ${this.bytes.length - this.offset} left`, this.offset);
    }
  }

  /** Bytewise order of two encoded ranges of the input, as compareBytes orders arrays. */
  private compareRanges(aStart: number, aEnd: number, bStart: number, bEnd: number): number {
    const length = Math.min(aEnd - aStart, bEnd - bStart);
    for (let i = 0; i < length; i++) {
      const difference = (this.bytes[aStart + i] as number) - (this.bytes[bStart + i] as number);
      if (difference !== 0) return difference;
    }
    return aEnd - aStart - (bEnd - bStart);
  }
}
