/**
 * The telemetry MAC profile: the lightest credible message for boards that
 * cannot sign at their rate (Espruino Puck.js-class, docs/devices.md). The
 * same compact telemetry layout, authenticated with HMAC-SHA256 under a
 * per-device key instead of an Ed25519 signature; the gateway, which holds
 * that key, verifies it and then attests the reading with its own signature.
 *
 *   const bytes = sealTelemetryMac({ kid, mac: (data) => hmac(macKey, data) }, { audience, scope, counter, payload });
 *   const envelope = decodeTelemetryMac(bytes);                                   // Result<TelemetryEnvelope>
 *   const checked = await verifyTelemetryMac(hashing, macKey, envelope.value, 'acme-fleet'); // Result<void>
 *
 * Wire form: an untagged COSE_Mac0 `[protected, unprotected, payload, tag]`,
 * protected { 1: 5 (HMAC 256/256), ? 3, 15: claims } exactly as the signed
 * profile (telemetry.ts), unprotected { 4: kid }, tag = HMAC-SHA256 over
 * ["MAC0", protected, utf8(audience), payload] (RFC 9052 §6.3): 32 bytes where
 * a signature takes 64. The algorithm label keeps the two profiles apart:
 * each decoder refuses the other's messages (ENVELOPE_INVALID:ALGORITHM).
 *
 * The key is `telemetryMacKeyFromSeed` (identity/derive.ts, its own HKDF
 * label), which the factory hands the gateway sealed at provisioning. The
 * trade-off, in docs/devices.md: whoever holds the key can forge the device's
 * readings, so the gateway is trusted for them and must keep the keys as it
 * keeps its own signing key; a device's signature can be checked by anyone.
 */
import { assertBytes } from '../codec/bytes.js';
import type { Hashing } from '../crypto/provider.js';
import { attempt, attemptSync, quote, type Result, xlinkError } from '../errors.js';
import { KEY_ID_LENGTH } from '../identity/kid.js';
import { coseMac0Structure } from './cose-sign1.js';
import { DEFAULT_MAX_ENVELOPE_BYTES } from './decode.js';
import {
  audienceBytes,
  encodeTelemetryHeader,
  frameTelemetry,
  readTelemetry,
  type TelemetryAuthentication,
  type TelemetryEnvelope,
  type TelemetryMessage,
} from './telemetry.js';

/** COSE algorithm 5, HMAC 256/256 (RFC 9053 §3.1): the full 32-byte tag. */
export const COSE_ALG_HMAC_256 = 5;
export const TELEMETRY_MAC_TAG_LENGTH = 32;
const HMAC_256: TelemetryAuthentication = { alg: COSE_ALG_HMAC_256, tagLength: TELEMETRY_MAC_TAG_LENGTH };

/** What a MAC device holds: its kid (the one its Ed25519 key has) and its HMAC-SHA256 under the device key. */
export interface TelemetryMacKey {
  readonly kid: Uint8Array;
  /** HMAC-SHA256 of `data` under the device's MAC key; synchronous on devices (Espruino's native SHA-256). */
  mac(data: Uint8Array): Uint8Array;
}

/** Seals a reading under the MAC profile; synchronous. Throws as sealTelemetry does for bad keys and messages. */
export function sealTelemetryMac(key: TelemetryMacKey, message: TelemetryMessage): Uint8Array {
  assertBytes(key?.kid, 'kid', KEY_ID_LENGTH);
  const protectedBytes = encodeTelemetryHeader(message, COSE_ALG_HMAC_256);
  const audience = audienceBytes(message.audience);
  assertBytes(message.payload, 'payload');
  const tag = key.mac(coseMac0Structure(protectedBytes, message.payload, audience));
  if (!(tag instanceof Uint8Array) || tag.length !== TELEMETRY_MAC_TAG_LENGTH) {
    throw xlinkError(
      'INVALID_ARGUMENT',
      `"mac" expected to return ${TELEMETRY_MAC_TAG_LENGTH} bytes, got ${quote(tag)}`,
      {
        field: 'mac',
      },
    );
  }
  return frameTelemetry(protectedBytes, key.kid, message.payload, tag);
}

/** Strictly decodes MAC-profile bytes; never throws. The tag sits in `signature`; nothing is verified yet. */
export function decodeTelemetryMac(
  bytes: Uint8Array,
  options: { readonly maxEnvelopeBytes?: number } = {},
): Result<TelemetryEnvelope> {
  return attemptSync(() => readTelemetry(bytes, options.maxEnvelopeBytes ?? DEFAULT_MAX_ENVELOPE_BYTES, HMAC_256));
}

/**
 * Checks the tag, in constant time, under the device's MAC key (which the
 * gateway looks up by the envelope's kid) and the receiver's own audience.
 * VERIFICATION_FAILED:SIGNATURE_MISMATCH for an altered message, another key
 * or another audience; INVALID_ARGUMENT for a bad audience or key. Never throws.
 */
export function verifyTelemetryMac(
  hashing: Pick<Hashing, 'hmacSha256Verify'>,
  macKey: Uint8Array,
  envelope: TelemetryEnvelope,
  audience: string,
): Promise<Result<void>> {
  return attempt(async () => {
    assertBytes(macKey, 'macKey', TELEMETRY_MAC_TAG_LENGTH);
    if (typeof envelope !== 'object' || envelope === null) {
      throw xlinkError('INVALID_ARGUMENT', `"envelope" expected a decoded telemetry envelope, got ${quote(envelope)}`, {
        field: 'envelope',
      });
    }
    const authenticated = coseMac0Structure(envelope.protectedBytes, envelope.payload, audienceBytes(audience));
    if (!(await hashing.hmacSha256Verify(macKey, authenticated, envelope.signature))) {
      throw xlinkError(
        'VERIFICATION_FAILED:SIGNATURE_MISMATCH',
        'the telemetry MAC does not verify under the device key its kid names, for this audience',
        { field: 'signature' },
      );
    }
  });
}
