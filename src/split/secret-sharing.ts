/**
 * Threshold secret sharing with integrity: any k of the n shares give the
 * secret back, any k − 1 say nothing about it (information-theoretically),
 * and every share carries an HMAC-SHA256 that `combineShares` checks, in
 * constant time, before it combines anything.
 *
 *   const { shares, hmacKey } = await splitSecret(masterSecret, { k: 3, n: 5 }, { crypto });
 *   // give shares[i] to custodian i + 1; keep hmacKey with whoever will combine, apart from the shares
 *   const secret = await combineShares([s2, s4, s5], { crypto, hmacKey }); // Result<Uint8Array>
 *
 * Who holds the HMAC key: the party that combines, never a custodian. It is
 * drawn independently of the secret, so losing it to an attacker costs no
 * secrecy, only tamper detection: whoever has it and a share can re-tag an
 * altered share. In an agent's split-channel message it travels inside each
 * share's signed (and, by default, encrypted) envelope, where the signature is
 * what an attacker cannot forge (docs/split-channel.md, "Integrity").
 */
import { assertBytes, equalBytes } from '../codec/bytes.js';
import type { Hashing, Randomness } from '../crypto/provider.js';
import { attempt, quote, type Result, xlinkError } from '../errors.js';
import { type Threshold, thresholdParameters } from './parameters.js';
import {
  allocateShare,
  authenticatedPart,
  GROUP_ID_LENGTH,
  MAX_SECRET_LENGTH,
  readShare,
  SHARE_HEADER_LENGTH,
  SHARE_TAG_LENGTH,
  type Share,
} from './share-format.js';
import { combineRaw, randomLengthFor, splitInto } from './threshold.js';

/** What splitting and combining compute with: random bytes and HMAC-SHA256. */
export type SplitCrypto = Randomness & Pick<Hashing, 'hmacSha256' | 'hmacSha256Verify'>;

export const HMAC_KEY_LENGTH = 32;
/** Shorter keys are refused: a guessable key is no integrity. */
export const MIN_HMAC_KEY_LENGTH = 16;

export interface SplitOptions {
  readonly crypto: SplitCrypto;
  /** The key every share's HMAC is made with; default 32 fresh random bytes, returned. */
  readonly hmacKey?: Uint8Array;
}

export interface SplitSecret {
  /** Encoded shares, index i at position i − 1 (docs/split-channel.md, "Share format"). */
  readonly shares: Uint8Array[];
  /** The key `combineShares` needs. */
  readonly hmacKey: Uint8Array;
  /** The random id every share of this split carries. */
  readonly groupId: Uint8Array;
}

export interface CombineOptions {
  readonly crypto: Pick<Hashing, 'hmacSha256Verify'>;
  readonly hmacKey: Uint8Array;
}

/**
 * Splits `secret` into n shares, any k of which reconstruct it. Throws
 * SPLIT_PARAMETERS_INVALID unless 2 ≤ k ≤ n ≤ 16, INVALID_ARGUMENT or
 * INVALID_LENGTH for a secret or key of the wrong type or size.
 */
export async function splitSecret(
  secret: Uint8Array,
  threshold: Threshold,
  options: SplitOptions,
): Promise<SplitSecret> {
  const params = thresholdParameters(threshold?.k, threshold?.n);
  assertBytes(secret, 'secret');
  if (secret.length > MAX_SECRET_LENGTH) {
    throw xlinkError('INVALID_LENGTH', `a secret has at most ${MAX_SECRET_LENGTH} bytes, got ${secret.length}`, {
      field: 'secret',
    });
  }
  const { crypto } = options;
  const hmacKey = options.hmacKey ?? crypto.randomBytes(HMAC_KEY_LENGTH);
  assertHmacKey(hmacKey);
  const groupId = crypto.randomBytes(GROUP_ID_LENGTH);
  const shares = Array.from({ length: params.n }, (_, i) => allocateShare(params, i + 1, groupId, secret.length));
  const data = shares.map((bytes) => bytes.subarray(SHARE_HEADER_LENGTH, bytes.length - SHARE_TAG_LENGTH));
  splitInto(secret, params, crypto.randomBytes(randomLengthFor(params, secret.length)), data);
  for (const bytes of shares) {
    bytes.set(await crypto.hmacSha256(hmacKey, authenticatedPart(bytes)), bytes.length - SHARE_TAG_LENGTH);
  }
  return { shares, hmacKey, groupId };
}

/**
 * The secret from k or more shares (encoded bytes or decoded shares).
 * Every share's HMAC is verified first; then they must agree on group id, k,
 * n and length and have distinct indexes. Never throws for any shares.
 */
export function combineShares(
  shares: readonly (Uint8Array | Share)[],
  options: CombineOptions,
): Promise<Result<Uint8Array>> {
  return attempt(async () => {
    assertHmacKey(options?.hmacKey);
    if (!Array.isArray(shares)) {
      throw xlinkError('INVALID_ARGUMENT', `"shares" expected an array, got ${quote(shares)}`, { field: 'shares' });
    }
    const decoded: Share[] = [];
    // Index by index, not map: a sparse array's holes must be refused too, not skipped.
    for (let i = 0; i < shares.length; i++) {
      const share: unknown = shares[i];
      decoded.push(readShare(share instanceof Uint8Array ? share : (share as { bytes?: unknown } | null)?.bytes));
    }
    for (const share of decoded) {
      if (!(await options.crypto.hmacSha256Verify(options.hmacKey, authenticatedPart(share.bytes), share.tag))) {
        throw xlinkError('HMAC_VERIFICATION_FAILED', `share ${share.index} does not verify under this HMAC key`, {
          field: 'tag',
        });
      }
    }
    return combineVerified(decoded);
  });
}

/** Combines shares whose HMACs were verified; throws the consistency and count codes. */
export function combineVerified(shares: readonly Share[]): Uint8Array {
  const first = shares[0];
  if (first === undefined) throw xlinkError('INSUFFICIENT_SHARES', 'no shares were given', { field: 'shares' });
  const seen = new Set<number>();
  for (const share of shares) {
    if (!equalBytes(share.groupId, first.groupId)) {
      throw xlinkError('INCONSISTENT_SHARES:MIXED_GROUPS', `share ${share.index} belongs to another split`, {
        field: 'groupId',
      });
    }
    if (share.k !== first.k || share.n !== first.n || share.secretLength !== first.secretLength) {
      throw xlinkError(
        'INCONSISTENT_SHARES:PARAMETERS',
        `share ${share.index} says ${share.k}-of-${share.n} of ${share.secretLength} bytes, share ${first.index} ${first.k}-of-${first.n} of ${first.secretLength}`,
        { field: 'k' },
      );
    }
    if (seen.has(share.index)) {
      throw xlinkError('INCONSISTENT_SHARES:DUPLICATE_INDEX', `share ${share.index} was given twice`, {
        field: 'index',
      });
    }
    seen.add(share.index);
  }
  if (shares.length < first.k) {
    throw xlinkError('INSUFFICIENT_SHARES', `${shares.length} of the ${first.k} shares needed were given`, {
      field: 'shares',
    });
  }
  return combineRaw(
    shares.map((share) => ({ index: share.index, body: share.data })),
    first,
    first.secretLength,
  );
}

function assertHmacKey(key: unknown): asserts key is Uint8Array {
  assertBytes(key, 'hmacKey');
  if (key.length < MIN_HMAC_KEY_LENGTH) {
    throw xlinkError('INVALID_LENGTH', `"hmacKey" needs at least ${MIN_HMAC_KEY_LENGTH} bytes, got ${key.length}`, {
      field: 'hmacKey',
    });
  }
}
