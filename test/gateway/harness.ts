/**
 * What the gateway's end-to-end suites share: a provisioned fleet in a real
 * FileTrustRegistry, `xlink gateway` run as a child process (so it can be
 * killed -9 and restarted), a watcher on `verified/…` and `dlq/…` that counts
 * by the sequence number signed inside each reading, and small waits.
 *
 *   const fleet = await Fleet.create(dir, 5);
 *   const gw = await startGateway({ XLINK_BROKER_URL: broker.url, …fleet.env(dir) });
 *   const watcher = await Watcher.start(broker.url, 'acme');
 *   await until(() => watcher.verifiedCount() === 100);
 *   await gw.stop(); // SIGTERM: must exit 0
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { createNodeCrypto } from '../../src/crypto/node/index.js';
import { unwrap } from '../../src/errors.js';
import { FileTrustRegistry } from '../../src/registry/node/file-trust-registry.js';
import { MqttTransport } from '../../src/transport/node/mqtt-transport.js';
import { type DemoDevice, provisionDevice, provisionFleet } from '../helpers/demo-fleet.js';
import { freePort } from '../helpers/free-port.js';

const root = new URL('../../', import.meta.url).pathname;
export const APP = 'acme';
export const crypto = createNodeCrypto();

export class Fleet {
  readonly registry: FileTrustRegistry;
  readonly registryPath: string;
  readonly devices: DemoDevice[];

  private constructor(registry: FileTrustRegistry, registryPath: string, devices: DemoDevice[]) {
    this.registry = registry;
    this.registryPath = registryPath;
    this.devices = devices;
  }

  static async create(dir: string, count: number): Promise<Fleet> {
    const registryPath = join(dir, 'registry.log');
    const registry = await FileTrustRegistry.create({ path: registryPath, crypto });
    const devices = await provisionFleet({ registry, crypto, count, audience: APP });
    return new Fleet(registry, registryPath, devices);
  }

  /** A device provisioned in a registry the gateway does not read. */
  static async stranger(dir: string): Promise<DemoDevice> {
    const other = await FileTrustRegistry.create({ path: join(dir, 'stranger-registry.log'), crypto });
    const device = await provisionDevice({ registry: other, crypto, audience: APP }, 'stranger');
    await other.close();
    return device;
  }

  close(): Promise<void> {
    return this.registry.close();
  }
}

export interface GatewayProcess {
  readonly process: ChildProcess;
  readonly healthPort: number;
  /** Every pino line so far, parsed. */
  readonly logs: readonly Record<string, unknown>[];
  /** Raw stdout, to check what the logs never contain. */
  stdout(): string;
  readyz(): Promise<number>;
  livez(): Promise<number>;
  metric(name: string, labels?: Record<string, string>): Promise<number>;
  /** SIGTERM; resolves with the exit code. */
  stop(): Promise<number | null>;
  /** SIGKILL; resolves once it exited. */
  kill(): Promise<void>;
}

/** Starts `xlink gateway` with these XLINK_ settings; resolves once it logged "gateway started". */
export async function startGateway(env: Record<string, string>): Promise<GatewayProcess> {
  const healthPort = Number(env.XLINK_HTTP_PORT ?? (await freePort()));
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'gateway'], {
    cwd: root,
    env: { ...process.env, XLINK_APP: APP, XLINK_HTTP_PORT: String(healthPort), XLINK_REGISTRY_POLL_MS: '100', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs: Record<string, unknown>[] = [];
  let stdout = '';
  let stderr = '';
  let buffered = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    stdout += chunk;
    buffered += chunk;
    let newline = buffered.indexOf('\n');
    while (newline >= 0) {
      const line = buffered.slice(0, newline);
      buffered = buffered.slice(newline + 1);
      try {
        logs.push(JSON.parse(line) as Record<string, unknown>);
      } catch {
        logs.push({ msg: line });
      }
      newline = buffered.indexOf('\n');
    }
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk;
  });
  const exited = once(child, 'exit') as Promise<[number | null]>;
  const started = await Promise.race([
    until(() => logs.some((l) => l.msg === 'gateway started'), 60_000).then(() => true),
    exited.then(() => false),
  ]);
  assert.ok(started, `the gateway did not start:\n${stdout}\n${stderr}`);
  const get = async (path: string): Promise<Response> => fetch(`http://127.0.0.1:${healthPort}${path}`);
  return {
    process: child,
    healthPort,
    logs,
    stdout: () => stdout,
    readyz: async () => (await get('/readyz').catch(() => ({ status: 0 }) as Response)).status,
    livez: async () => (await get('/livez').catch(() => ({ status: 0 }) as Response)).status,
    async metric(name, labels) {
      const text = await (await get('/metrics')).text();
      let total = 0;
      for (const line of text.split('\n')) {
        if (!line.startsWith(name)) continue;
        const match = /^([a-z_]+)(\{[^}]*\})? ([0-9.e+-]+)$/.exec(line);
        if (match?.[1] !== name) continue;
        const ok = Object.entries(labels ?? {}).every(([k, v]) => (match[2] ?? '').includes(`${k}="${v}"`));
        if (ok) total += Number(match[3]);
      }
      return total;
    },
    async stop() {
      child.kill('SIGTERM');
      const [code] = await exited;
      return code;
    },
    async kill() {
      child.kill('SIGKILL');
      await exited;
    },
  };
}

interface Seen {
  readonly id: string;
  readonly deviceId: string;
  readonly seq: number;
  readonly resumed: boolean;
}

/** Subscribes (persistent session) to the verified and dead-letter topics and counts what arrives. */
export class Watcher {
  readonly verified: Seen[] = [];
  /**
   * Copies the broker sent again (DUP set) of a record already counted, byte for byte: one
   * gateway PUBLISH delivered twice, as MQTT QoS 1 may after a broker crash (the watcher's
   * PUBACK not yet saved), not a second forward (that has its own receivedAt, or `resumed`).
   */
  redelivered = 0;
  readonly dead: { readonly reason: string; readonly deviceId: string; readonly bytes: Uint8Array }[] = [];
  readonly #transport: MqttTransport;

  private constructor(transport: MqttTransport) {
    this.#transport = transport;
  }

  static async start(url: string, clientId = `watcher-${process.pid}`): Promise<Watcher> {
    const transport = new MqttTransport({
      url,
      clientId,
      clean: false,
      subscriptions: [`verified/${APP}/+/+`, `dlq/${APP}/+/+`],
      concurrency: 1,
      reconnectMinMs: 100,
      reconnectMaxMs: 500,
    });
    const watcher = new Watcher(transport);
    const counted = new Set<string>();
    const resent = new Set<string>(); // payloads of PUBLISH packets that came with DUP set
    transport.onReceive(async (delivery) => {
      const levels = (delivery.topic ?? '').split('/');
      const bytes = delivery.envelope as Uint8Array;
      if (levels[0] === 'verified') {
        const key = Buffer.from(bytes).toString('base64');
        if (counted.has(key) && resent.has(key)) {
          watcher.redelivered++;
          return;
        }
        counted.add(key);
        const record = JSON.parse(new TextDecoder().decode(bytes)) as {
          id: string;
          deviceId: string;
          payload: { seq: number };
          resumed?: true;
        };
        watcher.verified.push({
          id: record.id,
          deviceId: record.deviceId,
          seq: record.payload.seq,
          resumed: record.resumed === true,
        });
      } else {
        watcher.dead.push({ reason: levels[2] as string, deviceId: levels[3] as string, bytes });
      }
    });
    unwrap(await transport.connect());
    // The same mqtt.js client across reconnections (it exists once connected); 'packetreceive' comes before the handler.
    transport.client?.on('packetreceive', (packet) => {
      if (packet.cmd === 'publish' && packet.dup) resent.add(Buffer.from(packet.payload).toString('base64'));
    });
    return watcher;
  }

  deadOf(reason: string): number {
    return this.dead.filter((d) => d.reason === reason).length;
  }

  /** Per (device, seq): how many times it was forwarded. */
  tally(): Map<string, number> {
    const counts = new Map<string, number>();
    for (const seen of this.verified) {
      const key = `${seen.deviceId}/${seen.seq}`;
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    return counts;
  }

  /** Lost and forwarded-twice counts for `perDevice` readings seq 0..n-1 from each device. */
  audit(devices: readonly DemoDevice[], perDevice: number): { lost: number; twice: number } {
    const { lost, twice } = this.auditResumed(devices, perDevice);
    return { lost, twice };
  }

  /** As audit, and how many second copies were not flagged `resumed` (a double the gateway did not own up to). */
  auditResumed(devices: readonly DemoDevice[], perDevice: number): { lost: number; twice: number; unflagged: number } {
    const { lost, twice } = lostAndTwice(this.tally(), devices, perDevice);
    const firsts = new Set<string>();
    let unflagged = 0;
    for (const seen of this.verified) {
      const key = `${seen.deviceId}/${seen.seq}`;
      if (firsts.has(key) && !seen.resumed) unflagged++;
      firsts.add(key);
    }
    return { lost, twice, unflagged };
  }

  close(): Promise<void> {
    return this.#transport.close();
  }
}

/** A device-side publisher: one MQTT connection for a fleet, QoS 1, persistent session. */
export async function publisher(url: string, clientId = `devices-${process.pid}`): Promise<MqttTransport> {
  const transport = new MqttTransport({ url, clientId, clean: false, reconnectMinMs: 100, reconnectMaxMs: 500 });
  unwrap(await transport.connect());
  return transport;
}

export async function until(
  check: () => boolean | Promise<boolean>,
  timeoutMs = 30_000,
  what = 'condition',
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(50);
  }
}

/** From per-"deviceId/seq" copy counts: readings seq 0..perDevice-1 of each device never seen, and seen more than once. */
export function lostAndTwice(
  counts: ReadonlyMap<string, number>,
  devices: readonly DemoDevice[],
  perDevice: number,
): { lost: number; twice: number } {
  let lost = 0;
  let twice = 0;
  for (const device of devices) {
    for (let seq = 0; seq < perDevice; seq++) {
      const n = counts.get(`${device.deviceId}/${seq}`) ?? 0;
      if (n === 0) lost++;
      if (n > 1) twice++;
    }
  }
  return { lost, twice };
}
