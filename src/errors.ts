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

/** The categories; a category decides the error's class. */
export const ERROR_CATEGORIES = [
  'argument',
  'platform',
  'identity',
  'envelope',
  'transport',
  'registry',
  'key-agreement',
  'split-channel',
  'agent',
] as const;

export type ErrorCategory = (typeof ERROR_CATEGORIES)[number];

/**
 * Every error code xlink can produce. Kept out of the hot path: only
 * `isErrorCode` reads it, so a device bundle that never meets a foreign code
 * does not carry it.
 */
export const ERROR_CODES = [
  'INVALID_ARGUMENT',
  'INVALID_LENGTH',
  'RANDOM_SOURCE_FAILED',
  'STORAGE_FAILED',
  'INVALID_SEED:LENGTH',
  'INVALID_DID:PREFIX',
  'INVALID_DID:MULTIBASE',
  'INVALID_DID:BASE58',
  'INVALID_DID:MULTICODEC',
  'INVALID_DID:LENGTH',
  'INVALID_DID:URL',
  'INVALID_DID:SMALL_ORDER_KEY',
  'INVALID_PUBLIC_KEY:NON_CANONICAL',
  'INVALID_PUBLIC_KEY:NOT_ON_CURVE',
  'INVALID_PUBLIC_KEY:ML_KEM',
  'INVALID_PKCS8:MALFORMED',
  'INVALID_PKCS8:ALGORITHM',
  'KEYGEN_FAILED',
  'CRYPTO_UNAVAILABLE:ALGORITHM',
  'IDENTITY_DOCUMENT_INVALID:MALFORMED',
  'IDENTITY_DOCUMENT_INVALID:SIGNATURE',
  'IDENTITY_DOCUMENT_INVALID:SEQUENCE',
  'IDENTITY_DOCUMENT_INVALID:VERSIONS',
  'PARSE_FAILED:HEX',
  'PARSE_FAILED:BASE58',
  'PARSE_FAILED:BASE64URL',
  'PARSE_FAILED:UTF8',
  'PARSE_FAILED:CBOR',
  'PARSE_FAILED:JSON',
  'PARSE_FAILED:DUPLICATE_KEY',
  'PARSE_FAILED:FORBIDDEN_KEY',
  'PARSE_FAILED:COSE',
  'PARSE_FAILED:PAYLOAD',
  'ENVELOPE_INVALID:TOO_LARGE',
  'ENVELOPE_INVALID:MALFORMED',
  'ENVELOPE_INVALID:LENGTH',
  'ENVELOPE_INVALID:VERSION',
  'ENVELOPE_INVALID:ALGORITHM',
  'ENCRYPT_FAILED:NO_X25519_KEY',
  'DECRYPT_FAILED:DECRYPTION',
  'DECRYPT_FAILED:KEY_AGREEMENT',
  'ECDH_FAILED:ZERO_SHARED_SECRET',
  'VERIFICATION_FAILED:SIGNATURE_MISMATCH',
  'VERIFICATION_FAILED:PQ_SIGNATURE_MISMATCH',
  'VERIFICATION_FAILED:DID_NOT_IN_REGISTRY',
  'VERIFICATION_FAILED:UNKNOWN_KID',
  'VERIFICATION_FAILED:REVOKED',
  'VERIFICATION_FAILED:WRONG_RECIPIENT',
  'NEGOTIATION_FAILED:NO_COMMON_VERSION',
  'DOWNGRADE_DETECTED:VERSION',
  'DOWNGRADE_DETECTED:STRIPPED',
  'CLEARTEXT_REFUSED',
  'TIMESTAMP_EXPIRED',
  'TIMESTAMP_EXPIRED:FUTURE',
  'REPLAY_DETECTED',
  'REPLAY_DETECTED:COUNTER',
  'REPLAY_DETECTED:BEFORE_START',
  'REPLAY_DETECTED:UNVERIFIABLE',
  'REPLAY_STORE_FULL',
  'REPLAY_STORE_UNAVAILABLE',
  'REPLAY_STORE_CORRUPT',
  'REPLAY_STORE_LOCKED',
  'REPLAY_STORE_MISSING',
  'REPLAY_STORE_EXISTS',
  'COUNTER_EXHAUSTED',
  'INVALID_SCOPE',
  'SCOPE_DENIED',
  'IDENTITY_FAILED',
  'UNKNOWN_ERROR_CODE',
  'DID_NOT_IN_REGISTRY',
  'REGISTRATION_FAILED:ALREADY_REGISTERED',
  'REGISTRATION_FAILED:KID_COLLISION',
  'REGISTRY_IO_FAILED',
  'REGISTRY_CORRUPT',
  'REGISTRY_LOCKED',
  'REGISTRY_MISSING',
  'REGISTRY_EXISTS',
  'REGISTRY_READ_ONLY',
  'SEND_FAILED',
  'SEND_FAILED:CLOSED',
  'SEND_FAILED:BELOW_THRESHOLD',
  'HMAC_VERIFICATION_FAILED',
  'INSUFFICIENT_SHARES',
  'INCONSISTENT_SHARES',
  // split-channel mode and Xchange (issue 10)
  'SPLIT_PARAMETERS_INVALID',
  'SHARE_INVALID:MALFORMED',
  'INCONSISTENT_SHARES:DUPLICATE_INDEX',
  'INCONSISTENT_SHARES:MIXED_GROUPS',
  'INCONSISTENT_SHARES:PARAMETERS',
  'INCONSISTENT_SHARES:LENGTH',
  'INSUFFICIENT_SHARES:PENDING',
  'SPLIT_SHARE_LATE',
  'SPLIT_BUFFER_FULL',
  // Factory provisioning and operator-signed registries (issue 11).
  'REGISTRY_NOT_AUTHORISED',
  'PROVISION_INPUT_INVALID',
  'PROVISION_DUPLICATE_SERIAL',
  'PROVISION_JOURNAL_CORRUPT',
  'PROVISION_BATCH_MISMATCH',
  'PROVISION_LOCKED',
  'PROVISION_IO_FAILED',
  'PROVISION_ARTIFACT_INVALID',
  'PROVISION_VERIFY_FAILED',
  // MQTT transport (issue 9): topic templates, connecting, the file-backed session store.
  'INVALID_TOPIC:TEMPLATE',
  'INVALID_TOPIC:SEGMENT',
  'INVALID_TOPIC:WILDCARD',
  'INVALID_TOPIC:RESERVED',
  'INVALID_TOPIC:NUL',
  'INVALID_TOPIC:TOO_LONG',
  'INVALID_TOPIC:MISMATCH',
  'SEND_FAILED:NOT_CONNECTED',
  'SEND_FAILED:CONNECT',
  'MQTT_STORE_CORRUPT',
  'MQTT_STORE_LOCKED',
  // The gateway daemon (issue 9).
  'GATEWAY_CONFIG_INVALID',
  'VERIFICATION_FAILED:TOPIC_MISMATCH',
  'FORWARD_FAILED',
  // Split-channel sends (issue 10).
  'SEND_FAILED:TIMEOUT',
  // The fleet simulator, `xlink simulate` (issue 12): an INVALID_ARGUMENT subcode, so the existing
  // category rule covers it and device bundles (which carry the rules) do not grow.
  'INVALID_ARGUMENT:SIMULATOR_CONFIG',
  // Devices on the real engines in the fleet simulator (issue 12, simulator/engines/).
  'ENGINE_UNAVAILABLE',
  'ENGINE_FAILED',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

/**
 * The category of a code, by its leading words: the first rule whose prefix
 * the code starts with, else `agent` (the receive pipeline's codes). Rules,
 * not a table of every code, so that creating an error carries a few hundred
 * bytes, not the catalogue; test/errors.test.ts pins every code's category.
 */
const CATEGORY_RULES: readonly (readonly [prefix: string, category: ErrorCategory])[] = [
  ['INVALID_ARGUMENT', 'argument'],
  ['INVALID_LENGTH', 'argument'],
  ['RANDOM_SOURCE_FAILED', 'platform'],
  ['STORAGE_FAILED', 'platform'],
  ['INVALID_PUBLIC_KEY:NOT_ON_CURVE', 'key-agreement'],
  ['INVALID_PUBLIC_KEY:ML_KEM', 'key-agreement'],
  ['ECDH_FAILED', 'key-agreement'],
  ['INVALID_SEED', 'identity'],
  ['INVALID_DID', 'identity'],
  ['INVALID_PUBLIC_KEY', 'identity'],
  ['INVALID_PKCS8', 'identity'],
  ['KEYGEN_FAILED', 'identity'],
  ['CRYPTO_UNAVAILABLE', 'identity'],
  ['IDENTITY_DOCUMENT_INVALID', 'identity'],
  ['PARSE_FAILED', 'envelope'],
  ['ENVELOPE_INVALID', 'envelope'],
  ['ENCRYPT_FAILED', 'envelope'],
  ['DECRYPT_FAILED', 'envelope'],
  ['DID_NOT_IN_REGISTRY', 'registry'],
  ['REGISTRATION_FAILED', 'registry'],
  ['REGISTRY_', 'registry'],
  ['PROVISION_', 'registry'],
  ['SEND_FAILED', 'transport'],
  ['HMAC_VERIFICATION_FAILED', 'split-channel'],
  ['INSUFFICIENT_SHARES', 'split-channel'],
  ['INCONSISTENT_SHARES', 'split-channel'],
  // split-channel mode and Xchange (issue 10)
  ['SPLIT_', 'split-channel'],
  ['SHARE_INVALID', 'split-channel'],
  ['INVALID_TOPIC', 'transport'],
  ['MQTT_STORE_', 'transport'],
  ['GATEWAY_CONFIG_INVALID', 'argument'],
  ['FORWARD_FAILED', 'transport'],
  // simulator/engines/ (issue 12)
  ['ENGINE_', 'platform'],
];

/** The category of a code (see CATEGORY_RULES). */
export function categoryOf(code: ErrorCode): ErrorCategory {
  for (const [prefix, category] of CATEGORY_RULES) if (code.startsWith(prefix)) return category;
  return 'agent';
}

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
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (typeof value === 'bigint') return `${String(value).slice(0, max)}n`;
  if (value === null) return 'null';
  if (value instanceof Uint8Array) return `${value.length} bytes`;
  if (Array.isArray(value)) return `an array of ${value.length}`;
  if (typeof value === 'object') return `an object (${(value as object).constructor?.name ?? 'no prototype'})`;
  return typeof value;
}

/** What kind of value a caller passed, for "expected X, got Y" messages: never the value itself. */
export function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'object') return (value as object).constructor?.name ?? 'object';
  return typeof value;
}

function capped(message: string): string {
  return message.length <= MAX_MESSAGE_LENGTH ? message : `${message.slice(0, MAX_MESSAGE_LENGTH - 1)}…`;
}

/**
 * A field is a name, but an unknown key or label is named by the key itself,
 * which the peer chose: a 200 KB key made a 200 KB `field` (and serialised
 * error) behind a 78-character message. Cut like a quote, as the backstop
 * `capped` is for messages.
 */
function cappedField(field: string | undefined): string | undefined {
  return field === undefined || field.length <= QUOTE_LENGTH ? field : `${field.slice(0, QUOTE_LENGTH)}…`;
}

export function errorDetail(code: ErrorCode, message: string, field?: string): ErrorDetail {
  // Built in place, not spread: ES5 device builds would carry a helper for `{ ...detail }`.
  const detail: { code: ErrorCode; message: string; docs: string; field?: string } = {
    code,
    message: capped(message),
    docs: docsUrl(code),
  };
  if (field !== undefined) detail.field = cappedField(field) as string;
  return detail;
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
    // Lowered to ES5 (the Espruino target), `super` is Error.call, which returns a new plain Error: without this,
    // `instanceof XlinkError` and the getters below fail there. Where classes are native it changes nothing.
    Object.setPrototypeOf(this, new.target.prototype);
    this.code = code;
    this.field = cappedField(options.field);
  }

  get category(): ErrorCategory {
    return categoryOf(this.code);
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

/**
 * A category's class: XlinkError under its own name. Made by one function
 * rather than nine class declarations, which lowered to ES5 cost a device
 * bundle about a kilobyte; `instanceof` and `name` work as for any subclass.
 */
function categoryClass(name: string): typeof XlinkError {
  const ErrorClass = class extends XlinkError {
    override name = name;
  };
  return Object.defineProperty(ErrorClass, 'name', { value: name });
}

/** A caller's mistake: a value of the wrong type or size. Not bad input from a peer. */
export const XlinkArgumentError: typeof XlinkError = /* @__PURE__ */ categoryClass('XlinkArgumentError');
export type XlinkArgumentError = XlinkError;
/** The injected platform failed: the random source, the key-value storage. */
export const XlinkPlatformError: typeof XlinkError = /* @__PURE__ */ categoryClass('XlinkPlatformError');
export type XlinkPlatformError = XlinkError;
export const XlinkIdentityError: typeof XlinkError = /* @__PURE__ */ categoryClass('XlinkIdentityError');
export type XlinkIdentityError = XlinkError;
export const XlinkEnvelopeError: typeof XlinkError = /* @__PURE__ */ categoryClass('XlinkEnvelopeError');
export type XlinkEnvelopeError = XlinkError;
export const XlinkTransportError: typeof XlinkError = /* @__PURE__ */ categoryClass('XlinkTransportError');
export type XlinkTransportError = XlinkError;
export const XlinkRegistryError: typeof XlinkError = /* @__PURE__ */ categoryClass('XlinkRegistryError');
export type XlinkRegistryError = XlinkError;
export const XlinkKeyAgreementError: typeof XlinkError = /* @__PURE__ */ categoryClass('XlinkKeyAgreementError');
export type XlinkKeyAgreementError = XlinkError;
export const XlinkSplitChannelError: typeof XlinkError = /* @__PURE__ */ categoryClass('XlinkSplitChannelError');
export type XlinkSplitChannelError = XlinkError;
export const XlinkAgentError: typeof XlinkError = /* @__PURE__ */ categoryClass('XlinkAgentError');
export type XlinkAgentError = XlinkError;

/** Builds the subclass the code's category calls for. */
export function xlinkError(code: ErrorCode, message: string, options?: XlinkErrorOptions): XlinkError {
  return new (CLASS_OF_CATEGORY[ERROR_CATEGORIES.indexOf(categoryOf(code))] as typeof XlinkError)(
    code,
    message,
    options,
  );
}

/** The class of each category, in ERROR_CATEGORIES order. */
const CLASS_OF_CATEGORY: readonly (typeof XlinkError)[] = [
  XlinkArgumentError,
  XlinkPlatformError,
  XlinkIdentityError,
  XlinkEnvelopeError,
  XlinkTransportError,
  XlinkRegistryError,
  XlinkKeyAgreementError,
  XlinkSplitChannelError,
  XlinkAgentError,
];

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
  return (ERROR_CODES as readonly unknown[]).includes(value);
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
