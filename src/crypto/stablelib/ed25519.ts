/**
 * Ed25519 without BigInt, for ES5 engines (Espruino, Duktape): the signing and
 * verifying capabilities over @stablelib/ed25519, each importable alone.
 *
 *   const signer = stablelibEd25519Signing().ed25519Signer(seed); // public key derived once
 *   const signature = signer.sign(message);                       // synchronous
 *
 * Why @stablelib/ed25519 and not tweetnacl (both TweetNaCl's constant-time
 * field arithmetic on Float64Array limbs): tweetnacl is one file (box,
 * secretbox, scalarmult and sign together, 32 KB minified as nacl-fast) that
 * no bundler can split, and on Espruino it needed about 11,000 variables and
 * 10 s per signature against stablelib's 3,500–5,000 and 7.5 s (x86 build):
 * only stablelib fits a board. On Duktape nacl-fast signs at about the same
 * speed (BENCHMARKS.md, devices). Its signatures are byte-identical to the noble
 * backend's (RFC 8032, Wycheproof: test/crypto/stablelib.test.ts).
 *
 * Signing needs no randomness (RFC 8032 is deterministic and stablelib does
 * not blind), so this backend takes no random source. Verification applies
 * xlink's strict rules (ed25519-strict.ts) before stablelib's own check, which
 * is cofactorless: the same signatures pass here as in every other backend.
 * Limits: about 20× slower than noble where BigInt exists; ES5 syntax only
 * after the target build's transpile step (targets/espruino).
 */
import { generateKeyPairFromSeed, sign, verify } from '@stablelib/ed25519';
import { assertBytes, copyBytes } from '../../codec/bytes.js';
import { isAcceptableEd25519PublicKey, passesEd25519SignatureChecks } from '../ed25519-strict.js';
import {
  ED25519_KEY_LENGTH,
  type Ed25519Signer,
  type Ed25519Signing,
  type Ed25519Verifier,
  type Ed25519Verifying,
} from '../provider.js';

export interface StablelibEd25519Signer extends Ed25519Signer {
  sign(message: Uint8Array): Uint8Array;
}

export interface StablelibEd25519Verifier extends Ed25519Verifier {
  verify(message: Uint8Array, signature: Uint8Array): boolean;
}

export interface StablelibEd25519Signing extends Ed25519Signing {
  ed25519Signer(seed: Uint8Array): StablelibEd25519Signer;
}

export interface StablelibEd25519Verifying extends Ed25519Verifying {
  ed25519Verifier(publicKey: Uint8Array): StablelibEd25519Verifier;
}

export function stablelibEd25519Signing(): StablelibEd25519Signing {
  return {
    ed25519Signer(seed) {
      assertBytes(seed, 'seed', ED25519_KEY_LENGTH);
      // stablelib's 64-byte secret key is seed ‖ public key; it hashes the seed again per signature (cheap beside the scalar multiplication).
      const { publicKey, secretKey } = generateKeyPairFromSeed(seed);
      return {
        publicKey: copyBytes(publicKey),
        sign(message) {
          assertBytes(message, 'message');
          return sign(secretKey, message);
        },
      };
    },
  };
}

export function stablelibEd25519Verifying(): StablelibEd25519Verifying {
  return {
    ed25519Verifier(publicKey) {
      assertBytes(publicKey, 'publicKey');
      const key = copyBytes(publicKey);
      const acceptable = key.length === ED25519_KEY_LENGTH && isAcceptableEd25519PublicKey(key);
      return {
        publicKey: key,
        verify(message, signature) {
          assertBytes(message, 'message');
          assertBytes(signature, 'signature');
          if (!acceptable || !passesEd25519SignatureChecks(signature)) return false;
          return verify(key, message, signature);
        },
      };
    },
  };
}
