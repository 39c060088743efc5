/**
 * ML-DSA-65 (FIPS 204) for every backend, through @noble/post-quantum, for
 * the same reason as ml-kem.ts: no native implementation to call.
 *
 *   const pq = mlDsa65(random);
 *   const signature = pq.mlDsa65Sign(secretKey, message); // hedged: 32 fresh bytes of `random`
 *
 * Randomness comes from the source passed in, never from the library's own.
 */
import { ml_dsa65 } from '@noble/post-quantum/ml-dsa.js';
import { assertBytes } from '../codec/bytes.js';
import type { RandomSource } from '../platform/random.js';
import {
  type KeyPair,
  ML_DSA_65_PUBLIC_KEY_LENGTH,
  ML_DSA_65_SECRET_KEY_LENGTH,
  ML_DSA_65_SEED_LENGTH,
  ML_DSA_65_SIGNATURE_LENGTH,
  type PostQuantumSignatures,
} from './provider.js';

/** FIPS 204 `rnd` is 32 bytes. */
const ENTROPY_LENGTH = 32;

export interface SyncPostQuantumSignatures extends PostQuantumSignatures {
  mlDsa65KeyPair(seed: Uint8Array): KeyPair;
  mlDsa65Sign(secretKey: Uint8Array, message: Uint8Array, entropy?: Uint8Array): Uint8Array;
  mlDsa65Verify(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean;
}

export function mlDsa65(random: RandomSource): SyncPostQuantumSignatures {
  return {
    mlDsa65KeyPair(seed) {
      assertBytes(seed, 'seed', ML_DSA_65_SEED_LENGTH);
      const { publicKey, secretKey } = ml_dsa65.keygen(seed);
      return { publicKey, secretKey };
    },

    mlDsa65Sign(secretKey, message, entropy) {
      assertBytes(secretKey, 'secretKey', ML_DSA_65_SECRET_KEY_LENGTH);
      assertBytes(message, 'message');
      const rnd = entropy ?? random(ENTROPY_LENGTH);
      assertBytes(rnd, 'entropy', ENTROPY_LENGTH);
      return ml_dsa65.sign(message, secretKey, { extraEntropy: rnd });
    },

    /** `false` for any signature that does not verify, including wrong lengths. */
    mlDsa65Verify(publicKey, message, signature) {
      assertBytes(publicKey, 'publicKey');
      assertBytes(message, 'message');
      assertBytes(signature, 'signature');
      if (publicKey.length !== ML_DSA_65_PUBLIC_KEY_LENGTH || signature.length !== ML_DSA_65_SIGNATURE_LENGTH) {
        return false;
      }
      try {
        return ml_dsa65.verify(signature, message, publicKey);
      } catch {
        return false;
      }
    },
  };
}
