/**
 * X25519 in pure JavaScript: the key-agreement capability of the noble
 * backend, importable alone (a sensor that only signs never imports it).
 *
 *   const ka = nobleX25519(random);
 *   const mine = ka.x25519PrivateKey(secret);                 // public key derived once
 *   const shared = mine.sharedSecret(peerPublicKey);          // canonical, on-curve peers only
 *   const { ephemeralPublicKey, sharedSecret } = ka.x25519Ephemeral(peerPublicKey);
 *
 * noble's Montgomery ladder (RFC 7748) over the same random source as the rest
 * of the backend: the fixed-base multiplication for public keys runs on the
 * blinded edwards25519 group (noble's own x25519 instance would blind with the
 * global RNG it found at import), mapped to Montgomery u = (Z + Y) / (Z - Y).
 * Peer keys pass xlink's rule (x25519-public-key.ts) before any arithmetic.
 */
import { montgomery } from '@noble/curves/abstract/montgomery.js';
import { assertBytes, copyBytes } from '../../codec/bytes.js';
import type { RandomSource } from '../../platform/random.js';
import { type KeyAgreement, X25519_KEY_LENGTH, type X25519Ephemeral, type X25519PrivateKey } from '../provider.js';
import { assertNonZeroSharedSecret, assertX25519PublicKey, zeroSharedSecret } from '../x25519-public-key.js';
import { edwards25519, type NobleRandomBytes } from './edwards25519.js';

export interface SyncX25519PrivateKey extends X25519PrivateKey {
  sharedSecret(peerPublicKey: Uint8Array): Uint8Array;
}

export interface NobleX25519 extends KeyAgreement {
  x25519PrivateKey(secretKey: Uint8Array): SyncX25519PrivateKey;
  x25519Ephemeral(peerPublicKey: Uint8Array): X25519Ephemeral;
}

export function nobleX25519(random: RandomSource): NobleX25519 {
  const { Point } = edwards25519(random);
  const { Fp, Fn } = Point;
  const x25519 = montgomery({
    P: Fp.ORDER,
    type: 'x25519',
    adjustScalarBytes: clamp,
    powPminus2: (x) => Fp.pow(x, Fp.ORDER - BigInt(2)),
    randomBytes: random as NobleRandomBytes,
    // [k]B on the birationally equivalent Edwards curve, with its cached base table.
    scalarMultBase: (k) => {
      // The clamped k exceeds the group order, but B has prime order, so [k]B = [k mod L]B.
      const reduced = Fn.create(k);
      // [0]B is the point at infinity, whose u is 0 in the x-only ladder: montgomery() refuses it alike.
      if (reduced === BigInt(0)) return reduced;
      const p = Point.BASE.multiply(reduced);
      return Fp.mul(Fp.add(p.Z, p.Y), Fp.inv(Fp.sub(p.Z, p.Y)));
    },
  });

  function sharedSecret(secretKey: Uint8Array, peerPublicKey: Uint8Array): Uint8Array {
    assertBytes(peerPublicKey, 'publicKey', X25519_KEY_LENGTH);
    assertX25519PublicKey(peerPublicKey);
    let shared: Uint8Array;
    try {
      shared = x25519.getSharedSecret(secretKey, peerPublicKey);
    } catch (cause) {
      // noble refuses the low-order u values before running the ladder; on a
      // clamped scalar each of them yields the all-zero secret, which the
      // other backends report as ECDH_FAILED, so this one does too.
      throw zeroSharedSecret(cause);
    }
    assertNonZeroSharedSecret(shared);
    return shared;
  }

  return {
    x25519PrivateKey(secretKey) {
      assertBytes(secretKey, 'secretKey', X25519_KEY_LENGTH);
      const secret = copyBytes(secretKey);
      return {
        publicKey: x25519.getPublicKey(secret),
        sharedSecret: (peerPublicKey) => sharedSecret(secret, peerPublicKey),
      };
    },

    x25519Ephemeral(peerPublicKey) {
      assertBytes(peerPublicKey, 'publicKey', X25519_KEY_LENGTH);
      assertX25519PublicKey(peerPublicKey);
      const secret = random(X25519_KEY_LENGTH);
      return { ephemeralPublicKey: x25519.getPublicKey(secret), sharedSecret: sharedSecret(secret, peerPublicKey) };
    },
  };
}

/** RFC 7748 §5 decodeScalar25519 pruning (in place, on a copy noble hands over). */
function clamp(bytes: Uint8Array): Uint8Array {
  bytes[0] = (bytes[0] as number) & 248;
  bytes[31] = ((bytes[31] as number) & 127) | 64;
  return bytes;
}
