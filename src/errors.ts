/**
 * Errors of xlink: one catalogue of stable codes, a `Result` for APIs that
 * take untrusted input, and `XlinkError` with one subclass per category.
 *
 *   const r = parseDid(text);
 *   if (!r.ok) switch (r.error.code) { case 'INVALID_DID:MULTICODEC': … }
 *
 * `code` is always the whole catalogue code, thrown or returned. Every code is
 * documented in docs/errors.md; its hint (what to do about it) lives in
 * `xlink/errors/hints`, so a device bundle that only signs carries codes and
 * categories, not prose. Decryption failures are deliberately opaque: their
 * message never says which check failed, so they cannot serve as an oracle.
 * Messages quote untrusted input only through `quote`, which truncates, and
 * no message is longer than MAX_MESSAGE_LENGTH: an error must never become a
 * way to flood a gateway's logs.
 */

export type ErrorCategory =
  | 'argument'
  | 'platform'
  | 'identity'
  | 'envelope'
  | 'transport'
  | 'registry'
  | 'key-agreement'
  | 'split-channel'
  | 'agent';

/** Every error code xlink can produce, with the category that decides its class. */
export const ERROR_CODES = {
  INVALID_ARGUMENT: 'argument',
  INVALID_LENGTH: 'argument',
  RANDOM_SOURCE_FAILED: 'platform',
  STORAGE_FAILED: 'platform',
  'INVALID_SEED:LENGTH': 'identity',
  'INVALID_DID:PREFIX': 'identity',
  'INVALID_DID:MULTIBASE': 'identity',
  'INVALID_DID:BASE58': 'identity',
  'INVALID_DID:MULTICODEC': 'identity',
  'INVALID_DID:LENGTH': 'identity',
  'INVALID_DID:URL': 'identity',
  'INVALID_DID:SMALL_ORDER_KEY': 'identity',
  'INVALID_PUBLIC_KEY:NON_CANONICAL': 'identity',
  'INVALID_PUBLIC_KEY:NOT_ON_CURVE': 'key-agreement',
  'INVALID_PUBLIC_KEY:ML_KEM': 'key-agreement',
  'INVALID_PKCS8:MALFORMED': 'identity',
  'INVALID_PKCS8:ALGORITHM': 'identity',
  KEYGEN_FAILED: 'identity',
  'CRYPTO_UNAVAILABLE:ALGORITHM': 'identity',
  'IDENTITY_DOCUMENT_INVALID:MALFORMED': 'identity',
  'IDENTITY_DOCUMENT_INVALID:SIGNATURE': 'identity',
  'IDENTITY_DOCUMENT_INVALID:SEQUENCE': 'identity',
  'IDENTITY_DOCUMENT_INVALID:VERSIONS': 'identity',
  'PARSE_FAILED:HEX': 'envelope',
  'PARSE_FAILED:BASE58': 'envelope',
  'PARSE_FAILED:BASE64URL': 'envelope',
  'PARSE_FAILED:UTF8': 'envelope',
  'PARSE_FAILED:CBOR': 'envelope',
  'PARSE_FAILED:JSON': 'envelope',
  'PARSE_FAILED:DUPLICATE_KEY': 'envelope',
  'PARSE_FAILED:FORBIDDEN_KEY': 'envelope',
  'PARSE_FAILED:COSE': 'envelope',
  'PARSE_FAILED:PAYLOAD': 'envelope',
  'ENVELOPE_INVALID:TOO_LARGE': 'envelope',
  'ENVELOPE_INVALID:MALFORMED': 'envelope',
  'ENVELOPE_INVALID:LENGTH': 'envelope',
  'ENVELOPE_INVALID:VERSION': 'envelope',
  'ENVELOPE_INVALID:ALGORITHM': 'envelope',
  'ENCRYPT_FAILED:NO_X25519_KEY': 'envelope',
  'DECRYPT_FAILED:DECRYPTION': 'envelope',
  'DECRYPT_FAILED:KEY_AGREEMENT': 'envelope',
  'ECDH_FAILED:ZERO_SHARED_SECRET': 'key-agreement',
  'VERIFICATION_FAILED:SIGNATURE_MISMATCH': 'agent',
  'VERIFICATION_FAILED:PQ_SIGNATURE_MISMATCH': 'agent',
  'VERIFICATION_FAILED:DID_NOT_IN_REGISTRY': 'agent',
  'VERIFICATION_FAILED:UNKNOWN_KID': 'agent',
  'VERIFICATION_FAILED:REVOKED': 'agent',
  'VERIFICATION_FAILED:WRONG_RECIPIENT': 'agent',
  'NEGOTIATION_FAILED:NO_COMMON_VERSION': 'agent',
  'DOWNGRADE_DETECTED:VERSION': 'agent',
  'DOWNGRADE_DETECTED:STRIPPED': 'agent',
  CLEARTEXT_REFUSED: 'agent',
  TIMESTAMP_EXPIRED: 'agent',
  'TIMESTAMP_EXPIRED:FUTURE': 'agent',
  REPLAY_DETECTED: 'agent',
  'REPLAY_DETECTED:COUNTER': 'agent',
  'REPLAY_DETECTED:BEFORE_START': 'agent',
  'REPLAY_DETECTED:UNVERIFIABLE': 'agent',
  REPLAY_STORE_FULL: 'agent',
  REPLAY_STORE_UNAVAILABLE: 'agent',
  REPLAY_STORE_CORRUPT: 'agent',
  REPLAY_STORE_LOCKED: 'agent',
  REPLAY_STORE_MISSING: 'agent',
  REPLAY_STORE_EXISTS: 'agent',
  COUNTER_EXHAUSTED: 'agent',
  INVALID_SCOPE: 'agent',
  SCOPE_DENIED: 'agent',
  IDENTITY_FAILED: 'agent',
  UNKNOWN_ERROR_CODE: 'agent',
  DID_NOT_IN_REGISTRY: 'registry',
  'REGISTRATION_FAILED:ALREADY_REGISTERED': 'registry',
  'REGISTRATION_FAILED:KID_COLLISION': 'registry',
  REGISTRY_IO_FAILED: 'registry',
  REGISTRY_CORRUPT: 'registry',
  REGISTRY_LOCKED: 'registry',
  REGISTRY_MISSING: 'registry',
  REGISTRY_EXISTS: 'registry',
  REGISTRY_READ_ONLY: 'registry',
  SEND_FAILED: 'transport',
  'SEND_FAILED:CLOSED': 'transport',
  'SEND_FAILED:BELOW_THRESHOLD': 'transport',
  HMAC_VERIFICATION_FAILED: 'split-channel',
  INSUFFICIENT_SHARES: 'split-channel',
  INCONSISTENT_SHARES: 'split-channel',
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

/** The catalogue as a typed map: this assignment fails to compile when an entry names no category. */
const CATEGORY_OF: Readonly<Record<ErrorCode, ErrorCategory>> = ERROR_CODES;

/** The longest message an error carries; longer ones are cut (a backstop behind `quote`). */
export const MAX_MESSAGE_LENGTH = 512;
/** How much of an untrusted string `quote` shows. */
export const QUOTE_LENGTH = 64;

/** The plain-data form of an error, carried in `Result` and across processes. */
export interface ErrorDetail {
  readonly code: ErrorCode;
  readonly message: string;
  /** What to do about it; present when a caller added it (`withHint` in `xlink/errors/hints`). */
  readonly hint?: string;
  /** The argument or envelope field at fault. */
  readonly field?: string;
  /** Where docs/errors.md explains the code. */
  readonly docs?: string;
}

export type Result<T, E = ErrorDetail> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly error: E };

export function ok<T>(value: T): { readonly ok: true; readonly value: T } {
  return { ok: true, value };
}

export function err<E>(error: E): { readonly ok: false; readonly error: E } {
  return { ok: false, error };
}

const DOCS_PAGE = 'docs/errors.md';

/** Anchor of a code in docs/errors.md (GitHub-style slug of the heading). */
export function docsUrl(code: ErrorCode): string {
  return `${DOCS_PAGE}#${code.toLowerCase().replace(/[^a-z0-9_]/g, '')}`;
}

/**
 * A value from outside the process, safe to put in a message: strings are
 * JSON-quoted and cut at `max` characters (the length said), anything else is
 * named by its type. Success path first: most quoted values are short.
 */
export function quote(value: unknown, max: number = QUOTE_LENGTH): string {
  if (typeof value === 'string') {
    if (value.length <= max) return JSON.stringify(value);
    return `${JSON.stringify(value.slice(0, max))}… (${value.length} characters)`;
  }
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') {
    return quote(String(value), max);
  }
  if (value === null) return 'null';
  if (value instanceof Uint8Array) return `${value.length} bytes`;
  if (Array.isArray(value)) return `an array of ${value.length}`;
  if (typeof value === 'object') return `an object (${(value as object).constructor?.name ?? 'no prototype'})`;
  return typeof value;
}

function capped(message: string): string {
  return message.length <= MAX_MESSAGE_LENGTH ? message : `${message.slice(0, MAX_MESSAGE_LENGTH - 1)}…`;
}

export function errorDetail(code: ErrorCode, message: string, field?: string): ErrorDetail {
  const detail = { code, message: capped(message), docs: docsUrl(code) };
  return field === undefined ? detail : { ...detail, field };
}

export interface XlinkErrorOptions {
  readonly field?: string;
  readonly cause?: unknown;
}

/** Base of every error xlink throws. `code` is the whole catalogue code, e.g. `DECRYPT_FAILED:DECRYPTION`. */
export class XlinkError extends Error {
  override name = 'XlinkError';
  readonly code: ErrorCode;
  readonly field: string | undefined;

  constructor(code: ErrorCode, message: string, options: XlinkErrorOptions = {}) {
    super(capped(message), options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.field = options.field;
  }

  get category(): ErrorCategory {
    return CATEGORY_OF[this.code];
  }

  /** The part of the code after ':', as the white paper's `subCode`; undefined for a code without one. */
  get subCode(): string | undefined {
    const colon = this.code.indexOf(':');
    return colon < 0 ? undefined : this.code.slice(colon + 1);
  }

  get docUrl(): string {
    return docsUrl(this.code);
  }

  /** The plain-data form, as a failed Result carries it. */
  get detail(): ErrorDetail {
    return errorDetail(this.code, this.message, this.field);
  }
}

/** A caller's mistake: a value of the wrong type or size. Not bad input from a peer. */
export class XlinkArgumentError extends XlinkError {
  override name = 'XlinkArgumentError';
}
/** The injected platform failed: the random source, the key-value storage. */
export class XlinkPlatformError extends XlinkError {
  override name = 'XlinkPlatformError';
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

/** Builds the subclass the code's category calls for. */
export function xlinkError(code: ErrorCode, message: string, options?: XlinkErrorOptions): XlinkError {
  switch (CATEGORY_OF[code]) {
    case 'argument':
      return new XlinkArgumentError(code, message, options);
    case 'platform':
      return new XlinkPlatformError(code, message, options);
    case 'identity':
      return new XlinkIdentityError(code, message, options);
    case 'envelope':
      return new XlinkEnvelopeError(code, message, options);
    case 'transport':
      return new XlinkTransportError(code, message, options);
    case 'registry':
      return new XlinkRegistryError(code, message, options);
    case 'key-agreement':
      return new XlinkKeyAgreementError(code, message, options);
    case 'split-channel':
      return new XlinkSplitChannelError(code, message, options);
    case 'agent':
      return new XlinkAgentError(code, message, options);
  }
}

/** A failed Result with a fresh detail: `return refuse('SCOPE_DENIED', …)`. */
export function refuse(
  code: ErrorCode,
  message: string,
  field?: string,
): { readonly ok: false; readonly error: ErrorDetail } {
  return err(errorDetail(code, message, field));
}

export function isXlinkError(value: unknown): value is XlinkError {
  return value instanceof XlinkError;
}

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && Object.hasOwn(ERROR_CODES, value);
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
  return xlinkError('UNKNOWN_ERROR_CODE', `${quote(value.code)}: ${value.message}`, options);
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
