/**
 * `xlink/registry`: who may talk to us, with which keys and scopes. Portable
 * (no Node built-ins); the file-backed registry is in `xlink/registry/node`,
 * the scope syntax (assertScope, isValidScope) in `xlink/envelope`.
 *
 *   import { isScopeAllowed, MemoryTrustRegistry } from 'xlink/registry';
 *   const registry = new MemoryTrustRegistry();
 *   await registry.register({ document, scopes: ['telemetry'], name: 'sensor-17' });
 *   const entry = await registry.resolve(did); // Result<TrustRegistryEntry>
 *   if (entry.ok && !entry.value.revoked && isScopeAllowed(entry.value.scopes, 'telemetry')) …
 */

export {
  type AuthorisedState,
  authorisationBytes,
  checkAuthorisation,
  type RegistryAuthorisation,
  type RegistryOperator,
  signAuthorisation,
} from './authorisation.js';
export { MemoryTrustRegistry, type MemoryTrustRegistryOptions } from './memory-trust-registry.js';
export { ANY_SCOPE, assertRegisteredScopes, MAX_REGISTERED_SCOPES } from './scope.js';
export {
  createRegistrySnapshot,
  MAX_SNAPSHOT_LENGTH,
  type SnapshotEntry,
  type VerifiedRegistrySnapshot,
  verifyRegistrySnapshot,
} from './snapshot.js';
export {
  isScopeAllowed,
  type RegisterInput,
  type Revocation,
  type TrustRegistry,
  type TrustRegistryEntry,
} from './trust-registry.js';
