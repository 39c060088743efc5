/**
 * `xlink/identity`: did:key names, identities derived from a seed, PKCS#8
 * export and import, signed identity documents, and detached signatures. Every function takes the
 * crypto backend as an argument; none picks one.
 *
 *   import { createNobleCrypto } from 'xlink/crypto/noble';
 *   import { createIdentityDocument, identityFromSeed, parseDid } from 'xlink/identity';
 *   const crypto = createNobleCrypto();
 *   const identity = await identityFromSeed(seed, { crypto }); // Result<Identity>
 *
 * Functions that read untrusted input return a `Result` (see xlink/errors).
 */

export {
  type DocumentKeys,
  documentKeysFromSeed,
  type GeneratedIdentity,
  generateIdentity,
  IDENTITY_SEED_LENGTH,
  type Identity,
  type IdentityCrypto,
  identityFromSeed,
  type SigningKey,
  signingKeyFromSeed,
  telemetryMacKeyFromSeed,
} from './derive.js';
export { didFromEd25519PublicKey, type ParsedDid, parseDid } from './did.js';
export {
  type CreateIdentityDocumentOptions,
  createIdentityDocument,
  ENVELOPE_VERSIONS,
  type EnvelopeVersion,
  type IdentityDocument,
  type IdentityDocumentJson,
  identityDocumentFromJson,
  identityDocumentToJson,
  type SignedIdentityDocument,
  type VerifyIdentityDocumentOptions,
  verifyIdentityDocument,
} from './document.js';
export { KEY_ID_LENGTH, keyIdOf } from './kid.js';
export {
  exportPKCS8,
  type IdentityPKCS8,
  type ImportedIdentityKeys,
  importPKCS8,
} from './pkcs8.js';
export { signMessage, verifyMessage } from './signature.js';
