/**
 * ML-KEM-768 (FIPS 203) for every backend: neither node:crypto (Node 20) nor
 * Web Crypto has it, so all three call @noble/post-quantum through this
 * capability and behave identically.
 *
 *   const kem = mlKem768(random);
 *   const { ciphertext, sharedSecret } = kem.mlKem768Encapsulate(recipientPublicKey);
 *
 * Randomness comes from the source passed in, never from the library's own,
 * so device targets control where entropy comes from.
 */
import { ml_kem768 } from '@noble/post-quantum/ml-kem.js';
import { assertBytes } from '../codec/bytes.js';
import { xlinkError } from '../errors.js';
import type { RandomSource } from '../platform/random.js';
import {
  type KemEncapsulation,
  type KeyPair,
  ML_KEM_768_CIPHERTEXT_LENGTH,
  ML_KEM_768_PUBLIC_KEY_LENGTH,
  ML_KEM_768_SECRET_KEY_LENGTH,
  ML_KEM_768_SEED_LENGTH,
  type PostQuantumKem,
} from './provider.js';

/** FIPS 203 `m` is 32 bytes. */
const ENTROPY_LENGTH = 32;

export interface SyncPostQuantumKem extends PostQuantumKem {
  mlKem768KeyPair(seed: Uint8Array): KeyPair;
  mlKem768Encapsulate(publicKey: Uint8Array, entropy?: Uint8Array): KemEncapsulation;
  mlKem768Decapsulate(secretKey: Uint8Array, ciphertext: Uint8Array): Uint8Array;
}

export function mlKem768(random: RandomSource): SyncPostQuantumKem {
  return {
    mlKem768KeyPair(seed) {
      assertBytes(seed, 'seed', ML_KEM_768_SEED_LENGTH);
      const { publicKey, secretKey } = ml_kem768.keygen(seed);
      return { publicKey, secretKey };
    },

    mlKem768Encapsulate(publicKey, entropy) {
      assertBytes(publicKey, 'publicKey', ML_KEM_768_PUBLIC_KEY_LENGTH);
      const m = entropy ?? random(ENTROPY_LENGTH);
      assertBytes(m, 'entropy', ENTROPY_LENGTH);
      let result: { cipherText: Uint8Array; sharedSecret: Uint8Array };
      try {
        result = ml_kem768.encapsulate(publicKey, m);
      } catch (cause) {
        // FIPS 203 §7.2 input check: a coefficient >= q means a forged or corrupted key.
        throw xlinkError('INVALID_PUBLIC_KEY:ML_KEM', 'ML-KEM-768 encapsulation key failed the modulus check', {
          field: 'publicKey',
          cause,
        });
      }
      return { ciphertext: result.cipherText, sharedSecret: result.sharedSecret };
    },

    /** FIPS 203 implicit rejection: a tampered ciphertext yields an unrelated secret, not an error. */
    mlKem768Decapsulate(secretKey, ciphertext) {
      assertBytes(secretKey, 'secretKey', ML_KEM_768_SECRET_KEY_LENGTH);
      assertBytes(ciphertext, 'ciphertext', ML_KEM_768_CIPHERTEXT_LENGTH);
      try {
        return ml_kem768.decapsulate(ciphertext, secretKey);
      } catch (cause) {
        // FIPS 203 §7.3 checks the secret key's embedded hash of the public key.
        throw xlinkError('INVALID_ARGUMENT', 'ML-KEM-768 decapsulation key failed the FIPS 203 consistency check', {
          field: 'secretKey',
          cause,
        });
      }
    },
  };
}
