/**
 * The bounded table of unexpired nonces that the memory and file replay
 * stores share (not part of the public API).
 *
 *   const nonces = new NonceTable(720_000);
 *   nonces.reserve(senderDid, nonce, timestampMs + windowMs, now); // 'ok' | 'seen' | 'full'
 *
 * Limits: `reserve` answers `full` rather than drop a live entry; the caller
 * checks arguments (a 16-byte nonce, a non-empty sender) first. Memory: 44
 * bytes per entry when the ring is full, up to 88 just after it doubled,
 * whoever the senders are; the sender strings themselves are the caller's
 * (a receiver's registry holds them), referenced, not copied.
 */

/** Slots a table starts with; it doubles as it fills, so an idle store costs a few kilobytes. */
const INITIAL_SLOTS = 64;

/**
 * Unexpired nonces, keyed by sender and nonce, with their expiry times.
 * Entries live in typed arrays, not in a Map of strings, because a gateway
 * holds hundreds of thousands: per entry 16 nonce bytes, an 8-byte expiry, a
 * reference to the sender string and its 4-byte index hash (kept, so moving
 * entries never rehashes a DID) in a ring of slots (insertion order, which is
 * nearly expiry order), and an open-addressing index of twice as many 4-byte
 * cells (linear probing, deletion by backward shift). A Map keyed by nonce +
 * sender strings cost ~140 bytes an entry.
 *
 * Each call purges expired entries from the front of the ring, at most two
 * of them; what arrived out of order waits for a full sweep, run only when
 * the table is full and something may have expired since the last. The index
 * hash is seeded per table so that a registered sender cannot pick nonces
 * that all land in one probe run; the seed needs no secrecy, only to be
 * unknown to a remote sender, so Math.random (as V8 seeds its own string
 * hashes) is enough.
 */
export class NonceTable {
  readonly maxEntries: number;
  /** A ring this large always has a fifth of its slots free at maxEntries, so compacting it pays. */
  readonly #maxSlots: number;
  readonly #seed = (Math.random() * 2 ** 32) | 0;
  #slots = INITIAL_SLOTS;
  #words = new Int32Array(4 * INITIAL_SLOTS);
  #expiries = new Float64Array(INITIAL_SLOTS);
  #hashes = new Int32Array(INITIAL_SLOTS);
  /** The sender of each slot; undefined for a hole (an entry removed out of ring order). */
  #senders: (string | undefined)[] = new Array(INITIAL_SLOTS).fill(undefined);
  /** 2 × #slots cells, each a slot + 1, or 0 when empty. */
  #index = new Int32Array(2 * INITIAL_SLOTS);
  /** The oldest slot in use, and how many slots from it are in use (holes included). */
  #head = 0;
  #used = 0;
  #size = 0;
  /** No entry expires before this; a sweep before then would find nothing. */
  #earliestExpiry = Number.POSITIVE_INFINITY;

  constructor(maxEntries: number) {
    this.maxEntries = maxEntries;
    this.#maxSlots = powerOfTwoAtLeast(Math.ceil(maxEntries * 1.25));
  }

  /** Entries held, expired ones not yet purged included. */
  get size(): number {
    return this.#size;
  }

  /** Adds (sender, nonce) unless present and unexpired (`seen`) or the table is full of unexpired entries (`full`). */
  reserve(sender: string, nonce: Uint8Array, expiresAt: number, now: number): 'ok' | 'seen' | 'full' {
    const w0 = word(nonce, 0);
    const w1 = word(nonce, 4);
    const w2 = word(nonce, 8);
    const w3 = word(nonce, 12);
    const hash = this.#hash(sender, w0, w1, w2, w3);
    const cell = this.#find(hash, sender, w0, w1, w2, w3);
    if (cell >= 0) {
      // Expired at `expiry < now`: until then a receiver still accepts the envelope.
      if ((this.#expiries[(this.#index[cell] as number) - 1] as number) >= now) return 'seen';
      this.#remove(cell);
    }
    this.#purgeOldest(now, 2);
    if (this.#size >= this.maxEntries && !this.#sweep(now)) return 'full';
    this.#insert(hash, sender, w0, w1, w2, w3, expiresAt, now);
    return 'ok';
  }

  /**
   * Adds an entry regardless of capacity (reloading a log must not forget
   * what it holds); an entry already present keeps the later expiry.
   */
  restore(sender: string, nonce: Uint8Array, expiresAt: number): void {
    const w0 = word(nonce, 0);
    const w1 = word(nonce, 4);
    const w2 = word(nonce, 8);
    const w3 = word(nonce, 12);
    const hash = this.#hash(sender, w0, w1, w2, w3);
    const cell = this.#find(hash, sender, w0, w1, w2, w3);
    if (cell < 0) {
      this.#insert(hash, sender, w0, w1, w2, w3, expiresAt, Number.NEGATIVE_INFINITY);
      return;
    }
    const slot = (this.#index[cell] as number) - 1;
    if (expiresAt > (this.#expiries[slot] as number)) this.#expiries[slot] = expiresAt;
  }

  /** Removes (sender, nonce) if it still expires at `expiresAt` (a reservation being rolled back). */
  release(sender: string, nonce: Uint8Array, expiresAt: number): void {
    const w0 = word(nonce, 0);
    const w1 = word(nonce, 4);
    const w2 = word(nonce, 8);
    const w3 = word(nonce, 12);
    const cell = this.#find(this.#hash(sender, w0, w1, w2, w3), sender, w0, w1, w2, w3);
    if (cell >= 0 && this.#expiries[(this.#index[cell] as number) - 1] === expiresAt) this.#remove(cell);
  }

  /** Drops the entries expired at `now` at once, e.g. after a log was reloaded. */
  purgeExpired(now: number): void {
    if (this.#earliestExpiry < now) this.#rebuild(now);
  }

  /** Every entry unexpired at `now`, oldest first: its sender, its nonce in hex and its expiry. */
  *live(now: number): IterableIterator<[sender: string, nonceHex: string, expiresAt: number]> {
    for (let i = 0; i < this.#used; i++) {
      const slot = (this.#head + i) & (this.#slots - 1);
      const sender = this.#senders[slot];
      const expiresAt = this.#expiries[slot] as number;
      if (sender === undefined || expiresAt < now) continue;
      let hex = '';
      for (let j = 0; j < 4; j++) {
        const w = this.#words[4 * slot + j] as number;
        for (let b = 0; b < 32; b += 8) hex += ((w >>> b) & 0xff).toString(16).padStart(2, '0');
      }
      yield [sender, hex, expiresAt];
    }
  }

  #hash(sender: string, w0: number, w1: number, w2: number, w3: number): number {
    let h = this.#seed;
    for (let i = 0; i < sender.length; i++) h = Math.imul(h ^ sender.charCodeAt(i), 0x01000193);
    h = Math.imul(h ^ w0, 0x85ebca6b);
    h = Math.imul(h ^ (h >>> 15) ^ w1, 0xc2b2ae35);
    h = Math.imul(h ^ (h >>> 13) ^ w2, 0x85ebca6b);
    h = Math.imul(h ^ (h >>> 16) ^ w3, 0xc2b2ae35);
    return h ^ (h >>> 16);
  }

  /** The index cell holding (sender, nonce), or -1. */
  #find(hash: number, sender: string, w0: number, w1: number, w2: number, w3: number): number {
    const index = this.#index;
    const words = this.#words;
    const mask = index.length - 1;
    for (let cell = hash & mask; ; cell = (cell + 1) & mask) {
      const value = index[cell] as number;
      if (value === 0) return -1;
      const slot = value - 1;
      const at = 4 * slot;
      if (
        words[at] === w0 &&
        words[at + 1] === w1 &&
        words[at + 2] === w2 &&
        words[at + 3] === w3 &&
        this.#senders[slot] === sender
      ) {
        return cell;
      }
    }
  }

  #insert(
    hash: number,
    sender: string,
    w0: number,
    w1: number,
    w2: number,
    w3: number,
    expiresAt: number,
    now: number,
  ): void {
    if (this.#used === this.#slots) this.#rebuild(now);
    const slot = (this.#head + this.#used) & (this.#slots - 1);
    this.#used++;
    const at = 4 * slot;
    this.#words[at] = w0;
    this.#words[at + 1] = w1;
    this.#words[at + 2] = w2;
    this.#words[at + 3] = w3;
    this.#expiries[slot] = expiresAt;
    this.#hashes[slot] = hash;
    this.#senders[slot] = sender;
    this.#link(slot, hash);
    this.#size++;
    if (expiresAt < this.#earliestExpiry) this.#earliestExpiry = expiresAt;
  }

  #link(slot: number, hash: number): void {
    const index = this.#index;
    const mask = index.length - 1;
    let cell = hash & mask;
    while (index[cell] !== 0) cell = (cell + 1) & mask;
    index[cell] = slot + 1;
  }

  /** Removes the entry of index cell `cell`, leaving a hole in the ring, and closes the gap in its probe run. */
  #remove(cell: number): void {
    const index = this.#index;
    const mask = index.length - 1;
    this.#senders[(index[cell] as number) - 1] = undefined;
    this.#size--;
    let gap = cell;
    for (let next = (gap + 1) & mask; index[next] !== 0; next = (next + 1) & mask) {
      const value = index[next] as number;
      const home = (this.#hashes[value - 1] as number) & mask;
      // Moves back unless its home cell lies after the gap in the run (cyclically).
      if (((next - home) & mask) >= ((next - gap) & mask)) {
        index[gap] = value;
        gap = next;
      }
    }
    index[gap] = 0;
  }

  /** Pops expired entries and holes from the front of the ring; stops at the first live entry or after `budget` entries. */
  #purgeOldest(now: number, budget: number): void {
    const mask = this.#slots - 1;
    while (this.#used > 0) {
      const slot = this.#head;
      if (this.#senders[slot] !== undefined) {
        if (budget-- === 0 || (this.#expiries[slot] as number) >= now) return;
        this.#remove(this.#cellOf(slot));
      }
      this.#head = (slot + 1) & mask;
      this.#used--;
    }
  }

  #cellOf(slot: number): number {
    const index = this.#index;
    const mask = index.length - 1;
    let cell = (this.#hashes[slot] as number) & mask;
    while (index[cell] !== slot + 1) cell = (cell + 1) & mask;
    return cell;
  }

  /** Drops every expired entry; true when that made room. */
  #sweep(now: number): boolean {
    if (this.#earliestExpiry >= now) return false;
    this.#rebuild(now);
    return this.#size < this.maxEntries;
  }

  /**
   * Copies the entries unexpired at `now`, oldest first, into a ring twice
   * their number (within maxSlots, unless restored entries need more), which
   * drops holes and expired entries, grows a full ring and shrinks an idle one.
   */
  #rebuild(now: number): void {
    const mask = this.#slots - 1;
    let live = 0;
    for (let i = 0; i < this.#used; i++) {
      const slot = (this.#head + i) & mask;
      if (this.#senders[slot] !== undefined && (this.#expiries[slot] as number) >= now) live++;
    }
    let target = Math.max(INITIAL_SLOTS, 2 * live);
    if (target > this.#maxSlots) target = Math.max(this.#maxSlots, live + 1);
    const slots = powerOfTwoAtLeast(target);
    const old = { words: this.#words, expiries: this.#expiries, hashes: this.#hashes, senders: this.#senders };
    const words = new Int32Array(4 * slots);
    const expiries = new Float64Array(slots);
    const hashes = new Int32Array(slots);
    const senders: (string | undefined)[] = new Array(slots).fill(undefined);
    this.#slots = slots;
    this.#words = words;
    this.#expiries = expiries;
    this.#hashes = hashes;
    this.#senders = senders;
    this.#index = new Int32Array(2 * slots);
    this.#earliestExpiry = Number.POSITIVE_INFINITY;
    let to = 0;
    for (let i = 0; i < this.#used; i++) {
      const slot = (this.#head + i) & mask;
      const sender = old.senders[slot];
      const expiresAt = old.expiries[slot] as number;
      if (sender === undefined || expiresAt < now) continue;
      words.set(old.words.subarray(4 * slot, 4 * slot + 4), 4 * to);
      const hash = old.hashes[slot] as number;
      expiries[to] = expiresAt;
      hashes[to] = hash;
      senders[to] = sender;
      this.#link(to, hash);
      if (expiresAt < this.#earliestExpiry) this.#earliestExpiry = expiresAt;
      to++;
    }
    this.#head = 0;
    this.#used = to;
    this.#size = to;
  }
}

function powerOfTwoAtLeast(n: number): number {
  let p = INITIAL_SLOTS;
  while (p < n) p *= 2;
  return p;
}

/** Bytes `at` … `at + 3` of a nonce as one little-endian 32-bit word. */
function word(nonce: Uint8Array, at: number): number {
  return (
    (nonce[at] as number) |
    ((nonce[at + 1] as number) << 8) |
    ((nonce[at + 2] as number) << 16) |
    ((nonce[at + 3] as number) << 24)
  );
}
