/**
 * `npm run bench:fleet`: the largest fleet and the highest verified rate this
 * machine sustains with zero loss, every device on its own MQTT connection,
 * in one run (issue 12's goals: 10,000 connected devices with zero loss, and
 * a verified rate within 80 % of the gateway benchmark's figure, read from
 * BENCHMARKS.md's gateway section).
 *
 *   npm run bench:fleet              # prints the Markdown
 *   npm run bench:fleet -- --write   # also rewrites its section of BENCHMARKS.md
 *   XLINK_BENCH_FLEET=2000 npm run bench:fleet    # a smaller connection fleet
 *
 * The parts: Mosquitto (no persistence, set_tcp_nodelay) in its own process,
 * `xlink gateway` in its own (every core, file replay state and ledger,
 * republish sink), the simulator in this one, all on the same 2 cores.
 * 1. Per-connection cost: FLEET bare device connections opened with the
 *    fleet's ramp (200 at once), the heap and RSS growth divided by FLEET.
 * 2. Connections: FLEET provisioned devices, each on its own connection,
 *    RATE_LOW readings/s each for 20 s; lost must be 0.
 * 3. Rate: 100 fresh devices (own connections) at rising rates, 10 s each;
 *    the highest verified rate with zero loss counts. Verified rate = readings
 *    verified in the window / (last verification − window start): a gateway
 *    behind its load shows its own pace, with the backlog drained after.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { openConnections } from '../simulator/connections.js';
import { createOperatorKey, type FleetMember, provisionFleet } from '../simulator/fleet-source.js';
import { runFleet } from '../simulator/run-fleet.js';
import type { FleetRunResult } from '../simulator/run-result.js';
import { APP, type GatewayProcess, startGateway } from '../test/gateway/harness.js';
import { startBenchBroker } from './bench-broker.js';

const FLEET = Number(process.env.XLINK_BENCH_FLEET ?? 10_000);
const RATE_LOW = 0.05; // readings/s per device in the connection run: FLEET × 0.05 = 500/s at 10,000
const RATE_DEVICES = 100;
const RATES = [10, 15, 20, 25, 30, 35]; // per device: 1,000 … 3,500 readings/s in all

function gatewayFigure(): number | undefined {
  const text = readFileSync(new URL('../BENCHMARKS.md', import.meta.url), 'utf8');
  // The file-state run: the gateway configuration this bench starts.
  const match = /\| gateway \(file state\): verified and forwarded, messages\/s \| ([\d,]+) \|/.exec(text);
  return match === null ? undefined : Number((match[1] as string).replaceAll(',', ''));
}

async function main(): Promise<void> {
  const write = process.argv.includes('--write');
  const broker = await startBenchBroker();
  if (broker === undefined) return;
  const dir = mkdtempSync(join(tmpdir(), 'xlink-bench-fleet-'));
  const registry = { registryPath: join(dir, 'trust.log'), operatorKeyPath: join(dir, 'operator.key') };
  let gateway: GatewayProcess | undefined;
  try {
    await createOperatorKey(registry.operatorKeyPath);
    const started = Date.now();
    const fleet = await provisionFleet({ dir, count: FLEET, batch: 'FLEET', registry });
    const rateFleets: FleetMember[][] = [];
    for (const [i] of RATES.entries()) {
      rateFleets.push(await provisionFleet({ dir, count: RATE_DEVICES, batch: `RATE-${i}`, registry }));
    }
    const provisionMs = Date.now() - started;
    gateway = await startGateway({
      XLINK_BROKER_URL: broker.url,
      XLINK_REGISTRY: registry.registryPath,
      XLINK_DATA_DIR: join(dir, 'gw'),
      XLINK_INFLIGHT: '1000',
    });
    const healthUrls = [`http://127.0.0.1:${gateway.healthPort}`];
    const progress = (line: string): void => {
      process.stderr.write(`${line}\n`);
    };

    // 1. What one connection costs this process.
    globalThis.gc?.();
    const before = process.memoryUsage();
    const rampStart = performance.now();
    const bare = await openConnections({ url: broker.url, count: FLEET, concurrency: 200, prefix: 'bench-bare' });
    const rampMs = performance.now() - rampStart;
    globalThis.gc?.();
    const afterConnect = process.memoryUsage();
    await bare.close();
    const heapPerConnection = (afterConnect.heapUsed - before.heapUsed) / FLEET;
    const rssPerConnection = (afterConnect.rss - before.rss) / FLEET;

    // 2. The whole fleet, each device on its own connection.
    process.stderr.write(`connections: ${FLEET} devices at ${RATE_LOW}/s each\n`);
    const large = await runFleet({
      brokerUrl: broker.url,
      healthUrls,
      app: APP,
      members: fleet,
      rate: RATE_LOW,
      durationMs: 20_000,
      drainMs: 60_000,
      progress,
    });

    // 3. Rising rates on fresh devices.
    const steps: { perDevice: number; result: FleetRunResult }[] = [];
    for (const [i, perDevice] of RATES.entries()) {
      process.stderr.write(`rate: ${RATE_DEVICES} devices at ${perDevice}/s each\n`);
      const result = await runFleet({
        brokerUrl: broker.url,
        healthUrls,
        app: APP,
        members: rateFleets[i] as FleetMember[],
        rate: perDevice,
        durationMs: 10_000,
        drainMs: 60_000,
        progress,
      });
      steps.push({ perDevice, result });
      if (result.totals.lost > 0) break;
    }
    const clean = steps.filter((s) => s.result.passed);
    const best = clean.reduce<(typeof steps)[number] | undefined>(
      (top, s) => (top === undefined || s.result.rate.verifiedPerSecond > top.result.rate.verifiedPerSecond ? s : top),
      undefined,
    );
    const figure = gatewayFigure();
    const bestRate = best?.result.rate.verifiedPerSecond ?? 0;
    const ratio = figure === undefined ? undefined : bestRate / figure;
    const n = (value: number, digits = 0): string =>
      value.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
    const cpu = cpus()[0]?.model.split(' ').slice(0, 2).join(' ') ?? 'unknown CPU';
    const rows = [
      `_Node ${process.version}, ${cpu} (${availableParallelism()} logical CPUs), ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC; one run._`,
      '',
      `Mosquitto (no persistence) and \`xlink gateway\` (file state, republish sink) in their own processes; the simulator in this one; all on the same cores. ${n(FLEET + RATES.length * RATE_DEVICES)} devices provisioned and imported with \`xlink provision\` / \`xlink registry import\` in ${n(provisionMs / 1000, 1)} s.`,
      '',
      '| measure | value | goal |',
      '| --- | ---: | ---: |',
      `| connected devices, each on its own connection | ${n(large.fleet.connections)} | 10,000 |`,
      `| connect ramp (200 at once), connections/s | ${n(FLEET / (rampMs / 1000))} | |`,
      `| simulator heap per connection, bytes | ${n(heapPerConnection)} | |`,
      `| simulator RSS per connection, bytes | ${n(rssPerConnection)} | |`,
      `| ${n(FLEET)}-device run: sent at ${RATE_LOW}/s each for 20 s | ${n(large.totals.sent)} | |`,
      `| … verified / lost / duplicated | ${n(large.totals.verified)} / ${n(large.totals.lost)} / ${n(large.totals.duplicates)} | lost 0 |`,
      `| … latency publish → forward p50 / p99 / max | ${n(large.latency.p50, 1)} / ${n(large.latency.p99, 1)} / ${n(large.latency.max, 1)} ms | |`,
      ...steps.map(
        (s) =>
          `| ${RATE_DEVICES} devices at ${s.perDevice}/s: sent/s, verified/s, lost, p99 | ${n(s.result.rate.sentPerSecond)}, ${n(s.result.rate.verifiedPerSecond)}, ${n(s.result.totals.lost)}, ${n(s.result.latency.p99, 1)} ms | |`,
      ),
      `| highest verified rate with zero loss, messages/s | ${n(bestRate)} | ${figure === undefined ? '' : `≥ ${n(figure * 0.8)} (0.8 × ${n(figure)})`} |`,
      `| ratio to the gateway benchmark's figure (BENCHMARKS.md, gateway) | ${ratio === undefined ? 'no figure' : n(ratio, 2)} | 0.80 |`,
      '',
      `Goals: 10,000 connected devices with zero loss: ${large.fleet.connections >= 10_000 && large.passed ? 'met' : 'missed'}; verified rate within 80 % of the gateway's figure: ${ratio !== undefined && ratio >= 0.8 ? 'met' : 'missed'}.`,
    ];
    const markdown = rows.join('\n');
    console.log(markdown);
    for (const problem of [...large.problems, ...steps.flatMap((s) => s.result.problems)])
      console.error(`problem: ${problem}`);
    if (write) {
      const path = new URL('../BENCHMARKS.md', import.meta.url);
      const text = readFileSync(path, 'utf8');
      const start = '<!-- bench:fleet:start -->';
      const end = '<!-- bench:fleet:end -->';
      const at = text.indexOf(start);
      const to = text.indexOf(end);
      if (at < 0 || to < 0) throw new Error('BENCHMARKS.md has no bench:fleet markers');
      writeFileSync(path, `${text.slice(0, at + start.length)}\n${markdown}\n${text.slice(to)}`);
    }
  } finally {
    await gateway?.stop();
    await broker.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
