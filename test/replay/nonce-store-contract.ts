// The one contract every NonceStore passes (memory, file, Redis): each store's
// test file calls runNonceStoreContract with a factory, and adds only what is
// specific to it (restart rules, files, Redis keys).
import assert from 'node:assert/strict';
import { getRandomValues } from 'node:crypto';
import { describe, it } from 'node:test';
import type { ErrorCode, Result } from '../../src/errors.js';
import type { VirtualClock } from '../../src/platform/virtual-clock.js';
import type { NonceStore } from '../../src/replay/nonce-store.js';

export interface ContractOptions {
  readonly windowMs: number;
  readonly counterWindow: number;
  /** Set only for stores whose features say `bounded`. */
  readonly maxEntries?: number;
  readonly maxSenders?: number;
}

export interface ContractStore {
  readonly store: NonceStore;
  /** The store's injected clock, which the contract moves (forward, and back as NTP does). */
  readonly clock: VirtualClock;
  /** Releases what the fixture made besides the store (files, keys); the contract closes the store itself. */
  readonly cleanup?: () => Promise<void>;
}

export type StoreFactory = (options: ContractOptions) => Promise<ContractStore>;

export interface StoreFeatures {
  /** Nonces expire on the injected clock (Redis expires keys on its server's clock, checking windows on ours). */
  readonly expiresOnInjectedClock: boolean;
  /** A counter without a timestamp is accepted (persistent stores) rather than UNVERIFIABLE (memory). */
  readonly clocklessCounters: boolean;
  /** The store holds at most maxEntries nonces and maxSenders counter windows (memory, file). */
  readonly bounded: boolean;
}

const WINDOW_MS = 30_000;
const MAX = Number.MAX_SAFE_INTEGER;
const ALICE = 'did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK';
const BOB = 'did:key:z6MkpTHR8VNsBxYAAWHut2Geadd9jSwuBV8xRoAnwWsdvktH';

export function randomNonce(): Uint8Array {
  return getRandomValues(new Uint8Array(16));
}

export function assertOk(result: Result<void>, what = 'call'): void {
  assert.ok(result.ok, `${what}: expected ok, got ${result.ok ? '' : `${result.error.code}: ${result.error.message}`}`);
}

export function assertCode(result: Result<void>, code: ErrorCode, what = 'call'): void {
  assert.equal(result.ok, false, `${what}: expected ${code}, got ok`);
  if (!result.ok) assert.equal(result.error.code, code, `${what}: ${result.error.message}`);
}

export function runNonceStoreContract(name: string, make: StoreFactory, features: StoreFeatures): void {
  /** Runs `body` against a fresh store and always closes it. */
  async function withStore(
    body: (fixture: ContractStore & { now(): number }) => Promise<void>,
    options: Partial<ContractOptions> = {},
  ): Promise<void> {
    const fixture = await make({ windowMs: WINDOW_MS, counterWindow: 64, ...options });
    try {
      await body({ ...fixture, now: () => fixture.clock.now() });
    } finally {
      await fixture.store.close();
      await fixture.cleanup?.();
    }
  }

  describe(`${name}: NonceStore contract`, () => {
    describe('nonces', () => {
      it('accepts a fresh nonce', () =>
        withStore(async ({ store, now }) => {
          assertOk(await store.reserveNonce(ALICE, randomNonce(), now()));
        }));

      it('refuses the same nonce from the same sender with REPLAY_DETECTED', () =>
        withStore(async ({ store, now }) => {
          const nonce = randomNonce();
          const ts = now();
          assertOk(await store.reserveNonce(ALICE, nonce, ts));
          assertCode(await store.reserveNonce(ALICE, nonce, ts), 'REPLAY_DETECTED', 'same envelope again');
          // A new timestamp does not make an old nonce new while it is remembered.
          assertCode(await store.reserveNonce(ALICE, nonce.slice(), ts + 1), 'REPLAY_DETECTED', 'copied nonce');
        }));

      it('keys a nonce by sender: the same nonce from another sender is a different entry', () =>
        withStore(async ({ store, now }) => {
          const nonce = randomNonce();
          assertOk(await store.reserveNonce(ALICE, nonce, now()));
          assertOk(await store.reserveNonce(BOB, nonce, now()), 'Bob, same nonce');
          assertCode(await store.reserveNonce(BOB, nonce, now()), 'REPLAY_DETECTED', 'Bob again');
        }));

      it('keeps senders apart whatever their text: prefixes, colons, newlines, non-ASCII', () =>
        withStore(async ({ store, now }) => {
          const nonce = randomNonce();
          const senders = ['a', 'a:', 'ab', 'a\n', 'a:b', 'ä', `${ALICE}:x`, ALICE];
          for (const sender of senders)
            assertOk(await store.reserveNonce(sender, nonce, now()), JSON.stringify(sender));
          for (const sender of senders) {
            assertCode(await store.reserveNonce(sender, nonce, now()), 'REPLAY_DETECTED', JSON.stringify(sender));
          }
        }));

      it('accepts 200 distinct nonces from one sender', () =>
        withStore(async ({ store, now }) => {
          for (let i = 0; i < 200; i++) assertOk(await store.reserveNonce(ALICE, randomNonce(), now()), `nonce ${i}`);
        }));

      it('of 20 concurrent reserves of one nonce, exactly one succeeds', () =>
        withStore(async ({ store, now }) => {
          const nonce = randomNonce();
          const ts = now();
          const results = await Promise.all(Array.from({ length: 20 }, () => store.reserveNonce(ALICE, nonce, ts)));
          assert.equal(results.filter((r) => r.ok).length, 1);
          for (const r of results) if (!r.ok) assert.equal(r.error.code, 'REPLAY_DETECTED');
        }));

      it('accepts 50 concurrent distinct nonces', () =>
        withStore(async ({ store, now }) => {
          const results = await Promise.all(
            Array.from({ length: 50 }, () => store.reserveNonce(ALICE, randomNonce(), now())),
          );
          for (const r of results) assertOk(r);
        }));

      it('refuses malformed arguments without reserving anything', () =>
        withStore(async ({ store, now }) => {
          const nonce = randomNonce();
          assertCode(await store.reserveNonce(ALICE, nonce.subarray(0, 15), now()), 'INVALID_LENGTH', '15 bytes');
          assertCode(await store.reserveNonce(ALICE, new Uint8Array(17), now()), 'INVALID_LENGTH', '17 bytes');
          const notBytes = Array.from(nonce) as unknown as Uint8Array;
          assertCode(await store.reserveNonce(ALICE, notBytes, now()), 'INVALID_ARGUMENT', 'number array');
          assertCode(await store.reserveNonce('', nonce, now()), 'INVALID_ARGUMENT', 'empty sender');
          assertCode(await store.reserveNonce(ALICE, nonce, now() + 0.5), 'INVALID_ARGUMENT', 'fractional ts');
          assertCode(await store.reserveNonce(ALICE, nonce, Number.NaN), 'INVALID_ARGUMENT', 'NaN ts');
          assertOk(await store.reserveNonce(ALICE, nonce, now()), 'the refused calls reserved nothing');
        }));
    });

    describe('timestamps (on the injected clock)', () => {
      it('refuses timestamps further than the window from its clock, in either direction', () =>
        withStore(async ({ store, now, clock }) => {
          clock.advance(WINDOW_MS + 1);
          assertCode(await store.reserveNonce(ALICE, randomNonce(), now() - WINDOW_MS - 1), 'TIMESTAMP_EXPIRED');
          assertCode(await store.reserveNonce(ALICE, randomNonce(), now() + WINDOW_MS + 1), 'TIMESTAMP_EXPIRED:FUTURE');
          assertOk(await store.reserveNonce(ALICE, randomNonce(), now() - WINDOW_MS), 'oldest accepted');
          assertOk(await store.reserveNonce(ALICE, randomNonce(), now() + WINDOW_MS), 'newest accepted');
        }));

      it('keeps refusing a replay after its clock steps back (NTP correcting a clock that ran 20 s fast)', () =>
        withStore(async ({ store, clock }) => {
          const nonce = randomNonce();
          clock.advance(20_000); // our clock runs 20 s fast (and a memory store started 20 s before ts)
          const ts = clock.now() - 20_000; // the sender's correct time
          assertOk(await store.reserveNonce(ALICE, nonce, ts), 'first delivery');
          assertCode(await store.reserveNonce(ALICE, nonce, ts), 'REPLAY_DETECTED', 'replay at once');
          clock.advance(WINDOW_MS - 20_000 + 1); // past ts + window by the fast clock: forgotten, and stale
          assertCode(await store.reserveNonce(ALICE, nonce, ts), 'TIMESTAMP_EXPIRED', 'replay once stale');
          clock.set(clock.now() - 20_000); // the step back: by the wall clock ts is inside the window again
          assertCode(await store.reserveNonce(ALICE, nonce, ts), 'TIMESTAMP_EXPIRED', 'replay after the step back');
          assertCode(await store.reserveNonce(ALICE, randomNonce(), ts), 'TIMESTAMP_EXPIRED', 'fail closed meanwhile');
          clock.advance(20_000);
          assertOk(await store.reserveNonce(ALICE, randomNonce(), clock.now()), 'new envelopes once time caught up');
        }));
    });

    // Registered only for stores that expire on the injected clock; the Redis suite checks its key TTLs instead.
    if (features.expiresOnInjectedClock) {
      describe('nonce expiry (on the injected clock)', () => {
        it('remembers a nonce until its timestamp plus the window, then refuses the envelope as stale', () =>
          withStore(async ({ store, now, clock }) => {
            const nonce = randomNonce();
            const ts = now();
            assertOk(await store.reserveNonce(ALICE, nonce, ts));
            clock.advance(WINDOW_MS); // now = ts + window: a receiver still accepts the envelope
            assertCode(await store.reserveNonce(ALICE, nonce, ts), 'REPLAY_DETECTED', 'at the edge of the window');
            clock.advance(1);
            assertCode(await store.reserveNonce(ALICE, nonce, ts), 'TIMESTAMP_EXPIRED', 'past the window');
            // The same nonce in a new envelope is new: uniqueness is only needed within the window.
            assertOk(await store.reserveNonce(ALICE, nonce, now()), 'same nonce, new timestamp');
          }));

        it('remembers a future-dated nonce until its own timestamp plus the window', () =>
          withStore(async ({ store, now, clock }) => {
            const nonce = randomNonce();
            const ts = now() + WINDOW_MS; // the latest a receiver accepts
            assertOk(await store.reserveNonce(ALICE, nonce, ts));
            clock.advance(2 * WINDOW_MS);
            assertCode(await store.reserveNonce(ALICE, nonce, ts), 'REPLAY_DETECTED', 'two windows later');
          }));

        it('forgets expired nonces as it goes: 3 windows of traffic through a store that holds one', () =>
          withStore(
            async ({ store, now, clock }) => {
              const held: Uint8Array[] = [];
              for (let i = 0; i < 300; i++) {
                const nonce = randomNonce();
                assertOk(await store.reserveNonce(i % 2 ? ALICE : BOB, nonce, now()), `nonce ${i}`);
                held.push(nonce);
                clock.advance(WINDOW_MS / 100); // 100 fresh nonces per window: the store is always nearly full
              }
              for (const [i, nonce] of held.entries()) {
                if (i < 201) continue; // expired
                assertCode(
                  await store.reserveNonce(i % 2 ? ALICE : BOB, nonce, now()),
                  'REPLAY_DETECTED',
                  `nonce ${i}`,
                );
              }
            },
            { maxEntries: 101 },
          ));
      });
    }

    if (features.bounded) {
      describe('capacity', () => {
        it('when full of unexpired nonces refuses with REPLAY_STORE_FULL and forgets none', () =>
          withStore(
            async ({ store, now }) => {
              const held = [randomNonce(), randomNonce(), randomNonce()];
              for (const nonce of held) assertOk(await store.reserveNonce(ALICE, nonce, now()));
              assertCode(await store.reserveNonce(BOB, randomNonce(), now()), 'REPLAY_STORE_FULL');
              for (const nonce of held) assertCode(await store.reserveNonce(ALICE, nonce, now()), 'REPLAY_DETECTED');
            },
            { maxEntries: 3 },
          ));

        it('holds counter windows for at most maxSenders senders and drops none', () =>
          withStore(
            async ({ store, now }) => {
              assertOk(await store.acceptCounter(ALICE, 1, now()));
              assertOk(await store.acceptCounter(BOB, 1, now()));
              assertCode(await store.acceptCounter('carol', 1, now()), 'REPLAY_STORE_FULL');
              assertCode(await store.acceptCounter(ALICE, 1, now()), 'REPLAY_DETECTED:COUNTER', 'alice is remembered');
              assertOk(await store.acceptCounter(BOB, 2, now()), 'known senders go on');
            },
            { maxSenders: 2 },
          ));
      });
    }

    describe('counters', () => {
      it('accepts counters in order, from 0', () =>
        withStore(async ({ store, now }) => {
          for (let c = 0; c < 150; c++) assertOk(await store.acceptCounter(ALICE, c, now()), `counter ${c}`);
        }));

      it('accepts out-of-order counters inside the window, each once', () =>
        withStore(async ({ store, now }) => {
          for (const c of [10, 5, 7, 9, 6, 8, 0, 1])
            assertOk(await store.acceptCounter(ALICE, c, now()), `counter ${c}`);
          for (const c of [10, 5, 7, 9, 6, 8, 0, 1]) {
            assertCode(await store.acceptCounter(ALICE, c, now()), 'REPLAY_DETECTED:COUNTER', `counter ${c} again`);
          }
          assertOk(await store.acceptCounter(ALICE, 4, now()), 'a gap left open');
        }));

      it('refuses a duplicate of the highest counter and of one below it', () =>
        withStore(async ({ store, now }) => {
          assertOk(await store.acceptCounter(ALICE, 3, now()));
          assertOk(await store.acceptCounter(ALICE, 4, now()));
          assertCode(await store.acceptCounter(ALICE, 4, now()), 'REPLAY_DETECTED:COUNTER', 'highest');
          assertCode(await store.acceptCounter(ALICE, 3, now()), 'REPLAY_DETECTED:COUNTER', 'below highest');
        }));

      it('refuses a counter below the window even if unseen (window 64)', () =>
        withStore(async ({ store, now }) => {
          assertOk(await store.acceptCounter(ALICE, 100, now()));
          assertOk(await store.acceptCounter(ALICE, 36, now()), '100 - 64: the lowest the window holds');
          assertCode(await store.acceptCounter(ALICE, 35, now()), 'REPLAY_DETECTED:COUNTER', '100 - 65');
          assertCode(await store.acceptCounter(ALICE, 0, now()), 'REPLAY_DETECTED:COUNTER', '0');
        }));

      it('reaches 1024 below the highest with counterWindow 1024', () =>
        withStore(
          async ({ store, now }) => {
            assertOk(await store.acceptCounter(ALICE, 5000, now()));
            assertOk(await store.acceptCounter(ALICE, 5000 - 1024, now()), 'lowest in window');
            assertOk(await store.acceptCounter(ALICE, 4500, now()), 'middle');
            assertCode(await store.acceptCounter(ALICE, 5000 - 1025, now()), 'REPLAY_DETECTED:COUNTER', 'below');
            assertCode(await store.acceptCounter(ALICE, 4500, now()), 'REPLAY_DETECTED:COUNTER', 'middle again');
          },
          { counterWindow: 1024 },
        ));

      it('slides across a far jump and keeps what stays inside the window', () =>
        withStore(async ({ store, now }) => {
          const far = 1_000_000_000_000;
          for (const c of [0, 1, far - 70, far - 3])
            assertOk(await store.acceptCounter(ALICE, c, now()), `counter ${c}`);
          assertOk(await store.acceptCounter(ALICE, far, now()), 'far jump');
          assertCode(await store.acceptCounter(ALICE, far - 3, now()), 'REPLAY_DETECTED:COUNTER', 'seen before jump');
          assertOk(await store.acceptCounter(ALICE, far - 64, now()), 'unseen, lowest in window');
          assertCode(await store.acceptCounter(ALICE, far - 70, now()), 'REPLAY_DETECTED:COUNTER', 'below after jump');
          assertCode(await store.acceptCounter(ALICE, 1, now()), 'REPLAY_DETECTED:COUNTER', 'far below');
        }));

      it('handles the 2^53-1 boundary and refuses values that are not counters', () =>
        withStore(async ({ store, now }) => {
          assertOk(await store.acceptCounter(ALICE, MAX, now()), '2^53-1');
          assertCode(await store.acceptCounter(ALICE, MAX, now()), 'REPLAY_DETECTED:COUNTER', '2^53-1 again');
          assertOk(await store.acceptCounter(ALICE, MAX - 1, now()), '2^53-2');
          assertOk(await store.acceptCounter(ALICE, MAX - 64, now()), '2^53-65');
          assertCode(await store.acceptCounter(ALICE, MAX - 65, now()), 'REPLAY_DETECTED:COUNTER', '2^53-66');
          for (const bad of [MAX + 1, 2 ** 53 + 2, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY]) {
            assertCode(await store.acceptCounter(BOB, bad, now()), 'INVALID_ARGUMENT', String(bad));
          }
          assertOk(await store.acceptCounter(BOB, 0, now()), 'the refused values left Bob untouched');
        }));

      it('keeps one window per sender', () =>
        withStore(async ({ store, now }) => {
          assertOk(await store.acceptCounter(ALICE, 500, now()));
          assertOk(await store.acceptCounter(BOB, 5, now()), 'Bob is not below Alice’s window');
          assertCode(await store.acceptCounter(ALICE, 5, now()), 'REPLAY_DETECTED:COUNTER');
          assertOk(await store.acceptCounter(`${ALICE}x`, 5, now()), 'a sender whose name extends Alice’s');
        }));

      it('of 20 concurrent accepts of one counter exactly one succeeds; distinct ones all do', () =>
        withStore(async ({ store, now }) => {
          const same = await Promise.all(Array.from({ length: 20 }, () => store.acceptCounter(ALICE, 7, now())));
          assert.equal(same.filter((r) => r.ok).length, 1);
          for (const r of same) if (!r.ok) assert.equal(r.error.code, 'REPLAY_DETECTED:COUNTER');
          const distinct = await Promise.all(Array.from({ length: 40 }, (_, i) => store.acceptCounter(BOB, i, now())));
          for (const r of distinct) assertOk(r);
          for (let i = 0; i < 40; i++) assertCode(await store.acceptCounter(BOB, i, now()), 'REPLAY_DETECTED:COUNTER');
        }));

      it('answers a counter without a timestamp as the store can vouch for it', () =>
        withStore(async ({ store }) => {
          const first = await store.acceptCounter(ALICE, 1, undefined);
          if (features.clocklessCounters) {
            assertOk(first);
            assertCode(await store.acceptCounter(ALICE, 1, undefined), 'REPLAY_DETECTED:COUNTER');
          } else {
            assertCode(first, 'REPLAY_DETECTED:UNVERIFIABLE');
          }
        }));
    });

    it('refuses every call with REPLAY_STORE_UNAVAILABLE once closed', async () => {
      const fixture = await make({ windowMs: WINDOW_MS, counterWindow: 64 });
      try {
        await fixture.store.close();
        const now = fixture.clock.now();
        assertCode(await fixture.store.reserveNonce(ALICE, randomNonce(), now), 'REPLAY_STORE_UNAVAILABLE');
        assertCode(await fixture.store.acceptCounter(ALICE, 1, now), 'REPLAY_STORE_UNAVAILABLE');
        await fixture.store.close(); // closing twice is harmless
      } finally {
        await fixture.cleanup?.();
      }
    });
  });
}
