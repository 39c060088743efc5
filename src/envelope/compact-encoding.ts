/**
 * The compact form of a full envelope: a COSE_Sign1 message (RFC 9052 §4.2),
 * always under tag 18. Any COSE library can check its Ed25519 signature; the
 * payload of an encrypted version is its ciphertext.
 *
 *   const bytes = envelopeToCompact(envelope);             // 18([protected, unprotected, body, sig])
 *   const back = envelopeFromCompact(bytes, maxBytes);    // throws on anything not canonical
 *
 * The unprotected map is empty, or carries only the ML-DSA-65 signature under
 * "pqsig" (a signature cannot sign itself, so it cannot be protected). The tag
 * is required: an untagged COSE_Sign1 is the telemetry profile (telemetry.ts),
 * so each message has exactly one accepted spelling and neither form can be
 * read as the other.
 */
import { assertBytes } from '../codec/bytes.js';
import { type CborMap, encodeCbor } from '../codec/cbor.js';
import { quote, xlinkError } from '../errors.js';
import { frameCoseSign1, readCoseSign1 } from './cose-sign1.js';
import { checkEnvelopeParts, type Envelope } from './envelope.js';
import { headerFromMap } from './header.js';

const PQ_SIGNATURE_LABEL = 'pqsig';
/** The empty map, `a0`: the unprotected header of an envelope without an ML-DSA signature. */
const EMPTY_MAP: Uint8Array = /* @__PURE__ */ Uint8Array.of(0xa0);

/** Header nesting is one map and the `sv` array inside the protected bytes: depth 2 below the message's array. */
const COMPACT_MAX_DEPTH = 4;

export function envelopeToCompact(envelope: Envelope): Uint8Array {
  const { protectedBytes, body, signature, mlDsaSignature } = envelope;
  assertBytes(protectedBytes, 'protectedBytes');
  assertBytes(body, 'body');
  assertBytes(signature, 'signature');
  const unprotectedBytes =
    mlDsaSignature === undefined ? EMPTY_MAP : encodeCbor(new Map([[PQ_SIGNATURE_LABEL, mlDsaSignature]]));
  // Framed directly, not through encodeCoseSign1: its check decodes the protected header again, and an
  // envelope's protected bytes are encodeHeader's own, checked when they were made (or when decoded).
  return frameCoseSign1(protectedBytes, unprotectedBytes, body, signature, true);
}

/** Reads compact bytes; throws PARSE_FAILED:CBOR|COSE, ENVELOPE_INVALID:* and the header's codes. */
export function envelopeFromCompact(bytes: Uint8Array, maxBytes: number): Envelope {
  const message = readCoseSign1(bytes, { maxBytes, maxDepth: COMPACT_MAX_DEPTH });
  if (!message.tagged) {
    throw xlinkError(
      'PARSE_FAILED:COSE',
      'a full envelope is a COSE_Sign1 under tag 18; untagged is the telemetry profile',
      {
        field: 'tag',
      },
    );
  }
  const mlDsaSignature = readUnprotected(message.unprotectedHeader);
  return checkEnvelopeParts({
    header: headerFromMap(message.protectedHeader),
    protectedBytes: message.protectedBytes,
    body: message.payload,
    signature: message.signature,
    ...(mlDsaSignature === undefined ? {} : { mlDsaSignature }),
  });
}

function readUnprotected(map: CborMap): Uint8Array | undefined {
  for (const key of map.keys()) {
    if (key !== PQ_SIGNATURE_LABEL) {
      throw xlinkError('ENVELOPE_INVALID:MALFORMED', `unknown unprotected header ${quote(key)}`, {
        field: String(key),
      });
    }
  }
  const value = map.get(PQ_SIGNATURE_LABEL);
  if (value === undefined) return undefined;
  if (!(value instanceof Uint8Array)) {
    throw xlinkError('ENVELOPE_INVALID:MALFORMED', '"pqsig" expected bytes', { field: PQ_SIGNATURE_LABEL });
  }
  return value;
}
