/**
 * A cache of imported private keys (node:crypto KeyObjects, Web Crypto
 * CryptoKeys) per secret-key array the caller owns. Native imports are slow
 * (OpenSSL 3 decodes PKCS#8 DER in about 0.5 ms, ten times a signature), and
 * an identity signs with the same array again and again.
 *
 * Entries live in a WeakMap keyed by the caller's array, so they vanish with
 * it and nothing secret becomes a string; every hit re-compares the bytes, so
 * a caller who overwrites its array in place never gets the old key back.
 *
 * Limit: the entry holds a copy of the secret and the imported key for as long
 * as the caller's array is reachable. Zeroing the array does not erase them;
 * dropping the last reference to it does (at the next garbage collection).
 */
import { constantTimeEqual } from '../codec/bytes.js';

export interface SecretKeyCache<K> {
  get(secret: Uint8Array, algorithm: string): K | undefined;
  set(secret: Uint8Array, algorithm: string, key: K): void;
}

interface Entry<K> {
  readonly algorithm: string;
  readonly bytes: Uint8Array;
  readonly key: K;
}

export function createSecretKeyCache<K>(): SecretKeyCache<K> {
  const entries = new WeakMap<Uint8Array, Entry<K>>();
  return {
    get(secret, algorithm) {
      const entry = entries.get(secret);
      if (entry === undefined || entry.algorithm !== algorithm || !constantTimeEqual(entry.bytes, secret))
        return undefined;
      return entry.key;
    },
    set(secret, algorithm, key) {
      entries.set(secret, { algorithm, bytes: secret.slice(), key });
    },
  };
}
