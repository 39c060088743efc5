/**
 * `npm start` (`xlink gateway-demo`): the gateway on embedded defaults for a
 * few seconds. An in-process aedes broker, the gateway with file state in a
 * temporary folder, five simulated devices publishing signed telemetry, and
 * the attacks a gateway meets (replay, a spoofed topic, a wrong scope, a
 * stale and a future reading, garbage, an unknown device, a revocation
 * mid-stream). A watcher subscribed to `verified/#` and `dlq/#` prints what
 * comes out. Exit code 0 only when every reading was verified once and every
 * attack was refused with its expected code.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { createNodeCrypto } from '../crypto/node/index.js';
import { unwrap } from '../errors.js';
import { resolveGatewayConfig } from '../gateway/config.js';
import type { GatewayLog } from '../gateway/node/gateway.js';
import { runGateway } from '../gateway/node/run-gateway.js';
import { FileTrustRegistry } from '../registry/node/file-trust-registry.js';
import { MqttTransport } from '../transport/node/mqtt-transport.js';
import { type DemoDevice, provisionDevice, provisionFleet } from './demo-fleet.js';

const APP = 'demo';
const quiet: GatewayLog = { info() {}, warn() {}, error() {}, debug() {} };

export async function runGatewayDemo(print: (line: string) => void, seconds = 3): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), 'xlink-start-'));
  const crypto = createNodeCrypto();
  const registryPath = join(dir, 'registry.log');
  const registry = await FileTrustRegistry.create({ path: registryPath, crypto });
  const fleet = await provisionFleet({ registry, crypto, count: 5, audience: APP });
  // Provisioned under another registry: the gateway has never heard of it.
  const elsewhere = await FileTrustRegistry.create({ path: join(dir, 'other.log'), crypto });
  const stranger = await provisionDevice({ registry: elsewhere, crypto, audience: APP }, 'stranger');
  await elsewhere.close();
  const config = unwrap(
    resolveGatewayConfig({
      file: {
        app: APP,
        dataDir: join(dir, 'gateway'),
        registry: registryPath,
        embeddedPort: 0,
        httpPort: 0,
        jsonl: join(dir, 'verified.jsonl'),
        registryPollMs: 100,
      },
    }),
  );
  const running = await runGateway(config, { log: quiet });
  print(
    `gateway    ${running.clientId} on the embedded broker ${running.brokerUrl}, health http://127.0.0.1:${running.healthPort}/readyz`,
  );
  print(`devices    ${fleet.map((d) => d.name).join(', ')}`);

  const verified = new Map<string, number>();
  const refused = new Map<string, number>();
  const watcher = new MqttTransport({
    url: running.brokerUrl,
    clientId: 'demo-watcher',
    protocolVersion: 4,
    clean: true,
    subscriptions: [`verified/${APP}/+/+`, `dlq/${APP}/+/+`],
  });
  watcher.onReceive(async (delivery) => {
    const levels = (delivery.topic ?? '').split('/');
    if (levels[0] === 'verified') {
      const record = JSON.parse(new TextDecoder().decode(delivery.envelope as Uint8Array)) as {
        deviceId: string;
        payload: { seq: number };
      };
      const name = fleet.find((d) => d.deviceId === record.deviceId)?.name ?? record.deviceId;
      verified.set(name, (verified.get(name) ?? 0) + 1);
    } else {
      const reason = levels[2] ?? '?';
      refused.set(reason, (refused.get(reason) ?? 0) + 1);
      print(`refused    ${reason.padEnd(40)} from ${levels[3]}`);
    }
  });
  unwrap(await watcher.connect());
  const publisher = new MqttTransport({
    url: running.brokerUrl,
    clientId: 'demo-devices',
    protocolVersion: 4,
    clean: true,
  });
  unwrap(await publisher.connect());
  const publish = async (device: DemoDevice, bytes: Uint8Array, topic = device.topic(APP)): Promise<void> => {
    unwrap(await publisher.publish(topic, bytes, { qos: 1 }));
  };

  const [first, second, third] = fleet as [DemoDevice, DemoDevice, DemoDevice];
  let sent = 0;
  const rounds = seconds * 5;
  let captured: Uint8Array | undefined;
  for (let round = 0; round < rounds; round++) {
    for (const device of fleet) {
      if (device === third && round > Math.floor(rounds / 2)) continue; // revoked half-way
      const bytes = await device.reading({ seq: round, temp: 20 + Math.round(Math.random() * 50) / 10 });
      captured ??= bytes;
      await publish(device, bytes);
      sent++;
    }
    if (round === Math.floor(rounds / 2)) {
      await sleep(300); // this round's readings are verified before the revocation
      unwrap(await registry.revoke(third.did, { reason: 'reported stolen' }));
      print(`revoked    ${third.name} (the registry file changed; the gateway follows it)`);
      await sleep(400);
      await publish(third, await third.reading({ seq: -1 }));
    }
    await sleep(200);
  }
  // The attacks, each once.
  await publish(first, captured as Uint8Array); // replayed: a duplicate of a forwarded message is not forwarded again
  await publish(second, await first.reading({ seq: 'spoof' }), second.topic(APP));
  await publish(first, await first.reading({ seq: 'escalate' }, { scope: 'firmware' }));
  await publish(first, await first.reading({ seq: 'old' }, { timestamp: Date.now() - 3_600_000 }));
  await publish(first, await first.reading({ seq: 'ahead' }, { timestamp: Date.now() + 3_600_000 }));
  await publish(first, new TextEncoder().encode('{"not":"an envelope"'));
  await publish(stranger, await stranger.reading({ seq: 0 }));
  await sleep(800);

  const total = [...verified.values()].reduce((a, b) => a + b, 0);
  for (const device of fleet) print(`verified   ${device.name.padEnd(10)} ${verified.get(device.name) ?? 0} readings`);
  print(
    `summary    sent ${sent} valid readings, ${total} verified and forwarded once, ${[...refused.values()].reduce((a, b) => a + b, 0)} refused into dlq/${APP}/…`,
  );
  const expected = [
    'verification-failed.revoked',
    'verification-failed.topic-mismatch',
    'scope-denied',
    'timestamp-expired',
    'timestamp-expired.future',
    'verification-failed.unknown-kid',
  ];
  const missing = expected.filter((reason) => !refused.has(reason));
  const garbageRefused = [...refused.keys()].some(
    (r) => r.startsWith('parse-failed') || r.startsWith('envelope-invalid'),
  );
  await publisher.close();
  await watcher.close();
  await running.stop();
  await registry.close();
  rmSync(dir, { recursive: true, force: true });
  const ok = total === sent && missing.length === 0 && garbageRefused;
  if (!ok)
    print(
      `FAILED     verified ${total} of ${sent}; refusals missing: ${missing.join(', ') || 'none'}; garbage refused: ${garbageRefused}`,
    );
  return ok ? 0 : 1;
}
