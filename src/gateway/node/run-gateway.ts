/**
 * Builds and starts the daemon from a resolved configuration: the broker
 * (the given URL, or an embedded aedes broker on 127.0.0.1), the replay store
 * and forward ledger (files in dataDir, or Redis / Redis Cluster), the
 * verification threads, the sinks, the health endpoint, and the pipeline.
 *
 *   const running = await runGateway(config, { log });
 *   running.healthPort; running.brokerUrl;
 *   await running.stop();   // the SIGTERM drain, then everything closed
 *
 * Start-up failures throw an XlinkError: GATEWAY_CONFIG_INVALID for a setting,
 * REGISTRY_MISSING and the like for a file, SEND_FAILED:CONNECT for a broker
 * that cannot be reached.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { availableParallelism, hostname } from 'node:os';
import { join } from 'node:path';
import { Cluster, Redis } from 'ioredis';
import { toXlinkError, xlinkError } from '../../errors.js';
import { FileNonceStore } from '../../replay/node/file-nonce-store.js';
import type { NonceStore } from '../../replay/nonce-store.js';
import { RedisNonceStore } from '../../replay/redis-nonce-store.js';
import { type EmbeddedBroker, startEmbeddedBroker } from '../../transport/node/embedded-broker.js';
import { MqttTransport } from '../../transport/node/mqtt-transport.js';
import type { GatewayConfig } from '../config.js';
import type { ForwardLedger } from '../forward-ledger.js';
import { RedisForwardLedger } from '../redis-forward-ledger.js';
import type { Sink } from '../sink.js';
import { JsonlSink } from '../sinks/node/jsonl-sink.js';
import { WebhookSink } from '../sinks/node/webhook-sink.js';
import { RedisStreamSink } from '../sinks/redis-stream-sink.js';
import { RepublishSink } from '../sinks/republish-sink.js';
import { telemetryTopics } from '../topic.js';
import { FileForwardLedger } from './file-forward-ledger.js';
import { Gateway, type GatewayLog } from './gateway.js';
import { type HealthServer, startHealthServer } from './health-server.js';
import { createGatewayMetrics } from './metrics.js';
import { VerifyPool } from './verify-pool.js';

export interface RunningGateway {
  readonly gateway: Gateway;
  readonly brokerUrl: string;
  readonly healthPort: number;
  readonly clientId: string;
  /** Drains (readiness off, in-flight work finished, disconnect) and closes everything it opened. Idempotent. */
  stop(): Promise<void>;
}

/** A forwarded mark is kept this long past the lease a claim holds: a dead gateway's claims are taken over after it. */
const LEASE_MS = 30_000;

export async function runGateway(
  config: GatewayConfig,
  options: { readonly log: GatewayLog; readonly now?: () => number },
): Promise<RunningGateway> {
  const { log, now } = options;
  const closers: (() => Promise<unknown>)[] = [];
  const closeAll = async (): Promise<void> => {
    for (const close of closers.reverse()) await close().catch(() => undefined);
  };
  try {
    await mkdir(config.dataDir, { recursive: true });
    const clientId = config.clientId ?? `xlink-gateway-${hostname().replace(/[^A-Za-z0-9._-]/g, '-')}`.slice(0, 64);
    const seedPath = config.identityFile ?? join(config.dataDir, 'gateway.seed');
    await ensureSeed(seedPath);
    const topics = telemetryTopics(config.topic, config.app);

    let redis: Redis | Cluster | undefined;
    if (config.redisUrl !== undefined) {
      redis = connectRedis(config.redisUrl, config.redisCluster);
      const client = redis;
      closers.push(() => client.quit());
      await waitForRedis(client);
    }
    const { replay, ledger } = await openState(config, redis, now);
    closers.push(
      () => replay.close(),
      () => ledger.close(),
    );

    const pool = await VerifyPool.start(
      {
        registryPath: config.registry ?? join(config.dataDir, 'registry.log'),
        seedPath,
        audience: config.audience ?? config.app,
        app: config.app,
        topic: config.topic,
        // The window is applied by the pipeline to messages the ledger has not seen (gateway.ts).
        timestampWindowMs: Number.MAX_SAFE_INTEGER,
        maxEnvelopeBytes: config.maxEnvelopeBytes,
        registryPollMs: config.registryPollMs,
        registryOperator: config.registryOperator,
      },
      config.workers ?? availableParallelism(),
    );
    closers.push(() => pool.close());

    let broker: EmbeddedBroker | undefined;
    let brokerUrl = config.brokerUrl;
    if (brokerUrl === undefined) {
      broker = await startEmbeddedBroker({ port: config.embeddedPort });
      const embedded = broker;
      closers.push(() => embedded.close());
      brokerUrl = broker.url;
      log.info({ url: brokerUrl }, 'embedded MQTT broker (aedes) started: no broker URL configured');
    }

    const subscription =
      config.shareGroup === undefined ? topics.filter : `$share/${config.shareGroup}/${topics.filter}`;
    const transport = new MqttTransport({
      url: brokerUrl,
      clientId,
      protocolVersion: config.protocolVersion as 4 | 5,
      clean: false,
      subscriptions: [subscription],
      // No file-backed store: after a crash the forward ledger decides what is forwarded again
      // (a resumed claim); a store resending its unacknowledged publishes as well would double them.
      // Every delivery at once (the broker keeps `inflight` in flight); the gateway keeps per-device order.
      ordered: false,
      receiveMaximum: Math.min(config.inflight, 65_535),
      ...(config.usernameFile === undefined ? {} : { usernameFile: config.usernameFile }),
      ...(config.passwordFile === undefined ? {} : { passwordFile: config.passwordFile }),
      onError: (error, delivery) =>
        log.warn(
          {
            topic: delivery.topic?.slice(0, 128),
            error: error instanceof Error ? error.message.slice(0, 200) : String(error),
          },
          'delivery left unacknowledged',
        ),
    });

    // Request-response traffic (each delivery waits for its sinks' PUBACKs): Nagle's algorithm with
    // delayed ACKs stalls every small write for tens of ms (bench/gateway.ts measured 2.4x with it off at
    // the broker alone). mqtt.js leaves the socket's default; turn it off on every connection.
    transport.onStatus((status) => {
      const socket = (transport.client as { stream?: { setNoDelay?: (on: boolean) => void } } | undefined)?.stream;
      if (status === 'connected') socket?.setNoDelay?.(true);
    });
    const sinks: Sink[] = [];
    if (config.republish !== '') sinks.push(new RepublishSink(transport, topics, config.republish));
    if (config.jsonl !== undefined) sinks.push(await JsonlSink.open(config.jsonl));
    if (config.redisStream !== undefined && redis !== undefined)
      sinks.push(new RedisStreamSink(redis, config.redisStream));
    if (config.webhookUrl !== undefined)
      sinks.push(new WebhookSink({ url: config.webhookUrl, retries: config.webhookRetries }));
    closers.push(() => Promise.all(sinks.map((sink) => sink.close())));

    const metrics = createGatewayMetrics();
    const client = redis;
    const gateway = new Gateway({
      transport,
      verifier: pool,
      replay,
      ledger,
      sinks,
      topics,
      dlq: config.dlq === '' ? undefined : config.dlq,
      metrics,
      log,
      owner: clientId,
      timestampWindowMs: config.timestampWindowMs,
      shared: config.shareGroup !== undefined,
      drainTimeoutMs: config.drainTimeoutMs,
      probes: client === undefined ? [] : [() => (client.status === 'ready' ? undefined : `redis ${client.status}`)],
      ...(now === undefined ? {} : { now }),
    });
    const health: HealthServer = await startHealthServer(config.httpHost, config.httpPort, metrics.registry, () =>
      gateway.readiness(),
    );
    closers.push(() => health.close());
    // The transport closes in drain(); closing it again is harmless.
    closers.push(() => transport.close());
    const started = await gateway.start();
    if (!started.ok) throw toXlinkError(started.error);
    log.info(
      {
        clientId,
        broker: brokerUrl,
        subscription,
        workers: pool.size,
        state: redis === undefined ? 'file' : config.redisCluster ? 'redis-cluster' : 'redis',
        sinks: sinks.map((s) => s.name),
        health: `http://${config.httpHost}:${health.port}`,
      },
      'gateway started',
    );
    let stopping: Promise<void> | undefined;
    return {
      gateway,
      brokerUrl,
      healthPort: health.port,
      clientId,
      stop() {
        stopping ??= gateway.drain().then(closeAll);
        return stopping;
      },
    };
  } catch (error) {
    await closeAll();
    throw error;
  }
}

/** The gateway's identity seed: read if present, else 32 fresh random bytes written owner-only. */
async function ensureSeed(path: string): Promise<void> {
  try {
    const seed = await readFile(path);
    if (seed.length !== 32) {
      throw xlinkError(
        'GATEWAY_CONFIG_INVALID',
        `the identity file ${path} holds ${seed.length} bytes, not a 32-byte seed`,
        {
          field: 'identityFile',
        },
      );
    }
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    await writeFile(path, randomBytes(32), { mode: 0o600, flag: 'wx' });
  }
}

function connectRedis(url: string, cluster: boolean): Redis | Cluster {
  // Fail fast while disconnected: a queued command would hold a verdict hostage; the gateway retries itself.
  const common = { maxRetriesPerRequest: 1, enableOfflineQueue: false } as const;
  if (!cluster) return new Redis(url, { ...common, lazyConnect: false });
  const nodes = url.split(',').map((node) => {
    const parsed = new URL(node.trim());
    return { host: parsed.hostname, port: Number(parsed.port || 6379) };
  });
  return new Cluster(nodes, { enableOfflineQueue: false, redisOptions: { maxRetriesPerRequest: 1 } });
}

async function waitForRedis(client: Redis | Cluster): Promise<void> {
  if (client.status === 'ready') return;
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(xlinkError('REPLAY_STORE_UNAVAILABLE', 'Redis did not become ready within 10 s')),
      10_000,
    );
    client.once('ready', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

async function openState(
  config: GatewayConfig,
  redis: Redis | Cluster | undefined,
  now: (() => number) | undefined,
): Promise<{ replay: NonceStore; ledger: ForwardLedger }> {
  // A virtual-clock run (the simulator's tests) dates ledger marks on the same clock as the pipeline's window.
  const ledgerOptions = {
    retentionMs: config.duplicateWindowMs,
    leaseMs: LEASE_MS,
    ...(now === undefined ? {} : { now }),
  };
  if (redis !== undefined) {
    return {
      replay: new RedisNonceStore({ client: redis, windowMs: config.timestampWindowMs }),
      ledger: new RedisForwardLedger({ client: redis, ...ledgerOptions }),
    };
  }
  const replayPath = join(config.dataDir, 'replay.log');
  const replayOptions = { path: replayPath, windowMs: config.timestampWindowMs };
  const replay = await FileNonceStore.open(replayOptions).catch((error: unknown) => {
    if ((error as { code?: string }).code === 'REPLAY_STORE_MISSING') return FileNonceStore.create(replayOptions);
    throw error;
  });
  const ledger = await FileForwardLedger.openOrCreate({
    path: join(config.dataDir, 'forward-ledger.log'),
    ...ledgerOptions,
  });
  return { replay, ledger };
}
