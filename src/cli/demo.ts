/**
 * `xlink demo`: the protocol end to end on embedded defaults (a memory trust
 * registry, a loopback transport, memory replay stores). A sensor agent sends
 * an encrypted reading to a gateway agent, then the attacks a gateway sees
 * every day are tried and refused, each with its error code. Exit code 0 only
 * when every step behaves.
 */

import { Agent } from '../agent/agent.js';
import { createNobleCrypto } from '../crypto/noble/index.js';
import { createNodeCrypto } from '../crypto/node/index.js';
import type { CryptoProvider } from '../crypto/provider.js';
import { createWebCrypto } from '../crypto/webcrypto/index.js';
import type { Result } from '../errors.js';
import { webRandomSource } from '../platform/random.js';
import { MemoryTrustRegistry } from '../registry/memory-trust-registry.js';
import { LoopbackTransport } from '../transport/loopback.js';

export type DemoBackend = 'node' | 'webcrypto' | 'noble';

const BACKENDS: Record<DemoBackend, () => CryptoProvider> = {
  node: createNodeCrypto,
  webcrypto: () => createWebCrypto(globalThis.crypto),
  noble: () => createNobleCrypto({ random: webRandomSource(globalThis.crypto) }),
};

export function isDemoBackend(name: unknown): name is DemoBackend {
  return typeof name === 'string' && Object.hasOwn(BACKENDS, name);
}

export async function runDemo(backend: DemoBackend, print: (line: string) => void): Promise<number> {
  const crypto = BACKENDS[backend]();
  const registry = new MemoryTrustRegistry({ crypto });
  const transport = new LoopbackTransport();
  const sensor = await Agent.quickstart({ name: 'sensor-17', registry, transport, crypto, scopes: ['telemetry'] });
  const gateway = await Agent.quickstart({ name: 'gateway', registry, transport, crypto, postQuantumSig: true });
  print(`backend    ${crypto.name}`);
  print(`sensor     ${sensor.did}`);
  print(`gateway    ${gateway.did}`);

  let failures = 0;
  const expect = (label: string, result: Result<unknown>, code?: string): void => {
    const outcome = result.ok ? 'ok' : result.error.code;
    if (outcome !== (code ?? 'ok')) failures++;
    print(`${label.padEnd(10)} ${outcome}`);
  };

  const sent = await sensor.send({ to: gateway.did, payload: { temp: 22.5 }, scope: 'telemetry' });
  expect('send', sent);
  const envelope = transport.outbox[0];
  const received = await gateway.receive<{ temp: number }>(envelope);
  expect('receive', received);
  if (received.ok) print(`           ${received.value.version} from sensor-17, temp ${received.value.payload.temp}`);

  expect('replay', await gateway.receive(envelope), 'REPLAY_DETECTED');

  if (sent.ok && !(sent.value instanceof Uint8Array)) {
    const tampered = { ...sent.value, scope: 'firmware' };
    expect('tampered', await gateway.receive(tampered), 'VERIFICATION_FAILED:SIGNATURE_MISMATCH');
  }

  await sensor.send({ to: gateway.did, payload: { reboot: true }, scope: 'telemetry-admin' });
  expect('escalate', await gateway.receive(transport.outbox[1]), 'SCOPE_DENIED');

  return failures === 0 ? 0 : 1;
}
