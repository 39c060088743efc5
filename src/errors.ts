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
