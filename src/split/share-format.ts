/**
 * The byte format of one share (docs/split-channel.md, "Share format"):
 *
 *   offset  bytes  field
 *   0       1      format version, 1
 *   1       1      k, shares needed
 *   2       1      n, shares made
 *   3       1      index, 1 … n (1 the point at infinity, i ≥ 2 the point x^(i−2))
 *   4       16     group id: random, the same in every share of one split
 *   20      4      L, the secret's length, unsigned big-endian
 *   24      D      share data, D = m · ⌈L / m⌉, m = p − 1, p the smallest odd prime ≥ n − 1
 *   24 + D  32     HMAC-SHA256 under the split's key of bytes 0 … 24 + D
 *
 *   const share = decodeShare(bytes); // Result<Share>: checks shape and parameters, not the HMAC
 *
 * The data starts at a multiple of 4, so the scheme works on 32-bit words
 * straight inside the encoded share.
 */
import { attemptSync, quote, type Result, xlinkError } from '../errors.js';
import { shareLengthFor, type ThresholdParameters, thresholdParameters } from './parameters.js';

export const SHARE_FORMAT_VERSION = 1;
export const SHARE_HEADER_LENGTH = 24;
export const SHARE_TAG_LENGTH = 32;
export const GROUP_ID_LENGTH = 16;
/** The longest secret a share can describe (L is 32 bits). */
export const MAX_SECRET_LENGTH = 0xffffffff;

export interface Share {
  readonly k: number;
  readonly n: number;
  readonly index: number;
  readonly groupId: Uint8Array;
  /** L, the secret's length in bytes. */
  readonly secretLength: number;
  readonly data: Uint8Array;
  readonly tag: Uint8Array;
  /** The whole encoded share; `data`, `groupId` and `tag` are views into it. */
  readonly bytes: Uint8Array;
}

/** A share's bytes with its header written and room for data and tag; the caller fills both. */
export function allocateShare(
  params: ThresholdParameters,
  index: number,
  groupId: Uint8Array,
  secretLength: number,
): Uint8Array {
  const dataLength = shareLengthFor(params, secretLength);
  const bytes = new Uint8Array(SHARE_HEADER_LENGTH + dataLength + SHARE_TAG_LENGTH);
  bytes[0] = SHARE_FORMAT_VERSION;
  bytes[1] = params.k;
  bytes[2] = params.n;
  bytes[3] = index;
  bytes.set(groupId, 4);
  new DataView(bytes.buffer).setUint32(20, secretLength);
  return bytes;
}

/** The part of an encoded share its HMAC covers. */
export function authenticatedPart(bytes: Uint8Array): Uint8Array {
  return bytes.subarray(0, bytes.length - SHARE_TAG_LENGTH);
}

/** Reads one share; never throws. Checks the shape, the parameters and the data length, not the HMAC. */
export function decodeShare(bytes: unknown): Result<Share> {
  return attemptSync(() => readShare(bytes));
}

/** The throwing form of decodeShare, for xlink's own modules. */
export function readShare(bytes: unknown): Share {
  if (!(bytes instanceof Uint8Array)) {
    throw xlinkError('SHARE_INVALID:MALFORMED', `a share is bytes, got ${quote(bytes)}`, { field: 'share' });
  }
  if (bytes.length < SHARE_HEADER_LENGTH + SHARE_TAG_LENGTH) {
    throw xlinkError(
      'SHARE_INVALID:MALFORMED',
      `a share has at least ${SHARE_HEADER_LENGTH + SHARE_TAG_LENGTH} bytes, got ${bytes.length}`,
      { field: 'share' },
    );
  }
  if (bytes[0] !== SHARE_FORMAT_VERSION) {
    throw xlinkError('SHARE_INVALID:MALFORMED', `share format ${bytes[0]} is not ${SHARE_FORMAT_VERSION}`, {
      field: 'version',
    });
  }
  const k = bytes[1] as number;
  const n = bytes[2] as number;
  const index = bytes[3] as number;
  const params = thresholdParameters(k, n);
  if (index < 1 || index > n) {
    throw xlinkError('SPLIT_PARAMETERS_INVALID', `share index ${index} is outside 1 … ${n}`, { field: 'index' });
  }
  const secretLength = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(20);
  const dataLength = bytes.length - SHARE_HEADER_LENGTH - SHARE_TAG_LENGTH;
  const expected = shareLengthFor(params, secretLength);
  if (dataLength !== expected) {
    throw xlinkError(
      'INCONSISTENT_SHARES:LENGTH',
      `a ${k}-of-${n} share of a ${secretLength}-byte secret has ${expected} bytes of data, this one ${dataLength}`,
      { field: 'data' },
    );
  }
  return {
    k,
    n,
    index,
    groupId: bytes.subarray(4, 4 + GROUP_ID_LENGTH),
    secretLength,
    data: bytes.subarray(SHARE_HEADER_LENGTH, SHARE_HEADER_LENGTH + dataLength),
    tag: bytes.subarray(SHARE_HEADER_LENGTH + dataLength),
    bytes,
  };
}
