/**
 * The digest the forward ledger keeps per message: SHA-256 (hex) of the bytes
 * its signature covers (the telemetry profile's Sig_structure with the
 * audience, or a full envelope's signed bytes). Those are canonical, unlike
 * the wire bytes: every JSON spelling and every redelivery of one signed
 * message has the same digest, and a reused counter or nonce carrying new
 * content has another.
 *
 *   const digest = signedDigest(bytes, audience, maxEnvelopeBytes); // after the message verified
 *
 * Call it only on bytes that verified: it decodes them again (cheap beside
 * the signature check) and throws if they do not decode.
 */
import { createHash } from 'node:crypto';
import { coseSign1SigStructure } from '../../envelope/cose-sign1.js';
import { decodeEnvelope } from '../../envelope/decode.js';
import { envelopeSignedBytes } from '../../envelope/envelope.js';
import { audienceBytes, decodeTelemetry, isTelemetryShaped } from '../../envelope/telemetry.js';
import { unwrap } from '../../errors.js';

export function signedDigest(bytes: Uint8Array, audience: string, maxEnvelopeBytes: number): string {
  const signed = isTelemetryShaped(bytes)
    ? telemetrySigned(bytes, audience, maxEnvelopeBytes)
    : envelopeSignedBytes(unwrap(decodeEnvelope(bytes, { maxEnvelopeBytes })).envelope);
  return createHash('sha256').update(signed).digest('hex');
}

function telemetrySigned(bytes: Uint8Array, audience: string, maxEnvelopeBytes: number): Uint8Array {
  const envelope = unwrap(decodeTelemetry(bytes, { maxEnvelopeBytes }));
  return coseSign1SigStructure(envelope.protectedBytes, envelope.payload, audienceBytes(audience));
}
