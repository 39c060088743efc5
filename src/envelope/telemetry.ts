/**
 * The compact telemetry profile: a signed-only envelope for constrained links,
 * still a COSE_Sign1 that any COSE library verifies (docs/protocol.md).
 *
 *   const key = (await signingKeyFromSeed(seed, { crypto })).value;         // { kid, signer }
 *   const bytes = await sealTelemetry(key, { audience: 'acme-fleet', scope: 'telemetry',
 *     counter: await counters.next(), payload: reading });                   // 88 bytes + payload
 *   const envelope = decodeTelemetry(bytes);                                 // Result<TelemetryEnvelope>
 *   const checked = await verifyTelemetry(verifier, envelope.value, 'acme-fleet'); // the kid's prepared key
 *
 * Wire form: an untagged COSE_Sign1 `[protected, unprotected, payload, signature]`:
 *   protected   = bstr .cbor { 1: -8 (EdDSA), ? 3: 50 / 60 (content format),
 *                              15: { ? 6: iat, 7: cti, ? 9: scope } } ; CWT Claims (RFC 9597)
 *   unprotected = { 4: kid }                                           ; 6 bytes (identity/kid.ts)
 *   signature   = Ed25519 over ["Signature1", protected, external_aad, payload]
 *   external_aad = utf8(audience)
 * cti is the sender's counter as a minimal big-endian byte string (0 is h'00');
 * iat is whole seconds since the epoch, present only when the device has a
 * clock; scope is the scope claim as text, absent for the profile's default
 * scope "telemetry" (what most of a fleet's traffic is: 11 bytes saved per
 * message); a missing content format means opaque bytes. The audience (the application or fleet the device reports to) is signed
 * but never sent: a receiver supplies its own, so a message for another fleet
 * fails as SIGNATURE_MISMATCH without costing a byte. The kid sits unprotected,
 * as COSE intends: changing it only points the receiver at a key whose
 * signature check then fails.
 *
 * One spelling per message: deterministic CBOR, exactly these labels, no tag,
 * and the default scope never spelled out (a scope claim of "telemetry" is refused).
 * A full envelope is always tagged (18) and has text header keys, so neither
 * decoder accepts the other's messages, and their signed bytes never coincide.
 * Limits: signed, not encrypted (encrypted telemetry uses a v1 envelope); the
 * timestamp has one-second resolution; scope and audience are 1 to 64
 * characters of A-Z a-z 0-9 . _ : / -.
 */
import { asciiEncode, assertBytes, copyBytes } from '../codec/bytes.js';
import { CBOR_MAJOR_BYTE_STRING, type CborMap, type CborValue, cborHeadLength, writeCborHead } from '../codec/cbor.js';
import { ED25519_SIGNATURE_LENGTH, type Ed25519Signer, type Ed25519Verifier } from '../crypto/provider.js';
import { attempt, attemptSync, quote, type Result, xlinkError } from '../errors.js';
import { KEY_ID_LENGTH } from '../identity/kid.js';
import type { Awaitable } from '../platform/awaitable.js';
import {
  assertPayloadContentType,
  contentFormatOf,
  contentTypeOfFormat,
  type PayloadContentType,
} from './content-type.js';
import {
  COSE_ALG_EDDSA,
  COSE_HEADER_ALG,
  COSE_HEADER_CONTENT_TYPE,
  COSE_HEADER_KID,
  coseSign1SigStructure,
  frameCoseSign1,
  readCoseSign1,
} from './cose-sign1.js';
import { DEFAULT_MAX_ENVELOPE_BYTES } from './decode.js';
import { assertScope } from './scope.js';

/** COSE header label of CWT Claims (RFC 9597), and the claim keys used (RFC 8392, RFC 8693 via RFC 9200). */
const COSE_HEADER_CWT_CLAIMS = 15;
const CLAIM_IAT = 6;
const CLAIM_CTI = 7;
const CLAIM_SCOPE = 9;
/** The scope a telemetry envelope without a scope claim has. */
export const DEFAULT_TELEMETRY_SCOPE = 'telemetry';

const MAX_COUNTER = Number.MAX_SAFE_INTEGER;
/** 2^53 - 1 needs 7 bytes. */
const MAX_COUNTER_BYTES = 7;
/** The array, the protected map inside its byte string, and the claims map: depth 3. */
const TELEMETRY_MAX_DEPTH = 3;

export interface TelemetryKey {
  /** The 6-byte key id of `signer`'s key (keyIdOf). */
  readonly kid: Uint8Array;
  readonly signer: Ed25519Signer;
}

/** A telemetry key whose signer answers synchronously (noble, no-BigInt backends): sealing is synchronous too. */
export interface SyncTelemetryKey extends TelemetryKey {
  readonly signer: Ed25519Signer & { sign(message: Uint8Array): Uint8Array };
}

export interface TelemetryMessage {
  /** The application or fleet the reading is for; signed, not sent. */
  readonly audience: string;
  readonly scope: string;
  /** The sender's counter (CounterSequence): 0 to 2^53-1, never reused. */
  readonly counter: number;
  /** Milliseconds since the epoch, only from a device with a clock; sent as whole seconds. */
  readonly timestamp?: number;
  readonly payload: Uint8Array;
  /** What `payload` is; default opaque bytes. */
  readonly contentType?: PayloadContentType;
}

export interface TelemetryHeader {
  readonly scope: string;
  readonly counter: number;
  /** Milliseconds since the epoch (the signed seconds × 1000); absent from a device without a clock. */
  readonly timestamp?: number;
  readonly contentType: PayloadContentType;
}

/** A decoded, not yet verified, telemetry envelope. */
export interface TelemetryEnvelope {
  readonly kid: Uint8Array;
  readonly header: TelemetryHeader;
  /** The protected header exactly as received: what the signature covers. */
  readonly protectedBytes: Uint8Array;
  readonly payload: Uint8Array;
  readonly signature: Uint8Array;
}

/**
 * Signs a reading into telemetry-profile bytes. Synchronous for a synchronous
 * signer (so engines without Promise can use it), a promise otherwise. Throws
 * XlinkArgumentError for a bad key or message (the caller's own values) and
 * RANDOM_SOURCE_FAILED if the signer's blinding randomness fails.
 */
export function sealTelemetry(key: SyncTelemetryKey, message: TelemetryMessage): Uint8Array;
export function sealTelemetry(key: TelemetryKey, message: TelemetryMessage): Awaitable<Uint8Array>;
export function sealTelemetry(key: TelemetryKey, message: TelemetryMessage): Awaitable<Uint8Array> {
  assertBytes(key?.kid, 'kid', KEY_ID_LENGTH);
  const protectedBytes = encodeTelemetryHeader(message);
  const audience = audienceBytes(message.audience);
  assertBytes(message.payload, 'payload');
  const payload = message.payload;
  const kid = key.kid;
  // Written directly rather than through encodeCoseSign1, whose checks decode the header: every part is
  // built here, and a signing device then carries no CBOR decoder.
  const signature = key.signer.sign(coseSign1SigStructure(protectedBytes, payload, audience));
  if (signature instanceof Uint8Array) return frameTelemetry(protectedBytes, kid, payload, signature);
  return signature.then((signed) => frameTelemetry(protectedBytes, kid, payload, signed));
}

/** The untagged four-element frame; `tag` is the signature or MAC. */
export function frameTelemetry(
  protectedBytes: Uint8Array,
  kid: Uint8Array,
  payload: Uint8Array,
  signature: Uint8Array,
): Uint8Array {
  return frameCoseSign1(
    protectedBytes,
    frameItems([
      [MAP, 1],
      [UINT, COSE_HEADER_KID],
      [BYTES, kid.length, kid],
    ]),
    payload,
    signature,
    false,
  );
}

/** Strictly decodes telemetry-profile bytes; never throws for any input. Nothing is verified yet. */
export function decodeTelemetry(
  bytes: Uint8Array,
  options: { readonly maxEnvelopeBytes?: number } = {},
): Result<TelemetryEnvelope> {
  return attemptSync(() => readTelemetry(bytes, options.maxEnvelopeBytes ?? DEFAULT_MAX_ENVELOPE_BYTES, EDDSA));
}

/**
 * Checks the signature under the sender's prepared key (`crypto.ed25519Verifier`
 * of the key the kid names) and the receiver's own audience: VERIFICATION_FAILED:SIGNATURE_MISMATCH
 * for an altered message, another key, or another audience; INVALID_ARGUMENT
 * for an audience that is not one. Like every verify, never throws.
 */
export function verifyTelemetry(
  verifier: Ed25519Verifier,
  envelope: TelemetryEnvelope,
  audience: string,
): Promise<Result<void>> {
  return attempt(async () => {
    if (typeof envelope !== 'object' || envelope === null) {
      throw xlinkError('INVALID_ARGUMENT', `"envelope" expected a decoded telemetry envelope, got ${quote(envelope)}`, {
        field: 'envelope',
      });
    }
    const signed = coseSign1SigStructure(envelope.protectedBytes, envelope.payload, audienceBytes(audience));
    if (!(await verifier.verify(signed, envelope.signature))) {
      throw xlinkError(
        'VERIFICATION_FAILED:SIGNATURE_MISMATCH',
        'the telemetry signature does not verify under the key its kid names, for this audience',
        { field: 'signature' },
      );
    }
  });
}

/** Whether `bytes` look like a telemetry envelope rather than a full one: an untagged four-element array. */
export function isTelemetryShaped(bytes: Uint8Array): boolean {
  return bytes[0] === 0x84;
}

// ---------------------------------------------------------------- internals

/** CBOR major types the header framer writes. */
const UINT = 0;
const NINT = 1;
const BYTES = CBOR_MAJOR_BYTE_STRING;
const TEXT = 3;
const MAP = 5;

/** One CBOR item head, with the bytes of a byte or text string after it. */
type Item = readonly [major: number, argument: number, bytes?: Uint8Array];

/**
 * The protected header in its one deterministic spelling, framed directly:
 * every label is a fixed one-byte integer, so the order is fixed too (1, 3,
 * 15; claims 6, 7, 9). No Map, sort or growable writer: a signing device
 * carries no generic CBOR encoder, and engines without Map (Duktape,
 * Espruino) can seal. test/envelope/telemetry.test.ts holds it to encodeCbor.
 */
/** The protected header of `message` under `alg` (EdDSA here; HMAC 256/256 in telemetry-mac.ts). */
export function encodeTelemetryHeader(message: TelemetryMessage, alg: number = COSE_ALG_EDDSA): Uint8Array {
  if (typeof message !== 'object' || message === null) {
    throw xlinkError('INVALID_ARGUMENT', `"message" expected an object, got ${quote(message)}`, { field: 'message' });
  }
  const { scope, counter, timestamp } = message;
  assertScope(scope);
  if (!Number.isSafeInteger(counter) || counter < 0) {
    throw xlinkError('INVALID_ARGUMENT', `"counter" expected an integer from 0 to 2^53-1, got ${quote(counter)}`, {
      field: 'counter',
    });
  }
  if (timestamp !== undefined && (!Number.isSafeInteger(timestamp) || timestamp < 0)) {
    throw xlinkError('INVALID_ARGUMENT', `"timestamp" expected milliseconds since the epoch, got ${quote(timestamp)}`, {
      field: 'timestamp',
    });
  }
  const contentType = message.contentType ?? 'bytes';
  assertPayloadContentType(contentType); // shares travel only in full envelopes
  const format = contentFormatOf(contentType);
  const claims: Item[] = [];
  if (timestamp !== undefined) claims.push([UINT, CLAIM_IAT], [UINT, Math.floor(timestamp / 1000)]);
  const cti = counterBytes(counter);
  claims.push([UINT, CLAIM_CTI], [BYTES, cti.length, cti]);
  if (scope !== DEFAULT_TELEMETRY_SCOPE) {
    const text = asciiEncode(scope) as Uint8Array; // a valid scope is ASCII
    claims.push([UINT, CLAIM_SCOPE], [TEXT, text.length, text]);
  }
  const header: Item[] = [
    [MAP, format === undefined ? 2 : 3],
    [UINT, COSE_HEADER_ALG],
    alg < 0 ? [NINT, -1 - alg] : [UINT, alg],
  ];
  if (format !== undefined) header.push([UINT, COSE_HEADER_CONTENT_TYPE], [UINT, format]);
  header.push([UINT, COSE_HEADER_CWT_CLAIMS], [MAP, claims.length / 2]);
  return frameItems(header.concat(claims));
}

function frameItems(items: readonly Item[]): Uint8Array {
  let length = 0;
  for (let i = 0; i < items.length; i++) {
    const [, argument, bytes] = items[i] as Item;
    length += cborHeadLength(argument) + (bytes === undefined ? 0 : bytes.length);
  }
  const out = new Uint8Array(length);
  let offset = 0;
  for (let i = 0; i < items.length; i++) {
    const [major, argument, bytes] = items[i] as Item;
    writeCborHead(out, offset, major, argument);
    offset += cborHeadLength(argument);
    if (bytes !== undefined) {
      out.set(bytes, offset);
      offset += bytes.length;
    }
  }
  return out;
}

/** What tells a telemetry profile's messages apart: its COSE algorithm and the length of its tag. */
export interface TelemetryAuthentication {
  readonly alg: number;
  readonly tagLength: number;
}

const EDDSA: TelemetryAuthentication = { alg: COSE_ALG_EDDSA, tagLength: ED25519_SIGNATURE_LENGTH };

/** Strict decoding under one profile; throws the XlinkError decodeTelemetry returns. */
export function readTelemetry(
  bytes: Uint8Array,
  maxBytes: number,
  profile: TelemetryAuthentication,
): TelemetryEnvelope {
  assertBytes(bytes, 'bytes');
  if (bytes.length > maxBytes) {
    throw xlinkError(
      'ENVELOPE_INVALID:TOO_LARGE',
      `envelope of ${bytes.length} bytes exceeds the limit of ${maxBytes}`,
    );
  }
  // One private copy, decoded in place: the parts are views of it, and no caller's buffer is shared.
  const message = readCoseSign1(copyBytes(bytes), { maxBytes, maxDepth: TELEMETRY_MAX_DEPTH, viewsOfInput: true });
  if (message.tagged) {
    throw xlinkError(
      'PARSE_FAILED:COSE',
      'a telemetry envelope is an untagged COSE_Sign1; tag 18 marks a full envelope',
      {
        field: 'tag',
      },
    );
  }
  const kid = readKid(message.unprotectedHeader);
  // The algorithm before the tag's length: a message of the other profile is named as such.
  const header = readHeader(message.protectedHeader, profile.alg);
  if (message.signature.length !== profile.tagLength) {
    throw xlinkError(
      'ENVELOPE_INVALID:LENGTH',
      `"signature" expected ${profile.tagLength} bytes, got ${message.signature.length}`,
      { field: 'signature' },
    );
  }
  return {
    kid,
    header,
    protectedBytes: message.protectedBytes,
    payload: message.payload,
    signature: message.signature,
  };
}

function readHeader(map: CborMap, expectedAlg: number): TelemetryHeader {
  onlyKeys(map, [COSE_HEADER_ALG, COSE_HEADER_CONTENT_TYPE, COSE_HEADER_CWT_CLAIMS], 'protected header');
  const alg = map.get(COSE_HEADER_ALG);
  if (alg !== expectedAlg) {
    const expected = expectedAlg === COSE_ALG_EDDSA ? 'EdDSA (-8)' : `HMAC 256/256 (${expectedAlg})`;
    throw xlinkError('ENVELOPE_INVALID:ALGORITHM', `algorithm ${quote(alg ?? null)} is not ${expected}`, {
      field: 'alg',
    });
  }
  const contentType = contentTypeOfFormat(map.get(COSE_HEADER_CONTENT_TYPE));
  if (contentType === 'share') throw malformed('a telemetry envelope never carries a share', 'content type');
  const claims = map.get(COSE_HEADER_CWT_CLAIMS);
  if (!(claims instanceof Map)) throw malformed('the CWT claims (label 15) expected a map', 'claims');
  onlyKeys(claims, [CLAIM_IAT, CLAIM_CTI, CLAIM_SCOPE], 'claims');
  const claimed = claims.get(CLAIM_SCOPE);
  if (claimed === DEFAULT_TELEMETRY_SCOPE) {
    throw malformed(`the default scope ${quote(claimed)} is never spelled out (one encoding per message)`, 'scope');
  }
  if (claimed !== undefined) assertScope(claimed);
  const scope = claimed ?? DEFAULT_TELEMETRY_SCOPE;
  const counter = readCounter(claims.get(CLAIM_CTI));
  const iat = claims.get(CLAIM_IAT);
  if (iat === undefined) return { scope, counter, contentType };
  if (typeof iat !== 'number' || !Number.isSafeInteger(iat) || iat < 0 || iat > MAX_COUNTER / 1000) {
    throw malformed(`"iat" expected whole seconds since the epoch, got ${quote(iat)}`, 'iat');
  }
  return { scope, counter, timestamp: iat * 1000, contentType };
}

function readKid(map: CborMap): Uint8Array {
  onlyKeys(map, [COSE_HEADER_KID], 'unprotected header');
  const kid = map.get(COSE_HEADER_KID);
  if (kid === undefined) throw malformed('missing the kid (label 4)', 'kid');
  if (!(kid instanceof Uint8Array)) throw malformed('"kid" expected bytes', 'kid');
  if (kid.length !== KEY_ID_LENGTH) {
    throw xlinkError('ENVELOPE_INVALID:LENGTH', `"kid" expected ${KEY_ID_LENGTH} bytes, got ${kid.length}`, {
      field: 'kid',
    });
  }
  return kid;
}

/** The counter as a minimal big-endian byte string: one spelling per value. */
function counterBytes(counter: number): Uint8Array {
  let length = 1;
  while (length < MAX_COUNTER_BYTES && counter >= 256 ** length) length++;
  const out = new Uint8Array(length);
  for (let i = length - 1, rest = counter; i >= 0; i--, rest = Math.floor(rest / 256)) out[i] = rest % 256;
  return out;
}

function readCounter(cti: CborValue | undefined): number {
  if (cti === undefined) throw malformed('missing the counter claim (cti, 7)', 'cti');
  if (!(cti instanceof Uint8Array) || cti.length === 0 || cti.length > MAX_COUNTER_BYTES) {
    throw malformed(`"cti" expected a counter of 1 to ${MAX_COUNTER_BYTES} bytes`, 'cti');
  }
  if (cti.length > 1 && cti[0] === 0) throw malformed('"cti" has a leading zero byte (not minimal)', 'cti');
  let counter = 0;
  for (const byte of cti) counter = counter * 256 + byte;
  if (counter > MAX_COUNTER) throw malformed('"cti" is above 2^53-1', 'cti');
  return counter;
}

/** An audience has the syntax of a scope; a bad one is the caller's (the sender's or the receiver's own) setting. */
export function audienceBytes(audience: unknown): Uint8Array {
  assertScope(audience, 'audience', 'INVALID_ARGUMENT');
  return asciiEncode(audience) as Uint8Array; // the scope alphabet is ASCII
}

function onlyKeys(map: CborMap, allowed: readonly number[], where: string): void {
  for (const key of map.keys()) {
    if (typeof key !== 'number' || !allowed.includes(key)) {
      throw malformed(`unknown label ${quote(key)} in the ${where}`, String(key));
    }
  }
}

function malformed(message: string, field: string): Error {
  return xlinkError('ENVELOPE_INVALID:MALFORMED', message, { field });
}
