/**
 * Randomness, injected: the platform CSPRNG on hosts, the hardware RNG on
 * devices. Every consumer (nonces, IVs, ephemeral keys, noble's scalar
 * blinding) draws from the one source the entry point hands in.
 *
 *   const random = webRandomSource(globalThis.crypto);      // browsers, Node, Deno, Workers
 *   const random = checkedRandomSource((n) => device.rng(n)); // a device's own generator
 *
 * A source that throws, or returns anything but a fresh Uint8Array of exactly
 * the length asked, would silently weaken every key and nonce; the checked
 * source turns that into RANDOM_SOURCE_FAILED on the call that asked.
 */
import { quote, xlinkError } from '../errors.js';

/** `length` fresh random bytes. */
export type RandomSource = (length: number) => Uint8Array;

/** getRandomValues fills at most 65536 bytes per call (QuotaExceededError beyond). */
const RANDOM_VALUES_CHUNK = 65536;

/** `source` with every answer checked; failures become RANDOM_SOURCE_FAILED with the cause kept. */
export function checkedRandomSource(source: RandomSource): RandomSource {
  if (typeof source !== 'function') {
    throw xlinkError('INVALID_ARGUMENT', `"random" expected a function (length) => Uint8Array, got ${quote(source)}`, {
      field: 'random',
    });
  }
  return (length) => {
    let out: unknown;
    try {
      out = source(length);
    } catch (cause) {
      throw xlinkError('RANDOM_SOURCE_FAILED', `the random source threw when asked for ${length} bytes`, { cause });
    }
    if (out instanceof Uint8Array && out.length === length) return out;
    const got = out instanceof Uint8Array ? `${out.length} bytes` : quote(out);
    throw xlinkError('RANDOM_SOURCE_FAILED', `the random source returned ${got} when asked for ${length} bytes`);
  };
}

/** A checked source over Web Crypto's `getRandomValues` (browsers, Node, Deno, Bun, Workers). */
export function webRandomSource(crypto: { getRandomValues(array: Uint8Array<ArrayBuffer>): unknown }): RandomSource {
  if (typeof crypto?.getRandomValues !== 'function') {
    throw xlinkError('INVALID_ARGUMENT', '"crypto" expected an object with getRandomValues (globalThis.crypto)', {
      field: 'crypto',
    });
  }
  return checkedRandomSource((length) => {
    const out = new Uint8Array(length);
    for (let offset = 0; offset < length; offset += RANDOM_VALUES_CHUNK) {
      crypto.getRandomValues(out.subarray(offset, offset + RANDOM_VALUES_CHUNK));
    }
    return out;
  });
}
