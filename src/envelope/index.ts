/**
 * `xlink/envelope`: pure seal and open functions, no I/O (docs/protocol.md).
 *
 *   import { sealEnvelope, envelopeToJson, decodeEnvelope, verifyEnvelopeSignatures, decryptEnvelope } from 'xlink/envelope';
 *
 * Devices that only sign import `xlink/envelope/sign`; gateways that only
 * verify import `xlink/envelope/open`: neither pulls in the encryption code.
 */
export { envelopeFromCompact, envelopeToCompact } from './compact-encoding.js';
export {
  COSE_ALG_EDDSA,
  COSE_HEADER_ALG,
  COSE_SIGN1_TAG,
  type CoseSign1,
  coseAlgorithm,
  coseSign1SigStructure,
  decodeCoseSign1,
  encodeCoseSign1,
  verifyCoseSign1,
} from './cose-sign1.js';
export {
  DEFAULT_MAX_ENVELOPE_BYTES,
  type DecodedEnvelope,
  type DecodeOptions,
  decodeEnvelope,
  type EnvelopeEncoding,
} from './decode.js';
export { decryptEnvelope, type EnvelopeRecipientKeys } from './decrypt.js';
export { type Envelope, envelopeSignedBytes } from './envelope.js';
export { type EnvelopeHeader, encodeHeader, IV_LENGTH, isEncryptedVersion, NONCE_LENGTH } from './header.js';
export { type EnvelopeJson, envelopeFromJson, envelopeToJson } from './json-encoding.js';
export { assertNotDowngraded, type EncryptedVersion, negotiateVersion } from './negotiate.js';
export { type OpenedEnvelope, type OpenOptions, openEnvelope } from './open.js';
export { assertScope, isValidScope, MAX_SCOPE_LENGTH } from './scope.js';
export { type SealInput, type SealRecipient, sealEnvelope } from './seal.js';
export {
  type CreateSignedEnvelopeInput,
  createSignedEnvelope,
  type EnvelopeSigner,
  type ReplayFields,
  signEnvelope,
} from './sign.js';
export { type EnvelopeSenderKeys, verifyEnvelopeSignatures } from './verify.js';
