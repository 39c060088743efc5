/**
 * `xlink/codec`: byte helpers, base58btc, base64url, deterministic CBOR and strict JSON.
 * Pure functions with no platform globals, safe for device engines.
 *
 *   import { encodeCbor, decodeCbor, base58btcEncode } from 'xlink/codec';
 */
export { base58btcDecode, base58btcEncode } from './base58.js';
export { base64urlDecode, base64urlEncode } from './base64url.js';
export {
  assertBytes,
  bytesToHex,
  concatBytes,
  constantTimeEqual,
  equalBytes,
  hexToBytes,
  utf8Decode,
  utf8Encode,
} from './bytes.js';
export type { CborDecodeLimits, CborMap, CborValue } from './cbor.js';
export { CborTagged, decodeCbor, encodeCbor } from './cbor.js';
export { type JsonLimits, parseJson, parseJsonBytes } from './json.js';
