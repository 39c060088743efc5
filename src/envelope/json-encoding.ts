/**
 * The JSON form of an envelope: the white paper's object, binary fields as
 * unpadded base64url. What `LoopbackTransport.outbox` holds and HTTP carries.
 *
 *   const json = envelopeToJson(envelope);      // plain object, JSON.stringify-able
 *   const back = envelopeFromJson(JSON.parse(text)); // throws on anything not canonical
 *
 * Strict: exactly the fields of docs/protocol.md, canonical base64url,
 * `alg` exactly "EdDSA". The header is rebuilt from the parsed fields as
 * deterministic CBOR and the signatures are checked over those bytes, so two
 * JSON spellings of one envelope (key order, whitespace) verify alike and no
 * spelling can change what was signed. Parse text with `parseJson` (duplicate
 * keys, `__proto__`, depth) before calling `envelopeFromJson`.
 */
import { base64urlDecode, base64urlEncode } from '../codec/base64url.js';
import type { CborValue } from '../codec/cbor.js';
import { quote, xlinkError } from '../errors.js';
import type { EnvelopeVersion } from '../identity/document.js';
import { contentFormatOf } from './content-type.js';
import { COSE_ALG_EDDSA, COSE_HEADER_ALG, COSE_HEADER_CONTENT_TYPE } from './cose-sign1.js';
import { checkEnvelopeParts, type Envelope } from './envelope.js';
import { encodeHeader, HEADER_KEY, headerFromMap, isEncryptedVersion } from './header.js';

export interface EnvelopeJson {
  readonly v: EnvelopeVersion;
  readonly alg: 'EdDSA';
  readonly from: string;
  readonly to: string;
  readonly scope: string;
  /** The payload's content type; absent for opaque bytes; `share` for one share of a split message. */
  readonly cty?: 'json' | 'cbor' | 'share';
  readonly ts?: number;
  readonly nonce?: string;
  readonly ctr?: number;
  readonly sv: readonly EnvelopeVersion[];
  readonly epk?: string;
  readonly iv?: string;
  readonly kem?: string;
  /** v1–v3: ciphertext and tag. */
  readonly ct?: string;
  /** signed: the clear payload. */
  readonly payload?: string;
  readonly sig: string;
  readonly pqsig?: string;
}

const ALG_NAME = 'EdDSA';
const BINARY_HEADER_KEYS: readonly string[] = [
  HEADER_KEY.nonce,
  HEADER_KEY.ephemeralPublicKey,
  HEADER_KEY.iv,
  HEADER_KEY.kemCiphertext,
];
const PLAIN_HEADER_KEYS: readonly string[] = [
  HEADER_KEY.version,
  HEADER_KEY.from,
  HEADER_KEY.to,
  HEADER_KEY.scope,
  HEADER_KEY.timestamp,
  HEADER_KEY.counter,
  HEADER_KEY.supportedVersions,
];
const OTHER_KEYS: readonly string[] = ['alg', 'cty', 'ct', 'payload', 'sig', 'pqsig'];
const ALL_KEYS: ReadonlySet<string> = /* @__PURE__ */ new Set([
  ...BINARY_HEADER_KEYS,
  ...PLAIN_HEADER_KEYS,
  ...OTHER_KEYS,
]);

export function envelopeToJson(envelope: Envelope): EnvelopeJson {
  const { header } = envelope;
  const json: Record<string, unknown> = { v: header.version, alg: ALG_NAME, from: header.from, to: header.to };
  json.scope = header.scope;
  if (header.contentType !== 'bytes') json.cty = header.contentType;
  if (header.timestamp !== undefined) json.ts = header.timestamp;
  if (header.nonce !== undefined) json.nonce = base64urlEncode(header.nonce);
  if (header.counter !== undefined) json.ctr = header.counter;
  json.sv = [...header.supportedVersions];
  if (header.ephemeralPublicKey !== undefined) json.epk = base64urlEncode(header.ephemeralPublicKey);
  if (header.iv !== undefined) json.iv = base64urlEncode(header.iv);
  if (header.kemCiphertext !== undefined) json.kem = base64urlEncode(header.kemCiphertext);
  json[isEncryptedVersion(header.version) ? 'ct' : 'payload'] = base64urlEncode(envelope.body);
  json.sig = base64urlEncode(envelope.signature);
  if (envelope.mlDsaSignature !== undefined) json.pqsig = base64urlEncode(envelope.mlDsaSignature);
  return json as unknown as EnvelopeJson;
}

/** Reads an already parsed JSON value; throws PARSE_FAILED:*, ENVELOPE_INVALID:* and the header's codes. */
export function envelopeFromJson(value: unknown): Envelope {
  const record = plainRecord(value);
  for (const key of Object.keys(record)) {
    if (!ALL_KEYS.has(key)) throw malformed(`unknown envelope field ${quote(key, 32)}`, key);
  }
  const alg = record.alg;
  if (alg === undefined) throw malformed('missing envelope field "alg"', 'alg');
  if (alg !== ALG_NAME) {
    throw xlinkError('ENVELOPE_INVALID:ALGORITHM', `algorithm ${quote(alg)} is not "EdDSA"`, { field: 'alg' });
  }
  const map = new Map<number | string, CborValue>([[COSE_HEADER_ALG, COSE_ALG_EDDSA]]);
  const cty = record.cty;
  if (cty !== undefined) {
    // Only the names envelopeToJson writes: "bytes" is never written, so it is refused like any other.
    if (cty !== 'json' && cty !== 'cbor' && cty !== 'share') {
      throw malformed(`"cty" expected "json", "cbor" or "share", got ${quote(cty)}`, 'cty');
    }
    map.set(COSE_HEADER_CONTENT_TYPE, contentFormatOf(cty) as number | string);
  }
  for (const key of PLAIN_HEADER_KEYS) {
    const field = record[key];
    if (field !== undefined) map.set(key, plainValue(field, key));
  }
  for (const key of BINARY_HEADER_KEYS) {
    if (record[key] !== undefined) map.set(key, binary(record, key));
  }
  const header = headerFromMap(map);
  const bodyKey = isEncryptedVersion(header.version) ? 'ct' : 'payload';
  const otherBodyKey = bodyKey === 'ct' ? 'payload' : 'ct';
  if (record[otherBodyKey] !== undefined) {
    throw malformed(`a ${header.version} envelope has no "${otherBodyKey}" field`, otherBodyKey);
  }
  if (record[bodyKey] === undefined) throw malformed(`missing envelope field "${bodyKey}"`, bodyKey);
  if (record.sig === undefined) throw malformed('missing envelope field "sig"', 'sig');
  return checkEnvelopeParts({
    header,
    protectedBytes: encodeHeader(header),
    body: binary(record, bodyKey),
    signature: binary(record, 'sig'),
    ...(record.pqsig === undefined ? {} : { mlDsaSignature: binary(record, 'pqsig') }),
  });
}

function plainRecord(value: unknown): Readonly<Record<string, unknown>> {
  if (typeof value !== 'object' || value === null || Array.isArray(value) || value instanceof Uint8Array) {
    throw malformed('a JSON envelope is an object', 'envelope');
  }
  const prototype = Object.getPrototypeOf(value);
  if (prototype !== Object.prototype && prototype !== null) {
    throw malformed('a JSON envelope is a plain object', 'envelope');
  }
  if (Object.hasOwn(value, '__proto__')) {
    throw xlinkError('PARSE_FAILED:FORBIDDEN_KEY', 'the envelope has a "__proto__" key', { field: '__proto__' });
  }
  return value as Readonly<Record<string, unknown>>;
}

/** Header values as CBOR: strings, numbers and the `sv` array of strings; anything else is malformed. */
function plainValue(value: unknown, key: string): CborValue {
  if (typeof value === 'string' || typeof value === 'number') return value;
  if (Array.isArray(value) && value.every((item) => typeof item === 'string')) return value as string[];
  throw malformed(`"${key}" has the wrong type`, key);
}

function binary(record: Readonly<Record<string, unknown>>, key: string): Uint8Array {
  const text = record[key];
  if (typeof text !== 'string') throw malformed(`"${key}" expected a base64url string`, key);
  const decoded = base64urlDecode(text);
  if (decoded.ok) return decoded.value;
  throw xlinkError('PARSE_FAILED:BASE64URL', `"${key}" is not canonical unpadded base64url: ${decoded.error.message}`, {
    field: key,
  });
}

function malformed(message: string, field: string): Error {
  return xlinkError('ENVELOPE_INVALID:MALFORMED', message, { field });
}
