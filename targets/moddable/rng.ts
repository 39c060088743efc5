/**
 * The random source of a Moddable board: the `rng` module of modules/crypt.
 *
 *   import RNG from 'rng';
 *   const random = moddableRandomSource(RNG);
 *
 * Where it is sound: on ESP32 `rng` is an RC4 keystream seeded from
 * `esp_random()`, the hardware RNG (true random once Wi-Fi or Bluetooth runs).
 * On nRF52 and Raspberry Pi Pico builds it is seeded from libc `rand`, which
 * is predictable: there it may only blind noble's multiplications (whose
 * security does not rest on it) and must never make a nonce or key. xlink's
 * device readings use counters, never random nonces, for exactly this reason
 * (docs/devices.md).
 */
import type { RandomSource } from 'xlink/platform';

export interface ModdableRng {
  get(length: number): ArrayBuffer;
}

export function moddableRandomSource(rng: ModdableRng): RandomSource {
  return (length) => new Uint8Array(rng.get(length));
}
