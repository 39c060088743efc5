/**
 * The simulator's engine devices (`npm run bench -- --suite engines`): what
 * one long-lived XS or QuickJS session costs and carries, to size the sample
 * of firmware a fleet run can afford. Per runtime: boot time (engine up,
 * bundle loaded, device booted; the bundle already built), readings per
 * second of one session and of two sessions side by side, each beside a Node
 * device (`createDeviceFromSeed`, node:crypto) timed in the same rounds, and
 * memory per session: the xsnap worker's RSS for XS (its own process; the
 * shared host process once), QuickJS's memory_used_size per runtime.
 *
 * Medians over rounds; the ratios to the Node device are the figures to
 * quote on this shared 2-core machine.
 */
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { targetBundle } from '../simulator/engines/bundles.js';
import { openQuickJsFleetDevice, openXsFleetDevice } from '../simulator/engines/index.js';
import type { FleetDevice } from '../simulator/fleet-device.js';
import { createNodeCrypto } from '../src/crypto/node/index.js';
import { createDeviceFromSeed } from '../src/device/index.js';
import { MemoryKeyValueStorage } from '../src/platform/storage.js';
import type { BenchConfig, Suite } from './measure.js';

const AUDIENCE = 'acme';
const PAYLOAD = new Uint8Array(24).fill(0x5a); // a simulator reading: sequence, send time and a few values
const clock = { now: () => Date.now() };
const seedOf = (n: number) => new Uint8Array(32).fill(n);

const median = (values: readonly number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[sorted.length >> 1] ?? Number.NaN;
};

/** Readings per second of `devices` sealing side by side for `ms`. */
async function rate(devices: readonly { telemetry(p: Uint8Array, o: { scope: string }): unknown }[], ms: number) {
  let count = 0;
  const start = performance.now();
  const deadline = start + ms;
  await Promise.all(
    devices.map(async (device) => {
      while (performance.now() < deadline) {
        await device.telemetry(PAYLOAD, { scope: 'telemetry' });
        count++;
      }
    }),
  );
  return count / ((performance.now() - start) / 1000);
}

function rssKib(pid: number | undefined): number {
  if (pid === undefined) return Number.NaN;
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? Number.NaN);
}

function parentOf(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
}

const fmt = (value: number, digits = 0) => value.toLocaleString('en', { maximumFractionDigits: digits });

export const enginesSuite: Suite = {
  name: 'engines',
  async run(config: BenchConfig): Promise<string> {
    const quick = config.budgetMs < 100;
    const boots = quick ? 1 : 5;
    const ms = quick ? 50 : Math.max(config.budgetMs, 1000);
    const rounds = quick ? 1 : config.rounds;
    await targetBundle('moddable');
    await targetBundle('quickjs');
    const crypto = createNodeCrypto();
    const node = await createDeviceFromSeed({
      seed: seedOf(99),
      crypto,
      audience: AUDIENCE,
      storage: new MemoryKeyValueStorage(),
      publish() {},
    });
    const rows: string[] = [];
    const memory: string[] = [];
    for (const runtime of ['xs', 'quickjs'] as const) {
      config.progress?.(`engines: ${runtime}`);
      const open = runtime === 'xs' ? openXsFleetDevice : openQuickJsFleetDevice;
      const bootMs: number[] = [];
      const sessions: (FleetDevice & { readonly pid?: number | undefined; memoryUsed?: () => number })[] = [];
      for (let i = 0; i < boots + 1; i++) {
        const t0 = performance.now();
        sessions.push(await open({ serial: `${runtime}-${i}`, seed: seedOf(i + 1) }, { audience: AUDIENCE, clock }));
        // The first XS boot also starts the shared host process: timed apart.
        if (i > 0 || runtime === 'quickjs') bootMs.push(performance.now() - t0);
      }
      const [one, two] = sessions as [FleetDevice, FleetDevice];
      await rate([one, node], 50); // warm both
      const single: number[] = [];
      const pair: number[] = [];
      const nodeRates: number[] = [];
      for (let r = 0; r < rounds; r++) {
        nodeRates.push(await rate([node], ms));
        single.push(await rate([one], ms));
        pair.push(await rate([one, two], ms));
      }
      const nodeRate = median(nodeRates);
      rows.push(
        `| ${runtime === 'xs' ? 'Moddable XS (xsnap 0.15, moddable bundle)' : 'QuickJS (quickjs-emscripten 0.32, quickjs bundle)'} | ${fmt(median(bootMs))} ms | ${fmt(median(single))} (×${(median(single) / nodeRate).toFixed(3)}) | ${fmt(median(pair))} (×${(median(pair) / nodeRate).toFixed(3)}) | ${fmt(nodeRate)} |`,
      );
      if (runtime === 'xs') {
        const workers = sessions.map((s) => rssKib(s.pid));
        const host = rssKib(parentOf(sessions[0]?.pid));
        memory.push(
          `- Moddable XS: ${fmt(median(workers) / 1024, 1)} MiB RSS per xsnap worker (median of ${workers.length}; one OS process per device), plus ${fmt(host / 1024, 1)} MiB for the one Node host process all XS devices share.`,
        );
      } else {
        const used = sessions.map((s) => s.memoryUsed?.() ?? Number.NaN);
        memory.push(
          `- QuickJS: ${fmt(median(used) / 1024)} KiB memory_used_size per runtime after boot and the readings above (median of ${used.length}), in this process; the WebAssembly module is shared.`,
        );
      }
      await Promise.all(sessions.map((s) => s.close()));
    }
    return [
      `Boot = engine up, bundle loaded, device booted (median of ${boots}); readings/s of one session and of two side by side, each round beside a Node device (node:crypto) in the same run, medians of ${rounds} rounds of ${fmt(ms)} ms; 24-byte payloads.`,
      '',
      '| Runtime | Boot | Readings/s, 1 session (× Node device) | Readings/s, 2 sessions (× Node device) | Node device readings/s |',
      '|---|---:|---:|---:|---:|',
      ...rows,
      '',
      ...memory,
      '',
      'Reproduce: `npm run bench -- --suite engines` (`--write` refreshes this section).',
    ].join('\n');
  },
};
