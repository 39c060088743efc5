/**
 * `xlink/registry/node`: the trust registry persisted to an append-only log file (Node only).
 *
 *   import { FileTrustRegistry } from 'xlink/registry/node';
 *   const registry = await FileTrustRegistry.open({ path: '/opt/app/trust.log', crypto });                 // the writer
 *   const follower = await FileTrustRegistry.open({ path: '/opt/app/trust.log', crypto, readOnly: true }); // any reader
 *
 * This subpath picks no backend: pass `crypto` (the `xlink` entry's FileTrustRegistry defaults to node:crypto).
 *
 * The portable pieces (MemoryTrustRegistry, scopes, the TrustRegistry interface) are in `xlink/registry`.
 */

export type { AppendLogReport } from '../../platform/node/append-log.js';
export {
  FileTrustRegistry,
  type FileTrustRegistryOptions,
  type RegistryCompactionReport,
} from './file-trust-registry.js';
