/**
 * `xlink/registry/node`: the trust registry persisted to a JSONL file (Node only).
 *
 *   import { FileTrustRegistry } from 'xlink/registry/node';
 *   const registry = new FileTrustRegistry({ path: '/opt/app/trust.jsonl' });
 *   const loaded = await registry.load(); // Result<{ records, tornTail }>
 *
 * The portable pieces (MemoryTrustRegistry, scopes, the TrustRegistry interface) are in `xlink/registry`.
 */

export {
  FileTrustRegistry,
  type FileTrustRegistryOptions,
  type RegistryCompactionReport,
  type RegistryLoadReport,
} from './file-trust-registry.js';
