/**
 * The pure-JavaScript crypto backend, for engines without Web Crypto
 * (Moddable XS, QuickJS) and as the reference the native backends are tested
 * against. Assembled from parts a bundle can import alone.
 *
 *   import { createNobleCrypto } from 'xlink/crypto/noble';
 *   const crypto = createNobleCrypto({ random: (n) => device.rng(n) });
 *
 *   // a device that only signs takes just the parts it uses:
 *   import { nobleEd25519Signing } from 'xlink/crypto/noble/ed25519';
 *   import { nobleHashing } from 'xlink/crypto/noble/hashing';
 *
 * The random source is required: the entry point decides where entropy comes
 * from (`webRandomSource(globalThis.crypto)` on hosts, the hardware RNG on a
 * device), and every part draws from it, noble's scalar blinding included.
 * Limits: needs BigInt; constant-time only as far as a JavaScript engine lets
 * it be. Every method answers synchronously.
 */
import { checkedRandomSource, type RandomSource } from '../../platform/random.js';
import { assertByteCount, RANDOM_BYTES_MAX } from '../arguments.js';
import { mlDsa65, type SyncPostQuantumSignatures } from '../ml-dsa.js';
import { mlKem768, type SyncPostQuantumKem } from '../ml-kem.js';
import { nobleAesGcm, type SyncAead } from './aes-gcm.js';
import {
  type NobleEd25519Signing,
  type NobleEd25519Verifying,
  nobleEd25519Signing,
  nobleEd25519Verifying,
} from './ed25519.js';
import { nobleHashing, type SyncHashing } from './hashing.js';
import { type NobleX25519, nobleX25519 } from './x25519.js';

export interface NobleCryptoOptions {
  /** The platform CSPRNG or the device's hardware RNG; its answers are checked on every call. */
  readonly random: RandomSource;
}

/** The noble backend: every capability of a `CryptoProvider`, all of them synchronous. */
export interface NobleCrypto
  extends NobleEd25519Signing,
    NobleEd25519Verifying,
    SyncHashing,
    NobleX25519,
    SyncAead,
    SyncPostQuantumKem,
    SyncPostQuantumSignatures {
  readonly name: 'noble';
  randomBytes(length: number): Uint8Array;
}

export function createNobleCrypto(options: NobleCryptoOptions): NobleCrypto {
  const random = checkedRandomSource(options?.random);
  return {
    name: 'noble',
    randomBytes(length) {
      assertByteCount(length, 'length', RANDOM_BYTES_MAX);
      return random(length);
    },
    ...nobleEd25519Signing(random),
    ...nobleEd25519Verifying(random),
    ...nobleHashing(),
    ...nobleX25519(random),
    ...nobleAesGcm(),
    ...mlKem768(random),
    ...mlDsa65(random),
  };
}

export { nobleAesGcm, nobleEd25519Signing, nobleEd25519Verifying, nobleHashing, nobleX25519 };
