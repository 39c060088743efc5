import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import fc from 'fast-check';
import { isXlinkError } from '../../src/errors.js';
import { FileKeyValueStorage } from '../../src/platform/node/file-storage.js';
import { type KeyValueStorage, MemoryKeyValueStorage } from '../../src/platform/storage.js';
import { CounterSequence } from '../../src/replay/counter-sequence.js';

const MAX = Number.MAX_SAFE_INTEGER;

function text(value: number | string): Uint8Array {
  return new TextEncoder().encode(String(value));
}

/** A KeyValueStorage over two callbacks, for storages that misbehave on purpose. */
function storageOf(
  load: () => Promise<Uint8Array | undefined>,
  save: (bytes: Uint8Array) => Promise<void>,
): KeyValueStorage {
  return { get: load, set: (_key, value) => save(value), delete: async () => undefined };
}

/** Storage in a variable, recording every bound saved. */
function memoryStorage(initial?: number): KeyValueStorage & { value: number | undefined; saves: number[] } {
  const storage = {
    value: initial,
    saves: [] as number[],
    async get() {
      return storage.value === undefined ? undefined : text(storage.value);
    },
    async set(_key: string, bytes: Uint8Array) {
      storage.value = Number(new TextDecoder().decode(bytes));
      storage.saves.push(storage.value);
    },
    async delete() {
      storage.value = undefined;
    },
  };
  return storage;
}

function rejectsWith(code: string): (error: unknown) => boolean {
  return (error) => isXlinkError(error) && error.code === code;
}

describe('CounterSequence', () => {
  it('hands out 0, 1, 2, … and saves the bound before the first counter of each block of K', async () => {
    const storage = memoryStorage();
    const sequence = new CounterSequence({ storage, persistEvery: 10 });
    const handed: number[] = [];
    for (let i = 0; i < 25; i++) {
      const counter = await sequence.next();
      // Whatever was handed out is below a bound already saved.
      assert.ok(counter < (storage.value ?? 0), `counter ${counter} is covered by the saved bound ${storage.value}`);
      handed.push(counter);
    }
    assert.deepEqual(
      handed,
      Array.from({ length: 25 }, (_, i) => i),
    );
    assert.deepEqual(storage.saves, [10, 20, 30]);
  });

  it('starts after a reboot from the saved bound, skipping at most K unused counters', async () => {
    const storage = memoryStorage();
    const first = new CounterSequence({ storage, persistEvery: 100 });
    for (let i = 0; i < 3; i++) await first.next();
    const rebooted = new CounterSequence({ storage, persistEvery: 100 });
    assert.equal(await rebooted.next(), 100);
    assert.deepEqual(storage.saves, [100, 200]);
  });

  it('waits for the save: a counter is never handed out before its bound is stored', async () => {
    let release: () => void = () => undefined;
    const storage = storageOf(
      async () => undefined,
      () =>
        new Promise<void>((resolve) => {
          release = resolve;
        }),
    );
    const sequence = new CounterSequence({ storage, persistEvery: 5 });
    let handed: number | undefined;
    const pending = sequence.next().then((counter) => {
      handed = counter;
    });
    await new Promise((resolve) => setTimeout(resolve, 10));
    assert.equal(handed, undefined, 'no counter while the save is pending');
    release();
    await pending;
    assert.equal(handed, 0);
  });

  it('serialises concurrent callers: 250 at once get 0 … 249, with three saves', async () => {
    const storage = memoryStorage();
    const sequence = new CounterSequence({ storage });
    const counters = await Promise.all(Array.from({ length: 250 }, () => sequence.next()));
    assert.deepEqual(
      [...counters].sort((a, b) => a - b),
      Array.from({ length: 250 }, (_, i) => i),
    );
    assert.deepEqual(storage.saves, [100, 200, 300]);
  });

  it('never reuses a counter across power cuts at random points (fast-check)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 20 }),
        // Per boot: how many sends complete, and whether a save in flight at the cut reached the disk.
        fc.array(fc.tuple(fc.integer({ min: 0, max: 60 }), fc.boolean(), fc.boolean()), {
          minLength: 1,
          maxLength: 12,
        }),
        async (persistEvery, boots) => {
          let disk: number | undefined;
          const sent: number[] = [];
          for (const [sends, cutDuringSave, savedBeforeCut] of boots) {
            let powerCut = false;
            const storage = storageOf(
              async () => (disk === undefined ? undefined : text(disk)),
              async (bytes) => {
                const bound = Number(new TextDecoder().decode(bytes));
                if (powerCut) {
                  // The write was under way when the power went: it reached the disk or it did not.
                  if (savedBeforeCut) disk = bound;
                  return new Promise<void>(() => undefined); // the process is gone; nobody sees it finish
                }
                disk = bound;
              },
            );
            const sequence = new CounterSequence({ storage, persistEvery });
            for (let i = 0; i < sends; i++) sent.push(await sequence.next());
            if (cutDuringSave) {
              powerCut = true;
              // One more send starts; if it needs a save, the cut interrupts it and nothing is sent.
              void sequence.next().then((counter) => sent.push(counter));
              await new Promise((resolve) => setImmediate(resolve));
            }
          }
          for (let i = 1; i < sent.length; i++) {
            assert.ok((sent[i] as number) > (sent[i - 1] as number), `counter ${sent[i]} after ${sent[i - 1]}`);
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it('hands out 2^53-1 last, then throws COUNTER_EXHAUSTED', async () => {
    const storage = memoryStorage(MAX - 1);
    const sequence = new CounterSequence({ storage, persistEvery: 100 });
    assert.equal(await sequence.next(), MAX - 1);
    assert.equal(await sequence.next(), MAX);
    await assert.rejects(sequence.next(), rejectsWith('COUNTER_EXHAUSTED'));
    assert.deepEqual(storage.saves, [2 ** 53], 'the bound stops at 2^53, one past the last counter');
    await assert.rejects(
      new CounterSequence({ storage: memoryStorage(2 ** 53) }).next(),
      rejectsWith('COUNTER_EXHAUSTED'),
    );
  });

  it('a failed save hands out nothing and the next call tries again from the same counter', async () => {
    let fail = true;
    const storage = storageOf(
      async () => text(7),
      async () => {
        if (fail) throw new Error('EIO: flash write failed');
      },
    );
    const sequence = new CounterSequence({ storage });
    await assert.rejects(sequence.next(), (error) => {
      assert.ok(isXlinkError(error) && error.code === 'STORAGE_FAILED');
      assert.match(error.message, /EIO: flash write failed/);
      assert.ok(error.cause instanceof Error);
      return true;
    });
    fail = false;
    assert.equal(await sequence.next(), 7);
  });

  it('refuses a stored bound that is not one decimal integer from 0 to 2^53', async () => {
    for (const bad of ['', '-1', '1.5', '012', ' 12', '12\n', '9007199254740994', 'NaN', 'abc']) {
      const sequence = new CounterSequence({
        storage: storageOf(
          async () => text(bad),
          async () => undefined,
        ),
      });
      await assert.rejects(sequence.next(), rejectsWith('STORAGE_FAILED'), bad);
    }
  });

  it('refuses a bad persistEvery, key or storage', () => {
    for (const persistEvery of [0, -1, 1.5, Number.NaN]) {
      assert.throws(
        () => new CounterSequence({ storage: memoryStorage(), persistEvery }),
        rejectsWith('INVALID_ARGUMENT'),
      );
    }
    for (const key of ['', 'Counter', 'a-key-of-16-char', '../ctr']) {
      assert.throws(() => new CounterSequence({ storage: memoryStorage(), key }), rejectsWith('INVALID_ARGUMENT'), key);
    }
    assert.throws(() => new CounterSequence({} as { storage: KeyValueStorage }), rejectsWith('INVALID_ARGUMENT'));
  });
});

describe('CounterSequence on FileKeyValueStorage', () => {
  const dir = mkdtempSync(join(tmpdir(), 'xlink-counter-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('carries a CounterSequence across a reboot', async () => {
    const before = new CounterSequence({ storage: new FileKeyValueStorage({ directory: dir }), persistEvery: 50 });
    for (let i = 0; i < 60; i++) await before.next();
    const after = new CounterSequence({ storage: new FileKeyValueStorage({ directory: dir }), persistEvery: 50 });
    assert.equal(await after.next(), 100);
  });

  it('refuses a damaged counter file', async () => {
    writeFileSync(join(dir, 'kv-damaged'), '12\n');
    const sequence = new CounterSequence({ storage: new FileKeyValueStorage({ directory: dir }), key: 'damaged' });
    await assert.rejects(sequence.next(), rejectsWith('STORAGE_FAILED'));
  });
});

describe('CounterSequence.take', () => {
  it('hands out counters without a promise over synchronous storage, and jumps ahead after a reboot', () => {
    const storage = new MemoryKeyValueStorage();
    const counters = new CounterSequence({ storage, persistEvery: 3 });
    assert.deepEqual([counters.take(), counters.take(), counters.take(), counters.take()], [0, 1, 2, 3]);
    assert.equal(new CounterSequence({ storage, persistEvery: 3 }).take(), 6);
  });

  it('over promise storage it queues with next(): distinct counters, none reused', async () => {
    const sync = new MemoryKeyValueStorage();
    const storage = {
      get: async (key: string) => sync.get(key),
      set: async (key: string, value: Uint8Array) => sync.set(key, value),
      delete: async (key: string) => sync.delete(key),
    };
    const counters = new CounterSequence({ storage, persistEvery: 2 });
    const taken = await Promise.all([
      counters.take(),
      counters.next(),
      counters.take(),
      counters.next(),
      counters.take(),
    ]);
    assert.deepEqual(
      [...taken].sort((a, b) => a - b),
      [0, 1, 2, 3, 4],
    );
  });

  it('throws STORAGE_FAILED synchronously for a synchronous storage that throws, and retries on the next call', () => {
    let broken = true;
    const sync = new MemoryKeyValueStorage();
    const storage = {
      get: (key: string) => sync.get(key),
      set: (key: string, value: Uint8Array) => {
        if (broken) throw new Error('flash worn out');
        sync.set(key, value);
      },
      delete: (key: string) => sync.delete(key),
    };
    const counters = new CounterSequence({ storage });
    assert.throws(() => counters.take(), { code: 'STORAGE_FAILED' });
    broken = false;
    assert.equal(counters.take(), 0);
  });
});
