/**
 * `xlink/envelope`: pure seal and open functions, no I/O (docs/protocol.md).
 *
 *   import { sealEnvelope, encodeEnvelope, decodeEnvelope, verifyEnvelope, decryptEnvelope } from 'xlink/envelope';
 *
 * Devices import the narrow subpaths: `xlink/envelope/telemetry` (the compact
 * telemetry profile), `xlink/envelope/sign` (signed-only full envelopes);
 * gateways that only verify full envelopes `xlink/envelope/open`. None of them
 * pulls in the encryption code.
 */
export {
  type ContentType,
  decodePayload,
  encodePayload,
  type PayloadContentType,
  SHARE_MEDIA_TYPE,
} from './content-type.js';
export {
  COSE_ALG_EDDSA,
  COSE_SIGN1_TAG,
  type CoseSign1,
  type CoseVerifier,
  coseSign1SigStructure,
  decodeCoseSign1,
  encodeCoseSign1,
  verifyCoseSign1,
} from './cose-sign1.js';
export { DEFAULT_MAX_ENVELOPE_BYTES, type DecodedEnvelope, type DecodeOptions, decodeEnvelope } from './decode.js';
export { decryptEnvelope, type EnvelopeOpeningCrypto, type EnvelopeRecipient } from './decrypt.js';
export { type EnvelopeEncoding, encodeEnvelope } from './encode.js';
export { type Envelope, envelopeSignedBytes } from './envelope.js';
export type { EnvelopeHeader } from './header.js';
export type { EnvelopeJson } from './json-encoding.js';
export { type EncryptedVersion, negotiateVersion } from './negotiate.js';
export { type OpenedEnvelope, type OpenOptions, openEnvelope } from './open.js';
export { assertScope, isValidScope, MAX_SCOPE_LENGTH } from './scope.js';
export { type EnvelopeSealingCrypto, type SealedEnvelopeMessage, type SealRecipient, sealEnvelope } from './seal.js';
export {
  type EnvelopeSender,
  type EnvelopeSigningCrypto,
  type ReplayFields,
  type SignedEnvelopeMessage,
  signEnvelope,
} from './sign.js';
export {
  DEFAULT_TELEMETRY_SCOPE,
  decodeTelemetry,
  type SyncTelemetryKey,
  sealTelemetry,
  type TelemetryEnvelope,
  type TelemetryHeader,
  type TelemetryKey,
  type TelemetryMessage,
  verifyTelemetry,
} from './telemetry.js';
export {
  COSE_ALG_HMAC_256,
  decodeTelemetryMac,
  sealTelemetryMac,
  TELEMETRY_MAC_TAG_LENGTH,
  type TelemetryMacKey,
  verifyTelemetryMac,
} from './telemetry-mac.js';
export { type EnvelopeSenderKeys, verifyEnvelope } from './verify.js';
