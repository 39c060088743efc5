/**
 * The replay suite: what a nonce or counter check costs in each store, with
 * the counter window's arithmetic alone for scale, and the white paper's
 * "Nonce check (memory) <0.1 ms" held against ours.
 *
 *   import { replaySuite } from './replay.js';
 *   console.log(await replaySuite.run({ budgetMs: 300, warmupMs: 100, rounds: 5 }));
 *
 * Every timed call goes through the public store API and is checked to have
 * succeeded (a refusal would time the fast path). Memory stores run on a
 * virtual clock one millisecond per check, so about 30,000 nonces are live in
 * the 30 s window and expired ones are purged as they would be. The file store
 * writes to the OS temporary directory with a real fdatasync per write; the
 * Redis rows use a redis-server started on a free loopback port (skipped, with
 * a note, when the binary is absent).
 *
 * Limits: one thread; "one at a time" rows await each check before the next,
 * so they measure latency; the ×64 rows issue 64 checks at once and report the
 * time per batch and per check (throughput under concurrency). Loopback Redis
 * has no network latency; a real deployment adds its round trip to every check.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import type { Result } from '../src/errors.js';
import { acceptCounterInWindow, createCounterWindow } from '../src/replay/counter-window.js';
import { MemoryNonceStore } from '../src/replay/memory-nonce-store.js';
import { FileNonceStore } from '../src/replay/node/file-nonce-store.js';
import type { NonceStore } from '../src/replay/nonce-store.js';
import { RedisNonceStore } from '../src/replay/redis-nonce-store.js';
import { startRedisServer } from '../test/helpers/redis-server.js';
import {
  type BenchConfig,
  compare,
  formatDuration,
  formatOpsPerSec,
  markdownTable,
  type Operation,
  roundSpread,
  type Suite,
} from './measure.js';

const SENDER = 'did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK';
const BATCH = 64;
/** The white paper's "Nonce check (memory) <0.1ms", in ns. */
const CLAIM_NS = 0.1e6;
const MEMORY_NONCE_ROW = 'MemoryNonceStore `reserveNonce`, fresh nonce';

interface Case {
  readonly operation: string;
  /** Checks per timed operation: 1, or BATCH for the concurrent rows. */
  readonly checks: number;
  /** Returns the operation to time, after checking that one call of it succeeds. */
  prepare(): Promise<Operation>;
}

interface Row {
  readonly operation: string;
  readonly checks: number;
  readonly opsPerSec: number;
  readonly nsPerOp: number;
}

/** A different nonce per call without a random source in the timed loop: a 64-bit count in the first 8 bytes. */
function nonceCounter(tag: number): () => Uint8Array {
  const nonce = new Uint8Array(16);
  nonce[15] = tag;
  const view = new DataView(nonce.buffer);
  let low = 0;
  let high = 0;
  return () => {
    if (++low === 2 ** 32) {
      low = 0;
      high++;
    }
    view.setUint32(0, low);
    view.setUint32(4, high);
    // A copy: stores may keep the array they were given.
    return nonce.slice();
  };
}

function expectOk(result: Result<void>, what: string): void {
  if (!result.ok) throw new Error(`${what}: ${result.error.code}: ${result.error.message}`);
}

/** Virtual time that moves 1 ms per call: a steady 1,000 checks per second of envelope time. */
function steppingClock(): { now: () => number } {
  let time = 1_700_000_000_000;
  return { now: () => time++ };
}

function memoryCases(): Case[] {
  return [
    {
      operation: 'Counter window alone (`acceptCounterInWindow`), 64-bit window, in order',
      checks: 1,
      async prepare() {
        const window = createCounterWindow(64);
        let counter = 0;
        if (!acceptCounterInWindow(window, counter)) throw new Error('counter window refused 0');
        return () => {
          if (!acceptCounterInWindow(window, ++counter)) throw new Error(`counter window refused ${counter}`);
        };
      },
    },
    {
      operation: 'Counter window alone, 1024-bit window, pairs swapped (2, 1, 4, 3, …)',
      checks: 1,
      async prepare() {
        const window = createCounterWindow(1024);
        let i = 0;
        if (!acceptCounterInWindow(window, 0)) throw new Error('counter window refused 0');
        // 2, 1, 4, 3, 6, 5, …: every other value sets a bit below the top instead of sliding.
        return () => {
          const counter = i % 2 === 0 ? i + 2 : i;
          i++;
          if (!acceptCounterInWindow(window, counter)) throw new Error(`counter window refused ${counter}`);
        };
      },
    },
    {
      operation: MEMORY_NONCE_ROW,
      checks: 1,
      async prepare() {
        const clock = steppingClock();
        const store = new MemoryNonceStore({ clock });
        const next = nonceCounter(1);
        expectOk(await store.reserveNonce(SENDER, next(), clock.now()), 'memory reserveNonce');
        return async () => expectOk(await store.reserveNonce(SENDER, next(), clock.now()), 'memory reserveNonce');
      },
    },
    {
      operation: 'MemoryNonceStore `reserveNonce`, replay refused',
      checks: 1,
      async prepare() {
        const clock = steppingClock();
        const store = new MemoryNonceStore({ clock, windowMs: 2 ** 40 });
        const nonce = nonceCounter(2)();
        const ts = clock.now();
        expectOk(await store.reserveNonce(SENDER, nonce, ts), 'memory reserveNonce');
        return async () => {
          const result = await store.reserveNonce(SENDER, nonce, ts);
          if (result.ok || result.error.code !== 'REPLAY_DETECTED') throw new Error('replay not detected');
        };
      },
    },
    {
      operation: 'MemoryNonceStore `acceptCounter`, in order',
      checks: 1,
      async prepare() {
        const clock = steppingClock();
        const store = new MemoryNonceStore({ clock });
        let counter = 0;
        expectOk(await store.acceptCounter(SENDER, counter, clock.now()), 'memory acceptCounter');
        return async () => expectOk(await store.acceptCounter(SENDER, ++counter, clock.now()), 'memory acceptCounter');
      },
    },
  ];
}

function persistentCases(label: string, store: NonceStore, tag: number): Case[] {
  const next = nonceCounter(tag);
  let counter = 0;
  return [
    {
      operation: `${label} \`reserveNonce\`, one at a time`,
      checks: 1,
      async prepare() {
        expectOk(await store.reserveNonce(SENDER, next(), Date.now()), `${label} reserveNonce`);
        return async () => expectOk(await store.reserveNonce(SENDER, next(), Date.now()), `${label} reserveNonce`);
      },
    },
    {
      operation: `${label} \`reserveNonce\`, ${BATCH} at once`,
      checks: BATCH,
      async prepare() {
        const batch = async (): Promise<void> => {
          const now = Date.now();
          const results = await Promise.all(
            Array.from({ length: BATCH }, () => store.reserveNonce(SENDER, next(), now)),
          );
          for (const result of results) expectOk(result, `${label} reserveNonce ×${BATCH}`);
        };
        await batch();
        return batch;
      },
    },
    {
      operation: `${label} \`acceptCounter\`, one at a time, no timestamp`,
      checks: 1,
      async prepare() {
        expectOk(await store.acceptCounter(SENDER, counter, undefined), `${label} acceptCounter`);
        return async () => expectOk(await store.acceptCounter(SENDER, ++counter, undefined), `${label} acceptCounter`);
      },
    },
  ];
}

async function measure(cases: readonly Case[], config: BenchConfig, rows: Row[]): Promise<void> {
  for (const c of cases) {
    const { only } = await compare({ only: await c.prepare() }, config);
    const spread = only.samples.length > 1 ? ` (rounds within ${Math.round(100 * roundSpread(only))}%)` : '';
    config.progress?.(`${c.operation}: ${formatDuration(only.meanNsPerOp)}${spread}`);
    rows.push({ operation: c.operation, checks: c.checks, opsPerSec: only.medianOpsPerSec, nsPerOp: only.meanNsPerOp });
  }
}

function table(rows: readonly Row[]): string {
  return markdownTable(
    ['Operation', 'ops/s', 'time/op', 'checks/s', 'time/check'],
    rows.map((row) => [
      row.operation,
      formatOpsPerSec(row.opsPerSec),
      formatDuration(row.nsPerOp),
      formatOpsPerSec(row.opsPerSec * row.checks),
      formatDuration(row.nsPerOp / row.checks),
    ]),
    ['left', 'right', 'right', 'right', 'right'],
  );
}

function claimLine(rows: readonly Row[]): string {
  const memory = rows.find((row) => row.operation === MEMORY_NONCE_ROW);
  if (memory === undefined) throw new Error(`no row "${MEMORY_NONCE_ROW}"`);
  const share = (100 * memory.nsPerOp) / CLAIM_NS;
  const verdict = memory.nsPerOp < CLAIM_NS ? 'holds' : 'does not hold';
  return (
    `White paper, "Nonce check (memory) <0.1ms" (Node 22, Apple M2, method unpublished): ${verdict}. ` +
    `A fresh nonce reserved in a MemoryNonceStore takes ${formatDuration(memory.nsPerOp)}, ` +
    `${share < 1 ? share.toPrecision(2) : Math.round(share)}% of the bound, the promise round trip included.`
  );
}

export const replaySuite: Suite = {
  name: 'replay',
  async run(config) {
    const rows: Row[] = [];
    await measure(memoryCases(), config, rows);
    const dir = mkdtempSync(join(tmpdir(), 'xlink-bench-replay-'));
    const file = await FileNonceStore.open({ path: join(dir, 'replay.log') });
    try {
      await measure(persistentCases('FileNonceStore', file, 3), config, rows);
    } finally {
      await file.close();
      rmSync(dir, { recursive: true, force: true });
    }
    const notes: string[] = [];
    const server = await startRedisServer();
    if (server === undefined) {
      notes.push('RedisNonceStore rows not run: redis-server is not installed on this machine.');
    } else {
      const client = new Redis(server.port, '127.0.0.1');
      try {
        const redis = new RedisNonceStore({ client, keyPrefix: 'bench:' });
        await measure(persistentCases('RedisNonceStore (loopback)', redis, 4), config, rows);
        const info = await client.info('server');
        notes.push(`Redis: ${/redis_version:(\S+)/.exec(info)?.[1] ?? 'unknown version'} on loopback, no persistence.`);
      } finally {
        client.disconnect();
        await server.stop();
      }
    }
    return [table(rows), ...notes, claimLine(rows)].join('\n\n');
  },
};
