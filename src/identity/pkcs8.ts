/**
 * An identity's classical keys as PKCS#8 DER (RFC 8410), for tools that speak
 * standard key files (OpenSSL, node:crypto, HSM import).
 *
 *   const files = exportPKCS8(identity); // { ed25519, x25519 }: 48 bytes each
 *   const back = await importPKCS8(files, { crypto });
 *   if (back.ok) back.value.did === identity.did; // true
 *
 * Limits: only the Ed25519 and X25519 keys travel. The ML-KEM-768 and
 * ML-DSA-65 keys have no PKCS#8 form used here and are derived from the
 * identity seed, which PKCS#8 cannot carry either: keep the seed to keep them.
 * The DER is unencrypted secret key material; PEM and encrypted PKCS#8 are
 * not handled. Import accepts PKCS#8 v1 and v2 (an embedded public key is
 * ignored: the public key is always recomputed from the secret).
 */
import { ed25519SeedToPkcs8, pkcs8ToEd25519Seed, pkcs8ToX25519Secret, x25519SecretToPkcs8 } from '../crypto/pkcs8.js';
import type { Ed25519Signing, KeyAgreement, KeyPair } from '../crypto/provider.js';
import { attempt, isXlinkError, type Result, xlinkError } from '../errors.js';
import type { Identity } from './derive.js';
import { assertCrypto } from './derive.js';
import { didFromEd25519PublicKey } from './did.js';

export interface IdentityPKCS8 {
  /** PKCS#8 DER of the Ed25519 seed (OID 1.3.101.112). */
  readonly ed25519: Uint8Array;
  /** PKCS#8 DER of the X25519 secret (OID 1.3.101.110). */
  readonly x25519: Uint8Array;
}

/** The classical half of an identity, as recovered from PKCS#8. */
export interface ImportedIdentityKeys {
  readonly did: string;
  readonly ed25519: KeyPair;
  readonly x25519: KeyPair;
}

/** PKCS#8 v1 DER of the identity's Ed25519 and X25519 secret keys. */
export function exportPKCS8(identity: Identity): IdentityPKCS8 {
  return {
    ed25519: ed25519SeedToPkcs8(identity.ed25519.secretKey),
    x25519: x25519SecretToPkcs8(identity.x25519.secretKey),
  };
}

/**
 * Reads both PKCS#8 keys and recomputes their public keys and the DID.
 * Fails with `INVALID_PKCS8:MALFORMED` / `INVALID_PKCS8:ALGORITHM` (the error's
 * field names which of the two inputs), e.g. when the two files are swapped.
 */
export async function importPKCS8(
  keys: IdentityPKCS8,
  { crypto }: { crypto: Ed25519Signing & KeyAgreement },
): Promise<Result<ImportedIdentityKeys>> {
  return attempt(async () => {
    assertCrypto(crypto, 'ed25519Signer');
    if (typeof keys !== 'object' || keys === null) {
      throw xlinkError('INVALID_ARGUMENT', '"keys" expected { ed25519, x25519 } PKCS#8 DER byte arrays', {
        field: 'keys',
      });
    }
    const ed25519Seed = readKey(() => pkcs8ToEd25519Seed(keys.ed25519), 'keys.ed25519');
    const x25519Secret = readKey(() => pkcs8ToX25519Secret(keys.x25519), 'keys.x25519');
    const ed25519PublicKey = (await crypto.ed25519Signer(ed25519Seed)).publicKey;
    return {
      did: didFromEd25519PublicKey(ed25519PublicKey),
      ed25519: { publicKey: ed25519PublicKey, secretKey: ed25519Seed },
      x25519: { publicKey: (await crypto.x25519PrivateKey(x25519Secret)).publicKey, secretKey: x25519Secret },
    };
  });
}

/** Re-raises a PKCS#8 error with the field of the input it came from ("der" says nothing here). */
function readKey(read: () => Uint8Array, field: string): Uint8Array {
  try {
    return read();
  } catch (error) {
    if (!isXlinkError(error)) throw error;
    throw xlinkError(error.code, `${field}: ${error.message}`, { field, cause: error });
  }
}
