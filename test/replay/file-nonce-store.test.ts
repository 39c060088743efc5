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
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { bytesToHex } from '../../src/codec/bytes.js';
import { type ErrorCode, isXlinkError } from '../../src/errors.js';
import { logLine } from '../../src/platform/node/append-log.js';
import { VirtualClock } from '../../src/platform/virtual-clock.js';
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

runNonceStoreContract(
  'FileNonceStore',
  async (options) => {
    const clock = new VirtualClock(START);
    const store = await FileNonceStore.create({ ...options, path: freshPath(), clock });
    return { store, clock };
  },
  { expiresOnInjectedClock: true, clocklessCounters: true, bounded: true },
);

/** Opens `path` (creating it first when `create`) on a virtual clock, closes it after `body`. */
async function withStore(
  path: string,
  body: (store: FileNonceStore) => Promise<void>,
  options: Partial<FileNonceStoreOptions> & { create?: boolean } = {},
): Promise<void> {
  const { create, ...rest } = options;
  const opened = { clock: new VirtualClock(START), ...rest, path };
  const store = await (create === true || (create === undefined && !existsSync(path))
    ? FileNonceStore.create(opened)
    : FileNonceStore.open(opened));
  try {
    await body(store);
  } finally {
    await store.close();
  }
}

async function rejectsWith(opening: Promise<unknown>, code: ErrorCode, message?: RegExp): Promise<void> {
  await assert.rejects(opening, (error) => {
    assert.ok(isXlinkError(error), String(error));
    assert.equal(error.code, code, error.message);
    if (message !== undefined) assert.match(error.message, message);
    return true;
  });
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
      { clock: new VirtualClock(START + 30_001) },
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

describe('FileNonceStore: creation, crashes and damage', () => {
  it('creates only a new file, and opens only one it created', async () => {
    const path = freshPath();
    await rejectsWith(FileNonceStore.open({ path }), 'REPLAY_STORE_MISSING', /does not exist/);
    assert.equal(existsSync(path), false, 'open created nothing');
    await withStore(path, async (store) => assertOk(await store.acceptCounter(SENDER, 1, undefined)), { create: true });
    assert.equal(readFileSync(path, 'utf8').split('\n')[0], logLine('xlink-replay-log 2').trim());
    await rejectsWith(FileNonceStore.create({ path }), 'REPLAY_STORE_EXISTS');
    await withStore(path, async (store) =>
      assertCode(await store.acceptCounter(SENDER, 1, undefined), 'REPLAY_DETECTED:COUNTER'),
    );
    const empty = freshPath();
    writeFileSync(empty, '');
    await rejectsWith(FileNonceStore.create({ path: empty }), 'REPLAY_STORE_EXISTS', /exists already/);
    await rejectsWith(FileNonceStore.open({ path: empty }), 'REPLAY_STORE_MISSING', /is empty/);
    await assert.rejects(
      FileNonceStore.create({ path: join(dir, 'no-such-dir', 'log') }),
      (error) => isXlinkError(error) && error.code === 'REPLAY_STORE_UNAVAILABLE' && error.cause !== undefined,
    );
  });

  it('drops an unterminated last record, cuts it off before appending, and reports it', async () => {
    const path = freshPath();
    const early = [randomNonce(), randomNonce()];
    await withStore(path, async (store) => {
      for (const nonce of early) assertOk(await store.reserveNonce(SENDER, nonce, START));
    });
    const intact = statSync(path).size;
    // What a crash during a group commit can leave: part of the next record.
    appendFileSync(path, logLine(JSON.stringify(['n', START, bytesToHex(randomNonce()), SENDER])).slice(0, 30));
    const later = randomNonce();
    await withStore(path, async (store) => {
      assert.deepEqual(store.loaded, { records: 2, tornTail: { line: 4, bytes: 30 } });
      assert.equal(statSync(path).size, intact, 'the torn bytes were cut off on open');
      for (const nonce of early) assertCode(await store.reserveNonce(SENDER, nonce, START), 'REPLAY_DETECTED');
      assertOk(await store.reserveNonce(SENDER, later, START));
    });
    await withStore(path, async (store) => {
      assert.deepEqual(store.loaded, { records: 3, tornTail: null });
      assertCode(await store.reserveNonce(SENDER, later, START), 'REPLAY_DETECTED', 'record written after the cut');
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

  it('refuses a damaged complete record, wherever it is, the last line included', async () => {
    const path = freshPath();
    const nonces = [randomNonce(), randomNonce(), randomNonce()];
    await withStore(path, async (store) => {
      for (const nonce of nonces) assertOk(await store.reserveNonce(SENDER, nonce, START));
    });
    const text = readFileSync(path, 'utf8');
    for (const [index, nonce] of nonces.entries()) {
      const damaged = freshPath();
      writeFileSync(damaged, text.replace(bytesToHex(nonce), bytesToHex(randomNonce())));
      await rejectsWith(
        FileNonceStore.open({ path: damaged }),
        'REPLAY_STORE_CORRUPT',
        new RegExp(`line ${index + 2} is damaged`),
      );
      assert.equal(existsSync(`${damaged}.lock`), false, 'a refused open leaves no lock behind');
    }
    // A well-formed record of the wrong shape, with a checksum that matches it.
    const odd = freshPath();
    writeFileSync(odd, text + logLine('["x",1]'));
    await rejectsWith(FileNonceStore.open({ path: odd }), 'REPLAY_STORE_CORRUPT', /line 5: not a replay record/);
  });

  it('refuses a file that is not a replay log of this version, and leaves it alone', async () => {
    for (const text of ['hello\n', 'xlink-replay-log 1\n', `${logLine('xlink-replay-log 1')}`, 'no newline at all']) {
      const foreign = freshPath();
      writeFileSync(foreign, text);
      await rejectsWith(FileNonceStore.open({ path: foreign }), 'REPLAY_STORE_CORRUPT');
      assert.equal(readFileSync(foreign, 'utf8'), text);
    }
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

  it('cuts off the bytes of a failed write at once, so the next append follows the last good record', async () => {
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
      assert.equal(statSync(path).size, before, 'the refused record is gone from the file');
      const next = randomNonce();
      assertOk(await store.reserveNonce(SENDER, next, START));
      const lines = readFileSync(path, 'utf8').split('\n');
      assert.equal(lines.length, 4, 'header, first record, next record, final newline');
      assert.ok(lines[2]?.includes(bytesToHex(next)));
    });
  });
});

describe('FileNonceStore: group commit and compaction', () => {
  it('syncs 64 concurrent reserves in one write, and 64 arriving during it in one more, not 128', async () => {
    const path = freshPath();
    let syncs = 0;
    const nonces = Array.from({ length: 128 }, () => randomNonce());
    await withStore(path, async (store) => {
      await withPatched(
        'datasync',
        (original) =>
          function countingSync(this: FileHandle) {
            syncs++;
            return original.call(this);
          },
        async () => {
          const first = nonces.slice(0, 64).map((nonce) => store.reserveNonce(SENDER, nonce, START));
          await new Promise((resolve) => setImmediate(resolve)); // the first write is on its way
          const second = nonces.slice(64).map((nonce) => store.reserveNonce(SENDER, nonce, START));
          for (const result of await Promise.all([...first, ...second])) assertOk(result);
        },
      );
    });
    assert.equal(syncs, 2);
    await withStore(path, async (store) => {
      for (const nonce of nonces) assertCode(await store.reserveNonce(SENDER, nonce, START), 'REPLAY_DETECTED');
    });
  });

  it('rewrites the log without expired nonces once it holds over twice the live entries', async () => {
    const path = freshPath();
    const clock = new VirtualClock(START);
    const expired = Array.from({ length: 1000 }, () => randomNonce());
    const live = Array.from({ length: 200 }, () => randomNonce());
    await withStore(
      path,
      async (store) => {
        await Promise.all(expired.map((nonce) => store.reserveNonce(SENDER, nonce, clock.now())));
        assertOk(await store.acceptCounter(SENDER, 42, undefined));
        // 1001 records: not yet over the first threshold (twice the live entries at creation, 0, plus 1024).
        assert.equal(readFileSync(path, 'utf8').split('\n').length, 1003);
        clock.advance(1001);
        for (let i = 0; i < live.length; i += 50) {
          const batch = live.slice(i, i + 50).map((nonce) => store.reserveNonce(SENDER, nonce, clock.now()));
          for (const result of await Promise.all(batch)) assertOk(result);
        }
        const text = readFileSync(path, 'utf8');
        for (const nonce of expired) assert.ok(!text.includes(bytesToHex(nonce)), 'expired nonces are gone');
        assert.ok(text.split('\n').length < 500, `the log was rewritten (${text.split('\n').length} lines)`);
        assert.equal(text.split('\n')[1], logLine(JSON.stringify(['t', clock.now()])).trim(), 'the clock, first');
        assert.equal(existsSync(`${path}.tmp`), false, 'no temporary file left');
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
      { path: freshPath(), clock: {} },
    ]) {
      for (const opening of [FileNonceStore.create, FileNonceStore.open]) {
        await assert.rejects(
          opening(options as FileNonceStoreOptions),
          (error) => isXlinkError(error) && error.code === 'INVALID_ARGUMENT',
          JSON.stringify(options),
        );
      }
    }
  });
});

describe('FileNonceStore: one writer', () => {
  it('refuses a second open of the same file, naming the holder, until the first is closed', async () => {
    const path = freshPath();
    const first = await FileNonceStore.create({ path, clock: new VirtualClock(START) });
    try {
      const pattern = new RegExp(
        `pid ${process.pid} on "${hostname()}" since .*\\(this process: it is open already\\)`,
      );
      await rejectsWith(FileNonceStore.open({ path }), 'REPLAY_STORE_LOCKED', pattern);
      await rejectsWith(FileNonceStore.create({ path }), 'REPLAY_STORE_LOCKED');
      assertOk(await first.reserveNonce(SENDER, randomNonce(), START), 'the holder goes on');
    } finally {
      await first.close();
    }
    assert.equal(existsSync(`${path}.lock`), false, 'close releases the lock');
    await withStore(path, async (store) => assert.equal(store.loaded.records, 1));
  });

  it('takes over the lock of a process that died on this host, and never that of one alive', async () => {
    const path = freshPath();
    await withStore(path, async () => {});
    const lockOf = (pid: number, host = hostname()): string =>
      `${JSON.stringify({ pid, hostname: host, since: '2026-01-01T00:00:00.000Z', token: 'x' })}\n`;
    // A pid above the kernel's limit (pid_max is at most 2^22) belongs to no process.
    writeFileSync(`${path}.lock`, lockOf(2 ** 22 + 1));
    await withStore(path, async (store) => assert.equal(store.loaded.records, 0));
    writeFileSync(`${path}.lock`, lockOf(process.ppid));
    await rejectsWith(FileNonceStore.open({ path }), 'REPLAY_STORE_LOCKED', new RegExp(`pid ${process.ppid} `));
    writeFileSync(`${path}.lock`, lockOf(2 ** 22 + 1, 'another-host'));
    await rejectsWith(FileNonceStore.open({ path }), 'REPLAY_STORE_LOCKED', /"another-host"/);
    writeFileSync(`${path}.lock`, 'garbage');
    await rejectsWith(FileNonceStore.open({ path }), 'REPLAY_STORE_LOCKED', /cannot read \("garbage"\)/);
    rmSync(`${path}.lock`);
  });
});

describe('FileNonceStore: a clock that steps back', () => {
  it('persists its highest clock reading when compacting, so a restart on a clock set back still refuses', async () => {
    const path = freshPath();
    const clock = new VirtualClock(START);
    const nonce = randomNonce();
    const ts = START;
    await withStore(
      path,
      async (store) => {
        assertOk(await store.reserveNonce(SENDER, nonce, ts));
        clock.advance(1001); // ts + window passed: the nonce is expired
        // Enough traffic to compact, which drops the expired nonce from the file.
        for (let i = 0; i < 1100; i += 100) {
          const batch = Array.from({ length: 100 }, () => store.reserveNonce(SENDER, randomNonce(), clock.now()));
          for (const result of await Promise.all(batch)) assertOk(result);
        }
      },
      { clock, windowMs: 1000 },
    );
    assert.ok(!readFileSync(path, 'utf8').includes(bytesToHex(nonce)), 'compaction dropped the expired nonce');
    // The host restarts with its clock set back, where ts is inside the window again.
    const behind = new VirtualClock(START + 500);
    await withStore(
      path,
      async (store) => {
        assertCode(await store.reserveNonce(SENDER, nonce, ts), 'TIMESTAMP_EXPIRED', 'the replay after the restart');
        behind.advance(1000);
        assertOk(await store.reserveNonce(SENDER, randomNonce(), behind.now()), 'once the wall clock caught up');
      },
      { clock: behind, windowMs: 1000 },
    );
  });
});
