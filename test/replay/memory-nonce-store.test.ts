import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isXlinkError } from '../../src/errors.js';
import { VirtualClock } from '../../src/platform/virtual-clock.js';
import { MemoryNonceStore } from '../../src/replay/memory-nonce-store.js';
import { capacityFor, DEFAULT_CHECKS_PER_SECOND, DEFAULT_MAX_ENTRIES } from '../../src/replay/replay-state.js';
import { assertCode, assertOk, randomNonce, runNonceStoreContract } from './nonce-store-contract.js';

const START = 1_700_000_000_000;
const SENDER = 'did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK';

runNonceStoreContract(
  'MemoryNonceStore',
  async (options) => {
    const clock = new VirtualClock(START);
    return { store: new MemoryNonceStore({ ...options, clock }), clock };
  },
  { expiresOnInjectedClock: true, clocklessCounters: false, bounded: true },
);

describe('MemoryNonceStore: restarts', () => {
  it('refuses envelopes dated before its start with REPLAY_DETECTED:BEFORE_START', async () => {
    const clock = new VirtualClock(START);
    const store = new MemoryNonceStore({ clock });
    assert.equal(store.startedAt, START);
    assertCode(await store.reserveNonce(SENDER, randomNonce(), START - 1), 'REPLAY_DETECTED:BEFORE_START', 'nonce');
    assertCode(await store.acceptCounter(SENDER, 0, START - 1), 'REPLAY_DETECTED:BEFORE_START', 'counter');
    assertOk(await store.reserveNonce(SENDER, randomNonce(), START), 'nonce dated at the start');
    assertOk(await store.acceptCounter(SENDER, 0, START), 'counter dated at the start');
  });

  it('refuses a counter without a timestamp with REPLAY_DETECTED:UNVERIFIABLE, keeping the window unchanged', async () => {
    const clock = new VirtualClock(START);
    const store = new MemoryNonceStore({ clock });
    assertCode(await store.acceptCounter(SENDER, 5, undefined), 'REPLAY_DETECTED:UNVERIFIABLE');
    assertOk(await store.acceptCounter(SENDER, 5, clock.now()), 'counter 5 was not recorded by the refusal');
  });

  it('a new store after a restart refuses a replay of an envelope the old one accepted', async () => {
    const clock = new VirtualClock(START);
    const before = new MemoryNonceStore({ clock });
    const nonce = randomNonce();
    const ts = clock.now();
    assertOk(await before.reserveNonce(SENDER, nonce, ts));
    assertOk(await before.acceptCounter(SENDER, 9, ts));
    await before.close();
    clock.advance(1000); // the process restarts a second later, inside the envelope's window
    const after = new MemoryNonceStore({ clock });
    assertCode(await after.reserveNonce(SENDER, nonce, ts), 'REPLAY_DETECTED:BEFORE_START');
    assertCode(await after.acceptCounter(SENDER, 9, ts), 'REPLAY_DETECTED:BEFORE_START');
  });
});

describe('MemoryNonceStore: bounded memory', () => {
  it('sweeps expired entries that arrived out of order when full', async () => {
    const clock = new VirtualClock(START);
    const store = new MemoryNonceStore({ clock, maxEntries: 3, windowMs: 1000 });
    // Inserted first but expiring last, it shields the two behind it from the per-call purge.
    assertOk(await store.reserveNonce(SENDER, randomNonce(), clock.now() + 900));
    assertOk(await store.reserveNonce(SENDER, randomNonce(), clock.now()));
    assertOk(await store.reserveNonce(SENDER, randomNonce(), clock.now()));
    clock.advance(1001);
    assertOk(await store.reserveNonce(SENDER, randomNonce(), clock.now()), 'the sweep made room');
    assert.equal(store.size, 2);
  });

  it('purges expired nonces a few per call, without a timer', async () => {
    const clock = new VirtualClock(START);
    const store = new MemoryNonceStore({ clock, windowMs: 1000 });
    for (let i = 0; i < 1000; i++) assertOk(await store.reserveNonce(SENDER, randomNonce(), clock.now()));
    clock.advance(1001);
    for (let i = 0; i < 500; i++) assertOk(await store.reserveNonce(SENDER, randomNonce(), clock.now()));
    // Each call purged two expired entries ahead of adding its own.
    assert.equal(store.size, 500);
  });

  it('holds by default what 12,000 fresh envelopes a second fill in two windows, and refuses beyond', async () => {
    assert.equal(DEFAULT_MAX_ENTRIES, 720_000);
    assert.equal(capacityFor({ checksPerSecond: 12_000, windowMs: 30_000 }), 720_000);
    // Derived from the store's own window: 1 s holds 24,000.
    const clock = new VirtualClock(START);
    const store = new MemoryNonceStore({ clock, windowMs: 1000 });
    const expected = capacityFor({ checksPerSecond: DEFAULT_CHECKS_PER_SECOND, windowMs: 1000 });
    assert.equal(expected, 24_000);
    for (let i = 0; i < expected; i++) assertOk(await store.reserveNonce(SENDER, randomNonce(), clock.now()), `${i}`);
    assertCode(await store.reserveNonce(SENDER, randomNonce(), clock.now()), 'REPLAY_STORE_FULL');
    assert.throws(() => capacityFor({ checksPerSecond: 0 }), { code: 'INVALID_ARGUMENT' });
  });

  it('purging the expired first use of a nonce does not forget its second use', async () => {
    const clock = new VirtualClock(START);
    const store = new MemoryNonceStore({ clock, windowMs: 1000 });
    const reused = randomNonce();
    // Dated a window ahead, this entry stays live longest and holds back the per-call purge behind it.
    assertOk(await store.reserveNonce(SENDER, randomNonce(), START + 1000));
    assertOk(await store.reserveNonce(SENDER, reused, START));
    clock.advance(1001);
    const second = clock.now();
    assertOk(await store.reserveNonce(SENDER, reused, second), 'a new envelope may reuse an expired nonce');
    clock.advance(1000); // the first two entries have expired; the second use of `reused` has not
    assertOk(await store.reserveNonce(SENDER, randomNonce(), clock.now()), 'this call purges the two');
    assertCode(await store.reserveNonce(SENDER, reused, second), 'REPLAY_DETECTED', 'second use still remembered');
  });
});

describe('MemoryNonceStore: options', () => {
  it('refuses bad options with INVALID_ARGUMENT naming the field', () => {
    const cases: [object, string][] = [
      [{ windowMs: 0 }, 'windowMs'],
      [{ windowMs: 1.5 }, 'windowMs'],
      [{ maxEntries: -1 }, 'maxEntries'],
      [{ maxSenders: Number.NaN }, 'maxSenders'],
      [{ counterWindow: 48 }, 'counterWindow'],
      [{ counterWindow: 2048 }, 'counterWindow'],
    ];
    for (const [options, field] of cases) {
      assert.throws(
        () => new MemoryNonceStore(options),
        (error) => isXlinkError(error) && error.code === 'INVALID_ARGUMENT' && error.field === field,
        JSON.stringify(options),
      );
    }
  });

  it('uses a 30 s window by default', async () => {
    const clock = new VirtualClock(START);
    const store = new MemoryNonceStore({ clock });
    assert.equal(store.windowMs, 30_000);
    clock.advance(30_001);
    assertCode(await store.reserveNonce(SENDER, randomNonce(), START), 'TIMESTAMP_EXPIRED');
  });
});
