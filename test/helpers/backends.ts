/**
 * One instance of every crypto backend, for suites that must hold for all.
 *
 *   for (const backend of backends) test(backend.name, async () => { … });
 *
 * `outcome` runs a provider call and folds an XlinkError into a plain value,
 * so a suite can compare what backends did; anything else thrown (a raw
 * TypeError from a native API, say) is a bug and propagates.
 */
import { createNobleCrypto } from '../../src/crypto/noble/index.js';
import { createNodeCrypto } from '../../src/crypto/node/index.js';
import type { CryptoProvider } from '../../src/crypto/provider.js';
import { createWebCrypto } from '../../src/crypto/webcrypto/index.js';
import { type ErrorCode, isErrorCode, isXlinkError } from '../../src/errors.js';
import { webRandomSource } from '../../src/platform/random.js';

export const backends: readonly CryptoProvider[] = [
  createNodeCrypto(),
  createWebCrypto(globalThis.crypto),
  createNobleCrypto({ random: webRandomSource(globalThis.crypto) }),
];

export type Outcome<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly code: ErrorCode };

export async function outcome<T>(fn: () => T | Promise<T>): Promise<Outcome<T>> {
  try {
    return { ok: true, value: await fn() };
  } catch (error) {
    if (isXlinkError(error) && isErrorCode(error.code)) return { ok: false, code: error.code };
    const description = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    throw new Error(`expected an XlinkError with a catalogue code, got ${description}`, { cause: error });
  }
}

/** Resolves to the catalogue code `fn` is refused with; fails when it succeeds or throws something else. */
export async function refusalCode(fn: () => unknown): Promise<ErrorCode> {
  const result = await outcome(fn);
  if (result.ok) throw new Error('expected a refusal (XlinkError), but the call succeeded');
  return result.code;
}
