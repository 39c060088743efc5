/**
 * The replay suite: what a nonce or counter check costs in each store, with
 * the counter window's arithmetic alone for scale, the white paper's "Nonce
 * check (memory) <0.1 ms" held against ours, and what each entry costs in
 * memory.
 *
 *   import { replaySuite } from './replay.js';
 *   console.log(await replaySuite.run({ budgetMs: 300, warmupMs: 100, rounds: 5 }));
 *
 * Every timed call goes through the public store API and is checked to have
 * succeeded (a refusal would time the fast path). The memory and file stores
 * run on envelope time at the rate their default capacity is sized for
 * (12,000 checks per second of virtual time, however fast the machine), so
 * their 30 s window fills to its steady state of 360,000 live nonces, expired
 * ones are purged as they would be, and the default capacity (720,000) is
 * never reached: that is what keeps the suite finishing. The file store writes
 * to the OS temporary directory with a real fdatasync per write; the Redis
 * rows use a redis-server started on a free loopback port (skipped, with a
 * note, when the binary is absent), on the wall clock.
 *
 * Memory: bench/replay-memory.ts, one process per figure: heap plus array
 * buffers before and after filling a fresh MemoryNonceStore, after full
 * collections, per entry added, just after the nonce ring doubled (2^k + 1
 * entries), its worst moment. Sender DID strings exist before the first
 * reading and are not counted (a receiver's registry holds them already);
 * what a store adds per sender is.
 *
 * Limits: one thread; "one at a time" rows await each check before the next,
 * so they measure latency; the ×64 rows issue 64 checks at once and report the
 * time per batch and per check (throughput under concurrency). Loopback Redis
 * has no network latency; a real deployment adds its round trip to every check.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
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
import { DEFAULT_CHECKS_PER_SECOND, DEFAULT_MAX_ENTRIES } from '../src/replay/replay-state.js';
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
import type { MemoryCase } from './replay-memory.js';

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

/**
 * Envelope time at the rate the default capacity is sized for: `tick()`
 * moves it by one check's share of a second. The store reads `now()`.
 */
class RateClock {
  #time = 1_700_000_000_000;
  now(): number {
    return Math.floor(this.#time);
  }
  tick(checks = 1): number {
    this.#time += (checks * 1000) / DEFAULT_CHECKS_PER_SECOND;
    return this.now();
  }
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
        const clock = new RateClock();
        const store = new MemoryNonceStore({ clock });
        const next = nonceCounter(1);
        expectOk(await store.reserveNonce(SENDER, next(), clock.tick()), 'memory reserveNonce');
        return async () => expectOk(await store.reserveNonce(SENDER, next(), clock.tick()), 'memory reserveNonce');
      },
    },
    {
      operation: 'MemoryNonceStore `reserveNonce`, replay refused',
      checks: 1,
      async prepare() {
        const clock = new RateClock();
        const store = new MemoryNonceStore({ clock, windowMs: 2 ** 40 });
        const nonce = nonceCounter(2)();
        const ts = clock.now();
        expectOk(await store.reserveNonce(SENDER, nonce, ts), 'memory reserveNonce');
        return async () => {
          clock.tick();
          const result = await store.reserveNonce(SENDER, nonce, ts);
          if (result.ok || result.error.code !== 'REPLAY_DETECTED') throw new Error('replay not detected');
        };
      },
    },
    {
      operation: 'MemoryNonceStore `acceptCounter`, in order',
      checks: 1,
      async prepare() {
        const clock = new RateClock();
        const store = new MemoryNonceStore({ clock });
        let counter = 0;
        expectOk(await store.acceptCounter(SENDER, counter, clock.tick()), 'memory acceptCounter');
        return async () => expectOk(await store.acceptCounter(SENDER, ++counter, clock.tick()), 'memory acceptCounter');
      },
    },
  ];
}

/** `tick(checks)` dates the next envelopes: the wall clock (Redis) or a RateClock (file). */
function persistentCases(label: string, store: NonceStore, tag: number, tick: (checks: number) => number): Case[] {
  const next = nonceCounter(tag);
  let counter = 0;
  return [
    {
      operation: `${label} \`reserveNonce\`, one at a time`,
      checks: 1,
      async prepare() {
        expectOk(await store.reserveNonce(SENDER, next(), tick(1)), `${label} reserveNonce`);
        return async () => expectOk(await store.reserveNonce(SENDER, next(), tick(1)), `${label} reserveNonce`);
      },
    },
    {
      operation: `${label} \`reserveNonce\`, ${BATCH} at once`,
      checks: BATCH,
      async prepare() {
        const batch = async (): Promise<void> => {
          const now = tick(BATCH);
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
    const clock = new RateClock();
    const file = await FileNonceStore.create({ path: join(dir, 'replay.log'), clock });
    try {
      await measure(
        persistentCases('FileNonceStore', file, 3, (checks) => clock.tick(checks)),
        config,
        rows,
      );
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
        await measure(persistentCases('RedisNonceStore (loopback)', redis, 4, Date.now), config, rows);
        const info = await client.info('server');
        notes.push(`Redis: ${/redis_version:(\S+)/.exec(info)?.[1] ?? 'unknown version'} on loopback, no persistence.`);
      } finally {
        client.disconnect();
        await server.stop();
      }
    }
    const memory = await memoryRows(config);
    return [table(rows), ...notes, claimLine(rows), memoryTable(memory), capacityLine()].join('\n\n');
  },
};

// ------------------------------------------------------------------ memory

/** Bytes per entry the stores are built to stay under. */
const NONCE_GOAL = 100;
const COUNTER_GOAL = 96;

interface MemoryRow {
  readonly state: string;
  readonly entries: number;
  readonly bytesPerEntry: number;
  readonly goal: number | undefined;
}

/** Each figure in a process of its own (bench/replay-memory.ts), all at once. */
async function memoryRows(config: BenchConfig): Promise<MemoryRow[]> {
  // 2^17 + 1: the nonce ring has just doubled to 2^18 slots, its worst moment. A smoke run uses 2^14 + 1.
  const entries = (config.budgetMs >= 100 ? 2 ** 17 : 2 ** 14) + 1;
  const cases: [MemoryCase, string, number | undefined][] = [
    ['fleet', 'Nonce, a fleet: 8 nonces per sender', NONCE_GOAL],
    ['one-sender', 'Nonce, one sender', NONCE_GOAL],
    ['new-senders', 'Nonce, every one from a new sender', NONCE_GOAL],
    ['counters', 'Counter window (64 bits), per sender', COUNTER_GOAL],
  ];
  return Promise.all(
    cases.map(async ([which, state, goal]) => {
      const bytesPerEntry = await measureInChild(which, entries);
      config.progress?.(`${state}: ${bytesPerEntry.toFixed(1)} bytes per entry`);
      return { state, entries, bytesPerEntry, goal };
    }),
  );
}

async function measureInChild(which: MemoryCase, entries: number): Promise<number> {
  const script = new URL('./replay-memory.ts', import.meta.url).pathname;
  const root = new URL('..', import.meta.url).pathname;
  const child = spawn(process.execPath, ['--expose-gc', '--import', 'tsx', script, which, String(entries)], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk) => {
    stdout += chunk;
  });
  child.stderr.on('data', (chunk) => {
    stderr += chunk;
  });
  const [code] = await once(child, 'close');
  if (code !== 0) throw new Error(`memory case ${which} failed: ${stderr}`);
  return (JSON.parse(stdout) as { bytesPerEntry: number }).bytesPerEntry;
}

function memoryTable(rows: readonly MemoryRow[]): string {
  return markdownTable(
    ['Memory, MemoryNonceStore', 'entries', 'bytes per entry', 'goal'],
    rows.map((row) => [
      row.state,
      row.entries.toLocaleString('en-US'),
      row.bytesPerEntry.toFixed(1),
      row.goal === undefined ? '—' : `≤ ${row.goal} (${row.bytesPerEntry <= row.goal ? 'met' : 'missed'})`,
    ]),
    ['left', 'right', 'right', 'right'],
  );
}

/** Bytes per ring slot: nonce 16, expiry 8, hash 4, sender reference 8, and two 4-byte index cells. */
const SLOT_BYTES = 44;

function capacityLine(): string {
  // The ring is the power of two at or above 1.25 × maxEntries (src/replay/nonce-table.ts).
  let slots = 64;
  while (slots < DEFAULT_MAX_ENTRIES * 1.25) slots *= 2;
  return (
    `Default capacity: ${DEFAULT_MAX_ENTRIES.toLocaleString('en-US')} nonces ` +
    `(capacityFor: ${DEFAULT_CHECKS_PER_SECOND.toLocaleString('en-US')} checks/s × 2 × 30 s window), ` +
    `held in at most ${slots.toLocaleString('en-US')} slots of ${SLOT_BYTES} bytes: ` +
    `${Math.round((slots * SLOT_BYTES) / 2 ** 20)} MiB when full; a store grows only with what it holds.`
  );
}
