/**
 * One-shot forms of the prepared-key capabilities, for tests that check a
 * single operation against a vector: each call prepares the key and uses it
 * once, exactly as a caller who needs it once would.
 *
 *   const signature = await ed25519Sign(crypto, seed, message);
 */
import type { Ed25519Signing, Ed25519Verifying, KeyAgreement } from '../../src/crypto/provider.js';

export async function ed25519PublicKey(crypto: Ed25519Signing, seed: Uint8Array): Promise<Uint8Array> {
  return (await crypto.ed25519Signer(seed)).publicKey;
}

export async function ed25519Sign(crypto: Ed25519Signing, seed: Uint8Array, message: Uint8Array): Promise<Uint8Array> {
  return (await crypto.ed25519Signer(seed)).sign(message);
}

export async function ed25519Verify(
  crypto: Ed25519Verifying,
  publicKey: Uint8Array,
  message: Uint8Array,
  signature: Uint8Array,
): Promise<boolean> {
  return (await crypto.ed25519Verifier(publicKey)).verify(message, signature);
}

export async function x25519PublicKey(crypto: KeyAgreement, secretKey: Uint8Array): Promise<Uint8Array> {
  return (await crypto.x25519PrivateKey(secretKey)).publicKey;
}

export async function x25519SharedSecret(
  crypto: KeyAgreement,
  secretKey: Uint8Array,
  peerPublicKey: Uint8Array,
): Promise<Uint8Array> {
  return (await crypto.x25519PrivateKey(secretKey)).sharedSecret(peerPublicKey);
}
