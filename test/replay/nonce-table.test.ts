// The typed-array tables behind the memory and file stores, held against the
// obvious models: a Map of (sender, nonce) to expiry, and a CounterWindow
// object per sender.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { bytesToHex } from '../../src/codec/bytes.js';
import { CounterTable } from '../../src/replay/counter-table.js';
import { acceptCounterInWindow, createCounterWindow, serializeCounterWindow } from '../../src/replay/counter-window.js';
import { NonceTable } from '../../src/replay/nonce-table.js';

/** The rule NonceTable implements, the slow way. */
class ModelTable {
  readonly entries = new Map<string, number>();
  constructor(readonly maxEntries: number) {}

  reserve(key: string, expiresAt: number, now: number): 'ok' | 'seen' | 'full' {
    const existing = this.entries.get(key);
    if (existing !== undefined && existing >= now) return 'seen';
    this.entries.delete(key);
    let live = 0;
    for (const expiry of this.entries.values()) if (expiry >= now) live++;
    if (live >= this.maxEntries) return 'full';
    this.entries.set(key, expiresAt);
    return 'ok';
  }

  live(now: number): string[] {
    return [...this.entries].filter(([, expiry]) => expiry >= now).map(([key, expiry]) => `${key}@${expiry}`);
  }
}

const senders = ['did:key:a', 'did:key:b', 'did:key:c', 'ä'];

/** A nonce from a small space, so that the same one comes back; its bytes vary in every word. */
function nonceOf(n: number): Uint8Array {
  const nonce = new Uint8Array(16);
  for (let i = 0; i < 16; i++) nonce[i] = (n * (i + 7) * 37) & 0xff;
  nonce[15] = n;
  return nonce;
}

const WINDOW = 400;
// Dense enough that probe runs form and entries are removed from their middle.
const operation = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({
      op: fc.constant('reserve' as const),
      sender: fc.integer({ min: 0, max: senders.length - 1 }),
      nonce: fc.integer({ min: 0, max: 120 }),
      ahead: fc.integer({ min: -WINDOW, max: WINDOW }),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      op: fc.constant('release' as const),
      sender: fc.integer({ min: 0, max: senders.length - 1 }),
      nonce: fc.integer({ min: 0, max: 120 }),
    }),
  },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('advance' as const), ms: fc.integer({ min: 0, max: 30 }) }) },
);

describe('NonceTable', () => {
  it('answers as a Map of (sender, nonce) to expiry would, through growth, purges, sweeps and releases (fast-check)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 400 }),
        fc.array(operation, { minLength: 100, maxLength: 800, size: 'max' }),
        (max, operations) => {
          const table = new NonceTable(max);
          const model = new ModelTable(max);
          let now = 1000;
          for (const [index, step] of operations.entries()) {
            if (step.op === 'advance') {
              now += step.ms;
              continue;
            }
            const sender = senders[step.sender] as string;
            const key = `${sender}:${bytesToHex(nonceOf(step.nonce))}`;
            if (step.op === 'reserve') {
              const expiresAt = now + step.ahead + WINDOW;
              assert.equal(
                table.reserve(sender, nonceOf(step.nonce), expiresAt, now),
                model.reserve(key, expiresAt, now),
              );
            } else {
              const expiresAt = model.entries.get(key);
              if (expiresAt === undefined) continue;
              table.release(sender, nonceOf(step.nonce), expiresAt);
              model.entries.delete(key);
            }
            if (index % 32 !== 31) continue;
            const live = [...table.live(now)].map(([s, hex, expiry]) => `${s}:${hex}@${expiry}`);
            assert.deepEqual(live.sort(), model.live(now).sort());
          }
        },
      ),
      { numRuns: 80 },
    );
  });

  it('keeps 50,000 entries from 5,000 senders findable while it grows, then forgets them all once expired', () => {
    const table = new NonceTable(60_000);
    const nonce = new Uint8Array(16);
    const view = new DataView(nonce.buffer);
    for (let i = 0; i < 50_000; i++) {
      view.setUint32(0, i);
      assert.equal(table.reserve(`sender-${i % 5000}`, nonce, 2000, 1000), 'ok');
    }
    for (let i = 0; i < 50_000; i += 7) {
      view.setUint32(0, i);
      assert.equal(table.reserve(`sender-${i % 5000}`, nonce, 2000, 1000), 'seen', `entry ${i}`);
      assert.equal(table.reserve(`sender-${(i + 1) % 5000}`, nonce, 2000, 1000), 'ok', `entry ${i}, other sender`);
    }
    table.purgeExpired(2001);
    assert.equal(table.size, 0);
    assert.deepEqual([...table.live(0)], []);
  });

  it('restores entries beyond its capacity, keeping the later expiry of a repeated one', () => {
    const table = new NonceTable(2);
    for (let n = 0; n < 5; n++) table.restore('s', nonceOf(n), 100 + n);
    table.restore('s', nonceOf(0), 50);
    table.restore('s', nonceOf(1), 500);
    assert.equal(table.size, 5);
    assert.equal(table.reserve('s', nonceOf(0), 999, 100), 'seen');
    assert.equal(table.reserve('t', nonceOf(9), 999, 100), 'full');
    assert.deepEqual(
      [...table.live(102)].map(([, , expiry]) => expiry),
      [500, 102, 103, 104],
    );
  });
});

describe('CounterTable', () => {
  it('answers and serialises as one CounterWindow per sender would (fast-check)', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(32, 64, 1024),
        fc.array(fc.tuple(fc.integer({ min: 0, max: 200 }), fc.integer({ min: 0, max: 3000 })), {
          minLength: 20,
          maxLength: 300,
          size: 'max',
        }),
        (size, steps) => {
          const table = new CounterTable(1000, size);
          const model = new Map<string, ReturnType<typeof createCounterWindow>>();
          for (const [who, counter] of steps) {
            const sender = `s${who}`;
            const window = model.get(sender) ?? createCounterWindow(size);
            model.set(sender, window);
            const status = table.status(sender, counter);
            assert.equal(status === 'new', acceptCounterInWindow(window, counter));
            if (status === 'new') table.mark(sender, counter);
            assert.equal(table.serialize(sender), serializeCounterWindow(window));
            assert.equal(table.top(sender), window.top);
          }
        },
      ),
      { numRuns: 100 },
    );
  });

  it('refuses a new sender beyond maxSenders, restores a saved window, and rejects malformed text', () => {
    const table = new CounterTable(2, 64);
    assert.ok(table.restore('a', '100:00000000ffffffff'));
    assert.equal(table.status('a', 100), 'seen');
    assert.equal(table.status('a', 60), 'seen');
    assert.equal(table.status('a', 99), 'new');
    assert.equal(table.status('b', 0), 'new');
    table.mark('b', 0);
    assert.equal(table.status('c', 0), 'full');
    assert.equal(table.restore('a', 'not a window'), false);
    assert.deepEqual([...table.senders()], ['a', 'b']);
  });
});
