/**
 * A handful of devices for the gateway tests and bench/gateway.ts: each has a
 * seed, is registered in a registry (what provisioning does), and signs
 * readings with the telemetry profile and a CounterSequence. Sealing by hand,
 * not through `createDevice`, because the tests need what firmware never
 * does: another audience or a forged timestamp on one reading. The fleet
 * simulator's devices are `createDevice` itself (simulator/node-device.ts).
 *
 *   const fleet = await provisionFleet({ registry, crypto, count: 5, scopes: ['telemetry'] });
 *   const bytes = await fleet[0].reading({ seq: 1 });       // telemetry-profile bytes
 *   fleet[0].topic('acme');                                  // dt/acme/<kid hex>/telemetry
 */
import { randomBytes } from 'node:crypto';
import { Agent } from '../../src/agent/agent.js';
import { bytesToHex, utf8Encode } from '../../src/codec/bytes.js';
import type { CryptoProvider } from '../../src/crypto/provider.js';
import { sealTelemetry, type TelemetryKey } from '../../src/envelope/telemetry.js';
import { unwrap } from '../../src/errors.js';
import { signingKeyFromSeed } from '../../src/identity/derive.js';
import { MemoryKeyValueStorage } from '../../src/platform/storage.js';
import type { TrustRegistry } from '../../src/registry/trust-registry.js';
import { CounterSequence } from '../../src/replay/counter-sequence.js';
import { LoopbackTransport } from '../../src/transport/loopback.js';

export interface DemoDevice {
  readonly name: string;
  readonly did: string;
  /** The telemetry kid in hex: the device id of its topic. */
  readonly deviceId: string;
  readonly key: TelemetryKey;
  topic(app: string, kind?: string): string;
  /** Signs `payload` (JSON) for `audience` with the next counter and the current time. */
  reading(
    payload: unknown,
    options?: { readonly audience?: string; readonly scope?: string; readonly timestamp?: number },
  ): Promise<Uint8Array>;
}

export interface FleetOptions {
  readonly registry: TrustRegistry;
  readonly crypto: CryptoProvider;
  readonly count: number;
  readonly scopes?: readonly string[];
  readonly audience?: string;
  readonly namePrefix?: string;
}

export async function provisionFleet(options: FleetOptions): Promise<DemoDevice[]> {
  const devices: DemoDevice[] = [];
  for (let i = 0; i < options.count; i++)
    devices.push(await provisionDevice(options, `${options.namePrefix ?? 'sensor'}-${i + 1}`));
  return devices;
}

export async function provisionDevice(options: Omit<FleetOptions, 'count'>, name: string): Promise<DemoDevice> {
  const { crypto, registry } = options;
  const seed = new Uint8Array(randomBytes(32));
  // Agent.fromSeed registers the device's signed identity document, as provisioning would.
  const agent = unwrap(
    await Agent.fromSeed(seed, {
      registry,
      transport: new LoopbackTransport(),
      crypto,
      name,
      scopes: options.scopes ?? ['telemetry'],
    }),
  );
  const key = unwrap(await signingKeyFromSeed(seed, { crypto }));
  const counters = new CounterSequence({ storage: new MemoryKeyValueStorage(), persistEvery: 1000 });
  const deviceId = bytesToHex(key.kid);
  return {
    name,
    did: agent.did,
    deviceId,
    key,
    topic: (app, kind = 'telemetry') => `dt/${app}/${deviceId}/${kind}`,
    async reading(payload, reading = {}) {
      return sealTelemetry(key, {
        audience: reading.audience ?? options.audience ?? 'xlink',
        scope: reading.scope ?? 'telemetry',
        counter: await counters.next(),
        timestamp: reading.timestamp ?? Date.now(),
        payload: utf8Encode(JSON.stringify(payload)),
        contentType: 'json',
      });
    },
  };
}
