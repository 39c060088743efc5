/**
 * did:key for Ed25519 keys: the name of an xlink identity.
 *
 *   const did = didFromEd25519PublicKey(publicKey); // 'did:key:z6Mk…'
 *   const parsed = parseDid(did);
 *   if (parsed.ok) parsed.value.publicKey; // the 32 key bytes
 *
 * Format (W3C did:key): "did:key:" + 'z' (multibase base58btc) + base58btc of
 * the multicodec varint 0xed 0x01 followed by the 32-byte public key, so an
 * xlink DID is always 56 characters and its id starts with "z6Mk".
 *
 * Limits: only Ed25519 DIDs; X25519, secp256k1, P-256 and every other key type
 * are refused (INVALID_DID:MULTICODEC). Only the bare DID is accepted: a DID URL
 * with a path, query or fragment ("did:key:z6Mk…#z6Mk…") is refused with
 * INVALID_DID:URL rather than trimmed, because DIDs are compared as strings
 * (registries, envelopes) and two spellings of one identity must not exist.
 * The key must be canonical and not of small order; whether it decompresses to
 * a curve point is not checked here (no curve arithmetic in this layer's
 * parsing), so such a DID parses but no signature will ever verify under it.
 */
import { base58btcEncode, readBase58btc } from '../codec/base58.js';
import { assertBytes } from '../codec/bytes.js';
import { isCanonicalPointEncoding, isSmallOrderEncoding } from '../crypto/ed25519-strict.js';
import { ED25519_KEY_LENGTH } from '../crypto/provider.js';
import { attemptSync, quote, type Result, xlinkError } from '../errors.js';

const DID_KEY_PREFIX = 'did:key:';

/** Multicodec ed25519-pub (0xed) as an unsigned varint. */
const ED25519_MULTICODEC: Uint8Array = /* @__PURE__ */ new Uint8Array([0xed, 0x01]);

/**
 * Longest method-specific id decoded at all. base58 decoding is quadratic, so
 * a megabyte "DID" must be refused before it is decoded; 128 characters still
 * lets the other common key types (up to P-521) reach the clearer MULTICODEC error.
 */
const MAX_ID_LENGTH = 128;

export interface ParsedDid {
  /** The DID exactly as parsed (there is only one valid spelling per key). */
  readonly did: string;
  /** The 32-byte Ed25519 public key the DID names. */
  readonly publicKey: Uint8Array;
}

/** Base58btc of 0xed01 ‖ 32 key bytes is always "6Mk" and 44 more characters. */
const DID_KEY_SYNTAX = /^did:key:z6Mk[1-9A-HJ-NP-Za-km-z]{44}$/;

/**
 * True when `value` has the shape of an Ed25519 did:key, without decoding it:
 * cheap enough for every envelope a gateway reads. It does not prove the key
 * is canonical or of large order; `parseDid` does.
 */
export function isDidKeySyntax(value: unknown): value is string {
  return typeof value === 'string' && DID_KEY_SYNTAX.test(value);
}

/**
 * The did:key of an Ed25519 public key. Throws INVALID_ARGUMENT / INVALID_LENGTH
 * for a non-32-byte argument, and refuses (with parseDid's codes) a key that
 * parseDid would refuse, so every DID it returns also parses.
 */
export function didFromEd25519PublicKey(publicKey: Uint8Array): string {
  assertBytes(publicKey, 'publicKey', ED25519_KEY_LENGTH);
  assertAcceptableKey(publicKey, 'publicKey');
  return didOfSignerKey(publicKey);
}

/**
 * The did:key of a signer's own public key, which the signer derived from its
 * secret: a clamped scalar times the base point is always canonical and of
 * large order, so the checks above cannot fail and are skipped. What a device
 * names itself by; its bundle then carries no small-order table. Any key from
 * elsewhere goes through `didFromEd25519PublicKey`.
 */
export function didOfSignerKey(publicKey: Uint8Array): string {
  assertBytes(publicKey, 'publicKey', ED25519_KEY_LENGTH);
  const bytes = new Uint8Array(ED25519_MULTICODEC.length + ED25519_KEY_LENGTH);
  bytes.set(ED25519_MULTICODEC);
  bytes.set(publicKey, ED25519_MULTICODEC.length);
  return `${DID_KEY_PREFIX}z${base58btcEncode(bytes)}`;
}

/** Parses an Ed25519 did:key; never throws for any input. */
export function parseDid(did: string): Result<ParsedDid> {
  return attemptSync(() => decodeDid(did));
}

function decodeDid(did: unknown): ParsedDid {
  if (typeof did !== 'string') {
    throw xlinkError('INVALID_ARGUMENT', `"did" expected string, got ${did === null ? 'null' : typeof did}`, {
      field: 'did',
    });
  }
  if (!did.startsWith(DID_KEY_PREFIX)) {
    throw xlinkError('INVALID_DID:PREFIX', `"did" expected to start with "${DID_KEY_PREFIX}"`, { field: 'did' });
  }
  const id = did.slice(DID_KEY_PREFIX.length);
  const urlPart = id.search(/[/?#]/);
  if (urlPart >= 0) {
    throw xlinkError(
      'INVALID_DID:URL',
      `"did" has a DID URL part ("${id[urlPart]}" at index ${DID_KEY_PREFIX.length + urlPart}); pass the bare DID`,
      { field: 'did' },
    );
  }
  if (!id.startsWith('z')) {
    throw xlinkError('INVALID_DID:MULTIBASE', `"did" expected multibase prefix "z" (base58btc) after "did:key:"`, {
      field: 'did',
    });
  }
  if (id.length > MAX_ID_LENGTH) {
    throw xlinkError(
      'INVALID_DID:LENGTH',
      `"did" method-specific id expected at most ${MAX_ID_LENGTH} characters, got ${id.length}`,
      { field: 'did' },
    );
  }
  // Scanned here rather than left to the decoder so the error names the index in the whole DID.
  const badCharacter = id.slice(1).search(/[^1-9A-HJ-NP-Za-km-z]/);
  if (badCharacter >= 0) {
    const index = DID_KEY_PREFIX.length + 1 + badCharacter;
    throw xlinkError(
      'INVALID_DID:BASE58',
      `"did" has ${quote(String.fromCodePoint(did.codePointAt(index) as number))} at index ${index}, not a base58btc character`,
      { field: 'did' },
    );
  }
  const bytes = readBase58btc(id.slice(1));
  if (bytes.length < ED25519_MULTICODEC.length) {
    throw xlinkError('INVALID_DID:LENGTH', `"did" decodes to ${bytes.length} bytes, expected 34`, { field: 'did' });
  }
  if (bytes[0] !== ED25519_MULTICODEC[0] || bytes[1] !== ED25519_MULTICODEC[1]) {
    throw xlinkError(
      'INVALID_DID:MULTICODEC',
      `"did" expected multicodec 0xed01 (Ed25519), got prefix 0x${hexByte(bytes[0])}${hexByte(bytes[1])}`,
      { field: 'did' },
    );
  }
  if (bytes.length !== ED25519_MULTICODEC.length + ED25519_KEY_LENGTH) {
    throw xlinkError('INVALID_DID:LENGTH', `"did" decodes to ${bytes.length} bytes, expected 34`, { field: 'did' });
  }
  const publicKey = bytes.slice(ED25519_MULTICODEC.length);
  assertAcceptableKey(publicKey, 'did');
  return { did, publicKey };
}

/** Canonical first: a non-canonical alias of a small-order point is reported as non-canonical. */
function assertAcceptableKey(publicKey: Uint8Array, field: string): void {
  if (!isCanonicalPointEncoding(publicKey)) {
    throw xlinkError('INVALID_PUBLIC_KEY:NON_CANONICAL', 'Ed25519 public key is not canonically encoded (y >= p)', {
      field,
    });
  }
  if (isSmallOrderEncoding(publicKey)) {
    throw xlinkError('INVALID_DID:SMALL_ORDER_KEY', 'Ed25519 public key is a small-order point', {
      field,
    });
  }
}

function hexByte(byte: number | undefined): string {
  return (byte as number).toString(16).padStart(2, '0');
}
