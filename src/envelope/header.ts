/**
 * The protected header of an envelope: every field the signature covers
 * except the payload, as one deterministic CBOR map (docs/protocol.md).
 *
 *   const bytes = encodeHeader(header);          // canonical, what is signed
 *   const again = headerFromMap(decodeCbor(bytes) as CborMap); // strict
 *
 * `headerFromMap` is the single gate for both encodings: the JSON decoder
 * builds the same map from its fields, so both accept exactly the same
 * headers. It refuses unknown keys, missing keys, wrong types and wrong
 * lengths, and a version whose KEM ciphertext is missing (a stripped v2/v3).
 */
import type { CborMap, CborValue } from '../codec/cbor.js';
import { encodeCbor } from '../codec/cbor.js';
import { ML_KEM_768_CIPHERTEXT_LENGTH, X25519_KEY_LENGTH } from '../crypto/provider.js';
import { quote, xlinkError } from '../errors.js';
import { isDidKeySyntax, parseDid } from '../identity/did.js';
import { ENVELOPE_VERSIONS, type EnvelopeVersion } from '../identity/document.js';
import { type ContentType, contentFormatOf, contentTypeOfFormat } from './content-type.js';
import { COSE_ALG_EDDSA, COSE_HEADER_ALG, COSE_HEADER_CONTENT_TYPE } from './cose-sign1.js';
import { assertScope } from './scope.js';

/** Random nonce length: 128 bits, so a birthday collision needs about 2^64 envelopes per sender. */
export const NONCE_LENGTH = 16;
export const IV_LENGTH = 12;

export interface EnvelopeHeader {
  readonly version: EnvelopeVersion;
  /** Sender did:key. */
  readonly from: string;
  /** Recipient did:key. */
  readonly to: string;
  readonly scope: string;
  /** What the payload is (content-type.ts); the clear payload of a signed-only envelope, the plaintext otherwise. */
  readonly contentType: ContentType;
  /** Milliseconds since the Unix epoch; absent only in a counter envelope from a device without a clock. */
  readonly timestamp?: number;
  /** Exactly one of `nonce` and `counter` is present. */
  readonly nonce?: Uint8Array;
  readonly counter?: number;
  /** The versions the sender supports, in protocol order; signed so that a downgrade shows. */
  readonly supportedVersions: readonly EnvelopeVersion[];
  /** v1–v3: the sender's ephemeral X25519 public key. */
  readonly ephemeralPublicKey?: Uint8Array;
  /** v1–v3: the AES-GCM IV. */
  readonly iv?: Uint8Array;
  /** v2–v3: the ML-KEM-768 ciphertext. */
  readonly kemCiphertext?: Uint8Array;
}

/** CBOR keys of the header map (and, but for `alg`, the JSON field names). */
export const HEADER_KEY = {
  version: 'v',
  from: 'from',
  to: 'to',
  scope: 'scope',
  timestamp: 'ts',
  nonce: 'nonce',
  counter: 'ctr',
  supportedVersions: 'sv',
  ephemeralPublicKey: 'epk',
  iv: 'iv',
  kemCiphertext: 'kem',
} as const;

const KNOWN_KEYS: ReadonlySet<number | string> = /* @__PURE__ */ new Set<number | string>([
  COSE_HEADER_ALG,
  COSE_HEADER_CONTENT_TYPE,
  ...Object.values(HEADER_KEY),
]);

export function isEncryptedVersion(version: EnvelopeVersion): boolean {
  return version !== 'signed';
}

export function usesKem(version: EnvelopeVersion): boolean {
  return version === 'v2' || version === 'v3';
}

/** Deterministic CBOR of the header; throws for a header that `headerFromMap` would refuse. */
export function encodeHeader(header: EnvelopeHeader): Uint8Array {
  const map = new Map<number | string, CborValue>([
    [COSE_HEADER_ALG, COSE_ALG_EDDSA],
    [HEADER_KEY.version, header.version],
    [HEADER_KEY.from, header.from],
    [HEADER_KEY.to, header.to],
    [HEADER_KEY.scope, header.scope],
    [HEADER_KEY.supportedVersions, [...header.supportedVersions]],
  ]);
  const format = contentFormatOf(header.contentType);
  if (format !== undefined) map.set(COSE_HEADER_CONTENT_TYPE, format);
  if (header.timestamp !== undefined) map.set(HEADER_KEY.timestamp, header.timestamp);
  if (header.nonce !== undefined) map.set(HEADER_KEY.nonce, header.nonce);
  if (header.counter !== undefined) map.set(HEADER_KEY.counter, header.counter);
  if (header.ephemeralPublicKey !== undefined) map.set(HEADER_KEY.ephemeralPublicKey, header.ephemeralPublicKey);
  if (header.iv !== undefined) map.set(HEADER_KEY.iv, header.iv);
  if (header.kemCiphertext !== undefined) map.set(HEADER_KEY.kemCiphertext, header.kemCiphertext);
  headerFromMap(map);
  return encodeCbor(map);
}

/** Validates a decoded header map; throws ENVELOPE_INVALID:*, INVALID_DID:*, INVALID_SCOPE or DOWNGRADE_DETECTED:STRIPPED. */
export function headerFromMap(map: CborMap): EnvelopeHeader {
  for (const key of map.keys()) {
    if (!KNOWN_KEYS.has(key)) throw malformed(`unknown header field ${quote(key)}`, String(key));
  }
  const alg = map.get(COSE_HEADER_ALG);
  if (alg !== COSE_ALG_EDDSA) {
    throw xlinkError('ENVELOPE_INVALID:ALGORITHM', `algorithm ${quote(alg ?? null)} is not EdDSA (-8)`, {
      field: 'alg',
    });
  }
  const version = readVersion(map.get(HEADER_KEY.version));
  const from = readDid(map, HEADER_KEY.from);
  const to = readDid(map, HEADER_KEY.to);
  const scope = map.get(HEADER_KEY.scope);
  if (scope === undefined) throw missing(HEADER_KEY.scope);
  assertScope(scope);
  const contentType = contentTypeOfFormat(map.get(COSE_HEADER_CONTENT_TYPE));
  const supportedVersions = readSupportedVersions(map.get(HEADER_KEY.supportedVersions), version);

  const nonce = optionalBytes(map, HEADER_KEY.nonce, NONCE_LENGTH);
  const counter = optionalSafeInteger(map, HEADER_KEY.counter);
  if ((nonce === undefined) === (counter === undefined)) {
    throw malformed('exactly one of "nonce" and "ctr" is required', HEADER_KEY.nonce);
  }
  const timestamp = optionalSafeInteger(map, HEADER_KEY.timestamp);
  if (timestamp === undefined && nonce !== undefined) throw missing(HEADER_KEY.timestamp);

  const encrypted = isEncryptedVersion(version);
  const ephemeralPublicKey = optionalBytes(map, HEADER_KEY.ephemeralPublicKey, X25519_KEY_LENGTH);
  const iv = optionalBytes(map, HEADER_KEY.iv, IV_LENGTH);
  const kemCiphertext = optionalBytes(map, HEADER_KEY.kemCiphertext, ML_KEM_768_CIPHERTEXT_LENGTH);
  requirePresence(HEADER_KEY.ephemeralPublicKey, ephemeralPublicKey, encrypted, version);
  requirePresence(HEADER_KEY.iv, iv, encrypted, version);
  if (usesKem(version) && kemCiphertext === undefined) {
    throw xlinkError('DOWNGRADE_DETECTED:STRIPPED', `a ${version} envelope must carry its ML-KEM-768 ciphertext`, {
      field: HEADER_KEY.kemCiphertext,
    });
  }
  requirePresence(HEADER_KEY.kemCiphertext, kemCiphertext, usesKem(version), version);

  return {
    version,
    from,
    to,
    scope,
    contentType,
    supportedVersions,
    ...(timestamp === undefined ? {} : { timestamp }),
    ...(nonce === undefined ? {} : { nonce }),
    ...(counter === undefined ? {} : { counter }),
    ...(ephemeralPublicKey === undefined ? {} : { ephemeralPublicKey }),
    ...(iv === undefined ? {} : { iv }),
    ...(kemCiphertext === undefined ? {} : { kemCiphertext }),
  };
}

function readVersion(value: CborValue | undefined): EnvelopeVersion {
  if (value === undefined) throw missing(HEADER_KEY.version);
  if (typeof value !== 'string') throw malformed('"v" expected a text version', HEADER_KEY.version);
  if (!(ENVELOPE_VERSIONS as readonly string[]).includes(value)) {
    throw xlinkError('ENVELOPE_INVALID:VERSION', `unknown envelope version ${quote(value, 16)}`, {
      field: HEADER_KEY.version,
    });
  }
  return value as EnvelopeVersion;
}

/**
 * The shape of an Ed25519 did:key, checked without decoding it: a receiver
 * compares `to` with its own DID and looks `from` up in its registry, which
 * holds only DIDs it parsed in full; decoding both per message bought nothing.
 */
function readDid(map: CborMap, key: string): string {
  const value = map.get(key);
  if (value === undefined) throw missing(key);
  if (isDidKeySyntax(value)) return value;
  if (typeof value !== 'string') throw malformed(`"${key}" expected a did:key string`, key);
  // The rare path: a full parse only to say precisely what is wrong.
  const parsed = parseDid(value);
  const code = parsed.ok ? 'INVALID_DID:LENGTH' : parsed.error.code;
  const reason = parsed.ok ? 'is not an Ed25519 did:key' : parsed.error.message;
  throw xlinkError(code, `"${key}": ${reason}`, { field: key });
}

function readSupportedVersions(value: CborValue | undefined, version: EnvelopeVersion): readonly EnvelopeVersion[] {
  if (value === undefined) throw missing(HEADER_KEY.supportedVersions);
  if (!Array.isArray(value) || value.length === 0 || value.length > ENVELOPE_VERSIONS.length) {
    throw malformed('"sv" expected a non-empty array of versions', HEADER_KEY.supportedVersions);
  }
  let last = -1;
  for (const item of value as readonly CborValue[]) {
    const rank = typeof item === 'string' ? (ENVELOPE_VERSIONS as readonly string[]).indexOf(item) : -1;
    if (rank <= last) {
      throw malformed('"sv" expected known versions, strictly in protocol order', HEADER_KEY.supportedVersions);
    }
    last = rank;
  }
  // A copy: from JSON this is the caller's array, which could change after the signature covered it.
  const versions = [...value] as readonly EnvelopeVersion[];
  if (!versions.includes(version)) {
    throw malformed(`"sv" does not list the envelope's own version ${version}`, HEADER_KEY.supportedVersions);
  }
  return versions;
}

function optionalBytes(map: CborMap, key: string, length: number): Uint8Array | undefined {
  const value = map.get(key);
  if (value === undefined) return undefined;
  if (!(value instanceof Uint8Array)) throw malformed(`"${key}" expected bytes`, key);
  if (value.length !== length) {
    throw xlinkError('ENVELOPE_INVALID:LENGTH', `"${key}" expected ${length} bytes, got ${value.length}`, {
      field: key,
    });
  }
  return value;
}

function optionalSafeInteger(map: CborMap, key: string): number | undefined {
  const value = map.get(key);
  if (value === undefined) return undefined;
  // -0 passes isSafeInteger but is no unsigned integer: CBOR carries it as the float f98000.
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0 || Object.is(value, -0)) {
    throw malformed(`"${key}" expected an integer from 0 to 2^53-1`, key);
  }
  return value;
}

function requirePresence(key: string, value: unknown, required: boolean, version: EnvelopeVersion): void {
  if (required && value === undefined) throw missing(key);
  if (!required && value !== undefined) throw malformed(`a ${version} envelope has no "${key}" field`, key);
}

function missing(key: string): Error {
  return malformed(`missing header field "${key}"`, key);
}

function malformed(message: string, field: string): Error {
  return xlinkError('ENVELOPE_INVALID:MALFORMED', message, { field });
}
