/**
 * The trust registry seam: who may talk to us, with which keys and scopes.
 *
 *   const added = await registry.register({ document, scopes: ['telemetry'], name: 'sensor-17' });
 *   const entry = await registry.resolve(did);  // Result<TrustRegistryEntry>
 *   if (entry.ok && !entry.value.revoked && isScopeAllowed(entry.value.scopes, 'telemetry')) …
 *   const same = await registry.resolveKid(kid); // by the 6-byte key id of a telemetry envelope
 *   await registry.revoke(did, { reason: 'stolen' });
 *
 * An entry holds the DID's signed identity document, never bare keys: whoever
 * uses an entry verifies the document against the DID (the Agent does, and
 * caches the result), so a registry that was tampered with cannot substitute
 * a key. `register` verifies the document itself and refuses one the DID did
 * not sign. Revocation is a state of the entry, kept so that an audit can see
 * when and why; a revoked DID cannot be registered again.
 *
 * Entries are built once per change and shared: every resolve returns the
 * same frozen object until the entry changes, so a gateway compares nothing
 * per message. Its byte arrays are its own copies (typed arrays cannot be
 * frozen): changing them changes nothing the registry holds, persists or
 * verifies, but every later resolve in this process returns the changed
 * bytes, so treat them as read-only.
 */
import type { Result } from '../errors.js';
import type { IdentityDocument, SignedIdentityDocument } from '../identity/document.js';
import type { RegistryAuthorisation } from './authorisation.js';
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
  readonly name?: string;
  /** The newest document accepted for this DID. */
  readonly document: SignedIdentityDocument;
  /** Scopes the DID may send under; matched exactly (see isScopeAllowed). */
  readonly scopes: readonly string[];
  /** Milliseconds since the Unix epoch. */
  readonly registeredAt: number;
  readonly revoked?: Revocation;
  /** The operator's signature over this state (registries with an operator; see authorisation.ts). */
  readonly authorisation?: RegistryAuthorisation;
  /** The 6-byte key id of the DID's Ed25519 key (keyIdOf, RFC 9679 thumbprint prefix): unique in the registry. */
  readonly kid: Uint8Array;
  /**
   * The verified content of `document`. Always present on entries from
   * register, updateDocument, resolve and resolveKid; an entry a persistent
   * registry loaded lacks it in `list()` until something resolved it.
   */
  readonly identity?: IdentityDocument;
}

export interface RegisterInput {
  readonly document: SignedIdentityDocument;
  readonly scopes: readonly string[];
  readonly name?: string;
}

export interface TrustRegistry {
  /**
   * Adds a DID. `REGISTRATION_FAILED:ALREADY_REGISTERED` if present (revoked or not),
   * `REGISTRATION_FAILED:KID_COLLISION` if another entry's key has the same key id,
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
   * The entry, revoked or not, its document verified (`identity` set); `DID_NOT_IN_REGISTRY`
   * when absent, `REGISTRY_CORRUPT` when a stored document does not verify against its DID,
   * `REGISTRY_NOT_AUTHORISED` when the registry has an operator who did not sign the entry as it is.
   */
  resolve(did: string): Promise<Result<TrustRegistryEntry>>;
  /** As resolve, by the entry's 6-byte key id; `DID_NOT_IN_REGISTRY` (naming the kid in hex) when no entry has it. */
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
