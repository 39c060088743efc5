/**
 * `xlink`: the portable API in one import — errors, codecs and identities.
 * Crypto backends are separate subpaths (`xlink/crypto/node`,
 * `xlink/crypto/webcrypto`, `xlink/crypto/noble`) so that importing this
 * module never pulls a runtime's crypto into a bundle; pass one in.
 *
 *   import { generateIdentity } from 'xlink';
 *   import { createNodeCrypto } from 'xlink/crypto/node';
 *   const identity = await generateIdentity({ crypto: createNodeCrypto() });
 */
export * from './codec/index.js';
export type { CryptoBackendName, CryptoProvider, KemEncapsulation, KeyPair } from './crypto/provider.js';
export * from './errors.js';
export * from './identity/index.js';
