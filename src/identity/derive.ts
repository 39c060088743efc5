/**
 * An xlink identity: key pairs derived from one 32-byte seed, named by the
 * did:key of its Ed25519 key. A device derives only the keys it uses.
 *
 *   const created = await generateIdentity({ crypto });
 *   if (created.ok) store(created.value.seed);                    // the only secret to keep
 *   const again = await identityFromSeed(seed, { crypto });        // same DID, same keys
 *   const sensor = await signingKeyFromSeed(seed, { crypto });     // Ed25519 only: same key, 1/10 of the work
 *
 * Derivation, FROZEN (a seed burned into a device today must name the same DID
 * in ten years; test/identity/derive-kat.test.ts pins it): HKDF-SHA256 with
 * ikm = seed, salt = utf8("xlink identity seed v1") and one info label per key,
 *   "xlink/v1/ed25519"    32 bytes, the Ed25519 seed (RFC 8032 secret key)
 *   "xlink/v1/x25519"     32 bytes, the X25519 secret (clamped where it is used)
 *   "xlink/v1/ml-kem-768" 64 bytes, the FIPS 203 key-generation seed d ‖ z
 *   "xlink/v1/ml-dsa-65"  32 bytes, the FIPS 204 key-generation seed ξ
 *   "xlink/v1/telemetry-hmac" 32 bytes, the HMAC-SHA256 key of the telemetry MAC
 *                         profile (envelope/telemetry-mac.ts), for boards that cannot sign
 * Distinct labels make the four outputs independent, so each key derives on
 * its own (a signer needs one HKDF call and one Ed25519 key), no two keys share
 * bytes, and a leak of one secret key reveals nothing about the others or the
 * seed. A different derivation needs new labels ("xlink/v2/…"), never changed ones.
 *
 * Limits: the seed must come from a CSPRNG (or a hardware RNG) and be exactly
 * 32 bytes; it is not a password, and nothing stretches it. The full identity
 * runs ML-KEM and ML-DSA key generation (about a second on Moddable XS);
 * `signingKeyFromSeed` skips both.
 */
import { assertBytes, utf8Encode } from '../codec/bytes.js';
import {
  type CryptoProvider,
  ED25519_KEY_LENGTH,
  type Ed25519Signer,
  type Ed25519Signing,
  type Hashing,
  type KeyAgreement,
  type KeyPair,
  ML_DSA_65_SEED_LENGTH,
  ML_KEM_768_SEED_LENGTH,
  type PostQuantumKem,
  type PostQuantumSignatures,
  type Randomness,
  X25519_KEY_LENGTH,
} from '../crypto/provider.js';
import { attempt, type Result, xlinkError } from '../errors.js';
import { didFromEd25519PublicKey } from './did.js';
import { keyIdOf } from './kid.js';

export const IDENTITY_SEED_LENGTH = 32;

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

/**
 * What a device that only signs needs: the key id its telemetry names and the
 * prepared signing key. Its DID, when wanted, is
 * `didFromEd25519PublicKey(signer.publicKey)`: a sensor that never names
 * itself by DID does not carry the base58 and did:key code.
 */
export interface SigningKey {
  /** The 6-byte key id of the telemetry profile (kid.ts). */
  readonly kid: Uint8Array;
  readonly signer: Ed25519Signer;
}

/** The capabilities a full identity derivation uses. */
export type IdentityCrypto = Hashing & Ed25519Signing & KeyAgreement & PostQuantumKem & PostQuantumSignatures;

const SALT = 'xlink identity seed v1';
const LABEL_ED25519 = 'xlink/v1/ed25519';
const LABEL_X25519 = 'xlink/v1/x25519';
const LABEL_ML_KEM_768 = 'xlink/v1/ml-kem-768';
const LABEL_ML_DSA_65 = 'xlink/v1/ml-dsa-65';
const LABEL_TELEMETRY_HMAC = 'xlink/v1/telemetry-hmac';

/** Derives the full identity of a 32-byte seed; the same seed always gives the same identity. */
export function identityFromSeed(seed: Uint8Array, { crypto }: { crypto: IdentityCrypto }): Promise<Result<Identity>> {
  return attempt(() => deriveIdentity(seed, crypto));
}

/** A new identity from 32 bytes of `crypto.randomBytes`; the result carries that seed. */
export function generateIdentity({
  crypto,
}: {
  crypto: IdentityCrypto & Randomness;
}): Promise<Result<GeneratedIdentity>> {
  return attempt(async () => {
    assertCrypto(crypto, 'randomBytes');
    const seed = crypto.randomBytes(IDENTITY_SEED_LENGTH);
    return { ...(await deriveIdentity(seed, crypto)), seed };
  });
}

/** The Ed25519 key alone, prepared for signing: the same key, so the same DID, that `identityFromSeed` gives. */
export function signingKeyFromSeed(
  seed: Uint8Array,
  { crypto }: { crypto: Hashing & Ed25519Signing },
): Promise<Result<SigningKey>> {
  return attempt(async () => {
    assertCrypto(crypto, 'ed25519Signer');
    const signer = await crypto.ed25519Signer(await deriveKeySeed(seed, LABEL_ED25519, ED25519_KEY_LENGTH, crypto));
    return { kid: await keyIdOf(signer.publicKey, { crypto }), signer };
  });
}

/**
 * The device's key for the telemetry MAC profile: what the factory burns into
 * a board that cannot sign, and hands the gateway sealed. Independent of every
 * other key (its own label): leaking it forges that device's MAC readings, and
 * nothing else.
 */
export function telemetryMacKeyFromSeed(
  seed: Uint8Array,
  { crypto }: { crypto: Hashing },
): Promise<Result<Uint8Array>> {
  return attempt(async () => {
    assertCrypto(crypto, 'hkdfSha256');
    return deriveKeySeed(seed, LABEL_TELEMETRY_HMAC, 32, crypto);
  });
}

/** The keys an identity document without ML-DSA-65 names: every key of an Identity but that one. */
export type DocumentKeys = Omit<Identity, 'mlDsa65'>;

/**
 * The Ed25519, X25519 and ML-KEM-768 keys of `seed`, the same as
 * `identityFromSeed` derives, without ML-DSA-65 key generation (most of the
 * work): what a factory needs to publish a device's identity document.
 */
export function documentKeysFromSeed(
  seed: Uint8Array,
  { crypto }: { crypto: Omit<IdentityCrypto, keyof PostQuantumSignatures> },
): Promise<Result<DocumentKeys>> {
  return attempt(() => deriveDocumentKeys(seed, crypto));
}

async function deriveDocumentKeys(
  seed: Uint8Array,
  crypto: Omit<IdentityCrypto, keyof PostQuantumSignatures>,
): Promise<DocumentKeys> {
  assertCrypto(crypto as CryptoProvider, 'mlKem768KeyPair');
  const [ed25519Seed, x25519Secret, mlKemSeed] = await Promise.all([
    deriveKeySeed(seed, LABEL_ED25519, ED25519_KEY_LENGTH, crypto),
    deriveKeySeed(seed, LABEL_X25519, X25519_KEY_LENGTH, crypto),
    deriveKeySeed(seed, LABEL_ML_KEM_768, ML_KEM_768_SEED_LENGTH, crypto),
  ]);
  const ed25519PublicKey = (await crypto.ed25519Signer(ed25519Seed)).publicKey;
  return {
    did: didFromEd25519PublicKey(ed25519PublicKey),
    ed25519: { publicKey: ed25519PublicKey, secretKey: ed25519Seed },
    x25519: { publicKey: (await crypto.x25519PrivateKey(x25519Secret)).publicKey, secretKey: x25519Secret },
    mlKem768: await crypto.mlKem768KeyPair(mlKemSeed),
  };
}

async function deriveIdentity(seed: Uint8Array, crypto: IdentityCrypto): Promise<Identity> {
  assertCrypto(crypto, 'mlDsa65KeyPair');
  const [keys, mlDsaSeed] = await Promise.all([
    deriveDocumentKeys(seed, crypto),
    deriveKeySeed(seed, LABEL_ML_DSA_65, ML_DSA_65_SEED_LENGTH, crypto),
  ]);
  return { ...keys, mlDsa65: await crypto.mlDsa65KeyPair(mlDsaSeed) };
}

/** One key's secret from the identity seed: HKDF-SHA256 under that key's frozen label. */
async function deriveKeySeed(seed: unknown, label: string, length: number, crypto: Hashing): Promise<Uint8Array> {
  assertBytes(seed, 'seed');
  if (seed.length !== IDENTITY_SEED_LENGTH) {
    throw xlinkError(
      'INVALID_SEED:LENGTH',
      `"seed" expected Uint8Array of length ${IDENTITY_SEED_LENGTH}, got length=${seed.length}`,
      { field: 'seed' },
    );
  }
  return crypto.hkdfSha256(seed, utf8Encode(SALT), utf8Encode(label), length);
}

/**
 * A missing backend is a caller's mistake that would otherwise surface as a
 * TypeError deep inside; this names it. Checked by shape (the method the
 * caller needs), since backends are plain objects.
 */
export function assertCrypto(crypto: unknown, method: keyof CryptoProvider): void {
  if (typeof crypto === 'object' && crypto !== null && typeof (crypto as CryptoProvider)[method] === 'function') {
    return;
  }
  throw xlinkError('INVALID_ARGUMENT', `"crypto" expected a crypto backend with ${method} (createNodeCrypto(), …)`, {
    field: 'crypto',
  });
}
