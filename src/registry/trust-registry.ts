/**
 * The trust registry seam: who may talk to us, with which keys and scopes.
 *
 *   const added = await registry.register({ document, scopes: ['telemetry'], name: 'sensor-17' });
 *   const entry = await registry.resolve(did);  // Result<TrustRegistryEntry>
 *   if (entry.ok && !entry.value.revoked && isScopeAllowed(entry.value.scopes, 'telemetry')) …
 *   await registry.revoke(did, { reason: 'stolen' });
 *
 * An entry holds the DID's signed identity document, never bare keys: whoever
 * uses an entry verifies the document against the DID (the Agent does, and
 * caches the result), so a registry that was tampered with cannot substitute
 * a key. `register` verifies the document itself and refuses one the DID did
 * not sign. Revocation is a state of the entry, kept so that an audit can see
 * when and why; a revoked DID cannot be registered again.
 */
import type { Result } from '../errors.js';
import type { IdentityDocument, SignedIdentityDocument } from '../identity/document.js';
import { ANY_SCOPE } from './scope.js';

// Defined beside the scope syntax (scope.ts, which depends on errors.ts only); exported here too, where readers look for it.
export { ANY_SCOPE };

export interface Revocation {
  /** Milliseconds since the Unix epoch. */
  readonly at: number;
  readonly reason: string;
}

export interface TrustRegistryEntry {
  readonly did: string;
  /** The 6-byte key id of the DID's Ed25519 key (identity/kid.ts), as telemetry envelopes name it. */
  readonly kid: Uint8Array;
  readonly name?: string;
  /** The newest document accepted for this DID. */
  readonly document: SignedIdentityDocument;
  /** The verified content of `document`: the keys a receiver may use. */
  readonly identity: IdentityDocument;
  /** Scopes the DID may send under; matched exactly (see isScopeAllowed). */
  readonly scopes: readonly string[];
  /** Milliseconds since the Unix epoch. */
  readonly registeredAt: number;
  readonly revoked?: Revocation;
}

export interface RegisterInput {
  readonly document: SignedIdentityDocument;
  readonly scopes: readonly string[];
  readonly name?: string;
}

export interface TrustRegistry {
  /**
   * Adds a DID. `REGISTRATION_FAILED:ALREADY_REGISTERED` if present (revoked or not),
   * `IDENTITY_DOCUMENT_INVALID:*` if the document is not the DID's own, `INVALID_SCOPE` for a bad scope.
   */
  register(input: RegisterInput): Promise<Result<TrustRegistryEntry>>;
  /**
   * Replaces the document with a newer one of the same DID (the DID is read from the
   * document): `IDENTITY_DOCUMENT_INVALID:SEQUENCE` unless its sequence is larger,
   * `DID_NOT_IN_REGISTRY` when absent, `VERIFICATION_FAILED:REVOKED` when revoked.
   */
  updateDocument(document: SignedIdentityDocument): Promise<Result<TrustRegistryEntry>>;
  /** Replaces the scopes (revoked entries too); `INVALID_SCOPE` for a bad list (see assertRegisteredScopes). */
  setScopes(did: string, scopes: readonly string[]): Promise<Result<TrustRegistryEntry>>;
  /** Marks the DID revoked; revoking twice keeps the first record. */
  revoke(
    did: string,
    revocation: { readonly reason: string; readonly at?: number },
  ): Promise<Result<TrustRegistryEntry>>;
  /**
   * The entry, revoked or not; `DID_NOT_IN_REGISTRY` when absent. The same
   * object is returned until the entry changes: treat its arrays as read-only.
   */
  resolve(did: string): Promise<Result<TrustRegistryEntry>>;
  /** The entry whose key has this 6-byte kid; `DID_NOT_IN_REGISTRY` when none has. */
  resolveKid(kid: Uint8Array): Promise<Result<TrustRegistryEntry>>;
  /** Every entry, in registration order. A persistent registry that cannot load rejects with its XlinkError. */
  list(): Promise<readonly TrustRegistryEntry[]>;
  /** Releases files the registry opened. */
  close(): Promise<void>;
}

/** Exact match: no prefixes, no case folding, no patterns; only a registered `*` allows every scope. */
export function isScopeAllowed(registered: readonly string[], scope: string): boolean {
  return registered.includes(scope) || registered.includes(ANY_SCOPE);
}
