/**
 * node:crypto KeyObjects for raw keys, made cheaply: a JWK public key imports
 * in about 15 µs where SPKI DER takes about 150 µs, and private keys, whose
 * only raw import is PKCS#8 DER (about 0.5 ms), are cached per caller-owned
 * array (../secret-key-cache.ts). Figures: BENCHMARKS.md.
 */
import { createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import { base64urlEncode } from '../../codec/base64url.js';
import { ed25519SeedToPkcs8, x25519SecretToPkcs8 } from '../pkcs8.js';
import { createSecretKeyCache } from '../secret-key-cache.js';

export type OkpCurve = 'Ed25519' | 'X25519';

export interface KeyObjects {
  privateKey(curve: OkpCurve, secret: Uint8Array): KeyObject;
  publicKey(curve: OkpCurve, raw: Uint8Array): KeyObject;
}

export function createKeyObjects(): KeyObjects {
  const cache = createSecretKeyCache<KeyObject>();
  return {
    privateKey(curve, secret) {
      const cached = cache.get(secret, curve);
      if (cached !== undefined) return cached;
      const der = curve === 'Ed25519' ? ed25519SeedToPkcs8(secret) : x25519SecretToPkcs8(secret);
      const key = createPrivateKey({ key: Buffer.from(der), format: 'der', type: 'pkcs8' });
      cache.set(secret, curve, key);
      return key;
    },
    publicKey(curve, raw) {
      return createPublicKey({ key: { kty: 'OKP', crv: curve, x: base64urlEncode(raw) }, format: 'jwk' });
    },
  };
}
