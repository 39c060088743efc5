/**
 * Payloads are bytes; the signed header states what they are, so a receiver
 * decodes exactly what the sender meant and nothing else.
 *
 *   const payload = encodePayload({ temp: 22.5 });            // { bytes, contentType: 'json' }
 *   const value = decodePayload(bytes, 'cbor');                // Result: strict, or PARSE_FAILED:PAYLOAD
 *
 * On the wire the content type is the COSE `content type` header (label 3)
 * holding a CoAP Content-Format number (RFC 7252 §12.3): 50 for
 * application/json, 60 for application/cbor. Absent means opaque bytes
 * (application/octet-stream); 42 is never written, so every payload has one
 * spelling. JSON is parsed strictly (duplicate keys, `__proto__`, depth 32),
 * CBOR must be deterministic (RFC 8949 §4.2.1).
 */
import { assertBytes, utf8Encode } from '../codec/bytes.js';
import { type CborValue, encodeCbor, readCbor } from '../codec/cbor.js';
import { readJsonBytes } from '../codec/json.js';
import { attemptSync, isXlinkError, quote, type Result, xlinkError } from '../errors.js';

export type ContentType = 'json' | 'cbor' | 'bytes';

/** CoAP Content-Format of application/json and application/cbor. */
export const CONTENT_FORMAT_JSON = 50;
export const CONTENT_FORMAT_CBOR = 60;

/** Payloads are parsed no deeper than this. */
const PAYLOAD_MAX_DEPTH = 32;

/** The Content-Format number written for `contentType`; undefined for opaque bytes, which carry none. */
export function contentFormatOf(contentType: ContentType): number | undefined {
  return contentType === 'json' ? CONTENT_FORMAT_JSON : contentType === 'cbor' ? CONTENT_FORMAT_CBOR : undefined;
}

/** The content type a received header states; throws ENVELOPE_INVALID:MALFORMED for any other value. */
export function contentTypeOfFormat(format: unknown): ContentType {
  if (format === undefined) return 'bytes';
  if (format === CONTENT_FORMAT_JSON) return 'json';
  if (format === CONTENT_FORMAT_CBOR) return 'cbor';
  throw xlinkError(
    'ENVELOPE_INVALID:MALFORMED',
    `content type ${quote(format)} is not 50 (JSON) or 60 (CBOR); opaque bytes state none`,
    { field: 'content type' },
  );
}

/** What a payload value is sent as: a Uint8Array as opaque bytes, anything else as JSON unless CBOR is asked for. */
export function encodePayload(
  value: unknown,
  contentType?: ContentType,
): { readonly bytes: Uint8Array; readonly contentType: ContentType } {
  const type = contentType ?? (value instanceof Uint8Array ? 'bytes' : 'json');
  if (type === 'bytes') {
    if (!(value instanceof Uint8Array)) {
      throw xlinkError(
        'INVALID_ARGUMENT',
        `"payload" of content type bytes expected a Uint8Array, got ${quote(value)}`,
        {
          field: 'payload',
        },
      );
    }
    return { bytes: value, contentType: type };
  }
  if (type === 'cbor') return { bytes: encodeCbor(value as CborValue), contentType: type };
  let text: string | undefined;
  try {
    text = JSON.stringify(value);
  } catch (cause) {
    throw xlinkError('INVALID_ARGUMENT', '"payload" cannot be serialised as JSON', { field: 'payload', cause });
  }
  if (text === undefined) {
    throw xlinkError('INVALID_ARGUMENT', '"payload" has no JSON form (undefined or a function)', { field: 'payload' });
  }
  return { bytes: utf8Encode(text), contentType: type };
}

/** The payload value its content type promises; PARSE_FAILED:PAYLOAD when the bytes are not that. Never throws for any bytes. */
export function decodePayload(bytes: Uint8Array, contentType: ContentType): Result<unknown> {
  return attemptSync(() => readPayload(bytes, contentType));
}

/** `decodePayload` for callers inside xlink that handle the thrown XlinkError themselves. */
export function readPayload(bytes: Uint8Array, contentType: ContentType): unknown {
  assertBytes(bytes, 'bytes');
  if (contentType !== 'bytes' && contentType !== 'json' && contentType !== 'cbor') {
    throw xlinkError(
      'INVALID_ARGUMENT',
      `"contentType" expected "json", "cbor" or "bytes", got ${quote(contentType)}`,
      {
        field: 'contentType',
      },
    );
  }
  if (contentType === 'bytes') return bytes;
  try {
    if (contentType === 'json') return readJsonBytes(bytes, { maxDepth: PAYLOAD_MAX_DEPTH, maxLength: bytes.length });
    return readCbor(bytes, { maxDepth: PAYLOAD_MAX_DEPTH, maxBytes: bytes.length });
  } catch (error) {
    if (!isXlinkError(error)) throw error;
    throw xlinkError(
      'PARSE_FAILED:PAYLOAD',
      `the payload is not the ${contentType} its header states: ${error.message}`,
      {
        cause: error,
      },
    );
  }
}
