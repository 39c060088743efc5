// Stores one process owns, and that never forget: the replay stores and the
// trust registry under crashes, a second process, damaged and vanished files,
// a clock that steps back, and more traffic than they hold. Every test is a
// finding measured on an earlier version, asserting the exact code now
// returned; the ones about processes spawn a real second Node process.
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { appendFileSync, mkdtempSync, readFileSync, rmSync, truncateSync, unlinkSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { bytesToHex, readHex } from '../../src/codec/bytes.js';
import { type ErrorCode, isXlinkError, type Result } from '../../src/errors.js';
import { logLine } from '../../src/platform/node/append-log.js';
import { VirtualClock } from '../../src/platform/virtual-clock.js';
import { FileTrustRegistry } from '../../src/registry/node/file-trust-registry.js';
import { MemoryNonceStore } from '../../src/replay/memory-nonce-store.js';
import { FileNonceStore } from '../../src/replay/node/file-nonce-store.js';
import type { NonceStore } from '../../src/replay/nonce-store.js';
import { RedisNonceStore } from '../../src/replay/redis-nonce-store.js';
import { capacityFor } from '../../src/replay/replay-state.js';
import { registryChildPrelude, source, spawnNode, waitForLine } from '../helpers/node-child.js';
import { startRedisServer } from '../helpers/redis-server.js';
import {
  createWorld,
  crypto,
  envelopeOf,
  receiveCode,
  sendJson,
  startAgent,
  T0,
  WINDOW_MS,
  type World,
} from './fixtures.js';

function envelopeNonce(json: Awaited<ReturnType<typeof sendJson>>): Uint8Array {
  return envelopeOf(json).header.nonce as Uint8Array;
}

const dir = mkdtempSync(join(tmpdir(), 'xlink-stores-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let files = 0;
const freshPath = (): string => join(dir, `store-${++files}`);

const SENDER = 'did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK';
const LONG_WINDOW_MS = 600_000;

function codeOf(result: Result<unknown>): ErrorCode | 'ok' {
  return result.ok ? 'ok' : result.error.code;
}

async function rejectsWith(opening: Promise<unknown>, code: ErrorCode, message?: RegExp): Promise<void> {
  await assert.rejects(opening, (error) => {
    assert.ok(isXlinkError(error), String(error));
    assert.equal(error.code, code, error.message);
    if (message !== undefined) assert.match(error.message, message);
    return true;
  });
}

/** A world whose bob receives with `nonceStore`. */
async function worldWith(nonceStore: (world: World) => NonceStore | Promise<NonceStore>): Promise<World> {
  const world = await createWorld();
  const bob = await startAgent(world, 'bob', { nonceStore: await nonceStore(world) });
  return { ...world, bob };
}

/** Stdout lines of a child process as they come, and its exit. */
function watch(child: ChildProcess): { lines: string[]; closed: Promise<unknown[]> } {
  const lines: string[] = [];
  let partial = '';
  child.stdout?.on('data', (chunk) => {
    partial += chunk;
    const complete = partial.split('\n');
    partial = complete.pop() ?? '';
    lines.push(...complete);
  });
  return { lines, closed: once(child, 'close') };
}

// ------------------------------------------------------------ 1. one log, checksums, torn tails

/** Reserves nonces one by one, printing each once acknowledged; with XLINK_PAUSE, waits for "go" halfway. */
const nonceWriterScript = `
import { FileNonceStore } from '${source('replay/node/index.ts')}';
const store = await FileNonceStore.open({ path: process.env.XLINK_PATH, windowMs: ${LONG_WINDOW_MS} });
process.stdout.write('ready\\n');
const count = Number(process.env.XLINK_COUNT);
let stdin;
for (let i = 0; i < count; i++) {
  if (process.env.XLINK_PAUSE && i === count / 2) {
    process.stdout.write('half\\n');
    stdin ??= (await import('node:readline')).createInterface({ input: process.stdin })[Symbol.asyncIterator]();
    await stdin.next();
  }
  const nonce = crypto.getRandomValues(new Uint8Array(16));
  const reserved = await store.reserveNonce('${SENDER}', nonce, Date.now());
  if (!reserved.ok) { process.stderr.write(reserved.error.code); process.exit(3); }
  process.stdout.write(Buffer.from(nonce).toString('hex') + '\\n');
}
await store.close();
process.exit(0);
`;

describe('1. one durable log, a checksum per record: only an unterminated last record is torn', () => {
  test('a child SIGKILLed amid a stream of appends: every acknowledged nonce is refused after reopening, a torn tail is dropped', async () => {
    const path = freshPath();
    await (await FileNonceStore.create({ path, windowMs: LONG_WINDOW_MS })).close();
    const child = spawnNode(nonceWriterScript, { XLINK_PATH: path, XLINK_COUNT: '1000000' });
    const { lines, closed } = watch(child);
    await waitForLine(child, 'ready');
    await sleep(150 + Math.floor(Math.random() * 200));
    child.kill('SIGKILL');
    const [, signal] = await closed;
    assert.equal(signal, 'SIGKILL', 'killed mid-run');
    const acknowledged = lines.filter((line) => /^[0-9a-f]{32}$/.test(line));
    assert.ok(acknowledged.length > 10, `${acknowledged.length} acknowledged before the kill`);
    // Whatever the kill left, a half-written record is what a crash can leave: add one.
    appendFileSync(
      path,
      logLine(JSON.stringify(['n', Date.now(), bytesToHex(new Uint8Array(16)), SENDER])).slice(0, 40),
    );
    const store = await FileNonceStore.open({ path, windowMs: LONG_WINDOW_MS });
    try {
      assert.deepEqual(store.loaded.tornTail?.bytes, 40);
      assert.ok(store.loaded.records >= acknowledged.length);
      for (const hex of acknowledged) {
        assert.equal(codeOf(await store.reserveNonce(SENDER, readHex(hex), Date.now())), 'REPLAY_DETECTED', hex);
      }
    } finally {
      await store.close();
    }
  });

  test('a garbled revocation on the newline-terminated last line no longer un-revokes the device: REGISTRY_CORRUPT', async () => {
    const path = freshPath();
    const world = await createWorld({ registry: await FileTrustRegistry.create({ path, crypto }) });
    const json = await sendJson(world);
    assert.ok((await world.registry.revoke(world.alice.did, { reason: 'key stolen' })).ok);
    assert.equal(await receiveCode(world.bob, json), 'VERIFICATION_FAILED:REVOKED');
    await world.registry.close();
    const text = readFileSync(path, 'utf8');
    assert.ok(text.trimEnd().split('\n').at(-1)?.includes('"op":"revoke"'), 'the revocation is the last line');
    writeFileSync(path, text.replace('key stolen', 'key stolem'));
    await rejectsWith(FileTrustRegistry.open({ path, crypto }), 'REGISTRY_CORRUPT', /line \d+ is damaged/);
  });

  test('a garbled last line of a replay log refuses it: REPLAY_STORE_CORRUPT', async () => {
    const path = freshPath();
    const store = await FileNonceStore.create({ path });
    assert.equal(codeOf(await store.acceptCounter(SENDER, 7, undefined)), 'ok');
    await store.close();
    const text = readFileSync(path, 'utf8');
    writeFileSync(path, text.replace('"7:', '"9:'));
    await rejectsWith(FileNonceStore.open({ path }), 'REPLAY_STORE_CORRUPT');
  });
});

// ------------------------------------------------------------ 2 and 7. one writer per file

describe('2 and 7. an exclusive lock: a second writer is refused, naming the holder', () => {
  test('two processes on one FileNonceStore: the second is refused (REPLAY_STORE_LOCKED), and all 120 acknowledged nonces stay refused', async () => {
    const path = freshPath();
    await (await FileNonceStore.create({ path, windowMs: LONG_WINDOW_MS })).close();
    const child = spawnNode(nonceWriterScript, { XLINK_PATH: path, XLINK_COUNT: '120', XLINK_PAUSE: '1' });
    const { lines, closed } = watch(child);
    await waitForLine(child, 'half');
    const holder = new RegExp(`pid ${child.pid} on "${hostname()}" since "\\d{4}-`);
    await rejectsWith(FileNonceStore.open({ path, windowMs: LONG_WINDOW_MS }), 'REPLAY_STORE_LOCKED', holder);
    await rejectsWith(FileNonceStore.create({ path }), 'REPLAY_STORE_LOCKED', holder);
    child.stdin?.write('go\n');
    const [code] = await closed;
    assert.equal(code, 0);
    const acknowledged = lines.filter((line) => /^[0-9a-f]{32}$/.test(line));
    assert.equal(acknowledged.length, 120);
    const store = await FileNonceStore.open({ path, windowMs: LONG_WINDOW_MS });
    try {
      const accepted = [];
      for (const hex of acknowledged) {
        if ((await store.reserveNonce(SENDER, readHex(hex), Date.now())).ok) accepted.push(hex);
      }
      assert.deepEqual(accepted, [], 'acknowledged nonces accepted again');
    } finally {
      await store.close();
    }
  });

  test('a lock left by a process that died is taken over; a second open in this process is refused', async () => {
    const path = freshPath();
    await (await FileNonceStore.create({ path })).close();
    const child = spawnNode(nonceWriterScript, { XLINK_PATH: path, XLINK_COUNT: '2', XLINK_PAUSE: '1' });
    const { closed } = watch(child);
    await waitForLine(child, 'half');
    child.kill('SIGKILL');
    await closed;
    assert.match(
      readFileSync(`${path}.lock`, 'utf8'),
      new RegExp(`"pid":${child.pid},`),
      'the dead holder left its lock',
    );
    const store = await FileNonceStore.open({ path });
    try {
      await rejectsWith(FileNonceStore.open({ path }), 'REPLAY_STORE_LOCKED', /this process: it is open already/);
    } finally {
      await store.close();
    }
  });
});

// ------------------------------------------------------------ 3 and 8. a store knows it was created

describe('3 and 8. a store knows it was created: an empty or deleted file is refused, not started anew', () => {
  test('a clockless counter accepted, the log truncated to zero or deleted: REPLAY_STORE_MISSING, not a replay accepted', async () => {
    for (const lose of [(path: string) => truncateSync(path, 0), unlinkSync]) {
      const path = freshPath();
      const store = await FileNonceStore.create({ path });
      assert.equal(codeOf(await store.acceptCounter(SENDER, 5, undefined)), 'ok');
      await store.close();
      lose(path);
      await rejectsWith(FileNonceStore.open({ path }), 'REPLAY_STORE_MISSING');
    }
  });

  test('a registry truncated to zero or deleted: REGISTRY_MISSING, for its writer and its readers', async () => {
    for (const lose of [(path: string) => truncateSync(path, 0), unlinkSync]) {
      const path = freshPath();
      const world = await createWorld({ registry: await FileTrustRegistry.create({ path, crypto }) });
      assert.ok((await world.registry.revoke(world.mallory.did, { reason: 'gone' })).ok);
      await world.registry.close();
      lose(path);
      await rejectsWith(FileTrustRegistry.open({ path, crypto }), 'REGISTRY_MISSING');
      await rejectsWith(FileTrustRegistry.open({ path, crypto, readOnly: true }), 'REGISTRY_MISSING');
    }
  });
});

// ------------------------------------------------------------ 4. readers follow the writer

const registryWriterScript = `${registryChildPrelude(T0)}
const registry = await FileTrustRegistry.open({ path, crypto });
process.stdout.write('ready\\n');
await nextInput();
const dids = [];
for (let i = 0; i < 30; i++) {
  const added = await registry.register({ document: await nextDocument(['signed', 'v1', 'v2']), scopes: ['t'] });
  if (!added.ok) process.exit(3);
  dids.push(added.value.did);
}
if (!(await registry.revoke(dids[4], { reason: 'stolen' })).ok) process.exit(4);
if (!(await registry.compact()).ok) process.exit(5);
for (let i = 0; i < 10; i++) {
  const added = await registry.register({ document: await nextDocument(['signed', 'v1', 'v2']), scopes: ['t'] });
  if (!added.ok) process.exit(3);
  dids.push(added.value.did);
}
process.stdout.write(JSON.stringify({ dids, revoked: dids[4] }) + '\\n');
await nextInput();
await registry.close();
process.exit(0);
`;

describe('4. a registry another process writes: a second writer is refused, a reader follows', () => {
  test('the writer registers 30, revokes one, compacts and registers 10 more: the reader ends with all 40 and the revocation', async () => {
    const path = freshPath();
    await (await FileTrustRegistry.create({ path, crypto })).close();
    const child = spawnNode(registryWriterScript, { XLINK_REGISTRY_PATH: path });
    const { lines, closed } = watch(child);
    try {
      await waitForLine(child, 'ready');
      await rejectsWith(FileTrustRegistry.open({ path, crypto }), 'REGISTRY_LOCKED', new RegExp(`pid ${child.pid} `));
      const reader = await FileTrustRegistry.open({ path, crypto, readOnly: true, pollIntervalMs: 50 });
      try {
        child.stdin?.write('go\n');
        const deadline = Date.now() + 20_000;
        while (!lines.some((line) => line.startsWith('{'))) {
          assert.ok(Date.now() < deadline, 'the writer did not finish');
          await sleep(10);
        }
        const { dids, revoked } = JSON.parse(lines.find((line) => line.startsWith('{')) as string);
        // Within the staleness bound (one poll interval, in practice a watch event): poll for it, briefly.
        while ((await reader.list()).length < 40 && Date.now() < deadline) await sleep(10);
        assert.deepEqual(
          (await reader.list()).map((entry) => entry.did),
          dids,
        );
        const entry = await reader.resolve(revoked);
        assert.ok(entry.ok && entry.value.revoked?.reason === 'stolen', 'the revocation made before the compaction');
        assert.equal(codeOf(await reader.revoke(dids[0], { reason: 'x' })), 'REGISTRY_READ_ONLY');
      } finally {
        await reader.close();
      }
    } finally {
      child.stdin?.write('exit\n');
      await closed;
    }
  });
});

// ------------------------------------------------------------ 5. capacity follows from rate and window

describe('5. capacity follows from rate and window; every bounded store refuses rather than forget', () => {
  test('720,000 for 12,000 checks/s over 30 s; at that rate for three windows a default store never fills', async () => {
    assert.equal(capacityFor({ checksPerSecond: 12_000, windowMs: 30_000 }), 720_000);
    // The same rule on a 1 s window (24,000 by default), run at 12,000 fresh envelopes a second for 3 s.
    const clock = new VirtualClock(T0);
    const store = new MemoryNonceStore({ windowMs: 1000, clock });
    const nonce = new Uint8Array(16);
    const view = new DataView(nonce.buffer);
    for (let i = 0; i < 36_000; i++) {
      view.setUint32(0, i);
      clock.advance(1000 / 12_000);
      const reserved = await store.reserveNonce(SENDER, nonce.slice(), Math.floor(clock.now()));
      assert.ok(reserved.ok, reserved.ok ? '' : `check ${i}: ${reserved.error.code}`);
    }
  });

  test('memory and file stores, full: REPLAY_STORE_FULL for nonces and counter windows, and nothing held is forgotten', async () => {
    const stores: NonceStore[] = [
      new MemoryNonceStore({ maxEntries: 2, maxSenders: 1, clock: { now: () => T0 } }),
      await FileNonceStore.create({ path: freshPath(), maxEntries: 2, maxSenders: 1, clock: { now: () => T0 } }),
    ];
    for (const store of stores) {
      const held = [new Uint8Array(16).fill(1), new Uint8Array(16).fill(2)];
      for (const nonce of held) assert.equal(codeOf(await store.reserveNonce(SENDER, nonce, T0)), 'ok');
      assert.equal(codeOf(await store.reserveNonce(SENDER, new Uint8Array(16).fill(3), T0)), 'REPLAY_STORE_FULL');
      for (const nonce of held) assert.equal(codeOf(await store.reserveNonce(SENDER, nonce, T0)), 'REPLAY_DETECTED');
      assert.equal(codeOf(await store.acceptCounter(SENDER, 1, T0)), 'ok');
      assert.equal(codeOf(await store.acceptCounter(`${SENDER}x`, 1, T0)), 'REPLAY_STORE_FULL');
      await store.close();
    }
  });
});

// ------------------------------------------------------------ 6. a clock that steps back

describe('6. a receiver clock stepping back (NTP after running 20 s fast) does not reopen a replay', () => {
  /**
   * An envelope accepted, replayed, then stale by the fast clock; `traffic`
   * meanwhile makes the store forget it; then the clock steps back 20 s, so
   * that by the wall clock the envelope is 11 s old. Returns what receiving it
   * again answers, and the envelope.
   */
  async function steppedBack(world: World, traffic: () => Promise<void>) {
    const json = await sendJson(world);
    assert.equal(await receiveCode(world.bob, json), 'ok');
    assert.equal(await receiveCode(world.bob, json), 'REPLAY_DETECTED');
    world.clock.advance(WINDOW_MS + 1);
    assert.equal(await receiveCode(world.bob, json), 'TIMESTAMP_EXPIRED');
    await traffic();
    assert.equal(await receiveCode(world.bob, await sendJson(world)), 'ok', 'fresh traffic, which purges');
    world.clock.set(world.clock.now() - 20_000);
    return { code: await receiveCode(world.bob, json), json };
  }

  test('MemoryNonceStore: the replay after the step back → TIMESTAMP_EXPIRED', async () => {
    const world = await worldWith((w) => new MemoryNonceStore({ windowMs: WINDOW_MS, clock: w.clock }));
    assert.equal((await steppedBack(world, async () => {})).code, 'TIMESTAMP_EXPIRED');
  });

  test('FileNonceStore: → TIMESTAMP_EXPIRED, and still after a restart on the set-back clock once compaction dropped it', async () => {
    const path = freshPath();
    let store: FileNonceStore | undefined;
    const world = await worldWith(async (w) => {
      store = await FileNonceStore.create({ path, windowMs: WINDOW_MS, clock: w.clock });
      return store;
    });
    const opened = store as FileNonceStore;
    // Enough other nonces for the log to compact, which drops the expired one from the file.
    const traffic = async (): Promise<void> => {
      for (let batch = 0; batch < 11; batch++) {
        const nonces = Array.from({ length: 100 }, () => crypto.randomBytes(16));
        for (const result of await Promise.all(nonces.map((n) => opened.reserveNonce(SENDER, n, world.clock.now())))) {
          assert.equal(codeOf(result), 'ok');
        }
      }
    };
    const { code, json } = await steppedBack(world, traffic);
    assert.equal(code, 'TIMESTAMP_EXPIRED');
    await opened.close();
    assert.ok(!readFileSync(path, 'utf8').includes(bytesToHex(envelopeNonce(json))), 'compacted away');
    const reopened = await FileNonceStore.open({ path, windowMs: WINDOW_MS, clock: world.clock });
    try {
      const bob = await startAgent(world, 'bob', { nonceStore: reopened });
      assert.equal(await receiveCode(bob, json), 'TIMESTAMP_EXPIRED');
    } finally {
      await reopened.close();
    }
  });
});

// ------------------------------------------------------------ 9. Redis checks its own window

const server = await startRedisServer();

describe('9. RedisNonceStore checks timestamps against its own window', () => {
  if (server === undefined) {
    test('not run: redis-server is not installed', () => {});
    return;
  }
  const client = new Redis(server.port, '127.0.0.1');
  after(async () => {
    client.disconnect();
    await server.stop();
  });

  test('configured with a shorter window (40 ms) than its receiver (30 s), a replay 50 ms later → TIMESTAMP_EXPIRED', async () => {
    const world = await worldWith(
      (w) =>
        new RedisNonceStore({ client, keyPrefix: `attack:${Date.now()}:`, windowMs: 40, maxSkewMs: 0, clock: w.clock }),
    );
    const json = await sendJson(world);
    assert.equal(await receiveCode(world.bob, json), 'ok');
    await sleep(150); // past the key's PX of 2 × 40 ms: Redis has forgotten the nonce
    world.clock.advance(50);
    assert.equal(await receiveCode(world.bob, json), 'TIMESTAMP_EXPIRED');
  });
});

// ------------------------------------------------------------ 10. untrusted input, quoted short

describe('10. messages quote untrusted input only truncated', () => {
  const long = `did:key:z${'A'.repeat(10_000)}`;
  const quoted = /"did:key:zA{55}"… \(10009 characters\)/;

  test('a replay store quotes a sender 10,009 characters long in 64', async () => {
    const store = new MemoryNonceStore({ clock: { now: () => T0 } });
    const nonce = new Uint8Array(16);
    assert.equal(codeOf(await store.reserveNonce(long, nonce, T0)), 'ok');
    const replay = await store.reserveNonce(long, nonce, T0);
    assert.ok(!replay.ok && replay.error.code === 'REPLAY_DETECTED');
    assert.match(replay.error.message, quoted);
    assert.equal(codeOf(await store.acceptCounter(long, 1, T0)), 'ok');
    const counter = await store.acceptCounter(long, 1, T0);
    assert.ok(!counter.ok && counter.error.code === 'REPLAY_DETECTED:COUNTER');
    assert.match(counter.error.message, quoted);
  });

  test('a registry quotes a DID it cannot find and the content of a damaged file', async () => {
    const world = await createWorld();
    const did = `did:key:z${'B'.repeat(200)}`;
    const missing = await world.registry.resolve(did);
    assert.ok(!missing.ok && missing.error.code === 'DID_NOT_IN_REGISTRY');
    assert.match(missing.error.message, /"did:key:zB{55}"… \(209 characters\)/);
    const path = freshPath();
    writeFileSync(
      path,
      [
        logLine('{"format":"xlink-trust-registry","version":2}'),
        logLine(JSON.stringify({ op: 'x'.repeat(5000) })),
      ].join(''),
    );
    await rejectsWith(
      FileTrustRegistry.open({ path, crypto }),
      'REGISTRY_CORRUPT',
      /unknown "op" "x{64}"… \(5000 characters\)/,
    );
    const locked = freshPath();
    await (await FileTrustRegistry.create({ path: locked, crypto })).close();
    writeFileSync(`${locked}.lock`, 'y'.repeat(5000));
    await rejectsWith(
      FileTrustRegistry.open({ path: locked, crypto }),
      'REGISTRY_LOCKED',
      /"y{64}"… \(5000 characters\)/,
    );
  });
});
