/**
 * The identity document: the DID's own signed statement of its other public
 * keys, so nobody between the identity and its peers (a registry, a gateway)
 * can substitute a key the DID did not sign.
 *
 *   const doc = await createIdentityDocument(identity, { crypto, versions: ['signed', 'v1', 'v2'], sequence: 1, issuedAt: Date.now() });
 *   const line = JSON.stringify(identityDocumentToJson(doc));          // e.g. one JSONL line in a registry
 *   const parsed = identityDocumentFromJson(JSON.parse(line));
 *   const checked = parsed.ok && (await verifyIdentityDocument(parsed.value, { crypto, did, previous }));
 *   if (checked && checked.ok) checked.value.x25519PublicKey; // now safe to encrypt to
 *
 * Format. `body` is deterministic CBOR (RFC 8949 §4.2.1) of a map with exactly
 * these text keys: "did" (the signer's did:key), "x25519" (32 bytes),
 * "mlKem768" (1184 bytes), optionally "mlDsa65" (1952 bytes), "versions" (text
 * array, strictly increasing in the order signed < v1 < v2 < v3), "sequence"
 * and "issuedAt" (unsigned safe integers; issuedAt in ms since the epoch).
 * Both signatures cover utf8("xlink identity document v1") ‖ 0x00 ‖ body; the
 * prefix keeps every other xlink signature (envelopes above all) from passing
 * as a document signature. `signature` is Ed25519 by the DID's key;
 * `mlDsaSignature` is ML-DSA-65 by the listed ML-DSA key, present exactly when
 * that key is listed (it proves possession, so nobody can list someone else's key).
 *
 * Rules. X25519 and ML-KEM-768 keys are always listed, so "v1" and "v2" are
 * always backed; "v3" needs the ML-DSA-65 key and its signature. Unknown,
 * duplicate or unsorted versions, and an empty list, are refused: a verifier
 * that does not know a version cannot promise it. A newer document must carry
 * a larger `sequence`; pass the last accepted document as `previous`.
 *
 * Limits. `issuedAt` is reported, never compared with a clock: freshness and
 * revocation are the registry's policy. Bodies over 4096 bytes are refused
 * before decoding. The X25519 key is checked canonical and on the curve and
 * the ML-KEM key passes the FIPS 203 §7.2 modulus check; the ML-DSA key is
 * vouched for by its own signature.
 */
import { base64urlDecode, base64urlEncode } from '../codec/base64url.js';
import { assertBytes, concatBytes, utf8Encode } from '../codec/bytes.js';
import { type CborMap, type CborValue, decodeCbor, encodeCbor } from '../codec/cbor.js';
import {
  ED25519_SIGNATURE_LENGTH,
  type Ed25519Signing,
  type Ed25519Verifying,
  type KeyPair,
  ML_DSA_65_PUBLIC_KEY_LENGTH,
  ML_DSA_65_SIGNATURE_LENGTH,
  ML_KEM_768_PUBLIC_KEY_LENGTH,
  type PostQuantumSignatures,
  X25519_KEY_LENGTH,
} from '../crypto/provider.js';
import { assertX25519PublicKey } from '../crypto/x25519-public-key.js';
import { attempt, attemptSync, quote, type Result, xlinkError } from '../errors.js';
import { assertCrypto, type DocumentKeys } from './derive.js';
import { didFromEd25519PublicKey, parseDid } from './did.js';

/** Envelope formats an identity can receive: Ed25519-signed only, or encrypted v1 (X25519), v2 (+ML-KEM-768), v3 (+ML-DSA-65). */
export type EnvelopeVersion = 'signed' | 'v1' | 'v2' | 'v3';

/** Every envelope version, in the order `versions` must follow. */
export const ENVELOPE_VERSIONS: readonly EnvelopeVersion[] = ['signed', 'v1', 'v2', 'v3'];

/** Signed prefix; a 0 byte separates it from the body. A new body format gets a new prefix. */
export const IDENTITY_DOCUMENT_DOMAIN = 'xlink identity document v1';

/** Largest body accepted; a full document (all four keys) is about 3.4 KB. */
const MAX_IDENTITY_DOCUMENT_BODY_BYTES = 4096;

export interface SignedIdentityDocument {
  /** Deterministic CBOR of the document fields. */
  readonly body: Uint8Array;
  /** Ed25519 signature by the DID's key (64 bytes). */
  readonly signature: Uint8Array;
  /** ML-DSA-65 signature by the listed ML-DSA key (3309 bytes), present exactly when that key is listed. */
  readonly mlDsaSignature?: Uint8Array;
}

/** The verified content of a document. */
export interface IdentityDocument {
  readonly did: string;
  /** The key the DID names; it signed the document. */
  readonly ed25519PublicKey: Uint8Array;
  readonly x25519PublicKey: Uint8Array;
  readonly mlKem768PublicKey: Uint8Array;
  /** Present when listed; then it also signed the document. */
  readonly mlDsa65PublicKey?: Uint8Array;
  readonly versions: readonly EnvelopeVersion[];
  readonly sequence: number;
  /** Milliseconds since the Unix epoch, as the signer stated it. */
  readonly issuedAt: number;
}

/** JSON form: the same three fields as unpadded base64url. */
export interface IdentityDocumentJson {
  readonly body: string;
  readonly signature: string;
  readonly mlDsaSignature?: string;
}

export interface CreateIdentityDocumentOptions {
  readonly crypto: Ed25519Signing & Pick<PostQuantumSignatures, 'mlDsa65Sign'>;
  /** Any order, no duplicates; stored sorted. */
  readonly versions: readonly EnvelopeVersion[];
  /** Safe integer ≥ 0, larger than every earlier document's. */
  readonly sequence: number;
  /** Milliseconds since the Unix epoch. */
  readonly issuedAt: number;
  /** List the ML-DSA-65 key and sign with it too. Defaults to whether `versions` has "v3", which requires it. */
  readonly postQuantumSig?: boolean;
}

export interface VerifyIdentityDocumentOptions {
  readonly crypto: Ed25519Verifying & Pick<PostQuantumSignatures, 'mlDsa65Verify'>;
  /** The DID the document must belong to. */
  readonly did?: string;
  /** The last document accepted for this DID: the new one must have a larger sequence. */
  readonly previous?: IdentityDocument;
}

const KEY = {
  did: 'did',
  x25519: 'x25519',
  mlKem768: 'mlKem768',
  mlDsa65: 'mlDsa65',
  versions: 'versions',
  sequence: 'sequence',
  issuedAt: 'issuedAt',
} as const;

const REQUIRED_KEYS: readonly string[] = [KEY.did, KEY.x25519, KEY.mlKem768, KEY.versions, KEY.sequence, KEY.issuedAt];

/** One map, its seven keys and values, four versions: 19 items, one level of nesting below the map. */
const DECODE_LIMITS = { maxBytes: MAX_IDENTITY_DOCUMENT_BODY_BYTES, maxDepth: 2, maxItems: 32 } as const;

/** Signs a document listing the identity's keys; throws on invalid arguments. */
export async function createIdentityDocument(
  identity: DocumentKeys & { readonly mlDsa65?: KeyPair },
  options: CreateIdentityDocumentOptions,
): Promise<SignedIdentityDocument> {
  const { crypto, sequence, issuedAt } = options;
  assertCrypto(crypto, 'ed25519Signer');
  assertUnsignedInteger(sequence, 'sequence');
  assertUnsignedInteger(issuedAt, 'issuedAt');
  const versions = sortedVersions(options.versions);
  const postQuantumSig = options.postQuantumSig ?? versions.includes('v3');
  if (versions.includes('v3') && !postQuantumSig) {
    throw xlinkError('IDENTITY_DOCUMENT_INVALID:VERSIONS', '"versions" lists v3, which needs postQuantumSig', {
      field: 'versions',
    });
  }
  const did = didFromEd25519PublicKey(identity.ed25519.publicKey);
  if (did !== identity.did) {
    throw xlinkError('INVALID_ARGUMENT', '"identity.did" does not name identity.ed25519.publicKey', {
      field: 'identity.did',
    });
  }
  assertBytes(identity.x25519.publicKey, 'identity.x25519.publicKey', X25519_KEY_LENGTH);
  assertBytes(identity.mlKem768.publicKey, 'identity.mlKem768.publicKey', ML_KEM_768_PUBLIC_KEY_LENGTH);
  const fields = new Map<string, CborValue>([
    [KEY.did, did],
    [KEY.x25519, identity.x25519.publicKey],
    [KEY.mlKem768, identity.mlKem768.publicKey],
    [KEY.versions, versions],
    [KEY.sequence, sequence],
    [KEY.issuedAt, issuedAt],
  ]);
  const { mlDsa65 } = identity;
  if (postQuantumSig) {
    assertBytes(mlDsa65?.publicKey, 'identity.mlDsa65.publicKey', ML_DSA_65_PUBLIC_KEY_LENGTH);
    fields.set(KEY.mlDsa65, mlDsa65.publicKey);
  }
  const body = encodeCbor(fields);
  const message = signingMessage(body);
  const signature = await (await crypto.ed25519Signer(identity.ed25519.secretKey)).sign(message);
  if (!postQuantumSig || mlDsa65 === undefined) return { body, signature };
  return { body, signature, mlDsaSignature: await crypto.mlDsa65Sign(mlDsa65.secretKey, message) };
}

/**
 * Checks shape, versions, both signatures, the expected DID and the sequence,
 * and returns the fields. Failure codes: IDENTITY_DOCUMENT_INVALID:MALFORMED,
 * :VERSIONS, :SIGNATURE (also a DID other than `did` or `previous.did`), :SEQUENCE.
 */
export async function verifyIdentityDocument(
  doc: SignedIdentityDocument,
  options: VerifyIdentityDocumentOptions,
): Promise<Result<IdentityDocument>> {
  return attempt(async () => {
    const { crypto, did: expectedDid, previous } = options;
    assertCrypto(crypto, 'ed25519Verifier');
    if (expectedDid !== undefined && typeof expectedDid !== 'string') {
      throw xlinkError('INVALID_ARGUMENT', `"did" expected string, got ${typeof expectedDid}`, { field: 'did' });
    }
    const { body, signature, mlDsaSignature } = checkSignedShape(doc);
    const document = decodeBody(body);
    checkVersions(document, mlDsaSignature);

    if (expectedDid !== undefined && document.did !== expectedDid) {
      throw invalidSignature(`document belongs to ${document.did}, not to the expected ${expectedDid}`);
    }
    if (previous !== undefined && document.did !== previous.did) {
      throw invalidSignature(`document belongs to ${document.did}, but the previous one to ${previous.did}`);
    }
    const message = signingMessage(body);
    if (!(await (await crypto.ed25519Verifier(document.ed25519PublicKey)).verify(message, signature))) {
      throw invalidSignature(`Ed25519 signature does not verify under ${document.did}`);
    }
    if (document.mlDsa65PublicKey !== undefined) {
      if (mlDsaSignature === undefined) {
        throw invalidSignature('the ML-DSA-65 key is listed without its signature (proof of possession)');
      }
      if (!(await crypto.mlDsa65Verify(document.mlDsa65PublicKey, message, mlDsaSignature))) {
        throw invalidSignature('ML-DSA-65 signature does not verify under the listed ML-DSA-65 key');
      }
    }
    if (previous !== undefined && !(document.sequence > previous.sequence)) {
      throw xlinkError(
        'IDENTITY_DOCUMENT_INVALID:SEQUENCE',
        `document sequence ${document.sequence} is not larger than the previous ${previous.sequence}`,
        { field: 'sequence' },
      );
    }
    return document;
  });
}

/** The JSON form of a signed document (base64url fields). */
export function identityDocumentToJson(doc: SignedIdentityDocument): IdentityDocumentJson {
  const { body, signature, mlDsaSignature } = checkSignedShape(doc);
  const json = { body: base64urlEncode(body), signature: base64urlEncode(signature) };
  return mlDsaSignature === undefined ? json : { ...json, mlDsaSignature: base64urlEncode(mlDsaSignature) };
}

/**
 * Reads the JSON form (an already parsed value, e.g. `JSON.parse(line)`).
 * Exactly the keys "body", "signature" and optionally "mlDsaSignature", each
 * canonical base64url of the right size, else IDENTITY_DOCUMENT_INVALID:MALFORMED.
 * This checks form only: pass the result to `verifyIdentityDocument`.
 */
export function identityDocumentFromJson(json: unknown): Result<SignedIdentityDocument> {
  return attemptSync(() => {
    if (typeof json !== 'object' || json === null || Array.isArray(json)) {
      throw malformed('JSON document expected an object with "body" and "signature"');
    }
    const record = json as Record<string, unknown>;
    for (const key of Object.keys(record)) {
      if (key !== 'body' && key !== 'signature' && key !== 'mlDsaSignature') {
        throw malformed(`JSON document has an unexpected key ${quote(key)}`);
      }
    }
    const body = decodeField(record, 'body', Math.ceil((MAX_IDENTITY_DOCUMENT_BODY_BYTES * 4) / 3));
    const signature = decodeField(record, 'signature', Math.ceil((ED25519_SIGNATURE_LENGTH * 4) / 3));
    const doc: SignedIdentityDocument =
      record.mlDsaSignature === undefined
        ? { body, signature }
        : {
            body,
            signature,
            mlDsaSignature: decodeField(record, 'mlDsaSignature', Math.ceil((ML_DSA_65_SIGNATURE_LENGTH * 4) / 3)),
          };
    checkSignedShape(doc);
    return doc;
  });
}

// ---------------------------------------------------------------- internals

function signingMessage(body: Uint8Array): Uint8Array {
  return concatBytes(utf8Encode(IDENTITY_DOCUMENT_DOMAIN), Uint8Array.of(0), body);
}

function malformed(message: string, cause?: unknown): Error {
  return xlinkError(
    'IDENTITY_DOCUMENT_INVALID:MALFORMED',
    message,
    cause === undefined ? { field: 'document' } : { field: 'document', cause },
  );
}

function invalidSignature(message: string): Error {
  return xlinkError('IDENTITY_DOCUMENT_INVALID:SIGNATURE', message, { field: 'signature' });
}

function invalidVersions(message: string): Error {
  return xlinkError('IDENTITY_DOCUMENT_INVALID:VERSIONS', message, { field: 'versions' });
}

function assertUnsignedInteger(value: unknown, field: string): asserts value is number {
  if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) return;
  throw xlinkError('INVALID_ARGUMENT', `"${field}" expected a safe integer >= 0, got ${String(value)}`, { field });
}

/** The caller's versions in canonical order; unknown or repeated ones are refused. */
function sortedVersions(versions: unknown): EnvelopeVersion[] {
  if (!Array.isArray(versions)) {
    throw invalidVersions(`"versions" expected an array of ${ENVELOPE_VERSIONS.join(', ')}`);
  }
  for (const version of versions) {
    if (!ENVELOPE_VERSIONS.includes(version)) throw invalidVersions(`unknown envelope version ${String(version)}`);
  }
  const sorted = ENVELOPE_VERSIONS.filter((version) => versions.includes(version));
  if (sorted.length !== versions.length) throw invalidVersions('"versions" lists a version twice');
  if (sorted.length === 0) throw invalidVersions('"versions" is empty');
  return sorted;
}

interface CheckedSignedDocument {
  body: Uint8Array;
  signature: Uint8Array;
  mlDsaSignature: Uint8Array | undefined;
}

function checkSignedShape(doc: unknown): CheckedSignedDocument {
  if (typeof doc !== 'object' || doc === null) throw malformed('signed document expected an object');
  const { body, signature, mlDsaSignature } = doc as Record<string, unknown>;
  if (!(body instanceof Uint8Array)) throw malformed('"body" expected Uint8Array');
  if (body.length > MAX_IDENTITY_DOCUMENT_BODY_BYTES) {
    throw malformed(`"body" is ${body.length} bytes, more than ${MAX_IDENTITY_DOCUMENT_BODY_BYTES}`);
  }
  checkLength(signature, 'signature', ED25519_SIGNATURE_LENGTH);
  if (mlDsaSignature !== undefined) checkLength(mlDsaSignature, 'mlDsaSignature', ML_DSA_65_SIGNATURE_LENGTH);
  return { body, signature, mlDsaSignature };
}

function checkLength(value: unknown, field: string, length: number): asserts value is Uint8Array {
  if (value instanceof Uint8Array && value.length === length) return;
  const got = value instanceof Uint8Array ? `length=${value.length}` : typeof value;
  throw malformed(`"${field}" expected Uint8Array of length ${length}, got ${got}`);
}

function decodeField(record: Record<string, unknown>, field: string, maxChars: number): Uint8Array {
  const text = record[field];
  if (typeof text !== 'string') throw malformed(`"${field}" expected a base64url string, got ${typeof text}`);
  if (text.length > maxChars) throw malformed(`"${field}" has ${text.length} characters, more than ${maxChars}`);
  const decoded = base64urlDecode(text);
  if (!decoded.ok) throw malformed(`"${field}" is not canonical base64url: ${decoded.error.message}`);
  return decoded.value;
}

function decodeBody(body: Uint8Array): IdentityDocument {
  const decoded = decodeCbor(body, DECODE_LIMITS);
  if (!decoded.ok) throw malformed(`body is not deterministic CBOR: ${decoded.error.message}`);
  const value = decoded.value;
  if (!(value instanceof Map)) throw malformed('body expected a CBOR map');
  const map = value as CborMap;
  for (const key of map.keys()) {
    if (!(REQUIRED_KEYS.includes(key as string) || key === KEY.mlDsa65)) {
      throw malformed(`body has an unexpected key ${quote(key)}`);
    }
  }
  for (const key of REQUIRED_KEYS) if (!map.has(key)) throw malformed(`body lacks the key "${key}"`);

  const didText = map.get(KEY.did);
  if (typeof didText !== 'string') throw malformed('body "did" expected a text string');
  const parsed = parseDid(didText);
  if (!parsed.ok) throw malformed(`body "did" is not an xlink DID: ${parsed.error.message}`);

  const x25519PublicKey = bytesField(map, KEY.x25519, X25519_KEY_LENGTH);
  try {
    assertX25519PublicKey(x25519PublicKey);
  } catch (cause) {
    throw malformed(`body "x25519": ${(cause as Error).message}`, cause);
  }
  const mlKem768PublicKey = bytesField(map, KEY.mlKem768, ML_KEM_768_PUBLIC_KEY_LENGTH);
  if (!passesMlKemModulusCheck(mlKem768PublicKey)) {
    throw malformed('body "mlKem768" fails the FIPS 203 modulus check (a coefficient >= 3329)');
  }
  const document: IdentityDocument = {
    did: parsed.value.did,
    ed25519PublicKey: parsed.value.publicKey,
    x25519PublicKey,
    mlKem768PublicKey,
    versions: versionsField(map.get(KEY.versions)),
    sequence: integerField(map, KEY.sequence),
    issuedAt: integerField(map, KEY.issuedAt),
  };
  if (!map.has(KEY.mlDsa65)) return document;
  return { ...document, mlDsa65PublicKey: bytesField(map, KEY.mlDsa65, ML_DSA_65_PUBLIC_KEY_LENGTH) };
}

function bytesField(map: CborMap, key: string, length: number): Uint8Array {
  const value = map.get(key);
  if (value instanceof Uint8Array && value.length === length) return value;
  const got = value instanceof Uint8Array ? `length=${value.length}` : typeof value;
  throw malformed(`body "${key}" expected a byte string of length ${length}, got ${got}`);
}

function integerField(map: CborMap, key: string): number {
  const value = map.get(key);
  if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) return value;
  throw malformed(`body "${key}" expected an unsigned integer, got ${String(value)}`);
}

/** Text strings are MALFORMED if not text; their meaning (known, sorted, unique) is a VERSIONS matter. */
function versionsField(value: CborValue | undefined): EnvelopeVersion[] {
  if (!Array.isArray(value)) throw malformed('body "versions" expected an array');
  const versions: EnvelopeVersion[] = [];
  let previousRank = -1;
  for (const item of value as readonly CborValue[]) {
    if (typeof item !== 'string') throw malformed('body "versions" expected text strings');
    const rank = ENVELOPE_VERSIONS.indexOf(item as EnvelopeVersion);
    if (rank < 0) throw invalidVersions(`unknown envelope version ${quote(item)}`);
    if (rank <= previousRank) throw invalidVersions('"versions" not strictly increasing (repeated or unsorted)');
    previousRank = rank;
    versions.push(item as EnvelopeVersion);
  }
  if (versions.length === 0) throw invalidVersions('"versions" is empty');
  return versions;
}

/** X25519 and ML-KEM keys are always listed, so only v3 can lack its key. */
function checkVersions(document: IdentityDocument, mlDsaSignature: Uint8Array | undefined): void {
  if (mlDsaSignature !== undefined && document.mlDsa65PublicKey === undefined) {
    throw malformed('"mlDsaSignature" present but the body lists no ML-DSA-65 key');
  }
  if (document.versions.includes('v3') && (document.mlDsa65PublicKey === undefined || mlDsaSignature === undefined)) {
    throw invalidVersions('"v3" is listed but the ML-DSA-65 key or its signature is missing');
  }
}

/**
 * FIPS 203 §7.2 modulus check on the 1152 bytes of t̂: every 12-bit
 * coefficient (two per three bytes, little-endian) must be below q = 3329.
 * Done here so a registry never stores a key every sender would fail on.
 */
function passesMlKemModulusCheck(publicKey: Uint8Array): boolean {
  const Q = 3329;
  for (let i = 0; i < 1152; i += 3) {
    const b0 = publicKey[i] as number;
    const b1 = publicKey[i + 1] as number;
    const b2 = publicKey[i + 2] as number;
    if ((b0 | ((b1 & 0x0f) << 8)) >= Q || ((b1 >> 4) | (b2 << 4)) >= Q) return false;
  }
  return true;
}
