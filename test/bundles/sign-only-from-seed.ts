// The sign-only device that holds only its factory seed: derives the Ed25519
// key (HKDF-SHA256, then SHA-256 for the kid) at boot, keeps a counter in
// flash, and seals telemetry-profile readings. test/bundle.test.ts builds this
// file as a firmware build would.
import { nobleEd25519Signing } from '../../src/crypto/noble/ed25519.js';
import { nobleHashing } from '../../src/crypto/noble/hashing.js';
import { type SyncTelemetryKey, sealTelemetry } from '../../src/envelope/telemetry.js';
import { signingKeyFromSeed } from '../../src/identity/derive.js';
import { checkedRandomSource, type RandomSource } from '../../src/platform/random.js';
import type { KeyValueStorage } from '../../src/platform/storage.js';
import { CounterSequence } from '../../src/replay/counter-sequence.js';

export async function boot(
  seed: Uint8Array,
  random: RandomSource,
  storage: KeyValueStorage,
): Promise<(payload: Uint8Array) => Promise<Uint8Array>> {
  const crypto = { ...nobleEd25519Signing(checkedRandomSource(random)), ...nobleHashing() };
  const key = await signingKeyFromSeed(seed, { crypto });
  if (!key.ok) throw new Error(key.error.code);
  const counters = new CounterSequence({ storage, persistEvery: 100 });
  return async (payload) =>
    sealTelemetry(key.value as SyncTelemetryKey, {
      audience: 'acme-fleet',
      scope: 'telemetry',
      counter: await counters.next(),
      payload,
    });
}
