/**
 * Untrusted input to a typed envelope, or a typed error; never throws.
 *
 *   const decoded = decodeEnvelope(input, { maxEnvelopeBytes: 65536 });
 *   if (!decoded.ok) return decoded;            // ENVELOPE_INVALID:*, PARSE_FAILED:*, …
 *   decoded.value.envelope.header.from;         // not yet verified!
 *
 * Accepts what transports deliver: compact bytes (COSE_Sign1 under tag 18), JSON text or
 * JSON bytes (starting with "{"), an already parsed JSON object, or an
 * `Envelope` built in this process (checked by round-tripping it through the
 * compact form). The size limit is checked before any parsing; for a parsed
 * object, on the total length of its text fields.
 */
import { readJson, readJsonBytes } from '../codec/json.js';
import { attemptSync, type Result, xlinkError } from '../errors.js';
import { envelopeFromCompact, envelopeToCompact } from './compact-encoding.js';
import type { EnvelopeEncoding } from './encode.js';
import type { Envelope } from './envelope.js';
import { envelopeFromJson } from './json-encoding.js';

/** Default largest envelope accepted: 256 KiB. */
export const DEFAULT_MAX_ENVELOPE_BYTES = 262144;

/** A JSON envelope is one object holding the `sv` array: depth 2. Deeper input is refused by the parser itself. */
const JSON_MAX_DEPTH = 4;
const OPEN_BRACE = 0x7b;

export interface DecodedEnvelope {
  readonly envelope: Envelope;
  readonly encoding: EnvelopeEncoding;
}

export interface DecodeOptions {
  /** Largest envelope accepted, in bytes (text: characters); default 256 KiB. */
  readonly maxEnvelopeBytes?: number;
}

export function decodeEnvelope(input: unknown, options: DecodeOptions = {}): Result<DecodedEnvelope> {
  return attemptSync(() => {
    const maxBytes = options.maxEnvelopeBytes ?? DEFAULT_MAX_ENVELOPE_BYTES;
    if (!Number.isSafeInteger(maxBytes) || maxBytes < 1) {
      throw xlinkError('INVALID_ARGUMENT', `"maxEnvelopeBytes" expected a positive integer, got ${maxBytes}`, {
        field: 'maxEnvelopeBytes',
      });
    }
    if (input instanceof Uint8Array) {
      checkSize(input.length, maxBytes);
      if (input[0] === OPEN_BRACE) {
        return json(readJsonBytes(input, { maxDepth: JSON_MAX_DEPTH, maxLength: maxBytes }));
      }
      return { envelope: envelopeFromCompact(input, maxBytes), encoding: 'compact' };
    }
    if (typeof input === 'string') {
      checkSize(input.length, maxBytes);
      return json(readJson(input, { maxDepth: JSON_MAX_DEPTH, maxLength: maxBytes }));
    }
    if (isEnvelope(input)) {
      const bytes = envelopeToCompact(input);
      checkSize(bytes.length, maxBytes);
      return { envelope: envelopeFromCompact(bytes, maxBytes), encoding: 'compact' };
    }
    checkSize(textLength(input), maxBytes);
    return json(input);
  });
}

function json(value: unknown): DecodedEnvelope {
  return { envelope: envelopeFromJson(value), encoding: 'json' };
}

function isEnvelope(value: unknown): value is Envelope {
  return typeof value === 'object' && value !== null && (value as Envelope).protectedBytes instanceof Uint8Array;
}

/** Total length of the string fields (and of `sv`'s strings) of a parsed object: its size without parsing anything. */
function textLength(value: unknown): number {
  if (typeof value !== 'object' || value === null) return 0;
  let total = 0;
  for (const [key, field] of Object.entries(value)) {
    total += key.length;
    if (typeof field === 'string') total += field.length;
    else if (Array.isArray(field)) {
      for (const item of field) total += typeof item === 'string' ? item.length : 1;
    }
  }
  return total;
}

function checkSize(size: number, maxBytes: number): void {
  if (size > maxBytes) {
    throw xlinkError('ENVELOPE_INVALID:TOO_LARGE', `envelope of ${size} bytes exceeds the limit of ${maxBytes}`);
  }
}
