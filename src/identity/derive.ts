/**
 * An xlink identity: four key pairs derived from one 32-byte seed, named by
 * the did:key of its Ed25519 key.
 *
 *   const crypto = createNobleCrypto();
 *   const created = await generateIdentity({ crypto });
 *   if (created.ok) store(created.value.seed);           // the only secret to keep
 *   const again = await identityFromSeed(seed, { crypto }); // same DID, same keys
 *
 * Derivation, FROZEN (a seed burned into a device today must name the same DID
 * in ten years; test/identity/derive-kat.test.ts pins it): HKDF-SHA256 with
 * ikm = seed, salt = utf8("xlink identity seed v1") and one info label per key,
 *   "xlink/v1/ed25519"    32 bytes, the Ed25519 seed (RFC 8032 secret key)
 *   "xlink/v1/x25519"     32 bytes, the X25519 secret (clamped where it is used)
 *   "xlink/v1/ml-kem-768" 64 bytes, the FIPS 203 key-generation seed d ‖ z
 *   "xlink/v1/ml-dsa-65"  32 bytes, the FIPS 204 key-generation seed ξ
 * Distinct labels make the four outputs independent, so no two keys share bytes
 * and a leak of one secret key reveals nothing about the others or the seed.
 * A different derivation needs new labels ("xlink/v2/…"), never changed ones.
 *
 * Limits: the seed must come from a CSPRNG (or a hardware RNG) and be exactly
 * 32 bytes; it is not a password, and nothing stretches it. Derivation runs
 * ML-KEM and ML-DSA key generation, a few milliseconds in pure JavaScript.
 */
import { assertBytes, utf8Encode } from '../codec/bytes.js';
import {
  type CryptoProvider,
  ED25519_KEY_LENGTH,
  type KeyPair,
  ML_DSA_65_SEED_LENGTH,
  ML_KEM_768_SEED_LENGTH,
  X25519_KEY_LENGTH,
} from '../crypto/provider.js';
import { attempt, type Result, xlinkError } from '../errors.js';
import { didFromEd25519PublicKey } from './did.js';

const IDENTITY_SEED_LENGTH = 32;

export interface Identity {
  /** `did:key:z6Mk…` of the Ed25519 public key. */
  readonly did: string;
  /** Signing key; `secretKey` is the 32-byte Ed25519 seed. */
  readonly ed25519: KeyPair;
  /** Classical key agreement; `secretKey` is the 32-byte X25519 secret. */
  readonly x25519: KeyPair;
  /** Post-quantum key encapsulation (FIPS 203). */
  readonly mlKem768: KeyPair;
  /** Post-quantum signatures (FIPS 204). */
  readonly mlDsa65: KeyPair;
}

/** A fresh identity together with the seed that recreates it. */
export interface GeneratedIdentity extends Identity {
  /** The 32-byte root secret: keep it, and `identityFromSeed` gives back every key. */
  readonly seed: Uint8Array;
}

const SALT = 'xlink identity seed v1';
const LABEL_ED25519 = 'xlink/v1/ed25519';
const LABEL_X25519 = 'xlink/v1/x25519';
const LABEL_ML_KEM_768 = 'xlink/v1/ml-kem-768';
const LABEL_ML_DSA_65 = 'xlink/v1/ml-dsa-65';

/** Derives the identity of a 32-byte seed; the same seed always gives the same identity. */
export async function identityFromSeed(
  seed: Uint8Array,
  { crypto }: { crypto: CryptoProvider },
): Promise<Result<Identity>> {
  return attempt(() => deriveIdentity(seed, crypto));
}

/** A new identity from 32 bytes of `crypto.randomBytes`; the result carries that seed. */
export async function generateIdentity({ crypto }: { crypto: CryptoProvider }): Promise<Result<GeneratedIdentity>> {
  return attempt(async () => {
    assertCryptoProvider(crypto);
    const seed = crypto.randomBytes(IDENTITY_SEED_LENGTH);
    return { ...(await deriveIdentity(seed, crypto)), seed };
  });
}

async function deriveIdentity(seed: unknown, crypto: CryptoProvider): Promise<Identity> {
  assertCryptoProvider(crypto);
  assertBytes(seed, 'seed');
  if (seed.length !== IDENTITY_SEED_LENGTH) {
    throw xlinkError(
      'INVALID_SEED:LENGTH',
      `"seed" expected Uint8Array of length ${IDENTITY_SEED_LENGTH}, got length=${seed.length}`,
      { field: 'seed' },
    );
  }
  const salt = utf8Encode(SALT);
  const derive = (label: string, length: number): Promise<Uint8Array> =>
    crypto.hkdfSha256(seed, salt, utf8Encode(label), length);
  const [ed25519Seed, x25519Secret, mlKemSeed, mlDsaSeed] = await Promise.all([
    derive(LABEL_ED25519, ED25519_KEY_LENGTH),
    derive(LABEL_X25519, X25519_KEY_LENGTH),
    derive(LABEL_ML_KEM_768, ML_KEM_768_SEED_LENGTH),
    derive(LABEL_ML_DSA_65, ML_DSA_65_SEED_LENGTH),
  ]);
  const ed25519PublicKey = await crypto.ed25519PublicKey(ed25519Seed);
  return {
    did: didFromEd25519PublicKey(ed25519PublicKey),
    ed25519: { publicKey: ed25519PublicKey, secretKey: ed25519Seed },
    x25519: { publicKey: await crypto.x25519PublicKey(x25519Secret), secretKey: x25519Secret },
    mlKem768: await crypto.mlKem768KeyPair(mlKemSeed),
    mlDsa65: await crypto.mlDsa65KeyPair(mlDsaSeed),
  };
}

/**
 * A missing provider is a caller's mistake that would otherwise surface as a
 * TypeError deep inside; this names it. Checked by shape, since backends are plain objects.
 */
export function assertCryptoProvider(crypto: unknown): asserts crypto is CryptoProvider {
  if (typeof crypto === 'object' && crypto !== null && typeof (crypto as CryptoProvider).hkdfSha256 === 'function') {
    return;
  }
  throw xlinkError('INVALID_ARGUMENT', '"crypto" expected a CryptoProvider (createNodeCrypto(), createWebCrypto() …)', {
    field: 'crypto',
  });
}
