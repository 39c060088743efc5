/**
 * `xlink demo`: the README's example as a command. Two identities are made,
 * one signs a telemetry reading, the other verifies it knowing only the DID,
 * and a tampered copy is refused with its error code. Exit code 0 only when
 * every step behaves.
 */

import { utf8Encode } from '../codec/bytes.js';
import { createNobleCrypto } from '../crypto/noble/index.js';
import { createNodeCrypto } from '../crypto/node/index.js';
import type { CryptoBackendName, CryptoProvider } from '../crypto/provider.js';
import { createWebCrypto } from '../crypto/webcrypto/index.js';
import { generateIdentity } from '../identity/derive.js';
import { signMessage, verifyMessage } from '../identity/signature.js';

const BACKENDS: Record<CryptoBackendName, () => CryptoProvider> = {
  node: createNodeCrypto,
  webcrypto: () => createWebCrypto(),
  noble: () => createNobleCrypto(),
};

export function isCryptoBackendName(name: unknown): name is CryptoBackendName {
  return typeof name === 'string' && Object.hasOwn(BACKENDS, name);
}

export async function runDemo(backend: CryptoBackendName, print: (line: string) => void): Promise<number> {
  const crypto = BACKENDS[backend]();
  const sensor = await generateIdentity({ crypto });
  const gateway = await generateIdentity({ crypto });
  if (!sensor.ok || !gateway.ok) {
    print(`identity generation failed: ${sensor.ok ? '' : sensor.error.code} ${gateway.ok ? '' : gateway.error.code}`);
    return 1;
  }
  print(`backend  ${crypto.name}`);
  print(`sensor   ${sensor.value.did}`);
  print(`gateway  ${gateway.value.did}`);

  const reading = utf8Encode(JSON.stringify({ temp: 22.5, at: new Date().toISOString() }));
  const signature = await signMessage(sensor.value, reading, { crypto });
  const verified = await verifyMessage(sensor.value.did, reading, signature, { crypto });
  print(`verify   ${verified.ok ? 'ok' : verified.error.code}`);

  const tampered = reading.slice();
  tampered[0] = (tampered[0] as number) ^ 1;
  const refused = await verifyMessage(sensor.value.did, tampered, signature, { crypto });
  print(`tampered ${refused.ok ? 'ACCEPTED (bug)' : refused.error.code}`);

  const impostor = await verifyMessage(gateway.value.did, reading, signature, { crypto });
  print(`wrong did ${impostor.ok ? 'ACCEPTED (bug)' : impostor.error.code}`);
  return verified.ok && !refused.ok && !impostor.ok ? 0 : 1;
}
