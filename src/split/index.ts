/**
 * `xlink/split`: XOR-based (k, n) threshold secret sharing with HMAC-checked
 * shares, usable on its own (custodian shares of a master secret) and the
 * scheme under the Agent's split-channel mode. docs/split-channel.md has the
 * scheme, its proof, the share format and its limits.
 *
 *   import { splitSecret, combineShares, THREE_OF_FIVE } from 'xlink/split';
 *   const { shares, hmacKey } = await splitSecret(secret, THREE_OF_FIVE, { crypto });
 *   const back = await combineShares([shares[0], shares[2], shares[4]], { crypto, hmacKey });
 */
export {
  MAX_SHARES,
  THREE_OF_FIVE,
  type Threshold,
  type ThresholdParameters,
  TWO_OF_THREE,
  thresholdParameters,
} from './parameters.js';
export { type ReassemblyOptions, ShareReassembly } from './reassembly.js';
export {
  type CombineOptions,
  combineShares,
  HMAC_KEY_LENGTH,
  MIN_HMAC_KEY_LENGTH,
  type SplitCrypto,
  type SplitOptions,
  type SplitSecret,
  splitSecret,
} from './secret-sharing.js';
export {
  decodeShare,
  GROUP_ID_LENGTH,
  MAX_SECRET_LENGTH,
  SHARE_FORMAT_VERSION,
  SHARE_HEADER_LENGTH,
  SHARE_TAG_LENGTH,
  type Share,
} from './share-format.js';
export { combineRaw, type RawShare, splitRaw } from './threshold.js';
