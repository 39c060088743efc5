// The sign-only device as the 1.0 budget defines it: the noble Ed25519 signer,
// the telemetry profile and a counter in flash. Its key arrives prepared by
// provisioning (the Ed25519 seed and kid that signingKeyFromSeed derives from
// the factory seed), so it carries no HKDF and no SHA-256.
// test/bundle.test.ts builds this file as a firmware build would.
import { nobleEd25519Signing } from '../../src/crypto/noble/ed25519.js';
import { sealTelemetry } from '../../src/envelope/telemetry.js';
import { checkedRandomSource, type RandomSource } from '../../src/platform/random.js';
import type { KeyValueStorage } from '../../src/platform/storage.js';
import { CounterSequence } from '../../src/replay/counter-sequence.js';

export interface ProvisionedKey {
  readonly ed25519Seed: Uint8Array;
  readonly kid: Uint8Array;
}

export async function boot(
  provisioned: ProvisionedKey,
  random: RandomSource,
  storage: KeyValueStorage,
): Promise<(payload: Uint8Array) => Promise<Uint8Array>> {
  const signer = nobleEd25519Signing(checkedRandomSource(random)).ed25519Signer(provisioned.ed25519Seed);
  const key = { kid: provisioned.kid, signer };
  const counters = new CounterSequence({ storage, persistEvery: 100 });
  return async (payload) =>
    sealTelemetry(key, { audience: 'acme-fleet', scope: 'telemetry', counter: await counters.next(), payload });
}
