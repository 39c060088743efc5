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
 *
 * `share` is not an application payload but xlink's own framing: one share of
 * a split-channel or Xchange message (docs/split-channel.md). It has its own
 * signed content type, the media type SHARE_MEDIA_TYPE as a text string (no
 * CoAP number is registered for it, and an unregistered one could collide),
 * so no application payload can be taken for a share, nor a share for one.
 * Applications cannot send it (`encodePayload` refuses it) and never receive
 * it (`readPayload` refuses it; the agent reassembles shares instead).
 */
import { assertBytes, utf8Encode } from '../codec/bytes.js';
import { type CborValue, encodeCbor, readCbor } from '../codec/cbor.js';
import { readJsonBytes } from '../codec/json.js';
import { attemptSync, isXlinkError, quote, type Result, xlinkError } from '../errors.js';

/** What an application payload is. */
export type PayloadContentType = 'json' | 'cbor' | 'bytes';
/** What an envelope's payload is: an application payload, or one share of a split message. */
export type ContentType = PayloadContentType | 'share';

/** CoAP Content-Format of application/json and application/cbor. */
export const CONTENT_FORMAT_JSON = 50;
export const CONTENT_FORMAT_CBOR = 60;
/** The content type of a share envelope: a vendor-tree media type, the share frame being CBOR. */
export const SHARE_MEDIA_TYPE = 'application/vnd.xlink.share+cbor';

/** Payloads are parsed no deeper than this. */
const PAYLOAD_MAX_DEPTH = 32;

/** The label-3 value written for `contentType`; undefined for opaque bytes, which carry none. */
export function contentFormatOf(contentType: PayloadContentType): number | undefined;
export function contentFormatOf(contentType: ContentType): number | string | undefined;
export function contentFormatOf(contentType: ContentType): number | string | undefined {
  if (contentType === 'json') return CONTENT_FORMAT_JSON;
  if (contentType === 'cbor') return CONTENT_FORMAT_CBOR;
  return contentType === 'share' ? SHARE_MEDIA_TYPE : undefined;
}

/** The content type a received header states; throws ENVELOPE_INVALID:MALFORMED for any other value. */
export function contentTypeOfFormat(format: unknown): ContentType {
  if (format === undefined) return 'bytes';
  if (format === CONTENT_FORMAT_JSON) return 'json';
  if (format === CONTENT_FORMAT_CBOR) return 'cbor';
  // Exactly this spelling: no case folding, no parameters, so a share has one signed form.
  if (format === SHARE_MEDIA_TYPE) return 'share';
  throw xlinkError(
    'ENVELOPE_INVALID:MALFORMED',
    `content type ${quote(format)} is not 50 (JSON), 60 (CBOR) or "${SHARE_MEDIA_TYPE}"; opaque bytes state none`,
    { field: 'content type' },
  );
}

/** True for the content types an application sends and receives. */
export function isPayloadContentType(value: unknown): value is PayloadContentType {
  return value === 'json' || value === 'cbor' || value === 'bytes';
}

/** What a payload value is sent as: a Uint8Array as opaque bytes, anything else as JSON unless CBOR is asked for. */
export function encodePayload(
  value: unknown,
  contentType?: PayloadContentType,
): { readonly bytes: Uint8Array; readonly contentType: PayloadContentType } {
  const type = contentType ?? (value instanceof Uint8Array ? 'bytes' : 'json');
  assertPayloadContentType(type);
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
export function decodePayload(bytes: Uint8Array, contentType: PayloadContentType): Result<unknown> {
  return attemptSync(() => readPayload(bytes, contentType));
}

/** `decodePayload` for callers inside xlink that handle the thrown XlinkError themselves. */
export function readPayload(bytes: Uint8Array, contentType: PayloadContentType): unknown {
  assertBytes(bytes, 'bytes');
  assertPayloadContentType(contentType);
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

/**
 * INVALID_ARGUMENT for anything an envelope header cannot state: checked at
 * sealing, since an unknown value would otherwise be sent as opaque bytes.
 */
export function assertContentType(value: unknown): asserts value is ContentType {
  if (value !== 'share') assertPayloadContentType(value);
}

/** INVALID_ARGUMENT for anything but json, cbor or bytes: `share` is xlink's framing, never an application's. */
export function assertPayloadContentType(value: unknown): asserts value is PayloadContentType {
  if (!isPayloadContentType(value)) {
    throw xlinkError(
      'INVALID_ARGUMENT',
      `"contentType" expected "json", "cbor" or "bytes", got ${quote(value)}${value === 'share' ? ' (shares are made by a split send)' : ''}`,
      { field: 'contentType' },
    );
  }
}
