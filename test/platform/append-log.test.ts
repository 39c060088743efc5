// The log FileTrustRegistry and FileNonceStore share: its format and torn-tail
// rule, the writer's failures, and the reader a follower uses.
import assert from 'node:assert/strict';
import {
  appendFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  truncateSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { type FileHandle, open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { crc32 } from 'node:zlib';
import { type ErrorCode, isXlinkError, xlinkError } from '../../src/errors.js';
import {
  AppendLog,
  type AppendLogOptions,
  type LogFailureKind,
  logLine,
  readLog,
} from '../../src/platform/node/append-log.js';

const dir = mkdtempSync(join(tmpdir(), 'xlink-log-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let files = 0;

const CODES: Record<LogFailureKind, ErrorCode> = {
  corrupt: 'REPLAY_STORE_CORRUPT',
  missing: 'REPLAY_STORE_MISSING',
  exists: 'REPLAY_STORE_EXISTS',
  locked: 'REPLAY_STORE_LOCKED',
  io: 'REPLAY_STORE_UNAVAILABLE',
};

function options(path = join(dir, `log-${++files}`)): AppendLogOptions {
  return {
    path,
    header: 'test-log 1',
    what: 'test log',
    fail: (kind, message, cause) => xlinkError(CODES[kind], message, cause === undefined ? {} : { cause }),
  };
}

async function fails(promise: Promise<unknown>, code: ErrorCode, message?: RegExp): Promise<void> {
  await assert.rejects(promise, (error) => {
    assert.ok(isXlinkError(error), String(error));
    assert.equal(error.code, code, error.message);
    if (message !== undefined) assert.match(error.message, message);
    return true;
  });
}

async function reopen(settings: AppendLogOptions): Promise<{ log: AppendLog; read: string[]; torn: unknown }> {
  const read: string[] = [];
  const { log, report } = await AppendLog.open(settings, (payload) => read.push(payload));
  return { log, read, torn: report.tornTail };
}

async function withPatchedSync(fail: (call: number) => boolean, body: () => Promise<void>): Promise<void> {
  const probe = await open(join(dir, 'probe'), 'w');
  await probe.close();
  const prototype = Object.getPrototypeOf(probe) as FileHandle;
  const original = prototype.sync;
  let calls = 0;
  prototype.sync = function patched(this: FileHandle) {
    if (fail(++calls)) return Promise.reject(Object.assign(new Error('EIO: i/o error, fsync'), { code: 'EIO' }));
    return original.call(this);
  };
  try {
    await body();
  } finally {
    prototype.sync = original;
  }
}

describe('AppendLog: format and recovery', () => {
  it('writes one checksummed line per record after its header, and reads them back in order', async () => {
    const settings = options();
    const log = await AppendLog.create(settings);
    await Promise.all(['{"a":1}', '["ü", "🚀"]', 'plain'].map((payload) => log.append(payload)));
    assert.equal(log.records, 3);
    await log.close();
    const text = readFileSync(settings.path, 'utf8');
    assert.equal(text, [logLine('test-log 1'), logLine('{"a":1}'), logLine('["ü", "🚀"]'), logLine('plain')].join(''));
    assert.equal(logLine('plain'), `${crc32('plain').toString(16).padStart(8, '0')} plain\n`);
    const { log: again, read, torn } = await reopen(settings);
    assert.deepEqual(read, ['{"a":1}', '["ü", "🚀"]', 'plain']);
    assert.equal(torn, null);
    await fails(again.append('two\nlines'), 'INVALID_ARGUMENT');
    await again.close();
  });

  it('drops and cuts only an unterminated last record, wherever it was cut', async () => {
    const settings = options();
    await (await AppendLog.create(settings)).close();
    const header = statSync(settings.path).size;
    const record = logLine('{"record":"🚀"}');
    for (const cut of [1, 8, 9, Buffer.byteLength(record) - 1]) {
      truncateSync(settings.path, header);
      appendFileSync(settings.path, Buffer.from(record).subarray(0, cut));
      const { log, read, torn } = await reopen(settings);
      assert.deepEqual(read, []);
      assert.deepEqual(torn, { line: 2, bytes: cut }, `cut at ${cut}`);
      assert.equal(statSync(settings.path).size, header);
      await log.close();
    }
  });

  it('refuses a terminated record whose checksum fails, first, in the middle or last', async () => {
    const settings = options();
    const log = await AppendLog.create(settings);
    for (const payload of ['one', 'two', 'three']) await log.append(payload);
    await log.close();
    const good = readFileSync(settings.path, 'utf8');
    for (const [word, line] of [
      ['one', 2],
      ['two', 3],
      ['three', 4],
    ] as const) {
      writeFileSync(settings.path, good.replace(` ${word}\n`, ` ${word.toUpperCase()}\n`));
      await fails(reopen(settings), 'REPLAY_STORE_CORRUPT', new RegExp(`line ${line} is damaged`));
    }
    writeFileSync(settings.path, `${good}\n`);
    await fails(reopen(settings), 'REPLAY_STORE_CORRUPT', /line 5 is damaged/);
    writeFileSync(settings.path, good.replace('test-log 1', 'test-log 2'));
    await fails(reopen(settings), 'REPLAY_STORE_CORRUPT', /not a test log of this version/);
  });

  it('refuses a record its owner rejects, naming the line; an error that is not an XlinkError is a bug and passes through', async () => {
    const settings = options();
    const log = await AppendLog.create(settings);
    await log.append('fine');
    await log.append('bad');
    await log.close();
    const visit = (payload: string): void => {
      if (payload === 'bad') throw xlinkError('INVALID_ARGUMENT', 'the owner says no');
    };
    await fails(AppendLog.open(settings, visit), 'REPLAY_STORE_CORRUPT', /line 3: the owner says no/);
    await assert.rejects(
      AppendLog.open(settings, () => {
        throw new TypeError('a bug');
      }),
      TypeError,
    );
    assert.equal(existsSync(`${settings.path}.lock`), false, 'a failed open releases the lock');
  });

  it('creates only a new file and opens only an existing, non-empty one', async () => {
    const settings = options();
    await fails(reopen(settings), 'REPLAY_STORE_MISSING', /does not exist/);
    writeFileSync(settings.path, '');
    await fails(reopen(settings), 'REPLAY_STORE_MISSING', /is empty/);
    await fails(AppendLog.create(settings), 'REPLAY_STORE_EXISTS');
    unlinkSync(settings.path);
    await (await AppendLog.create(settings)).close();
    await fails(AppendLog.create(settings), 'REPLAY_STORE_EXISTS');
  });
});

describe('AppendLog: failures while writing', () => {
  it('rewrites the file, and appends go on in the new one', async () => {
    const settings = options();
    const log = await AppendLog.create(settings);
    for (const payload of ['old-1', 'old-2', 'old-3']) await log.append(payload);
    const inode = statSync(settings.path).ino;
    await log.rewrite(() => ['kept']);
    assert.notEqual(statSync(settings.path).ino, inode, 'a new file, renamed into place');
    assert.equal(log.records, 1);
    await log.append('after');
    await log.close();
    const { log: again, read } = await reopen(settings);
    assert.deepEqual(read, ['kept', 'after']);
    assert.equal(existsSync(`${settings.path}.tmp`), false);
    await again.close();
  });

  it('keeps the old file in use when the rewrite fails before its rename', async () => {
    const settings = options();
    const log = await AppendLog.create(settings);
    await log.append('one');
    mkdirSync(`${settings.path}.tmp`);
    await fails(
      log.rewrite(() => ['replacement']),
      'REPLAY_STORE_UNAVAILABLE',
      /cannot compact/,
    );
    assert.equal(log.failure, undefined);
    await log.append('two');
    await log.close();
    const { log: again, read } = await reopen(settings);
    assert.deepEqual(read, ['one', 'two']);
    await again.close();
  });

  it('stops when the rewrite was renamed into place but its directory could not be synced', async () => {
    const settings = options();
    const log = await AppendLog.create(settings);
    await log.append('one');
    // writeFileDurably syncs the temporary file, then the directory: the second sync fails.
    await withPatchedSync(
      (call) => call === 2,
      async () => {
        await fails(
          log.rewrite(() => ['one']),
          'REPLAY_STORE_UNAVAILABLE',
        );
      },
    );
    assert.ok(log.failure, 'records appended now might vanish with the rename in a crash');
    await fails(log.append('two'), 'REPLAY_STORE_UNAVAILABLE');
    await log.close();
  });

  it('stops once its file is deleted while open, rather than acknowledge records into nothing', async () => {
    const settings = options();
    const log = await AppendLog.create(settings);
    await log.append('one');
    unlinkSync(settings.path);
    await fails(log.append('two'), 'REPLAY_STORE_MISSING', /deleted while open/);
    await fails(log.append('three'), 'REPLAY_STORE_MISSING');
    await log.close();
  });

  it('refuses a second writer; a closed log refuses appends', async () => {
    const settings = options();
    const log = await AppendLog.create(settings);
    await fails(reopen(settings), 'REPLAY_STORE_LOCKED', new RegExp(`pid ${process.pid} `));
    await log.close();
    await fails(log.append('late'), 'REPLAY_STORE_UNAVAILABLE', /closed/);
    await (await reopen(settings)).log.close();
  });
});

describe('readLog: what a follower reads', () => {
  it('reads everything first, then only what was appended, never an unterminated record', async () => {
    const settings = options();
    const log = await AppendLog.create(settings);
    await log.append('a');
    const first = await readLog(settings);
    assert.deepEqual([first.payloads, first.fresh], [['a'], true]);
    await log.append('b');
    appendFileSync(settings.path, logLine('in progress').slice(0, 5));
    const second = await readLog(settings, first.position);
    assert.deepEqual([second.payloads, second.fresh], [['b'], false]);
    assert.equal(second.position.line, 3);
    const size = statSync(settings.path).size;
    assert.equal(second.position.end, size - 5, 'the partial record is left for later');
    await log.close();
  });

  it('reads from the start after the file was replaced or shrank', async () => {
    const settings = options();
    const log = await AppendLog.create(settings);
    for (const payload of ['a', 'b', 'c']) await log.append(payload);
    const before = await readLog(settings);
    await log.rewrite(() => ['c']);
    const replaced = await readLog(settings, before.position);
    assert.deepEqual([replaced.payloads, replaced.fresh], [['c'], true]);
    await log.close();
    truncateSync(settings.path, Buffer.byteLength(logLine('test-log 1')));
    const shrunk = await readLog(settings, replaced.position);
    assert.deepEqual([shrunk.payloads, shrunk.fresh], [[], true]);
    unlinkSync(settings.path);
    await fails(readLog(settings, shrunk.position), 'REPLAY_STORE_MISSING');
  });
});
