import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { isXlinkError } from '../../src/errors.js';
import {
  acceptCounterInWindow,
  type CounterWindow,
  counterStatus,
  createCounterWindow,
  MAX_COUNTER,
  parseCounterWindow,
  serializeCounterWindow,
} from '../../src/replay/counter-window.js';

/**
 * The rule of RFC 4303 §3.4.3 written the slow, obvious way: remember every
 * accepted value; accept a value unseen and no more than `size` below the highest.
 */
class ReferenceWindow {
  private readonly seen = new Set<number>();
  private top = -1;
  constructor(private readonly size: number) {}
  accept(counter: number): boolean {
    if (this.seen.has(counter) || (this.top >= 0 && counter < this.top - this.size)) return false;
    this.seen.add(counter);
    this.top = Math.max(this.top, counter);
    return true;
  }
}

const SIZES = [32, 64, 96, 128, 1024] as const;

/** Counters that cluster (so the window matters) with occasional far jumps, near 0 or near 2^53-1. */
function counterSequence(base: number): fc.Arbitrary<number[]> {
  return fc
    .array(
      fc.oneof(
        { weight: 8, arbitrary: fc.integer({ min: 0, max: 300 }) },
        { weight: 1, arbitrary: fc.integer({ min: 0, max: 5000 }) },
      ),
      { maxLength: 300 },
    )
    .map((offsets) => offsets.map((offset) => (base === 0 ? offset : base - offset)));
}

describe('counter window: the rule of RFC 4303 §3.4.3', () => {
  it('answers exactly as a reference that remembers every value, near 0 and near 2^53-1 (fast-check)', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...SIZES),
        fc.constantFrom(0, MAX_COUNTER).chain((base) => counterSequence(base)),
        (size, counters) => {
          const window = createCounterWindow(size);
          const reference = new ReferenceWindow(size);
          return counters.every((counter) => acceptCounterInWindow(window, counter) === reference.accept(counter));
        },
      ),
      { numRuns: 400 },
    );
  });

  it('never accepts a value twice (fast-check)', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...SIZES),
        fc.array(fc.integer({ min: 0, max: 2000 }), { maxLength: 400 }),
        (size, counters) => {
          const window = createCounterWindow(size);
          const accepted = new Set<number>();
          for (const counter of counters) {
            if (acceptCounterInWindow(window, counter)) {
              assert.ok(!accepted.has(counter), `${counter} accepted twice`);
              accepted.add(counter);
            }
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it('accepts every permutation of distinct values spanning at most the window (fast-check)', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...SIZES).chain((size) =>
          fc.tuple(
            fc.constant(size),
            fc.integer({ min: 0, max: MAX_COUNTER - size }),
            // Distinct offsets in random order: a random permutation of a random subset of low … low + size.
            fc.uniqueArray(fc.integer({ min: 0, max: size }), { minLength: 1, maxLength: 300 }),
          ),
        ),
        ([size, low, offsets]) => {
          const window = createCounterWindow(size);
          for (const offset of offsets) assert.ok(acceptCounterInWindow(window, low + offset), `${low} + ${offset}`);
        },
      ),
      { numRuns: 400 },
    );
  });

  it('refuses the value one past the window, even unseen', () => {
    for (const size of SIZES) {
      const window = createCounterWindow(size);
      assert.ok(acceptCounterInWindow(window, 5000));
      assert.equal(counterStatus(window, 5000 - size), 'new', `size ${size}: lowest in window`);
      assert.equal(counterStatus(window, 5000 - size - 1), 'below-window', `size ${size}: one below`);
      assert.equal(counterStatus(window, 5000), 'seen');
    }
  });

  it('keeps the old highest value as seen after sliding by exactly the window, and drops it beyond', () => {
    const exact = createCounterWindow(64);
    assert.ok(acceptCounterInWindow(exact, 10));
    assert.ok(acceptCounterInWindow(exact, 74));
    assert.equal(counterStatus(exact, 10), 'seen');
    const beyond = createCounterWindow(64);
    assert.ok(acceptCounterInWindow(beyond, 10));
    assert.ok(acceptCounterInWindow(beyond, 75));
    assert.equal(counterStatus(beyond, 10), 'below-window');
  });

  it('carries bits across word boundaries when sliding by amounts that are not multiples of 32', () => {
    const window = createCounterWindow(128);
    for (const c of [100, 99, 69, 68, 37]) assert.ok(acceptCounterInWindow(window, c));
    assert.ok(acceptCounterInWindow(window, 133)); // slide by 33
    for (const c of [100, 99, 69, 68, 37]) assert.equal(counterStatus(window, c), 'seen', `${c} after the slide`);
    for (const c of [98, 70, 67, 38, 36, 132]) assert.equal(counterStatus(window, c), 'new', `${c} after the slide`);
  });
});

describe('counter window: state text', () => {
  it('serialises as "<highest>:<words in hex>", word 0 first', () => {
    const window = createCounterWindow(64);
    assert.equal(serializeCounterWindow(window), '-1:0000000000000000');
    acceptCounterInWindow(window, 7);
    acceptCounterInWindow(window, 5);
    assert.equal(serializeCounterWindow(window), '7:0000000200000000');
    acceptCounterInWindow(window, 40); // 7 is now 33 below: word 1, bit 0; 5 is 35 below: word 1, bit 2
    assert.equal(serializeCounterWindow(window), '40:0000000000000005');
    acceptCounterInWindow(window, MAX_COUNTER);
    assert.equal(serializeCounterWindow(window), `${MAX_COUNTER}:0000000000000000`);
  });

  it('round-trips any state, which then answers as the original (fast-check)', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...SIZES),
        counterSequence(0),
        fc.integer({ min: 0, max: 400 }),
        (size, counters, probe) => {
          const window = createCounterWindow(size);
          for (const counter of counters) acceptCounterInWindow(window, counter);
          const copy = parseCounterWindow(serializeCounterWindow(window), size) as CounterWindow;
          assert.equal(serializeCounterWindow(copy), serializeCounterWindow(window));
          assert.equal(counterStatus(copy, probe), counterStatus(window, probe));
        },
      ),
      { numRuns: 200 },
    );
  });

  it('widens a smaller saved window with "seen" bits and narrows a larger one', () => {
    const small = createCounterWindow(32);
    acceptCounterInWindow(small, 100);
    const widened = parseCounterWindow(serializeCounterWindow(small), 64) as CounterWindow;
    assert.equal(counterStatus(widened, 99), 'new', 'inside the old window, unseen');
    assert.equal(counterStatus(widened, 67), 'seen', 'fell out of the old window: may have been accepted');
    assert.equal(counterStatus(widened, 36), 'seen');
    const large = createCounterWindow(64);
    acceptCounterInWindow(large, 100);
    acceptCounterInWindow(large, 40);
    const narrowed = parseCounterWindow(serializeCounterWindow(large), 32) as CounterWindow;
    assert.equal(counterStatus(narrowed, 40), 'below-window');
    assert.equal(counterStatus(narrowed, 68), 'new');
  });

  it('refuses malformed text', () => {
    const bad = [
      '',
      '7',
      '7:000000000',
      '07:0000000000000000',
      '+7:0000000000000000',
      '7:000000000000000G',
      '7:00000000000000AA',
      ' 7:0000000000000000',
      '9007199254740992:0000000000000000',
      '-1:0000000100000000',
      '-2:0000000000000000',
    ];
    for (const text of bad) assert.equal(parseCounterWindow(text, 64), undefined, JSON.stringify(text));
    assert.ok(parseCounterWindow('7:', 64), 'no saved words: every bit counts as seen');
  });

  it('refuses window sizes that are not a multiple of 32 from 32 to 1024', () => {
    for (const size of [0, 16, 48, 1056, 2048, 64.5, Number.NaN]) {
      assert.throws(
        () => createCounterWindow(size),
        (error) => isXlinkError(error) && error.code === 'INVALID_ARGUMENT' && error.field === 'counterWindow',
        String(size),
      );
    }
  });
});
