/**
 * Strict JSON (RFC 8259) for untrusted input: what `JSON.parse` accepts, minus
 * the ambiguities an attacker can use.
 *
 *   const value = parseJson('{"scope":"telemetry","n":[1,2]}', { maxDepth: 4 });
 *   const fromWire = parseJsonBytes(body); // strict UTF-8 first, a BOM is refused
 *
 * Refused, where `JSON.parse` would guess: the same key twice in one object
 * (compared after unescaping, `PARSE_FAILED:DUPLICATE_KEY`), the key
 * `__proto__` anywhere (`PARSE_FAILED:FORBIDDEN_KEY`), numbers that overflow to
 * ±Infinity, nesting deeper than `maxDepth` and text longer than `maxLength`
 * (both `PARSE_FAILED:JSON`). Everything else is plain RFC 8259: top-level
 * scalars are allowed, lone surrogate escapes (`"\ud800"`) are accepted as
 * `JSON.parse` accepts them, and numbers are JS doubles (big integers round,
 * tiny ones underflow to 0).
 *
 * Limits. Depth counts enclosing arrays and objects: `[[1]]` has depth 2. The
 * parser is iterative, so no input (100k opening brackets included) can
 * overflow the stack; it stops at the first container beyond `maxDepth`.
 * Error offsets count UTF-16 code units of the text (of the decoded text, for
 * `parseJsonBytes`).
 */
import { attemptSync, quote, type Result, typeName, xlinkError } from '../errors.js';
import { assertBytes, readUtf8 } from './bytes.js';

export interface JsonLimits {
  /** Deepest nesting of arrays and objects; default 32. */
  maxDepth?: number;
  /** Longest text accepted, in UTF-16 code units, checked before parsing; default 262144. */
  maxLength?: number;
}

const DEFAULT_MAX_DEPTH = 32;
const DEFAULT_MAX_LENGTH = 262144;
/** The most UTF-16 code units one UTF-8 byte can yield is 1, the most bytes one code unit needs is 3. */
const MAX_UTF8_BYTES_PER_CODE_UNIT = 3;
const FORBIDDEN_KEY = '__proto__';

/** Strictly parses untrusted text; never throws for any input. */
export function parseJson(text: string, limits: JsonLimits = {}): Result<unknown> {
  return attemptSync(() => readJson(text, limits));
}

/** Strict UTF-8, then strict JSON; never throws for any input. */
export function parseJsonBytes(bytes: Uint8Array, limits: JsonLimits = {}): Result<unknown> {
  return attemptSync(() => readJsonBytes(bytes, limits));
}

/** `parseJson` for callers inside xlink that handle the thrown XlinkError themselves. */
export function readJson(text: string, limits: JsonLimits = {}): unknown {
  if (typeof text !== 'string') {
    throw xlinkError('INVALID_ARGUMENT', `"text" expected string, got ${typeName(text)}`, { field: 'text' });
  }
  const maxDepth = limit(limits.maxDepth, DEFAULT_MAX_DEPTH, 'maxDepth');
  const maxLength = limit(limits.maxLength, DEFAULT_MAX_LENGTH, 'maxLength');
  if (text.length > maxLength) {
    throw jsonError(`text of ${text.length} characters exceeds maxLength=${maxLength}`, 0);
  }
  return new Parser(text, maxDepth).document();
}

/** `parseJsonBytes` for callers inside xlink that handle the thrown XlinkError themselves. */
export function readJsonBytes(bytes: Uint8Array, limits: JsonLimits = {}): unknown {
  assertBytes(bytes, 'bytes');
  const maxLength = limit(limits.maxLength, DEFAULT_MAX_LENGTH, 'maxLength');
  // Every UTF-16 code unit takes at most 3 UTF-8 bytes, so longer input is over maxLength whatever it holds;
  // refusing it here spares decoding it. parseJson checks the exact length.
  if (bytes.length > maxLength * MAX_UTF8_BYTES_PER_CODE_UNIT) {
    throw jsonError(`input of ${bytes.length} bytes exceeds maxLength=${maxLength} characters`, 0);
  }
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) {
    throw jsonError('byte order mark (EF BB BF), which RFC 8259 §8.1 forbids,', 0);
  }
  return readJson(readUtf8(bytes), limits);
}

function limit(value: number | undefined, fallback: number, field: string): number {
  if (value === undefined) return fallback;
  if (Number.isSafeInteger(value) && value >= 0) return value;
  throw xlinkError('INVALID_ARGUMENT', `"${field}" expected a safe integer ≥ 0, got ${String(value)}`, { field });
}

function jsonError(message: string, offset: number): Error {
  return xlinkError('PARSE_FAILED:JSON', `JSON: ${message} at offset ${offset}`);
}

/** An open container: the array being filled, or the object with the key whose value comes next. */
type Frame = { readonly array: unknown[] } | { readonly object: Record<string, unknown>; key: string };

const ESCAPES: Readonly<Record<string, string>> = {
  '"': '"',
  '\\': '\\',
  '/': '/',
  b: '\b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
};

class Parser {
  private offset = 0;
  /** Open containers, innermost last; its length is the current depth. */
  private readonly stack: Frame[] = [];

  constructor(
    private readonly text: string,
    private readonly maxDepth: number,
  ) {}

  document(): unknown {
    this.skipWhitespace();
    const value = this.value();
    this.skipWhitespace();
    if (this.offset < this.text.length) throw this.unexpected('end of input after the value');
    return value;
  }

  /**
   * One complete value. A container is opened by pushing a frame and closed by
   * popping it, so nesting lives in `stack`, never on the call stack.
   */
  private value(): unknown {
    for (;;) {
      let value: unknown;
      const char = this.text[this.offset];
      if (char === '[' || char === '{') {
        if (this.stack.length >= this.maxDepth) {
          throw jsonError(`nesting deeper than maxDepth=${this.maxDepth}`, this.offset);
        }
        this.offset++;
        this.skipWhitespace();
        if (char === '[') {
          const array: unknown[] = [];
          if (this.text[this.offset] !== ']') {
            this.stack.push({ array });
            continue;
          }
          this.offset++;
          value = array;
        } else {
          const object: Record<string, unknown> = {};
          if (this.text[this.offset] !== '}') {
            this.stack.push({ object, key: this.key(object) });
            continue;
          }
          this.offset++;
          value = object;
        }
      } else value = this.scalar();

      // Hand the finished value to the enclosing containers, closing every one that ends here.
      for (;;) {
        const frame = this.stack[this.stack.length - 1];
        if (frame === undefined) return value;
        if ('array' in frame) frame.array.push(value);
        else {
          // `__proto__` never reaches here (key() refuses it), and it is the only setter a pristine
          // Object.prototype has, so plain assignment would be safe. defineProperty stays correct even
          // if other code in the process has added setters or read-only properties to Object.prototype.
          Object.defineProperty(frame.object, frame.key, {
            value,
            writable: true,
            enumerable: true,
            configurable: true,
          });
        }
        this.skipWhitespace();
        const next = this.text[this.offset];
        if (next === ',') {
          this.offset++;
          this.skipWhitespace();
          if ('object' in frame) frame.key = this.key(frame.object);
          break;
        }
        if (next === ('array' in frame ? ']' : '}')) {
          this.offset++;
          this.stack.pop();
          value = 'array' in frame ? frame.array : frame.object;
          continue;
        }
        throw this.unexpected('array' in frame ? "',' or ']' after an array element" : "',' or '}' after a member");
      }
    }
  }

  /** An object member's key and its colon; refuses `__proto__` and a key `object` already has. */
  private key(object: Record<string, unknown>): string {
    if (this.text[this.offset] !== '"') throw this.unexpected('a string key');
    const start = this.offset;
    const key = this.string();
    if (key === FORBIDDEN_KEY) {
      throw xlinkError('PARSE_FAILED:FORBIDDEN_KEY', `JSON: forbidden key "__proto__" at offset ${start}`);
    }
    if (Object.hasOwn(object, key)) {
      throw xlinkError(
        'PARSE_FAILED:DUPLICATE_KEY',
        `JSON: duplicate key ${quote(key)} at offset ${start} (keys are compared after unescaping)`,
      );
    }
    this.skipWhitespace();
    if (this.text[this.offset] !== ':') throw this.unexpected("':' after a key");
    this.offset++;
    this.skipWhitespace();
    return key;
  }

  private scalar(): unknown {
    const char = this.text[this.offset];
    if (char === '"') return this.string();
    if (char === '-' || (char !== undefined && char >= '0' && char <= '9')) return this.number();
    if (char === 't') return this.literal('true', true);
    if (char === 'f') return this.literal('false', false);
    if (char === 'n') return this.literal('null', null);
    throw this.unexpected('a value');
  }

  private literal<T>(word: string, value: T): T {
    if (!this.text.startsWith(word, this.offset)) throw this.unexpected(`'${word}'`);
    this.offset += word.length;
    return value;
  }

  /** RFC 8259 §6: `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`, finite. */
  private number(): number {
    const start = this.offset;
    if (this.text[this.offset] === '-') this.offset++;
    if (this.text[this.offset] === '0') {
      this.offset++;
      if (this.isDigit()) throw jsonError('leading zero in a number', start);
    } else if (!this.digits()) throw this.unexpected("a digit after '-'");
    if (this.text[this.offset] === '.') {
      this.offset++;
      if (!this.digits()) throw this.unexpected("a digit after '.'");
    }
    const exponent = this.text[this.offset];
    if (exponent === 'e' || exponent === 'E') {
      this.offset++;
      const sign = this.text[this.offset];
      if (sign === '+' || sign === '-') this.offset++;
      if (!this.digits()) throw this.unexpected('a digit in the exponent');
    }
    const source = this.text.slice(start, this.offset);
    const value = Number(source);
    if (!Number.isFinite(value)) throw jsonError(`number ${source} overflows to ${value}`, start);
    return value;
  }

  private isDigit(): boolean {
    const char = this.text[this.offset];
    return char !== undefined && char >= '0' && char <= '9';
  }

  /** Skips a run of digits; false when there was none. */
  private digits(): boolean {
    const start = this.offset;
    while (this.isDigit()) this.offset++;
    return this.offset > start;
  }

  /** A string starting at the opening quote; unescaped runs are copied by slice, not per character. */
  private string(): string {
    const { text } = this;
    const start = this.offset;
    let out = '';
    let run = ++this.offset;
    for (;;) {
      const code = text.charCodeAt(this.offset);
      if (Number.isNaN(code)) throw jsonError('unterminated string', start);
      if (code === 0x22) {
        out += text.slice(run, this.offset);
        this.offset++;
        return out;
      }
      if (code < 0x20) {
        const hex = code.toString(16).padStart(4, '0');
        throw jsonError(`control character U+${hex} in a string must be escaped`, this.offset);
      }
      if (code !== 0x5c) {
        this.offset++;
        continue;
      }
      out += text.slice(run, this.offset);
      const escaped = text[this.offset + 1];
      if (escaped === 'u') {
        const digits = text.slice(this.offset + 2, this.offset + 6);
        if (!/^[0-9a-fA-F]{4}$/.test(digits)) throw jsonError('\\u must be followed by 4 hex digits', this.offset);
        // A lone surrogate is legal JSON (RFC 8259 §8.2 leaves it to the receiver); JSON.parse keeps it too.
        out += String.fromCharCode(Number.parseInt(digits, 16));
        this.offset += 6;
      } else {
        if (escaped === undefined) throw jsonError('unterminated string', start);
        const replacement = Object.hasOwn(ESCAPES, escaped) ? ESCAPES[escaped] : undefined;
        if (replacement === undefined) {
          throw jsonError(`invalid escape: ${quote(escaped)} after a backslash`, this.offset);
        }
        out += replacement;
        this.offset += 2;
      }
      run = this.offset;
    }
  }

  /** RFC 8259 §2: space, tab, line feed and carriage return only. */
  private skipWhitespace(): void {
    for (;;) {
      const code = this.text.charCodeAt(this.offset);
      if (code !== 0x20 && code !== 0x09 && code !== 0x0a && code !== 0x0d) return;
      this.offset++;
    }
  }

  private unexpected(expected: string): Error {
    const char = this.text[this.offset];
    const got = char === undefined ? 'end of input' : quote(char);
    return jsonError(`expected ${expected}, got ${got}`, this.offset);
  }
}
