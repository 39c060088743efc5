/**
 * PKCS#8 and SPKI DER for Ed25519 and X25519 keys (RFC 8410), so raw 32-byte
 * keys can enter native crypto APIs and leave xlink as standard key files.
 *
 *   const der = ed25519SeedToPkcs8(seed);   // 48 bytes, PKCS#8 v1
 *   const again = pkcs8ToEd25519Seed(der); // equal to seed
 *
 * Limits: the writers emit only the 48-byte v1 form. The readers accept that
 * form and the RFC 8410 §7 OneAsymmetricKey v2 form (version 1, optional [0]
 * attributes, optional [1] public key), in strict DER only. The embedded public
 * key is checked for shape and discarded: callers derive it from the secret.
 * Encrypted PKCS#8, PEM and other algorithms are refused.
 */
import { assertBytes, concatBytes } from '../codec/bytes.js';
import { xlinkError } from '../errors.js';

/** SEQUENCE, INTEGER 0, AlgorithmIdentifier { OID 1.3.101.x }, OCTET STRING { OCTET STRING (32) }. */
const PKCS8_V1_HEAD = [0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65] as const;
const PKCS8_KEY_HEAD = [0x04, 0x22, 0x04, 0x20] as const;
/** SEQUENCE, AlgorithmIdentifier { OID 1.3.101.x }, BIT STRING (0 unused bits, 32 bytes). */
const SPKI_HEAD = [0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65] as const;
const SPKI_KEY_HEAD = [0x03, 0x21, 0x00] as const;

/** Last arc of the RFC 8410 OIDs 1.3.101.110 (X25519) and 1.3.101.112 (Ed25519). */
const OID_ARC_X25519 = 0x6e;
const OID_ARC_ED25519 = 0x70;

type Curve = 'Ed25519' | 'X25519';

const ARC_OF: Record<Curve, number> = { Ed25519: OID_ARC_ED25519, X25519: OID_ARC_X25519 };

const TAG_INTEGER = 0x02;
const TAG_OCTET_STRING = 0x04;
const TAG_OID = 0x06;
const TAG_SEQUENCE = 0x30;
const TAG_ATTRIBUTES = 0xa0; // [0] IMPLICIT, constructed
const TAG_PUBLIC_KEY = 0x81; // [1] IMPLICIT BIT STRING, primitive

function wrapPkcs8(key: Uint8Array, arc: number): Uint8Array {
  return concatBytes(Uint8Array.from(PKCS8_V1_HEAD), Uint8Array.of(arc), Uint8Array.from(PKCS8_KEY_HEAD), key);
}

function wrapSpki(key: Uint8Array, arc: number): Uint8Array {
  return concatBytes(Uint8Array.from(SPKI_HEAD), Uint8Array.of(arc), Uint8Array.from(SPKI_KEY_HEAD), key);
}

/** PKCS#8 v1 DER (48 bytes) of a 32-byte Ed25519 seed. */
export function ed25519SeedToPkcs8(seed: Uint8Array): Uint8Array {
  assertBytes(seed, 'seed', 32);
  return wrapPkcs8(seed, OID_ARC_ED25519);
}

/** PKCS#8 v1 DER (48 bytes) of a 32-byte X25519 secret key. */
export function x25519SecretToPkcs8(secret: Uint8Array): Uint8Array {
  assertBytes(secret, 'secret', 32);
  return wrapPkcs8(secret, OID_ARC_X25519);
}

/** SubjectPublicKeyInfo DER (44 bytes) of a 32-byte Ed25519 public key. */
export function ed25519PublicKeyToSpki(publicKey: Uint8Array): Uint8Array {
  assertBytes(publicKey, 'publicKey', 32);
  return wrapSpki(publicKey, OID_ARC_ED25519);
}

/** SubjectPublicKeyInfo DER (44 bytes) of a 32-byte X25519 public key. */
export function x25519PublicKeyToSpki(publicKey: Uint8Array): Uint8Array {
  assertBytes(publicKey, 'publicKey', 32);
  return wrapSpki(publicKey, OID_ARC_X25519);
}

/** The 32-byte Ed25519 seed of PKCS#8 DER; throws `INVALID_PKCS8:MALFORMED` or `INVALID_PKCS8:ALGORITHM`. */
export function pkcs8ToEd25519Seed(der: Uint8Array): Uint8Array {
  assertBytes(der, 'der');
  return parsePkcs8(der, 'Ed25519');
}

/** The 32-byte X25519 secret key of PKCS#8 DER; throws `INVALID_PKCS8:MALFORMED` or `INVALID_PKCS8:ALGORITHM`. */
export function pkcs8ToX25519Secret(der: Uint8Array): Uint8Array {
  assertBytes(der, 'der');
  return parsePkcs8(der, 'X25519');
}

function malformed(message: string): Error {
  return xlinkError('INVALID_PKCS8:MALFORMED', `PKCS#8: ${message}`, { field: 'der' });
}

interface Tlv {
  readonly tag: number;
  /** Offset of the first content byte. */
  readonly start: number;
  /** Offset just past the last content byte. */
  readonly end: number;
}

/**
 * Reads one DER TLV at `offset` that must end by `limit`. Only the minimal
 * length encodings DER allows are accepted (short form below 128, no leading
 * zero bytes, at most two length bytes: an Ed25519 key file is far smaller).
 */
function readTlv(der: Uint8Array, offset: number, limit: number, what: string): Tlv {
  if (offset + 2 > limit) throw malformed(`truncated before ${what} at offset ${offset}`);
  const tag = der[offset] as number;
  const first = der[offset + 1] as number;
  let length: number;
  let start: number;
  if (first < 0x80) {
    length = first;
    start = offset + 2;
  } else if (first === 0x81 && offset + 3 <= limit && (der[offset + 2] as number) >= 0x80) {
    length = der[offset + 2] as number;
    start = offset + 3;
  } else if (first === 0x82 && offset + 4 <= limit && (der[offset + 2] as number) !== 0) {
    length = ((der[offset + 2] as number) << 8) | (der[offset + 3] as number);
    start = offset + 4;
  } else {
    throw malformed(`invalid DER length of ${what} at offset ${offset + 1}`);
  }
  if (start + length > limit) throw malformed(`${what} at offset ${offset} overruns its container`);
  return { tag, start, end: start + length };
}

function expectTag(tlv: Tlv, tag: number, what: string, offset: number): void {
  if (tlv.tag !== tag) {
    throw malformed(`expected ${what} (tag 0x${hexByte(tag)}) at offset ${offset}, got tag 0x${hexByte(tlv.tag)}`);
  }
}

function hexByte(value: number): string {
  return value.toString(16).padStart(2, '0');
}

function parsePkcs8(der: Uint8Array, curve: Curve): Uint8Array {
  const outer = readTlv(der, 0, der.length, 'PrivateKeyInfo');
  expectTag(outer, TAG_SEQUENCE, 'SEQUENCE', 0);
  if (outer.end !== der.length) throw malformed(`${der.length - outer.end} trailing bytes after the key`);

  const versionOffset = outer.start;
  const version = readTlv(der, versionOffset, outer.end, 'version');
  expectTag(version, TAG_INTEGER, 'INTEGER version', versionOffset);
  const versionValue = der[version.start];
  if (version.end - version.start !== 1 || (versionValue !== 0 && versionValue !== 1)) {
    throw malformed(`version at offset ${versionOffset} must be the INTEGER 0 (v1) or 1 (v2)`);
  }

  const algorithmOffset = version.end;
  const algorithm = readTlv(der, algorithmOffset, outer.end, 'AlgorithmIdentifier');
  expectTag(algorithm, TAG_SEQUENCE, 'AlgorithmIdentifier SEQUENCE', algorithmOffset);
  checkAlgorithm(der, algorithm, curve);

  const keyOffset = algorithm.end;
  const privateKey = readTlv(der, keyOffset, outer.end, 'privateKey');
  expectTag(privateKey, TAG_OCTET_STRING, 'privateKey OCTET STRING', keyOffset);
  // RFC 8410 §7: CurvePrivateKey ::= OCTET STRING, nested inside the privateKey OCTET STRING.
  const inner = readTlv(der, privateKey.start, privateKey.end, 'CurvePrivateKey');
  // Not expectTag: without the wrapper, the "tag" would be the first secret-key byte, never to be echoed.
  if (inner.tag !== TAG_OCTET_STRING) {
    throw malformed(`CurvePrivateKey at offset ${privateKey.start} is not an OCTET STRING`);
  }
  if (inner.end !== privateKey.end || inner.end - inner.start !== 32) {
    throw malformed(`${curve} private key at offset ${privateKey.start} must be an OCTET STRING of exactly 32 bytes`);
  }

  let offset = privateKey.end;
  if (versionValue === 1) offset = readV2Fields(der, offset, outer.end);
  if (offset !== outer.end) {
    const field = versionValue === 0 ? 'v1 key (attributes and public key need version 1)' : 'v2 key';
    throw malformed(`unexpected field at offset ${offset} in a ${field}`);
  }
  return der.slice(inner.start, inner.end);
}

function checkAlgorithm(der: Uint8Array, algorithm: Tlv, curve: Curve): void {
  const oid = readTlv(der, algorithm.start, algorithm.end, 'algorithm OID');
  expectTag(oid, TAG_OID, 'OBJECT IDENTIFIER', algorithm.start);
  const isExpected =
    oid.end - oid.start === 3 &&
    der[oid.start] === 0x2b &&
    der[oid.start + 1] === 0x65 &&
    der[oid.start + 2] === ARC_OF[curve];
  if (!isExpected) {
    const arc = ARC_OF[curve] === OID_ARC_ED25519 ? '112' : '110';
    throw xlinkError('INVALID_PKCS8:ALGORITHM', `PKCS#8 key is not ${curve} (expected OID 1.3.101.${arc})`, {
      field: 'der',
    });
  }
  // RFC 8410 §3: the parameters MUST be absent.
  if (oid.end !== algorithm.end) throw malformed(`${curve} AlgorithmIdentifier must have no parameters`);
}

/** Skips optional [0] attributes, then checks an optional [1] public key; returns the offset after them. */
function readV2Fields(der: Uint8Array, offset: number, limit: number): number {
  if (offset < limit && der[offset] === TAG_ATTRIBUTES) {
    offset = readTlv(der, offset, limit, 'attributes').end;
  }
  if (offset < limit && der[offset] === TAG_PUBLIC_KEY) {
    const publicKey = readTlv(der, offset, limit, 'publicKey');
    if (publicKey.end - publicKey.start !== 33 || der[publicKey.start] !== 0) {
      throw malformed(`public key at offset ${offset} must be a BIT STRING of 32 bytes with no unused bits`);
    }
    offset = publicKey.end;
  }
  return offset;
}
