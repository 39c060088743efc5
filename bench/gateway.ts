/**
 * `npm run bench:gateway`: the gateway against the pipe it sits on, in one run.
 *
 * The same load both times: one mqtt.js publisher sends MESSAGES QoS 1
 * telemetry readings (pre-signed, about 200 bytes, from DEVICES devices),
 * all at once, through a real Mosquitto on loopback, into (a) a plain
 * mqtt.js subscriber that only counts (the pipe's ceiling), then (b) `xlink
 * gateway` (a child process, every core, republish sink) and a plain
 * subscriber counting what it forwards on verified/…, once with file replay
 * state and ledger, once with both in Redis (`appendonly yes`, the scale-out
 * configuration; skipped without redis-server). Fresh readings for (b), so
 * none is a replay. The gateway's CPU time (user + system, every thread,
 * from /proc) per verified message is set beside a bare verify's. Rate = messages /
 * (last arrival − first publish). Latency: publish → the forwarded record's
 * arrival, p50 and p99. The binding limit is the smaller of the pipe and
 * node:crypto's Ed25519 verify rate on one core (cached key) × cores.
 * Goal (issue 9): the gateway within 80% of that limit, zero loss.
 *
 *   npm run bench:gateway              # prints the Markdown
 *   npm run bench:gateway -- --write   # also rewrites its section of BENCHMARKS.md
 *
 * Mosquitto runs with `set_tcp_nodelay true` (docs/gateway.md: Nagle's algorithm stalls the
 * gateway's request-response traffic). Limits: publisher, broker, gateway and subscriber share the cores;
 * Mosquitto runs without persistence here (with a save per change the pipe
 * itself drops to about 800 messages/s, BENCHMARKS.md "MQTT transport").
 */
import { spawn } from 'node:child_process';
import { createHash, generateKeyPairSync, sign, verify } from 'node:crypto';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { connectAsync } from 'mqtt';
import { createNodeCrypto } from '../src/crypto/node/index.js';
import { RedisForwardLedger } from '../src/gateway/redis-forward-ledger.js';
import { FileTrustRegistry } from '../src/registry/node/file-trust-registry.js';
import { RedisNonceStore } from '../src/replay/redis-nonce-store.js';
import { type DemoDevice, provisionFleet } from '../test/helpers/demo-fleet.js';
import { freePort } from '../test/helpers/free-port.js';
import { startRedisServer } from '../test/helpers/redis-server.js';
import { startBenchBroker } from './bench-broker.js';

const MESSAGES = Number(process.env.XLINK_BENCH_GATEWAY_MESSAGES ?? 5_000);
const DEVICES = 50;
const APP = 'bench';

interface Reading {
  readonly topic: string;
  readonly key: string;
  readonly bytes: Uint8Array;
}

async function readings(devices: readonly DemoDevice[], from: number): Promise<Reading[]> {
  const out: Reading[] = [];
  for (let i = 0; i < MESSAGES; i++) {
    const device = devices[i % devices.length] as DemoDevice;
    const seq = from + i;
    // Padding brings the envelope to about 200 bytes, the size the pipe figures use.
    out.push({
      topic: device.topic(APP),
      key: `${device.deviceId}/${seq}`,
      bytes: await device.reading({ seq, pad: 'x'.repeat(80) }),
    });
  }
  return out;
}

/** Publishes every reading at once; resolves with the publish times by key. */
async function publishAll(
  url: string,
  load: readonly Reading[],
): Promise<{ sentAt: Map<string, number>; first: number }> {
  const client = await connectAsync(url, { clientId: `bench-pub-${Date.now()}`, protocolVersion: 5, clean: true });
  const sentAt = new Map<string, number>();
  const first = performance.now();
  await Promise.all(
    load.map((r) => {
      sentAt.set(r.key, performance.now());
      return client.publishAsync(r.topic, Buffer.from(r.bytes), { qos: 1 });
    }),
  );
  await client.endAsync();
  return { sentAt, first };
}

async function pipeRate(url: string, load: readonly Reading[]): Promise<number> {
  const sub = await connectAsync(url, {
    clientId: 'bench-pipe',
    protocolVersion: 5,
    clean: true,
    properties: { receiveMaximum: 100 },
  });
  let count = 0;
  let last = 0;
  sub.on('message', () => {
    count++;
    last = performance.now();
  });
  await sub.subscribeAsync(`dt/${APP}/+/+`, { qos: 1 });
  const { first } = await publishAll(url, load);
  while (count < load.length) await sleep(20);
  await sub.endAsync();
  return load.length / ((last - first) / 1000);
}

function verifyRatePerCore(): number {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const key = publicKey; // a KeyObject: the cached, parsed key
  const message = Buffer.alloc(200, 7);
  const signature = sign(null, message, privateKey);
  let n = 0;
  const start = performance.now();
  while (performance.now() - start < 1000) {
    for (let i = 0; i < 100; i++) verify(null, message, key, signature);
    n += 100;
  }
  return n / ((performance.now() - start) / 1000);
}

/** used_memory growth per key over SENDERS senders: one counter window each, one ledger mark each. */
async function measureRedisMemory(): Promise<{ counterBytes: number; ledgerBytes: number } | undefined> {
  const server = await startRedisServer();
  if (server === undefined) return undefined;
  const SENDERS = 5000;
  const redis = new Redis(server.url);
  try {
    const replay = new RedisNonceStore({ client: redis });
    const ledger = new RedisForwardLedger({ client: redis, retentionMs: 600_000, leaseMs: 30_000 });
    const used = async () => Number(/used_memory:(\d+)/.exec(await redis.info('memory'))?.[1]);
    const before = await used();
    const sender = (i: number) => `did:key:z6Mk${String(i).padStart(44, 'x')}`;
    for (let i = 0; i < SENDERS; i++) await replay.acceptCounter(sender(i), 1_000_000 + i, Date.now());
    const afterCounters = await used();
    for (let i = 0; i < SENDERS; i++) {
      // A SHA-256 digest of the signed bytes, as the gateway records it.
      const digest = createHash('sha256').update(String(i)).digest('hex');
      await ledger.claim(`${sender(i)}#c${1_000_000 + i}`, 'gw-1', Date.now(), digest);
      await ledger.forwarded(`${sender(i)}#c${1_000_000 + i}`, digest);
    }
    const afterLedger = await used();
    return {
      counterBytes: Math.round((afterCounters - before) / SENDERS),
      ledgerBytes: Math.round((afterLedger - afterCounters) / SENDERS),
    };
  } finally {
    redis.disconnect();
    await server.stop();
  }
}

/** CPU seconds (user + system) a process (every thread), or with `main` its main thread, has used so far, from /proc (Linux). */
function cpuSeconds(pid: number | undefined, main = false): number | undefined {
  try {
    const stat = readFileSync(main ? `/proc/${pid}/task/${pid}/stat` : `/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // Fields 14 and 15 of stat(5), counted after the command: utime and stime, in clock ticks (100/s on Linux).
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return undefined;
  }
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] as number;
}

interface GatewayRun {
  readonly rate: number;
  readonly p50: number;
  readonly p99: number;
  readonly cpuPerMessageUs: number | undefined;
  /** Of which the main thread (MQTT, pipeline, ledger, sinks); the rest is the verification threads. */
  readonly mainPerMessageUs: number | undefined;
  readonly lost: number;
  readonly twice: number;
  readonly envelopeBytes: number;
}

/**
 * One gateway child process on `brokerUrl` (file state in `dataDir`, or Redis
 * replay state and ledger at `redisUrl`), fed fresh readings from `from` on.
 */
async function gatewayRun(
  brokerUrl: string,
  registryPath: string,
  dataDir: string,
  devices: readonly DemoDevice[],
  from: number,
  redisUrl: string | undefined,
): Promise<GatewayRun> {
  const healthPort = await freePort();
  // XLINK_BENCH_GATEWAY_PROFILE=<dir>: the gateway writes a CPU profile (main thread and each verification thread) there.
  const profile = process.env.XLINK_BENCH_GATEWAY_PROFILE;
  const profiling = profile === undefined ? [] : ['--cpu-prof', `--cpu-prof-dir=${profile}`];
  const gateway = spawn(process.execPath, [...profiling, '--import', 'tsx', 'src/cli/main.ts', 'gateway'], {
    env: {
      ...process.env,
      XLINK_BROKER_URL: brokerUrl,
      XLINK_APP: APP,
      XLINK_REGISTRY: registryPath,
      XLINK_DATA_DIR: dataDir,
      ...(redisUrl === undefined ? {} : { XLINK_REDIS_URL: redisUrl }),
      XLINK_HTTP_PORT: String(healthPort),
      XLINK_LOG_LEVEL: 'warn',
      XLINK_INFLIGHT: process.env.XLINK_INFLIGHT ?? '1000',
    },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const exited = once(gateway, 'exit');
  for (;;) {
    const ready = await fetch(`http://127.0.0.1:${healthPort}/readyz`).then(
      (r) => r.status === 200,
      () => false,
    );
    if (ready) break;
    await sleep(100);
  }
  const sub = await connectAsync(brokerUrl, {
    clientId: 'bench-verified',
    protocolVersion: 5,
    clean: true,
    properties: { receiveMaximum: 100 },
  });
  const arrivals = new Map<string, number>();
  let twice = 0;
  let last = 0;
  sub.on('message', (_topic, payload) => {
    const record = JSON.parse(payload.toString()) as { deviceId: string; payload: { seq: number } };
    const key = `${record.deviceId}/${record.payload.seq}`;
    if (arrivals.has(key)) twice++;
    else arrivals.set(key, performance.now());
    last = performance.now();
  });
  await sub.subscribeAsync(`verified/${APP}/+/+`, { qos: 1 });
  // Signed just before they are sent: a reading older than the 30 s window would be refused as stale.
  const gatewayLoad = await readings(devices, from);
  const envelopeBytes = Math.round(gatewayLoad.reduce((a, r) => a + r.bytes.length, 0) / gatewayLoad.length);
  const cpuBefore = cpuSeconds(gateway.pid);
  const mainBefore = cpuSeconds(gateway.pid, true);
  const { sentAt, first } = await publishAll(brokerUrl, gatewayLoad);
  const deadline = Date.now() + 120_000;
  while (arrivals.size < MESSAGES && Date.now() < deadline) await sleep(50);
  const cpuAfter = cpuSeconds(gateway.pid);
  const mainAfter = cpuSeconds(gateway.pid, true);
  const perMessage = (before: number | undefined, after: number | undefined) =>
    before === undefined || after === undefined ? undefined : ((after - before) * 1e6) / arrivals.size;
  const cpuPerMessageUs = perMessage(cpuBefore, cpuAfter);
  const mainPerMessageUs = perMessage(mainBefore, mainAfter);
  await sleep(500);
  const rate = arrivals.size / ((last - first) / 1000);
  const latencies = [...arrivals].map(([key, at]) => at - (sentAt.get(key) as number)).sort((a, b) => a - b);
  const lost = MESSAGES - arrivals.size;
  await sub.endAsync();
  gateway.kill('SIGTERM');
  await exited;
  return {
    rate,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    cpuPerMessageUs,
    mainPerMessageUs,
    lost,
    twice,
    envelopeBytes,
  };
}

async function main(): Promise<void> {
  const write = process.argv.includes('--write');
  const broker = await startBenchBroker();
  if (broker === undefined) return;
  const dir = mkdtempSync(join(tmpdir(), 'xlink-bench-gw-'));
  const crypto = createNodeCrypto();
  const registryPath = join(dir, 'registry.log');
  const registry = await FileTrustRegistry.create({ path: registryPath, crypto });
  const devices = await provisionFleet({ registry, crypto, count: DEVICES, audience: APP });
  await registry.close();
  const verifyPerCore = verifyRatePerCore();
  const cores = availableParallelism();
  const pipe = await pipeRate(broker.url, await readings(devices, 0));

  const fileRun = await gatewayRun(broker.url, registryPath, join(dir, 'gw-file'), devices, MESSAGES, undefined);
  const redis = await startRedisServer({ appendonly: true });
  const redisRun =
    redis === undefined
      ? undefined
      : await gatewayRun(broker.url, registryPath, join(dir, 'gw-redis'), devices, 2 * MESSAGES, redis.url).finally(
          () => redis.stop(),
        );
  await broker.stop();
  rmSync(dir, { recursive: true, force: true });

  const redisMemory = await measureRedisMemory();
  const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
  const { rate, lost, twice, envelopeBytes } = fileRun;
  const limit = Math.min(pipe, verifyPerCore * cores);
  const binding = pipe <= verifyPerCore * cores ? 'the pipe' : 'Ed25519 verify × cores';
  const gatewayRows = (state: string, run: GatewayRun): string[] => [
    `| gateway (${state}): verified and forwarded, messages/s | ${fmt(run.rate)} | ${(run.rate / pipe).toFixed(2)} of the pipe, ${(run.rate / (verifyPerCore * cores)).toFixed(2)} of verify × cores |`,
    `| gateway (${state}): latency publish → forward, p50 / p99 | ${run.p50.toFixed(0)} / ${run.p99.toFixed(0)} ms | |`,
    `| gateway (${state}): CPU per verified message (every thread), µs | ${run.cpuPerMessageUs === undefined ? 'not measured' : fmt(run.cpuPerMessageUs)} | ${run.cpuPerMessageUs === undefined ? '' : `${(run.cpuPerMessageUs / (1e6 / verifyPerCore)).toFixed(2)}× a bare verify (${(1e6 / verifyPerCore).toFixed(0)} µs)`} |`,
    `| gateway (${state}): of which the main thread (MQTT, ledger, replay store, sinks), µs | ${run.mainPerMessageUs === undefined ? 'not measured' : fmt(run.mainPerMessageUs)} | ${run.mainPerMessageUs === undefined ? '' : `one core: at most ${fmt(1e6 / run.mainPerMessageUs)} messages/s`} |`,
    `| gateway (${state}): lost / forwarded twice | ${run.lost} / ${run.twice} | |`,
  ];
  const markdown = [
    `_Node ${process.version}, ${cpus()[0]?.model.trim() ?? 'unknown CPU'} (${cores} logical CPUs), ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC; one run._`,
    '',
    `${fmt(MESSAGES)} QoS 1 telemetry readings of ${envelopeBytes} bytes from ${DEVICES} devices, all published at once, through Mosquitto (no persistence) on loopback.`,
    '',
    '| measure | value | ratio |',
    '| --- | ---: | ---: |',
    `| pipe: plain subscriber, messages/s | ${fmt(pipe)} | 1 |`,
    `| node:crypto Ed25519 verify, per core /s (cached key) | ${fmt(verifyPerCore)} | |`,
    `| … × ${cores} cores | ${fmt(verifyPerCore * cores)} | |`,
    ...gatewayRows('file state', fileRun),
    ...(redisRun === undefined
      ? ['| gateway, Redis state: not run (no redis-server) | | |']
      : gatewayRows('Redis state', redisRun)),
    '',
    `| Redis per device: counter window key (64-bit window), bytes | ${redisMemory?.counterBytes ?? 'not run'} | |`,
    `| Redis per forwarded message held for duplicateWindowMs: ledger key, bytes | ${redisMemory?.ledgerBytes ?? 'not run'} | |`,
    `| Redis round trips per verified message (ledger claim, counter check, ledger mark) | 3 | |`,
    '',
    `Binding limit: ${binding} (${fmt(limit)}/s); the gateway with file state reached ${(rate / limit).toFixed(2)} of it (goal 0.80, zero loss: ${rate / limit >= 0.8 && lost === 0 && twice === 0 ? 'met' : 'missed'})${redisRun === undefined ? '' : `, with Redis state ${(redisRun.rate / limit).toFixed(2)}`}. Publisher, Mosquitto, the subscribers and the gateway share the ${cores} cores, so "verify × cores" is a ceiling the gateway cannot have to itself; the CPU row says how much of the machine each verified message costs.`,
  ].join('\n');
  console.log(markdown);
  if (write) {
    const path = new URL('../BENCHMARKS.md', import.meta.url).pathname;
    const text = readFileSync(path, 'utf8');
    const start = '<!-- bench:gateway:start -->';
    const end = '<!-- bench:gateway:end -->';
    const at = text.indexOf(start);
    const to = text.indexOf(end);
    if (at < 0 || to < 0) throw new Error('BENCHMARKS.md has no bench:gateway markers');
    writeFileSync(path, `${text.slice(0, at + start.length)}\n${markdown}\n${text.slice(to)}`);
  }
}

await main();
