/**
 * The provision suite: devices per second for a 10,000-device batch with
 * every journal step durable (group commit, one fdatasync per group of 256
 * for the journal, one per artifact file, one folder fsync per group), and
 * where the time goes: derivation (seed, Ed25519, X25519 and ML-KEM-768 keys,
 * the signed identity document, the key id), sealing (v1 envelope to the
 * burn station), artifact I/O (exclusive create, write, fdatasync, 8 in
 * flight, then the folder's fsync) and journal I/O (appends and their
 * fdatasync), each as a share of the batch's wall time.
 *
 *   import { provisionSuite } from './provision.js';
 *   console.log(await provisionSuite.run({ budgetMs: 300, warmupMs: 100, rounds: 1 }));
 *
 * The batch runs through runBatch, the code `xlink provision` runs, on the
 * OS temporary directory (whatever disk that is: the table names it). A
 * budget under 100 ms (--quick, the smoke test) shrinks the batch to 200
 * devices. Rows: derivation in the batch's own thread, then in one
 * derivation thread per core (what `xlink provision` does), raw and sealed.
 * Limits: the figures depend on the disk's fsync latency and on what else
 * runs on the machine (the note gives the load average).
 */
import { mkdtempSync, rmSync, statfsSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BatchTiming, runBatch } from '../provisioning/batch.js';
import { createNodeCrypto } from '../src/crypto/node/index.js';
import { documentKeysFromSeed, signingKeyFromSeed } from '../src/identity/derive.js';
import { didFromEd25519PublicKey } from '../src/identity/did.js';
import type { BenchConfig, Suite } from './measure.js';

const crypto = createNodeCrypto();
export const FULL_BATCH = 10_000;
const QUICK_BATCH = 200;

export interface ProvisionRow {
  readonly name: string;
  readonly threads: number;
  readonly devices: number;
  readonly seconds: number;
  /** CPU time of the whole process (every thread), ms. */
  readonly cpuMs: number;
  readonly timing: BatchTiming;
}

async function station(): Promise<{ did: string; x25519PublicKey: Uint8Array }> {
  const keys = await documentKeysFromSeed(crypto.randomBytes(32), { crypto });
  if (!keys.ok) throw new Error(keys.error.message);
  return { did: keys.value.did, x25519PublicKey: keys.value.x25519.publicKey };
}

async function operator(): Promise<{ did: string; signer: Awaited<ReturnType<typeof crypto.ed25519Signer>> }> {
  const key = await signingKeyFromSeed(crypto.randomBytes(32), { crypto });
  if (!key.ok) throw new Error(key.error.message);
  return { did: didFromEd25519PublicKey(key.value.signer.publicKey), signer: key.value.signer };
}

export async function measureBatch(
  name: string,
  devices: number,
  sealed: boolean,
  threads: number,
): Promise<ProvisionRow> {
  const folder = mkdtempSync(join(tmpdir(), 'xlink-bench-provision-'));
  try {
    const timing: BatchTiming = { derive: 0, seal: 0, artifacts: 0, journal: 0 };
    const seal = sealed ? { station: await station(), operator: await operator() } : undefined;
    const serials = Array.from({ length: devices }, (_, i) => `BENCH-${String(i + 1).padStart(6, '0')}`);
    const cpu = process.cpuUsage();
    const started = performance.now();
    const result = await runBatch({
      out: join(folder, 'batch'),
      product: 'bench',
      batch: 'BENCH',
      scopes: ['telemetry'],
      serials,
      seeds: { kind: 'random' },
      format: 'bin',
      crypto,
      timing,
      threads,
      ...(seal === undefined ? {} : { seal }),
    });
    const seconds = (performance.now() - started) / 1000;
    const used = process.cpuUsage(cpu);
    if (!result.complete || result.devices !== devices)
      throw new Error(`the batch did not complete: ${result.devices}`);
    return { name, threads, devices, seconds, cpuMs: (used.user + used.system) / 1000, timing };
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
}

function share(ms: number, seconds: number): string {
  return `${((100 * ms) / (seconds * 1000)).toFixed(0)} %`;
}

export function provisionTable(rows: readonly ProvisionRow[]): string {
  const lines = [
    '| Batch | Derivation threads | Devices | Devices/s | Time/device | CPU/device | Derivation | Sealing | Artifact I/O (fdatasync) | Journal I/O (fdatasync) |',
    '|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|',
  ];
  for (const { name, threads, devices, seconds, cpuMs, timing } of rows) {
    lines.push(
      `| ${name} | ${threads === 0 ? 'none (batch thread)' : threads} | ${devices.toLocaleString('en-US')} | ` +
        `${Math.round(devices / seconds).toLocaleString('en-US')} | ${((seconds * 1000) / devices).toFixed(2)} ms | ` +
        `${(cpuMs / devices).toFixed(2)} ms | ${share(timing.derive, seconds)} | ${share(timing.seal, seconds)} | ` +
        `${share(timing.artifacts, seconds)} | ${share(timing.journal, seconds)} |`,
    );
  }
  return lines.join('\n');
}

export const provisionSuite: Suite = {
  name: 'provision',
  async run(config: BenchConfig) {
    const devices = config.budgetMs < 100 ? QUICK_BATCH : FULL_BATCH;
    const rows: ProvisionRow[] = [];
    const threads = availableParallelism();
    for (const [name, sealed, count] of [
      ['raw .bin artifacts', false, 0],
      ['raw .bin artifacts', false, threads],
      ['sealed to a burn station', true, threads],
    ] as const) {
      rows.push(await measureBatch(name, devices, sealed, count));
      config.progress?.(
        `${name}, ${count} threads: ${Math.round(devices / (rows.at(-1) as ProvisionRow).seconds)} devices/s`,
      );
    }
    const [load] = loadavg();
    const fs = statfsSync(tmpdir());
    const note =
      `Goal: at least 1,000 devices/s with every journal step durable. ${tmpdir()} (file system type 0x${fs.type.toString(16)}); ` +
      `1-minute load average ${(load ?? 0).toFixed(1)} on ${cpus().length} logical CPUs when the suite ended. ` +
      'Each phase is its time as a share of the wall time; derivation is summed over the derivation threads, ' +
      'which work while the batch thread seals and writes the group before, so with threads the shares overlap ' +
      'and can sum above 100 %. CPU/device is the whole process (every thread): the cost that does not depend on the disk.';
    return `${provisionTable(rows)}\n\n${note}`;
  },
};
