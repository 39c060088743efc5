/**
 * Errors of xlink: one catalogue of stable codes, a `Result` for APIs that
 * must not throw, and `XlinkError` with the white paper's seven subclasses.
 *
 *   const r = parseDid(text);
 *   if (!r.ok) switch (r.error.code) { case 'INVALID_DID:MULTICODEC': … }
 *
 * Every code is listed, with meaning and fix, in docs/errors.md; a test keeps
 * the two in step. Decryption failures are deliberately opaque: their message
 * never says which check failed, so they cannot serve as an oracle.
 */

export type ErrorCategory =
  | 'identity'
  | 'envelope'
  | 'transport'
  | 'registry'
  | 'key-agreement'
  | 'split-channel'
  | 'agent';

interface CatalogueEntry {
  readonly category: ErrorCategory;
  readonly hint: string;
}

/** Every error code xlink can produce, with the category that decides its class. */
export const ERROR_CATALOGUE = {
  INVALID_ARGUMENT: {
    category: 'identity',
    hint: 'Pass the type the function documents; see the field named in the error.',
  },
  INVALID_LENGTH: {
    category: 'identity',
    hint: 'Pass a byte array of exactly the length named in the message.',
  },
  'INVALID_SEED:LENGTH': {
    category: 'identity',
    hint: 'An identity seed is exactly 32 bytes from a cryptographic random source.',
  },
  'INVALID_DID:PREFIX': {
    category: 'identity',
    hint: 'A DID here starts with "did:key:".',
  },
  'INVALID_DID:MULTIBASE': {
    category: 'identity',
    hint: 'The method-specific id must be base58btc multibase, starting with "z".',
  },
  'INVALID_DID:BASE58': {
    category: 'identity',
    hint: 'base58btc has no 0, O, I or l; check the DID was copied whole.',
  },
  'INVALID_DID:MULTICODEC': {
    category: 'identity',
    hint: 'Only Ed25519 did:key identifiers (z6Mk…, multicodec 0xed01) name an xlink identity.',
  },
  'INVALID_DID:LENGTH': {
    category: 'identity',
    hint: 'An Ed25519 did:key carries exactly 2 + 32 bytes; the DID is truncated or padded.',
  },
  'INVALID_DID:URL': {
    category: 'identity',
    hint: 'Pass the bare DID: a DID URL with a path, query or fragment (/, ?, #) does not name an identity.',
  },
  'INVALID_DID:SMALL_ORDER_KEY': {
    category: 'identity',
    hint: 'The key is a small-order point that any signature could be forged for; it cannot be an identity.',
  },
  'INVALID_PUBLIC_KEY:NON_CANONICAL': {
    category: 'identity',
    hint: 'The key is not in canonical encoding; the sender must encode it per RFC 8032 or RFC 7748.',
  },
  'INVALID_PUBLIC_KEY:NOT_ON_CURVE': {
    category: 'key-agreement',
    hint: 'The X25519 public key is not a point of Curve25519 (it lies on the twist).',
  },
  'INVALID_PUBLIC_KEY:ML_KEM': {
    category: 'key-agreement',
    hint: 'The ML-KEM-768 encapsulation key failed the FIPS 203 modulus check: it was corrupted or forged.',
  },
  'INVALID_PKCS8:MALFORMED': {
    category: 'identity',
    hint: 'Expected PKCS#8 DER of an Ed25519 or X25519 private key (RFC 8410).',
  },
  'INVALID_PKCS8:ALGORITHM': {
    category: 'identity',
    hint: 'The PKCS#8 key is of another algorithm than the one asked for.',
  },
  KEYGEN_FAILED: {
    category: 'identity',
    hint: 'The crypto backend could not derive a key; check it supports the algorithm.',
  },
  'CRYPTO_UNAVAILABLE:ALGORITHM': {
    category: 'identity',
    hint: 'This runtime lacks the algorithm in its native crypto; use the noble backend.',
  },
  'IDENTITY_DOCUMENT_INVALID:MALFORMED': {
    category: 'identity',
    hint: 'The identity document is not the canonical CBOR this version defines.',
  },
  'IDENTITY_DOCUMENT_INVALID:SIGNATURE': {
    category: 'identity',
    hint: 'The identity document was not signed by the key its DID names; do not trust its keys.',
  },
  'IDENTITY_DOCUMENT_INVALID:SEQUENCE': {
    category: 'identity',
    hint: 'A newer identity document must carry a larger sequence number than the one it replaces.',
  },
  'IDENTITY_DOCUMENT_INVALID:VERSIONS': {
    category: 'identity',
    hint: 'A listed envelope version needs a key the document does not carry (v2 needs ML-KEM-768, v3 ML-DSA-65).',
  },
  'PARSE_FAILED:HEX': {
    category: 'envelope',
    hint: 'Hex text has an even number of the characters 0-9 and a-f.',
  },
  'PARSE_FAILED:BASE58': {
    category: 'envelope',
    hint: 'base58btc text uses only the 58 characters of the Bitcoin alphabet.',
  },
  'PARSE_FAILED:BASE64URL': {
    category: 'envelope',
    hint: 'Use unpadded, canonical base64url (RFC 4648 §5) with no whitespace.',
  },
  'PARSE_FAILED:UTF8': {
    category: 'envelope',
    hint: 'The text is not well-formed UTF-8.',
  },
  'PARSE_FAILED:CBOR': {
    category: 'envelope',
    hint: 'The bytes are not canonical, deterministic CBOR (RFC 8949 §4.2) within the size and depth limits.',
  },
  'VERIFICATION_FAILED:SIGNATURE_MISMATCH': {
    category: 'agent',
    hint: 'The signature does not match the message and the sender key; the message was altered or not signed by this DID.',
  },
  UNKNOWN_ERROR_CODE: {
    category: 'agent',
    hint: 'An error detail carried a code this version of xlink does not know (a newer peer?); its message names it.',
  },
  'DECRYPT_FAILED:DECRYPTION': {
    category: 'envelope',
    hint: 'The message cannot be decrypted with this key; it was altered, truncated or meant for someone else.',
  },
  'ECDH_FAILED:ZERO_SHARED_SECRET': {
    category: 'key-agreement',
    hint: 'The peer key is a low-order point that forces an all-zero secret; reject the peer.',
  },
  'PARSE_FAILED:JSON': {
    category: 'envelope',
    hint: 'The text is not well-formed JSON (RFC 8259) within the size and depth limits.',
  },
  'PARSE_FAILED:DUPLICATE_KEY': {
    category: 'envelope',
    hint: 'A JSON object names the same key twice; xlink refuses it rather than guess which value counts.',
  },
  'PARSE_FAILED:FORBIDDEN_KEY': {
    category: 'envelope',
    hint: 'The JSON uses the key "__proto__", which could rewrite object prototypes; rename it.',
  },
  'PARSE_FAILED:COSE': {
    category: 'envelope',
    hint: 'Compact envelopes are COSE_Sign1 (RFC 9052 §4.2): a four-element array, optionally under tag 18.',
  },
  'ENVELOPE_INVALID:TOO_LARGE': {
    category: 'envelope',
    hint: 'The envelope is larger than the receiver accepts (default 256 KiB); split the payload or raise maxEnvelopeBytes.',
  },
  'ENVELOPE_INVALID:MALFORMED': {
    category: 'envelope',
    hint: 'A field is missing, unknown or of the wrong type for this envelope version; the field is named.',
  },
  'ENVELOPE_INVALID:LENGTH': {
    category: 'envelope',
    hint: 'A binary field has the wrong length (e.g. an IV must be 12 bytes); the field is named.',
  },
  'ENVELOPE_INVALID:VERSION': {
    category: 'envelope',
    hint: 'Envelope versions are "signed", "v1", "v2" and "v3"; the sender may be newer than this receiver.',
  },
  'ENVELOPE_INVALID:ALGORITHM': {
    category: 'envelope',
    hint: 'Each envelope version fixes its algorithms (EdDSA signatures); a different algorithm is refused, never negotiated.',
  },
  INVALID_SCOPE: {
    category: 'agent',
    hint: 'A scope is 1 to 64 characters from A-Z a-z 0-9 and . _ : / -.',
  },
  'ENCRYPT_FAILED:NO_X25519_KEY': {
    category: 'envelope',
    hint: "Encryption needs the recipient's X25519 key from its verified identity document; there is no fallback key.",
  },
  'DECRYPT_FAILED:KEY_AGREEMENT': {
    category: 'envelope',
    hint: "The envelope's ephemeral key or KEM ciphertext was refused; the envelope was altered or is not for this identity.",
  },
  'DECRYPT_FAILED:PARSE': {
    category: 'envelope',
    hint: 'The decrypted payload is not the JSON the sender promised; the sender has a bug.',
  },
  'NEGOTIATION_FAILED:NO_COMMON_VERSION': {
    category: 'agent',
    hint: "The recipient's identity document lists no encrypted version this agent supports; send signed-only or upgrade one side.",
  },
  'DOWNGRADE_DETECTED:VERSION': {
    category: 'agent',
    hint: 'The envelope uses a lower version than both sides support; someone stripped protection on the way. Drop it.',
  },
  'DOWNGRADE_DETECTED:STRIPPED': {
    category: 'agent',
    hint: 'A field the declared version requires (KEM ciphertext, ML-DSA-65 signature) is missing; someone stripped it. Drop it.',
  },
  CLEARTEXT_REFUSED: {
    category: 'agent',
    hint: 'This receiver was not called with allowCleartext: true, so it refuses signed-only (unencrypted) envelopes.',
  },
  TIMESTAMP_EXPIRED: {
    category: 'agent',
    hint: 'The envelope is older than the timestamp window (default 30 s); check clocks (NTP) or raise timestampWindowMs.',
  },
  'TIMESTAMP_EXPIRED:FUTURE': {
    category: 'agent',
    hint: "The envelope is dated further in the future than the window allows; the sender's clock is ahead.",
  },
  REPLAY_DETECTED: {
    category: 'agent',
    hint: 'This sender already used this nonce: the envelope is a replay. Drop it.',
  },
  'REPLAY_DETECTED:COUNTER': {
    category: 'agent',
    hint: 'The counter was already seen or is below the sliding window; the envelope is a replay or arrived far too late.',
  },
  'REPLAY_DETECTED:BEFORE_START': {
    category: 'agent',
    hint: "The envelope predates this replay store's start, so the store cannot know if it was seen; use a persistent store.",
  },
  'REPLAY_DETECTED:UNVERIFIABLE': {
    category: 'agent',
    hint: 'A clockless counter envelope needs a persistent replay store (file or Redis); a memory store forgets on restart.',
  },
  REPLAY_STORE_FULL: {
    category: 'agent',
    hint: 'The memory replay store is at capacity and refuses rather than forget; raise maxEntries or use Redis.',
  },
  REPLAY_STORE_UNAVAILABLE: {
    category: 'agent',
    hint: 'The replay store could not be read or written (disk, Redis); the envelope was refused, not accepted unchecked.',
  },
  COUNTER_EXHAUSTED: {
    category: 'agent',
    hint: 'The sender counter reached 2^53-1; this identity must stop sending in counter mode.',
  },
  'VERIFICATION_FAILED:DID_NOT_IN_REGISTRY': {
    category: 'agent',
    hint: "Register the sender's DID (with its identity document and scopes) in this receiver's trust registry.",
  },
  'VERIFICATION_FAILED:REVOKED': {
    category: 'agent',
    hint: 'The sender was revoked in the trust registry; its envelopes are refused from the revocation on.',
  },
  'VERIFICATION_FAILED:WRONG_RECIPIENT': {
    category: 'agent',
    hint: 'The envelope is addressed to another DID; it was misrouted or replayed to a different receiver.',
  },
  'VERIFICATION_FAILED:PQ_SIGNATURE_MISMATCH': {
    category: 'agent',
    hint: "The ML-DSA-65 signature does not verify under the sender's post-quantum key; the envelope was altered.",
  },
  SCOPE_DENIED: {
    category: 'agent',
    hint: 'The sender is not registered for this scope; scopes match exactly (no prefixes, no case folding).',
  },
  DID_NOT_IN_REGISTRY: {
    category: 'registry',
    hint: 'Register the DID first, or check it was copied whole.',
  },
  'REGISTRATION_FAILED:ALREADY_REGISTERED': {
    category: 'registry',
    hint: 'The DID is already registered (or was revoked); use updateDocument or setScopes to change it.',
  },
  REGISTRY_IO_FAILED: {
    category: 'registry',
    hint: 'The registry file could not be read or written; nothing was changed in memory. Check the path and disk.',
  },
  REGISTRY_CORRUPT: {
    category: 'registry',
    hint: 'A record before the last line of the registry file is damaged; restore the file from a backup.',
  },
  IDENTITY_FAILED: {
    category: 'agent',
    hint: 'The agent could not build its identity from the seed or keys given; see the cause.',
  },
  SEND_FAILED: {
    category: 'transport',
    hint: 'The transport could not deliver the envelope; see the cause and retry.',
  },
  'SEND_FAILED:DISPOSED': {
    category: 'transport',
    hint: 'The transport was disposed; create a new one.',
  },
} as const;

export type ErrorCode = keyof typeof ERROR_CATALOGUE;

/** Typed access that also makes the compiler check every entry's shape. */
function entryOf(code: ErrorCode): CatalogueEntry {
  return ERROR_CATALOGUE[code];
}

/** The plain-data form of an error, carried in `Result` and across processes. */
export interface ErrorDetail {
  code: ErrorCode;
  message: string;
  hint?: string;
  field?: string;
  docs?: string;
}

export type Result<T, E = ErrorDetail> = { ok: true; value: T } | { ok: false; error: E };

export function ok<T>(value: T): { ok: true; value: T } {
  return { ok: true, value };
}

export function err<E>(error: E): { ok: false; error: E } {
  return { ok: false, error };
}

const DOCS_PAGE = 'docs/errors.md';

/** Anchor of a code in docs/errors.md (GitHub-style slug of the heading). */
export function docsUrl(code: ErrorCode): string {
  return `${DOCS_PAGE}#${code.toLowerCase().replace(/[^a-z0-9_]/g, '')}`;
}

export function errorDetail(code: ErrorCode, message: string, field?: string): ErrorDetail {
  const detail: ErrorDetail = { code, message, hint: entryOf(code).hint, docs: docsUrl(code) };
  if (field !== undefined) detail.field = field;
  return detail;
}

export interface XlinkErrorOptions {
  field?: string;
  cause?: unknown;
}

/** Base of every error xlink throws; `code`/`subCode` split the catalogue code at ':'. */
export class XlinkError extends Error {
  override name = 'XlinkError';
  readonly detail: ErrorDetail;
  readonly code: string;
  readonly subCode: string | undefined;
  readonly hint: string;
  readonly field: string | undefined;
  readonly docUrl: string;

  constructor(code: ErrorCode, message: string, options: XlinkErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.detail = errorDetail(code, message, options.field);
    const colon = code.indexOf(':');
    this.code = colon < 0 ? code : code.slice(0, colon);
    this.subCode = colon < 0 ? undefined : code.slice(colon + 1);
    this.hint = entryOf(code).hint;
    this.field = options.field;
    this.docUrl = docsUrl(code);
  }

  /** The full catalogue code, e.g. `DECRYPT_FAILED:DECRYPTION`. */
  get fullCode(): ErrorCode {
    return this.detail.code;
  }
}

export class XlinkIdentityError extends XlinkError {
  override name = 'XlinkIdentityError';
}
export class XlinkEnvelopeError extends XlinkError {
  override name = 'XlinkEnvelopeError';
}
export class XlinkTransportError extends XlinkError {
  override name = 'XlinkTransportError';
}
export class XlinkRegistryError extends XlinkError {
  override name = 'XlinkRegistryError';
}
export class XlinkKeyAgreementError extends XlinkError {
  override name = 'XlinkKeyAgreementError';
}
export class XlinkSplitChannelError extends XlinkError {
  override name = 'XlinkSplitChannelError';
}
export class XlinkAgentError extends XlinkError {
  override name = 'XlinkAgentError';
}

const CLASS_OF_CATEGORY: Record<ErrorCategory, typeof XlinkError> = {
  identity: XlinkIdentityError,
  envelope: XlinkEnvelopeError,
  transport: XlinkTransportError,
  registry: XlinkRegistryError,
  'key-agreement': XlinkKeyAgreementError,
  'split-channel': XlinkSplitChannelError,
  agent: XlinkAgentError,
};

/** Builds the subclass the code's category calls for. */
export function xlinkError(code: ErrorCode, message: string, options?: XlinkErrorOptions): XlinkError {
  const ErrorClass = CLASS_OF_CATEGORY[entryOf(code).category];
  return new ErrorClass(code, message, options);
}

export function isXlinkError(value: unknown): value is XlinkError {
  return value instanceof XlinkError;
}

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && Object.hasOwn(ERROR_CATALOGUE, value);
}

/**
 * Turns an `ErrorDetail` (as found in a failed `Result`) or a thrown XlinkError into an XlinkError.
 * A detail may come from another process or version, so a code this catalogue lacks becomes
 * `UNKNOWN_ERROR_CODE` (naming the original) instead of a TypeError.
 */
export function toXlinkError(value: ErrorDetail | XlinkError): XlinkError {
  if (isXlinkError(value)) return value;
  const options = value.field === undefined ? {} : { field: value.field };
  if (isErrorCode(value.code)) return xlinkError(value.code, value.message, options);
  return xlinkError('UNKNOWN_ERROR_CODE', `${String(value.code)}: ${value.message}`, options);
}

/** The inverse of `attempt`: the value of an ok Result, or its error thrown as the right XlinkError subclass. */
export function unwrap<T>(result: Result<T>): T {
  if (result.ok) return result.value;
  throw toXlinkError(result.error);
}

/** The synchronous `attempt`: an XlinkError thrown by `fn` becomes a failed Result, anything else is rethrown. */
export function attemptSync<T>(fn: () => T): Result<T> {
  try {
    return ok(fn());
  } catch (error) {
    if (isXlinkError(error)) return err(error.detail);
    throw error;
  }
}

/**
 * Runs `fn` and turns an XlinkError it throws into a failed Result.
 * Anything else is a bug, not bad input, and is rethrown.
 */
export async function attempt<T>(fn: () => Promise<T>): Promise<Result<T>> {
  try {
    return ok(await fn());
  } catch (error) {
    if (isXlinkError(error)) return err(error.detail);
    throw error;
  }
}
