import assert from 'node:assert/strict';
import {
  appendFileSync,
  existsSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  truncateSync,
  writeFileSync,
} from 'node:fs';
import { type FileHandle, open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { bytesToHex } from '../../src/codec/bytes.js';
import { isXlinkError } from '../../src/errors.js';
import { FileNonceStore, type FileNonceStoreOptions } from '../../src/replay/node/file-nonce-store.js';
import { assertCode, assertOk, randomNonce, runNonceStoreContract } from './nonce-store-contract.js';

const START = 1_700_000_000_000;
const SENDER = 'did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK';
const dir = mkdtempSync(join(tmpdir(), 'xlink-replay-'));
after(() => rmSync(dir, { recursive: true, force: true }));

let files = 0;
function freshPath(): string {
  return join(dir, `log-${++files}`);
}

function virtualClock(start = START): { now: () => number; advance: (ms: number) => void } {
  let time = start;
  return {
    now: () => time,
    advance: (ms) => {
      time += ms;
    },
  };
}

runNonceStoreContract(
  'FileNonceStore',
  async (options) => {
    const clock = virtualClock();
    const store = await FileNonceStore.open({ ...options, path: freshPath(), clock });
    return { store, now: clock.now, advance: clock.advance };
  },
  { injectedClock: true, clocklessCounters: true },
);

/** Opens `path` with a virtual clock, closes it after `body`. */
async function withStore(
  path: string,
  body: (store: FileNonceStore) => Promise<void>,
  options: Partial<FileNonceStoreOptions> = {},
): Promise<void> {
  const store = await FileNonceStore.open({ clock: virtualClock(), ...options, path });
  try {
    await body(store);
  } finally {
    await store.close();
  }
}

/** The prototype of node's FileHandle, to wrap one method for a test and restore it after. */
async function fileHandlePrototype(): Promise<FileHandle> {
  const probe = await open(join(dir, 'probe'), 'w');
  await probe.close();
  return Object.getPrototypeOf(probe) as FileHandle;
}

async function withPatched<K extends 'datasync' | 'write'>(
  method: K,
  replacement: (original: FileHandle[K]) => FileHandle[K],
  body: () => Promise<void>,
): Promise<void> {
  const prototype = await fileHandlePrototype();
  const original = prototype[method];
  prototype[method] = replacement(original);
  try {
    await body();
  } finally {
    prototype[method] = original;
  }
}

describe('FileNonceStore: restarts', () => {
  it('remembers nonces and counters across close and reopen', async () => {
    const path = freshPath();
    const nonce = randomNonce();
    await withStore(path, async (store) => {
      assertOk(await store.reserveNonce(SENDER, nonce, START));
      assertOk(await store.acceptCounter(SENDER, 100, START));
      assertOk(await store.acceptCounter(SENDER, 90, undefined));
      assertOk(await store.acceptCounter('clockless-device', 5, undefined));
    });
    await withStore(path, async (store) => {
      assertCode(await store.reserveNonce(SENDER, nonce, START), 'REPLAY_DETECTED', 'nonce after restart');
      assertCode(await store.acceptCounter(SENDER, 100, START), 'REPLAY_DETECTED:COUNTER', 'highest');
      assertCode(await store.acceptCounter(SENDER, 90, undefined), 'REPLAY_DETECTED:COUNTER', 'inside window');
      assertCode(await store.acceptCounter(SENDER, 35, undefined), 'REPLAY_DETECTED:COUNTER', 'below window');
      assertOk(await store.acceptCounter(SENDER, 91, undefined), 'unseen inside the window');
      assertCode(await store.acceptCounter('clockless-device', 5, undefined), 'REPLAY_DETECTED:COUNTER');
      assertOk(await store.acceptCounter('clockless-device', 6, undefined));
    });
  });

  it('drops nonces whose window passed while it was closed', async () => {
    const path = freshPath();
    await withStore(path, async (store) => {
      for (let i = 0; i < 10; i++) assertOk(await store.reserveNonce(SENDER, randomNonce(), START));
      assertOk(await store.reserveNonce(SENDER, randomNonce(), START + 20_000));
    });
    await withStore(
      path,
      async (store) => {
        assert.equal(store.size, 1, 'only the nonce dated 20 s later is still in its window');
      },
      { clock: virtualClock(START + 30_001) },
    );
  });

  it('widens a counter window saved smaller with "seen" bits after a window-size change', async () => {
    const path = freshPath();
    await withStore(path, async (store) => assertOk(await store.acceptCounter(SENDER, 100, undefined)), {
      counterWindow: 32,
    });
    await withStore(
      path,
      async (store) => {
        assertCode(
          await store.acceptCounter(SENDER, 50, undefined),
          'REPLAY_DETECTED:COUNTER',
          'outside the old window',
        );
        assertOk(await store.acceptCounter(SENDER, 99, undefined), 'inside the old window, unseen');
      },
      { counterWindow: 64 },
    );
  });
});

describe('FileNonceStore: crashes and damage', () => {
  it('ignores a torn last record and cuts it off before appending', async () => {
    const path = freshPath();
    const early = [randomNonce(), randomNonce()];
    await withStore(path, async (store) => {
      for (const nonce of early) assertOk(await store.reserveNonce(SENDER, nonce, START));
    });
    const intact = statSync(path).size;
    // What a crash during a group commit can leave: a garbled line, then half a record.
    appendFileSync(path, `0badc0de ${'x'.repeat(300)}\n3a1f09be ["n",17000`);
    const later = randomNonce();
    await withStore(path, async (store) => {
      assert.equal(statSync(path).size, intact, 'the torn bytes were cut off on open');
      for (const nonce of early) assertCode(await store.reserveNonce(SENDER, nonce, START), 'REPLAY_DETECTED');
      assertOk(await store.reserveNonce(SENDER, later, START));
    });
    await withStore(path, async (store) => {
      assertCode(await store.reserveNonce(SENDER, later, START), 'REPLAY_DETECTED', 'record written after the cut');
      for (const nonce of early) assertCode(await store.reserveNonce(SENDER, nonce, START), 'REPLAY_DETECTED');
    });
  });

  it('opens a file truncated mid-record, remembering every complete record', async () => {
    const path = freshPath();
    const kept = randomNonce();
    const torn = randomNonce();
    await withStore(path, async (store) => {
      assertOk(await store.reserveNonce(SENDER, kept, START));
      assertOk(await store.reserveNonce(SENDER, torn, START));
    });
    truncateSync(path, statSync(path).size - 20);
    await withStore(path, async (store) => {
      assertCode(await store.reserveNonce(SENDER, kept, START), 'REPLAY_DETECTED');
      // The torn record was never acknowledged by a store that crashed while writing it.
      assertOk(await store.reserveNonce(SENDER, torn, START));
    });
  });

  it('refuses to open a log with a damaged record followed by good ones', async () => {
    const path = freshPath();
    const nonce = randomNonce();
    await withStore(path, async (store) => {
      assertOk(await store.reserveNonce(SENDER, nonce, START));
      assertOk(await store.reserveNonce(SENDER, randomNonce(), START));
    });
    const text = readFileSync(path, 'utf8');
    writeFileSync(path, text.replace(bytesToHex(nonce), bytesToHex(randomNonce())));
    await assert.rejects(FileNonceStore.open({ path, clock: virtualClock() }), (error) => {
      assert.ok(isXlinkError(error) && error.code === 'REPLAY_STORE_UNAVAILABLE');
      assert.match(error.message, /damaged record at byte 19 followed by good ones/);
      return true;
    });
  });

  it('refuses a file that is not a replay log, and creates a missing or empty one', async () => {
    const foreign = freshPath();
    writeFileSync(foreign, 'hello\n');
    await assert.rejects(
      FileNonceStore.open({ path: foreign }),
      (error) => isXlinkError(error) && error.code === 'REPLAY_STORE_UNAVAILABLE',
    );
    assert.equal(readFileSync(foreign, 'utf8'), 'hello\n', 'a foreign file is left alone');
    const empty = freshPath();
    writeFileSync(empty, '');
    await withStore(empty, async (store) => assertOk(await store.reserveNonce(SENDER, randomNonce(), START)));
    assert.match(readFileSync(empty, 'utf8'), /^xlink-replay-log 1\n[0-9a-f]{8} \["n",/);
    await assert.rejects(
      FileNonceStore.open({ path: join(dir, 'no-such-dir', 'log') }),
      (error) => isXlinkError(error) && error.code === 'REPLAY_STORE_UNAVAILABLE' && error.cause !== undefined,
    );
  });

  it('on a failed sync reports REPLAY_STORE_UNAVAILABLE and does not accept the nonce', async () => {
    const path = freshPath();
    const nonce = randomNonce();
    const survivor = randomNonce();
    await withStore(path, async (store) => {
      await withPatched(
        'datasync',
        () =>
          async function failingSync() {
            throw Object.assign(new Error('EIO: i/o error, fdatasync'), { code: 'EIO' });
          },
        async () => {
          const failed = await store.reserveNonce(SENDER, nonce, START);
          assertCode(failed, 'REPLAY_STORE_UNAVAILABLE');
          if (!failed.ok) assert.match(failed.error.message, /EIO/);
          assertCode(await store.acceptCounter(SENDER, 3, undefined), 'REPLAY_STORE_UNAVAILABLE', 'counter');
        },
      );
      // The disk is back: the refused envelope may be retried and is accepted once.
      assertOk(await store.reserveNonce(SENDER, nonce, START), 'retry after the disk recovered');
      assertCode(await store.reserveNonce(SENDER, nonce, START), 'REPLAY_DETECTED');
      assertOk(await store.reserveNonce(SENDER, survivor, START));
      // A counter is burnt by a failed write: fail closed, the sender moves on to the next one.
      assertCode(await store.acceptCounter(SENDER, 3, undefined), 'REPLAY_DETECTED:COUNTER');
      assertOk(await store.acceptCounter(SENDER, 4, undefined));
    });
    await withStore(path, async (store) => {
      assertCode(await store.reserveNonce(SENDER, nonce, START), 'REPLAY_DETECTED');
      assertCode(await store.reserveNonce(SENDER, survivor, START), 'REPLAY_DETECTED');
      assertCode(await store.acceptCounter(SENDER, 3, undefined), 'REPLAY_DETECTED:COUNTER');
    });
  });

  it('cuts off the bytes of a failed write before the next append', async () => {
    const path = freshPath();
    await withStore(path, async (store) => {
      assertOk(await store.reserveNonce(SENDER, randomNonce(), START));
      const before = statSync(path).size;
      await withPatched(
        'datasync',
        () =>
          async function failingSync() {
            throw new Error('EIO');
          },
        async () => assertCode(await store.reserveNonce(SENDER, randomNonce(), START), 'REPLAY_STORE_UNAVAILABLE'),
      );
      assert.ok(statSync(path).size > before, 'the failed record reached the file');
      const next = randomNonce();
      assertOk(await store.reserveNonce(SENDER, next, START));
      const lines = readFileSync(path, 'utf8').split('\n');
      assert.equal(lines.length, 4, 'header, first record, next record, final newline');
      assert.ok(lines[2]?.includes(bytesToHex(next)));
    });
  });
});

describe('FileNonceStore: group commit and compaction', () => {
  it('syncs 64 concurrent reserves in two writes, not 64', async () => {
    const path = freshPath();
    let syncs = 0;
    const nonces = Array.from({ length: 64 }, () => randomNonce());
    await withStore(path, async (store) => {
      await withPatched(
        'datasync',
        (original) =>
          function countingSync(this: FileHandle) {
            syncs++;
            return original.call(this);
          },
        async () => {
          const results = await Promise.all(nonces.map((nonce) => store.reserveNonce(SENDER, nonce, START)));
          for (const result of results) assertOk(result);
        },
      );
    });
    // The first call starts a write alone; the 63 arriving during its sync share the next one.
    assert.equal(syncs, 2);
    await withStore(path, async (store) => {
      for (const nonce of nonces) assertCode(await store.reserveNonce(SENDER, nonce, START), 'REPLAY_DETECTED');
    });
  });

  it('rewrites the log without expired nonces once it holds over twice the live entries', async () => {
    const path = freshPath();
    const clock = virtualClock();
    const expired = Array.from({ length: 1000 }, () => randomNonce());
    const live = Array.from({ length: 200 }, () => randomNonce());
    await withStore(
      path,
      async (store) => {
        await Promise.all(expired.map((nonce) => store.reserveNonce(SENDER, nonce, clock.now())));
        assertOk(await store.acceptCounter(SENDER, 42, undefined));
        // 1001 records: not yet over the first threshold (twice the live entries at open, 0, plus 1024).
        assert.equal(readFileSync(path, 'utf8').split('\n').length, 1003);
        clock.advance(1001);
        for (let i = 0; i < live.length; i += 50) {
          const batch = live.slice(i, i + 50).map((nonce) => store.reserveNonce(SENDER, nonce, clock.now()));
          for (const result of await Promise.all(batch)) assertOk(result);
        }
        const text = readFileSync(path, 'utf8');
        for (const nonce of expired) assert.ok(!text.includes(bytesToHex(nonce)), 'expired nonces are gone');
        assert.ok(text.split('\n').length < 500, `the log was rewritten (${text.split('\n').length} lines)`);
        assert.equal(existsSync(`${path}.compact`), false, 'no temporary file left');
        assertOk(await store.reserveNonce(SENDER, randomNonce(), clock.now()), 'appends continue on the new file');
      },
      { clock, windowMs: 1000 },
    );
    await withStore(
      path,
      async (store) => {
        for (const nonce of live) assertCode(await store.reserveNonce(SENDER, nonce, clock.now()), 'REPLAY_DETECTED');
        assertCode(await store.acceptCounter(SENDER, 42, undefined), 'REPLAY_DETECTED:COUNTER', 'counter survived');
      },
      { clock, windowMs: 1000 },
    );
  });
});

describe('FileNonceStore: options', () => {
  it('refuses a missing path and bad numbers with INVALID_ARGUMENT', async () => {
    for (const options of [
      {},
      { path: '' },
      { path: freshPath(), windowMs: 0 },
      { path: freshPath(), counterWindow: 33 },
    ]) {
      await assert.rejects(
        FileNonceStore.open(options as FileNonceStoreOptions),
        (error) => isXlinkError(error) && error.code === 'INVALID_ARGUMENT',
        JSON.stringify(options),
      );
    }
  });
});
