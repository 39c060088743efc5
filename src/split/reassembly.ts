/**
 * The receiver's side of split-channel mode: holds verified shares until k of
 * one split have arrived, from any mix of transports, then combines them.
 * Bounded in every direction, so shares that never complete cannot exhaust
 * memory: at most `maxGroups` splits wait (and `maxGroupsPerOrigin` per
 * sender), at most `maxBytes` of share data is held, and a split still
 * incomplete `ttlMs` after its first share is dropped.
 *
 *   const buffer = new ShareReassembly({ ttlMs: 30_000 });
 *   const step = buffer.add(senderDid, share, binding); // pending, complete (with the secret), or late
 *
 * `binding` is what every share of one split must agree on besides the share
 * header (the agent passes scope, mode and HMAC key): a share that disagrees is
 * refused with INCONSISTENT_SHARES and the split stays as it was. Shares must
 * have had their HMAC and envelope checked before they are added. A split,
 * once combined, is remembered for `ttlMs` (up to 4 · maxGroups splits), so its
 * remaining shares are answered `late` instead of opening a split that could
 * never complete.
 *
 * Limits: in memory only; a process that restarts loses what it held.
 */
import { bytesToHex } from '../codec/bytes.js';
import { xlinkError } from '../errors.js';
import { type Clock, nonDecreasing, systemClock } from '../platform/clock.js';
import { combineVerified } from './secret-sharing.js';
import type { Share } from './share-format.js';

export interface ReassemblyOptions {
  /** How long a split may wait for its k-th share, from its first; default 30 000 ms. */
  readonly ttlMs?: number;
  /** Incomplete splits held at once; default 256. */
  readonly maxGroups?: number;
  /** Incomplete splits one sender may have waiting; default 32. */
  readonly maxGroupsPerOrigin?: number;
  /** Share data held at once, in bytes; default 16 MiB. */
  readonly maxBytes?: number;
  readonly clock?: Clock;
}

export type ReassemblyStep =
  | { readonly status: 'pending'; readonly held: number; readonly k: number; readonly n: number }
  | { readonly status: 'complete'; readonly secret: Uint8Array; readonly k: number; readonly n: number }
  | { readonly status: 'late' };

interface Group {
  readonly origin: string;
  readonly binding: string;
  readonly expires: number;
  readonly shares: Share[];
  bytes: number;
}

const DEFAULTS = { ttlMs: 30_000, maxGroups: 256, maxGroupsPerOrigin: 32, maxBytes: 16 * 1024 * 1024 };

export class ShareReassembly {
  readonly #ttlMs: number;
  readonly #maxGroups: number;
  readonly #maxGroupsPerOrigin: number;
  readonly #maxBytes: number;
  readonly #clock: Clock;
  /** Insertion order is creation order, and every split lives ttlMs: the oldest expires first. */
  readonly #groups = new Map<string, Group>();
  readonly #perOrigin = new Map<string, number>();
  /** Combined splits and when they may be forgotten, oldest first. */
  readonly #done = new Map<string, number>();
  #bytes = 0;

  /** Throws INVALID_ARGUMENT for a limit that is not a positive integer. */
  constructor(options: ReassemblyOptions = {}) {
    this.#ttlMs = positive(options.ttlMs ?? DEFAULTS.ttlMs, 'ttlMs');
    this.#maxGroups = positive(options.maxGroups ?? DEFAULTS.maxGroups, 'maxGroups');
    this.#maxGroupsPerOrigin = positive(
      options.maxGroupsPerOrigin ?? DEFAULTS.maxGroupsPerOrigin,
      'maxGroupsPerOrigin',
    );
    this.#maxBytes = positive(options.maxBytes ?? DEFAULTS.maxBytes, 'maxBytes');
    this.#clock = nonDecreasing(options.clock ?? systemClock);
  }

  /** Incomplete splits held now. */
  get pendingGroups(): number {
    return this.#groups.size;
  }

  /** Share data held now, in bytes. */
  get heldBytes(): number {
    return this.#bytes;
  }

  /**
   * Adds a verified share sent by `origin`. Throws INCONSISTENT_SHARES… when
   * it contradicts the shares held for its split, SPLIT_BUFFER_FULL when a
   * limit would be passed; the buffer is unchanged by a refused share.
   */
  add(origin: string, share: Share, binding: string): ReassemblyStep {
    const now = this.#clock.now();
    this.#expire(now);
    const key = `${origin}\n${bytesToHex(share.groupId)}`;
    if (this.#done.has(key)) return { status: 'late' };
    const size = share.data.length;
    let group = this.#groups.get(key);
    if (group === undefined) {
      const count = this.#perOrigin.get(origin) ?? 0;
      if (this.#groups.size >= this.#maxGroups || count >= this.#maxGroupsPerOrigin) {
        throw xlinkError(
          'SPLIT_BUFFER_FULL',
          `${this.#groups.size} split messages wait for shares (${count} from this sender); limits ${this.#maxGroups} and ${this.#maxGroupsPerOrigin}`,
          { field: 'groupId' },
        );
      }
      group = { origin, binding, expires: now + this.#ttlMs, shares: [], bytes: 0 };
    } else {
      checkAgrees(group, share, binding);
    }
    if (group.shares.length + 1 >= share.k) {
      const secret = combineVerified([...group.shares, share]);
      this.#forget(key, group);
      this.#remember(key, now);
      return { status: 'complete', secret, k: share.k, n: share.n };
    }
    // Only a share that must wait is held; the one that completes a split never counts against the limit.
    if (this.#bytes + size > this.#maxBytes) {
      throw xlinkError(
        'SPLIT_BUFFER_FULL',
        `holding this ${size}-byte share would pass the ${this.#maxBytes}-byte reassembly limit`,
        { field: 'data' },
      );
    }
    if (!this.#groups.has(key)) {
      this.#groups.set(key, group);
      this.#perOrigin.set(origin, (this.#perOrigin.get(origin) ?? 0) + 1);
    }
    group.shares.push(share);
    group.bytes += size;
    this.#bytes += size;
    return { status: 'pending', held: group.shares.length, k: share.k, n: share.n };
  }

  #expire(now: number): void {
    for (const [key, group] of this.#groups) {
      if (group.expires > now) break;
      this.#forget(key, group);
    }
    for (const [key, expires] of this.#done) {
      if (expires > now) break;
      this.#done.delete(key);
    }
  }

  #forget(key: string, group: Group): void {
    if (!this.#groups.delete(key)) return;
    this.#bytes -= group.bytes;
    const count = (this.#perOrigin.get(group.origin) ?? 1) - 1;
    if (count === 0) this.#perOrigin.delete(group.origin);
    else this.#perOrigin.set(group.origin, count);
  }

  #remember(key: string, now: number): void {
    this.#done.set(key, now + this.#ttlMs);
    if (this.#done.size > 4 * this.#maxGroups) this.#done.delete(this.#done.keys().next().value as string);
  }
}

/** A share must match its split's header, binding and index set; duplicates are refused, not counted. */
function checkAgrees(group: Group, share: Share, binding: string): void {
  const first = group.shares[0] as Share;
  if (binding !== group.binding) {
    throw xlinkError('INCONSISTENT_SHARES', `share ${share.index} disagrees with its split on scope, mode or key`, {
      field: 'binding',
    });
  }
  if (share.k !== first.k || share.n !== first.n || share.secretLength !== first.secretLength) {
    throw xlinkError(
      'INCONSISTENT_SHARES:PARAMETERS',
      `share ${share.index} says ${share.k}-of-${share.n} of ${share.secretLength} bytes, its split ${first.k}-of-${first.n} of ${first.secretLength}`,
      { field: 'k' },
    );
  }
  if (group.shares.some((held) => held.index === share.index)) {
    throw xlinkError('INCONSISTENT_SHARES:DUPLICATE_INDEX', `share ${share.index} of this split is held already`, {
      field: 'index',
    });
  }
}

function positive(value: number, field: string): number {
  if (!Number.isSafeInteger(value) || value < 1) {
    throw xlinkError('INVALID_ARGUMENT', `"${field}" expected a positive integer, got ${String(value)}`, { field });
  }
  return value;
}
