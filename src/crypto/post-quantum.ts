/**
 * ML-KEM-768 (FIPS 203) and ML-DSA-65 (FIPS 204) for every backend. Neither
 * node:crypto (Node 20) nor Web Crypto offers them, so all three backends call
 * @noble/post-quantum through these functions and behave identically.
 *
 * Each backend spreads `postQuantumMethods(randomBytes)` into its provider.
 * Randomness always comes from the backend's own source, never from the
 * library's, so device targets control where entropy comes from.
 */
import { ml_dsa65 } from '@noble/post-quantum/ml-dsa.js';
import { ml_kem768 } from '@noble/post-quantum/ml-kem.js';
import { assertBytes } from '../codec/bytes.js';
import { xlinkError } from '../errors.js';
import {
  type CryptoProvider,
  type KemEncapsulation,
  type KeyPair,
  ML_DSA_65_PUBLIC_KEY_LENGTH,
  ML_DSA_65_SECRET_KEY_LENGTH,
  ML_DSA_65_SEED_LENGTH,
  ML_DSA_65_SIGNATURE_LENGTH,
  ML_KEM_768_CIPHERTEXT_LENGTH,
  ML_KEM_768_PUBLIC_KEY_LENGTH,
  ML_KEM_768_SECRET_KEY_LENGTH,
  ML_KEM_768_SEED_LENGTH,
} from './provider.js';

/** FIPS 203 `m` and FIPS 204 `rnd` are both 32 bytes. */
const ENTROPY_LENGTH = 32;

function mlKem768KeyPair(seed: Uint8Array): KeyPair {
  assertBytes(seed, 'seed', ML_KEM_768_SEED_LENGTH);
  const { publicKey, secretKey } = ml_kem768.keygen(seed);
  return { publicKey, secretKey };
}

function mlKem768Encapsulate(publicKey: Uint8Array, entropy: Uint8Array): KemEncapsulation {
  assertBytes(publicKey, 'publicKey', ML_KEM_768_PUBLIC_KEY_LENGTH);
  assertBytes(entropy, 'entropy', ENTROPY_LENGTH);
  let result: { cipherText: Uint8Array; sharedSecret: Uint8Array };
  try {
    result = ml_kem768.encapsulate(publicKey, entropy);
  } catch (cause) {
    // FIPS 203 §7.2 input check: a coefficient >= q means a forged or corrupted key.
    throw xlinkError('INVALID_PUBLIC_KEY:ML_KEM', 'ML-KEM-768 encapsulation key failed the modulus check', {
      field: 'publicKey',
      cause,
    });
  }
  return { ciphertext: result.cipherText, sharedSecret: result.sharedSecret };
}

/** FIPS 203 implicit rejection: a tampered ciphertext yields an unrelated secret, not an error. */
function mlKem768Decapsulate(ciphertext: Uint8Array, secretKey: Uint8Array): Uint8Array {
  assertBytes(ciphertext, 'ciphertext', ML_KEM_768_CIPHERTEXT_LENGTH);
  assertBytes(secretKey, 'secretKey', ML_KEM_768_SECRET_KEY_LENGTH);
  try {
    return ml_kem768.decapsulate(ciphertext, secretKey);
  } catch (cause) {
    // FIPS 203 §7.3 checks the secret key's embedded hash of the public key.
    throw xlinkError('INVALID_ARGUMENT', 'ML-KEM-768 decapsulation key failed the FIPS 203 consistency check', {
      field: 'secretKey',
      cause,
    });
  }
}

function mlDsa65KeyPair(seed: Uint8Array): KeyPair {
  assertBytes(seed, 'seed', ML_DSA_65_SEED_LENGTH);
  const { publicKey, secretKey } = ml_dsa65.keygen(seed);
  return { publicKey, secretKey };
}

function mlDsa65Sign(secretKey: Uint8Array, message: Uint8Array, entropy: Uint8Array): Uint8Array {
  assertBytes(secretKey, 'secretKey', ML_DSA_65_SECRET_KEY_LENGTH);
  assertBytes(message, 'message');
  assertBytes(entropy, 'entropy', ENTROPY_LENGTH);
  return ml_dsa65.sign(message, secretKey, { extraEntropy: entropy });
}

/** `false` for any signature that does not verify, including wrong lengths. */
function mlDsa65Verify(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
  assertBytes(publicKey, 'publicKey');
  assertBytes(message, 'message');
  assertBytes(signature, 'signature');
  if (publicKey.length !== ML_DSA_65_PUBLIC_KEY_LENGTH || signature.length !== ML_DSA_65_SIGNATURE_LENGTH) return false;
  try {
    return ml_dsa65.verify(signature, message, publicKey);
  } catch {
    return false;
  }
}

export type PostQuantumMethods = Pick<
  CryptoProvider,
  'mlKem768KeyPair' | 'mlKem768Encapsulate' | 'mlKem768Decapsulate' | 'mlDsa65KeyPair' | 'mlDsa65Sign' | 'mlDsa65Verify'
>;

/** The provider's post-quantum methods, drawing entropy from `randomBytes` unless a test supplies it. */
export function postQuantumMethods(randomBytes: (length: number) => Uint8Array): PostQuantumMethods {
  return {
    async mlKem768KeyPair(seed) {
      return mlKem768KeyPair(seed);
    },
    async mlKem768Encapsulate(publicKey, entropy) {
      return mlKem768Encapsulate(publicKey, entropy ?? randomBytes(ENTROPY_LENGTH));
    },
    async mlKem768Decapsulate(ciphertext, secretKey) {
      return mlKem768Decapsulate(ciphertext, secretKey);
    },
    async mlDsa65KeyPair(seed) {
      return mlDsa65KeyPair(seed);
    },
    async mlDsa65Sign(secretKey, message, entropy) {
      return mlDsa65Sign(secretKey, message, entropy ?? randomBytes(ENTROPY_LENGTH));
    },
    async mlDsa65Verify(publicKey, message, signature) {
      return mlDsa65Verify(publicKey, message, signature);
    },
  };
}
