/**
 * ML-KEM-768 (FIPS 203) and ML-DSA-65 (FIPS 204) for every backend. Neither
 * node:crypto (Node 20) nor Web Crypto offers them, so all three backends call
 * @noble/post-quantum through these functions and behave identically.
 *
 * Randomness is always passed in (the backend's injected source), never drawn
 * by the library, so device targets control where entropy comes from.
 */
import { ml_dsa65 } from '@noble/post-quantum/ml-dsa.js';
import { ml_kem768 } from '@noble/post-quantum/ml-kem.js';
import { assertBytes } from '../codec/bytes.js';
import { xlinkError } from '../errors.js';
import {
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

export function mlKem768KeyPair(seed: Uint8Array): KeyPair {
  assertBytes(seed, 'seed', ML_KEM_768_SEED_LENGTH);
  const { publicKey, secretKey } = ml_kem768.keygen(seed);
  return { publicKey, secretKey };
}

export function mlKem768Encapsulate(publicKey: Uint8Array, entropy: Uint8Array): KemEncapsulation {
  assertBytes(publicKey, 'publicKey', ML_KEM_768_PUBLIC_KEY_LENGTH);
  assertBytes(entropy, 'entropy', 32);
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
export function mlKem768Decapsulate(ciphertext: Uint8Array, secretKey: Uint8Array): Uint8Array {
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

export function mlDsa65KeyPair(seed: Uint8Array): KeyPair {
  assertBytes(seed, 'seed', ML_DSA_65_SEED_LENGTH);
  const { publicKey, secretKey } = ml_dsa65.keygen(seed);
  return { publicKey, secretKey };
}

export function mlDsa65Sign(secretKey: Uint8Array, message: Uint8Array, entropy: Uint8Array): Uint8Array {
  assertBytes(secretKey, 'secretKey', ML_DSA_65_SECRET_KEY_LENGTH);
  assertBytes(message, 'message');
  assertBytes(entropy, 'entropy', 32);
  return ml_dsa65.sign(message, secretKey, { extraEntropy: entropy });
}

/** `false` for any signature that does not verify, including wrong lengths. */
export function mlDsa65Verify(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
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
