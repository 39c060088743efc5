import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import fc from 'fast-check';
import { isXlinkError } from '../../src/errors.js';
import { CounterSequence, type CounterStorage } from '../../src/replay/counter-sequence.js';
import { FileCounterStorage } from '../../src/replay/node/file-counter-storage.js';

const MAX = Number.MAX_SAFE_INTEGER;

/** Storage in a variable, recording every save. */
function memoryStorage(initial?: number): CounterStorage & { value: number | undefined; saves: number[] } {
  return {
    value: initial,
    saves: [],
    async load() {
      return this.value;
    },
    async save(bound) {
      this.saves.push(bound);
      this.value = bound;
    },
  };
}

function rejectsWith(code: string): (error: unknown) => boolean {
  return (error) => isXlinkError(error) && error.fullCode === code;
}

describe('CounterSequence', () => {
  it('hands out 0, 1, 2, … and saves the bound before the first counter of each block of K', async () => {
    const storage = memoryStorage();
    const sequence = new CounterSequence(storage, { persistEvery: 10 });
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
    const first = new CounterSequence(storage, { persistEvery: 100 });
    for (let i = 0; i < 3; i++) await first.next();
    const rebooted = new CounterSequence(storage, { persistEvery: 100 });
    assert.equal(await rebooted.next(), 100);
    assert.deepEqual(storage.saves, [100, 200]);
  });

  it('waits for the save: a counter is never handed out before its bound is stored', async () => {
    let release: () => void = () => undefined;
    const storage: CounterStorage = {
      load: async () => undefined,
      save: () =>
        new Promise<void>((resolve) => {
          release = resolve;
        }),
    };
    const sequence = new CounterSequence(storage, { persistEvery: 5 });
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
    const sequence = new CounterSequence(storage);
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
            const storage: CounterStorage = {
              load: async () => disk,
              save: async (bound) => {
                if (powerCut) {
                  // The write was under way when the power went: it reached the disk or it did not.
                  if (savedBeforeCut) disk = bound;
                  return new Promise<void>(() => undefined); // the process is gone; nobody sees it finish
                }
                disk = bound;
              },
            };
            const sequence = new CounterSequence(storage, { persistEvery });
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
    const sequence = new CounterSequence(storage, { persistEvery: 100 });
    assert.equal(await sequence.next(), MAX - 1);
    assert.equal(await sequence.next(), MAX);
    await assert.rejects(sequence.next(), rejectsWith('COUNTER_EXHAUSTED'));
    assert.deepEqual(storage.saves, [2 ** 53], 'the bound stops at 2^53, one past the last counter');
    await assert.rejects(new CounterSequence(memoryStorage(2 ** 53)).next(), rejectsWith('COUNTER_EXHAUSTED'));
  });

  it('a failed save hands out nothing and the next call tries again from the same counter', async () => {
    let fail = true;
    const storage: CounterStorage = {
      load: async () => 7,
      save: async () => {
        if (fail) throw new Error('EIO: flash write failed');
      },
    };
    const sequence = new CounterSequence(storage);
    await assert.rejects(sequence.next(), (error) => {
      assert.ok(isXlinkError(error) && error.fullCode === 'REPLAY_STORE_UNAVAILABLE');
      assert.match(error.message, /EIO: flash write failed/);
      assert.ok(error.cause instanceof Error);
      return true;
    });
    fail = false;
    assert.equal(await sequence.next(), 7);
  });

  it('refuses a stored bound that is not an integer from 0 to 2^53', async () => {
    for (const bad of [-1, 1.5, 2 ** 53 + 2, Number.NaN, '3' as unknown as number]) {
      const sequence = new CounterSequence({ load: async () => bad, save: async () => undefined });
      await assert.rejects(sequence.next(), rejectsWith('REPLAY_STORE_UNAVAILABLE'), String(bad));
    }
  });

  it('refuses a bad persistEvery or storage', () => {
    for (const persistEvery of [0, -1, 1.5, Number.NaN]) {
      assert.throws(() => new CounterSequence(memoryStorage(), { persistEvery }), rejectsWith('INVALID_ARGUMENT'));
    }
    assert.throws(() => new CounterSequence({} as CounterStorage), rejectsWith('INVALID_ARGUMENT'));
  });
});

describe('FileCounterStorage', () => {
  const dir = mkdtempSync(join(tmpdir(), 'xlink-counter-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('loads undefined before the first save, then what was saved, leaving no temporary file', async () => {
    const path = join(dir, 'fresh');
    const storage = new FileCounterStorage({ path });
    assert.equal(await storage.load(), undefined);
    await storage.save(300);
    assert.equal(await storage.load(), 300);
    assert.equal(readFileSync(path, 'utf8'), '300\n');
    assert.equal(existsSync(`${path}.tmp`), false);
    await storage.save(2 ** 53);
    assert.equal(await new FileCounterStorage({ path }).load(), 2 ** 53);
  });

  it('carries a CounterSequence across a reboot', async () => {
    const path = join(dir, 'reboot');
    const before = new CounterSequence(new FileCounterStorage({ path }), { persistEvery: 50 });
    for (let i = 0; i < 60; i++) await before.next();
    const after = new CounterSequence(new FileCounterStorage({ path }), { persistEvery: 50 });
    assert.equal(await after.next(), 100);
  });

  it('refuses a file that does not hold one bound and a newline', async () => {
    const path = join(dir, 'bad');
    for (const text of ['', '12', '12\n\n', '-1\n', '012\n', '1.5\n', '9007199254740993\n', 'abc\n']) {
      writeFileSync(path, text);
      await assert.rejects(new FileCounterStorage({ path }).load(), rejectsWith('REPLAY_STORE_UNAVAILABLE'), text);
    }
  });

  it('reports an unwritable path as REPLAY_STORE_UNAVAILABLE with the cause', async () => {
    const storage = new FileCounterStorage({ path: join(dir, 'missing-dir', 'counter') });
    await assert.rejects(storage.save(1), (error) => {
      assert.ok(isXlinkError(error) && error.fullCode === 'REPLAY_STORE_UNAVAILABLE');
      assert.equal((error.cause as NodeJS.ErrnoException).code, 'ENOENT');
      return true;
    });
  });
});
