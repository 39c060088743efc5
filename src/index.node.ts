/**
 * `xlink` on Node: everything of `index.ts`, with node:crypto as the default
 * backend, and the file-backed registry, replay store and key-value storage.
 *
 *   import { Agent, FileNonceStore, FileTrustRegistry } from 'xlink';
 */
import { type AgentDefaults, Agent as CoreAgent } from './agent/agent.js';
import { createNodeCrypto } from './crypto/node/index.js';
import type { CryptoProvider } from './crypto/provider.js';
import {
  MemoryTrustRegistry as CoreMemoryTrustRegistry,
  type MemoryTrustRegistryOptions,
} from './registry/memory-trust-registry.js';
import {
  FileTrustRegistry as CoreFileTrustRegistry,
  type FileTrustRegistryDefaults,
} from './registry/node/file-trust-registry.js';

export * from './index.js';
export { FileKeyValueStorage } from './platform/node/index.js';
export { FileNonceStore } from './replay/node/index.js';

let nodeCrypto: CryptoProvider | undefined;

/** The entry's default backend, shared by everything that was given none. */
function defaultCrypto(): CryptoProvider {
  nodeCrypto ??= createNodeCrypto();
  return nodeCrypto;
}

/** The Agent, with node:crypto as its default. */
export class Agent extends CoreAgent {
  static override readonly defaults: AgentDefaults = { crypto: defaultCrypto };
}

/** The memory registry, with node:crypto as its default. */
export class MemoryTrustRegistry extends CoreMemoryTrustRegistry {
  constructor(options: Partial<MemoryTrustRegistryOptions> = {}) {
    super({ ...options, crypto: options.crypto ?? defaultCrypto() });
  }
}

/** The file registry, with node:crypto as its default. */
export class FileTrustRegistry extends CoreFileTrustRegistry {
  static override readonly defaults: FileTrustRegistryDefaults = { crypto: defaultCrypto };
}
