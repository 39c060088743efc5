/**
 * COSE_Sign1 (RFC 9052 §4.2, §4.4): one signer, algorithm-agnostic. The
 * caller passes the verify functions, so this file imports no crypto backend.
 *
 *   const protectedBytes = encodeCbor(new Map([[COSE_HEADER_ALG, COSE_ALG_EDDSA]]));
 *   const toSign = coseSign1SigStructure(protectedBytes, payload);
 *   const bytes = encodeCoseSign1({ protectedBytes, unprotectedHeader: new Map(), payload,
 *     signature: await signer.sign(toSign) });                                 // a prepared Ed25519 signer
 *   const message = decodeCoseSign1(bytes);                                    // Result<CoseSign1>
 *   await verifyCoseSign1({ [COSE_ALG_EDDSA]: (data, sig) => verifier.verify(data, sig) }, message.value);
 *
 * Limits. Only attached payloads (a detached `nil` payload is refused). The
 * message must be deterministic CBOR (our decoder's rule), tag 18 or untagged.
 * Header labels are integers or text; a label may not sit in both headers.
 * Decoding refuses malformed structure (`PARSE_FAILED:CBOR|COSE`) but never
 * judges header values: checking `alg` is the verifier's job, and the meaning
 * of other labels is the caller's.
 */
import { assertBytes } from '../codec/bytes.js';
import {
  CBOR_MAJOR_BYTE_STRING,
  type CborDecodeLimits,
  type CborMap,
  CborTagged,
  type CborValue,
  cborHeadLength,
  encodeCbor,
  readCbor,
  writeCborHead,
} from '../codec/cbor.js';
import { attempt, attemptSync, type ErrorCode, isXlinkError, quote, type Result, xlinkError } from '../errors.js';
import type { Awaitable } from '../platform/awaitable.js';

export const COSE_SIGN1_TAG = 18;
/** Header labels of `alg`, `content type` and `kid` (RFC 9052 §3.1). */
export const COSE_HEADER_ALG = 1;
export const COSE_HEADER_CONTENT_TYPE = 3;
export const COSE_HEADER_KID = 4;
/** COSE algorithm EdDSA (RFC 9053 §2.2); xlink uses it with Ed25519 only. */
export const COSE_ALG_EDDSA = -8;

export interface CoseSign1 {
  /** The protected header exactly as received (or given); what the signature covers. */
  protectedBytes: Uint8Array;
  /** `protectedBytes` decoded; empty when they are empty. */
  protectedHeader: CborMap;
  unprotectedHeader: CborMap;
  payload: Uint8Array;
  signature: Uint8Array;
  /** Whether the message carried tag 18. */
  tagged: boolean;
}

export interface CoseSign1Parts {
  protectedBytes: Uint8Array;
  unprotectedHeader: CborMap;
  payload: Uint8Array;
  signature: Uint8Array;
}

/** Verifies `signature` over the Sig_structure bytes; `true` only for a valid signature. */
export type CoseVerifier = (sigStructure: Uint8Array, signature: Uint8Array) => Awaitable<boolean>;

const EMPTY: Uint8Array = /* @__PURE__ */ new Uint8Array(0);
/** `[` of four items, then the text "Signature1": how every Sig_structure begins. */
const SIGNATURE1_PREFIX: Uint8Array = /* @__PURE__ */ new Uint8Array([
  0x84, 0x6a, 0x53, 0x69, 0x67, 0x6e, 0x61, 0x74, 0x75, 0x72, 0x65, 0x31,
]);

/**
 * `18([protected, unprotected, payload, signature])`, always tagged. Throws
 * INVALID_ARGUMENT for parts that would not decode back: non-bytes, protected
 * bytes that are not a deterministic CBOR map, a label that is not an integer
 * or text, or a label in both headers.
 */
export function encodeCoseSign1(parts: CoseSign1Parts): Uint8Array {
  const { protectedBytes, unprotectedHeader, payload, signature } = parts;
  assertBytes(protectedBytes, 'protectedBytes');
  assertBytes(payload, 'payload');
  assertBytes(signature, 'signature');
  if (!(unprotectedHeader instanceof Map)) {
    throw xlinkError('INVALID_ARGUMENT', '"unprotectedHeader" expected a Map', { field: 'unprotectedHeader' });
  }
  readHeaders(protectedBytes, unprotectedHeader, undefined, 'INVALID_ARGUMENT');
  return frameCoseSign1(protectedBytes, encodeCbor(unprotectedHeader), payload, signature, true);
}

/**
 * `[protected, unprotected, payload, signature]`, under tag 18 when `tagged`,
 * as deterministic CBOR, in one allocation of the exact size: the parts are
 * encoded already (`unprotectedBytes` is the unprotected map's encoding), so
 * only their byte-string heads are written here. Checks nothing: callers pass
 * parts they built or checked themselves.
 */
export function frameCoseSign1(
  protectedBytes: Uint8Array,
  unprotectedBytes: Uint8Array,
  payload: Uint8Array,
  signature: Uint8Array,
  tagged: boolean,
): Uint8Array {
  const strings = [protectedBytes, payload, signature];
  let length = (tagged ? 2 : 1) + unprotectedBytes.length;
  for (const bytes of strings) length += cborHeadLength(bytes.length) + bytes.length;
  const out = new Uint8Array(length);
  let offset = 0;
  if (tagged) out[offset++] = TAG_18_HEAD;
  out[offset++] = ARRAY_OF_FOUR;
  offset = putByteString(out, offset, protectedBytes);
  out.set(unprotectedBytes, offset);
  offset = putByteString(out, offset + unprotectedBytes.length, payload);
  putByteString(out, offset, signature);
  return out;
}

/** Major type 6, tag 18 (COSE_Sign1), and major type 4 with four items. */
const TAG_18_HEAD = 0xd2;
const ARRAY_OF_FOUR = 0x84;

/** Writes `bytes` as a CBOR byte string at `offset`; returns the offset after it. */
function putByteString(out: Uint8Array, offset: number, bytes: Uint8Array): number {
  writeCborHead(out, offset, CBOR_MAJOR_BYTE_STRING, bytes.length);
  const start = offset + cborHeadLength(bytes.length);
  out.set(bytes, start);
  return start + bytes.length;
}

/**
 * Strictly decodes a COSE_Sign1 message, tagged (18) or not; never throws for
 * any input. Fails with PARSE_FAILED:CBOR for bytes that are not deterministic
 * CBOR within `limits` (the protected header is decoded with the same limits),
 * and PARSE_FAILED:COSE for any other tag, a structure other than
 * `[bstr .cbor map, map, bstr, bstr]`, a label that is not an integer or text,
 * or a label in both headers.
 */
export function decodeCoseSign1(bytes: Uint8Array, limits?: CborDecodeLimits): Result<CoseSign1> {
  return attemptSync(() => readCoseSign1(bytes, limits));
}

/** `decodeCoseSign1` for callers inside xlink that handle the thrown XlinkError themselves. */
export function readCoseSign1(bytes: Uint8Array, limits?: CborDecodeLimits): CoseSign1 {
  let value = readCbor(bytes, limits);
  const tagged = value instanceof CborTagged;
  if (value instanceof CborTagged) {
    if (value.tag !== COSE_SIGN1_TAG) {
      throw coseError(`tag ${value.tag} is not COSE_Sign1 (tag ${COSE_SIGN1_TAG}, or no tag)`);
    }
    value = value.value;
  }
  if (!Array.isArray(value)) throw coseError(`expected an array of 4 items, got ${describe(value)}`);
  const items = value as readonly CborValue[];
  if (items.length !== 4) throw coseError(`expected an array of 4 items, got ${items.length}`);
  const [protectedBytes, unprotectedHeader, payload, signature] = items;
  if (!(protectedBytes instanceof Uint8Array)) {
    throw coseError(`protected header expected a byte string, got ${describe(protectedBytes)}`);
  }
  if (!(unprotectedHeader instanceof Map)) {
    throw coseError(`unprotected header expected a map, got ${describe(unprotectedHeader)}`);
  }
  if (payload === null) throw coseError('detached payload (nil) is not supported; the payload must be attached');
  if (!(payload instanceof Uint8Array)) throw coseError(`payload expected a byte string, got ${describe(payload)}`);
  if (!(signature instanceof Uint8Array)) {
    throw coseError(`signature expected a byte string, got ${describe(signature)}`);
  }
  const protectedHeader = readHeaders(protectedBytes, unprotectedHeader as CborMap, limits, 'PARSE_FAILED:COSE');
  return {
    protectedBytes,
    protectedHeader,
    unprotectedHeader: unprotectedHeader as CborMap,
    payload,
    signature,
    tagged,
  };
}

/**
 * The bytes a COSE_Sign1 signature covers (RFC 9052 §4.4):
 * `["Signature1", protected, external_aad, payload]` in CBOR. With no protected
 * attributes the zero-length byte string is signed, so protected bytes `a0`
 * (an empty map, which RFC 9052 §3 lets senders use) are signed as `h''`;
 * cose-wg/Examples sign-pass-01 expects exactly that.
 */
export function coseSign1SigStructure(
  protectedBytes: Uint8Array,
  payload: Uint8Array,
  externalAad?: Uint8Array,
): Uint8Array {
  return toBeAuthenticated(SIGNATURE1_PREFIX, protectedBytes, payload, externalAad);
}

/**
 * The RFC 9052 §6.3 MAC_structure of a COSE_Mac0, `["MAC0", protected,
 * external_aad, payload]`: what the telemetry MAC profile tags
 * (telemetry-mac.ts). Same framing and empty-header rule as the Sig_structure.
 */
export function coseMac0Structure(
  protectedBytes: Uint8Array,
  payload: Uint8Array,
  externalAad?: Uint8Array,
): Uint8Array {
  return toBeAuthenticated(MAC0_PREFIX, protectedBytes, payload, externalAad);
}

/** `[` of four items, then the text "MAC0". */
const MAC0_PREFIX: Uint8Array = /* @__PURE__ */ new Uint8Array([0x84, 0x64, 0x4d, 0x41, 0x43, 0x30]);

function toBeAuthenticated(
  prefix: Uint8Array,
  protectedBytes: Uint8Array,
  payload: Uint8Array,
  externalAad?: Uint8Array,
): Uint8Array {
  assertBytes(protectedBytes, 'protectedBytes');
  assertBytes(payload, 'payload');
  if (externalAad !== undefined) assertBytes(externalAad, 'externalAad');
  const signedProtected = protectedBytes.length === 1 && protectedBytes[0] === 0xa0 ? EMPTY : protectedBytes;
  const aad = externalAad ?? EMPTY;
  // Framed by hand into one array, not through encodeCbor: this runs once per message signed or verified.
  const parts = [signedProtected, aad, payload];
  let length = prefix.length;
  for (const part of parts) length += cborHeadLength(part.length) + part.length;
  const out = new Uint8Array(length);
  out.set(prefix);
  let offset = prefix.length;
  for (const part of parts) offset = putByteString(out, offset, part);
  return out;
}

/**
 * The `alg` header parameter: from the protected header, else the unprotected
 * one (RFC 9052 §3 allows either; callers that require it protected check
 * `message.protectedHeader` themselves). `undefined` when absent; throws
 * ENVELOPE_INVALID:ALGORITHM when it is not an integer (a text `alg` is legal
 * COSE, but no registered algorithm xlink could use has one).
 */
export function coseAlgorithm(message: CoseSign1): number | undefined {
  const alg = message.protectedHeader.has(COSE_HEADER_ALG)
    ? message.protectedHeader.get(COSE_HEADER_ALG)
    : message.unprotectedHeader.get(COSE_HEADER_ALG);
  if (alg === undefined || Number.isSafeInteger(alg)) return alg as number | undefined;
  throw xlinkError('ENVELOPE_INVALID:ALGORITHM', `COSE "alg" must be an integer, got ${describeHeaderValue(alg)}`, {
    field: 'alg',
  });
}

/**
 * Verifies `message` with the verifier registered for its `alg` (the keys first, as every xlink verify takes them).
 * ENVELOPE_INVALID:ALGORITHM when `alg` is missing, not an integer or has no
 * verifier, so a caller can tell "not an algorithm we accept" from "forged";
 * VERIFICATION_FAILED:SIGNATURE_MISMATCH unless the verifier answers a literal
 * `true` over the Sig_structure.
 */
export function verifyCoseSign1(
  verifiers: Readonly<Record<number, CoseVerifier>>,
  message: CoseSign1,
  options: { externalAad?: Uint8Array } = {},
): Promise<Result<void>> {
  return attempt(async () => {
    if (
      (await verifierFor(message, verifiers)(
        coseSign1SigStructure(message.protectedBytes, message.payload, options.externalAad),
        message.signature,
      )) !== true
    ) {
      throw xlinkError('VERIFICATION_FAILED:SIGNATURE_MISMATCH', 'the COSE_Sign1 signature does not verify', {
        field: 'signature',
      });
    }
  });
}

function verifierFor(message: CoseSign1, verifiers: Readonly<Record<number, CoseVerifier>>): CoseVerifier {
  const alg = coseAlgorithm(message);
  if (alg === undefined) {
    throw xlinkError(
      'ENVELOPE_INVALID:ALGORITHM',
      `COSE_Sign1 has no "alg" header parameter (label ${COSE_HEADER_ALG})`,
      {
        field: 'alg',
      },
    );
  }
  // Own properties only: an inherited member of Object.prototype is no verifier.
  const verify = Object.hasOwn(verifiers, alg) ? verifiers[alg] : undefined;
  if (typeof verify !== 'function') {
    throw xlinkError('ENVELOPE_INVALID:ALGORITHM', `no verifier for COSE algorithm ${alg}`, { field: 'alg' });
  }
  return verify;
}

/**
 * Decodes the protected header and checks both headers' labels; returns the
 * protected map. `code` is PARSE_FAILED:COSE when decoding, INVALID_ARGUMENT
 * when encoding (the caller built the parts).
 */
function readHeaders(
  protectedBytes: Uint8Array,
  unprotectedHeader: CborMap,
  limits: CborDecodeLimits | undefined,
  code: ErrorCode,
): CborMap {
  let protectedHeader: CborMap = new Map();
  // RFC 9052 §3: an empty protected header is a zero-length byte string (or the encoded empty map, a0).
  if (protectedBytes.length > 0) {
    let decoded: CborValue;
    try {
      decoded = readCbor(protectedBytes, limits);
    } catch (error) {
      if (!isXlinkError(error)) throw error;
      const failure = code === 'PARSE_FAILED:COSE' ? 'PARSE_FAILED:CBOR' : code;
      throw xlinkError(failure, `COSE_Sign1 protected header: ${error.message}`, { field: 'protected' });
    }
    if (!(decoded instanceof Map)) {
      throw headerError(code, `protected header expected an encoded map, got ${describe(decoded)}`, 'protected');
    }
    protectedHeader = decoded as CborMap;
  }
  checkLabels(protectedHeader, 'protected', code);
  checkLabels(unprotectedHeader, 'unprotected', code);
  for (const label of unprotectedHeader.keys()) {
    if (protectedHeader.has(label)) {
      throw headerError(
        code,
        `header label ${quote(label)} is in both the protected and unprotected headers (RFC 9052 §3)`,
        'unprotected',
      );
    }
  }
  return protectedHeader;
}

/** RFC 9052 §3: `label = int / tstr`. Our CBOR decoder also yields float keys, which are no labels. */
function checkLabels(header: CborMap, which: string, code: ErrorCode): void {
  for (const label of header.keys()) {
    if (typeof label === 'number' && !Number.isSafeInteger(label)) {
      throw headerError(code, `${which} header label ${label} is neither an integer nor text`, which);
    }
  }
}

function headerError(code: ErrorCode, message: string, field: string): Error {
  return xlinkError(code, `COSE_Sign1: ${message}`, { field });
}

function coseError(message: string): Error {
  return xlinkError('PARSE_FAILED:COSE', `COSE_Sign1: ${message}`);
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (value instanceof Uint8Array) return 'a byte string';
  if (Array.isArray(value)) return `an array of ${value.length}`;
  if (value instanceof Map) return 'a map';
  if (value instanceof CborTagged) return `tag ${value.tag}`;
  return typeof value;
}

function describeHeaderValue(value: unknown): string {
  return typeof value === 'string' ? `text ${quote(value)}` : describe(value);
}
