/**
 * A trust registry held in memory: tests, simulators, and processes that
 * rebuild their registry at start.
 *
 *   const registry = new MemoryTrustRegistry({ crypto });
 *   const added = await registry.register({ document, scopes: ['telemetry'], name: 'sensor-17' });
 *   if (!added.ok) console.error(added.error.code); // e.g. IDENTITY_DOCUMENT_INVALID:SIGNATURE
 *
 * `register` and `updateDocument` verify the document (both signatures) and
 * take the DID from it, so an entry never holds keys its DID did not sign,
 * and refuse a key whose 6-byte key id another entry has
 * (`REGISTRATION_FAILED:KID_COLLISION`). Entries are built once per change,
 * frozen, with their own copies of the bytes: resolve and resolveKid return
 * the same object until the entry changes, and changing its arrays changes
 * nothing in the registry. Every method returns a Result and never throws
 * for bad input.
 *
 * Limits. Nothing survives the process (see FileTrustRegistry in
 * `xlink/registry/node`). Changes are applied one at a time, in call order;
 * reads never wait for them.
 */
import type { Result } from '../errors.js';
import type { SignedIdentityDocument } from '../identity/document.js';
import { type Clock, systemClock } from '../platform/clock.js';
import type { RegistryOperator } from './authorisation.js';
import { type RegistryCrypto, TrustRegistryCore } from './registry-core.js';
import type { RegisterInput, TrustRegistry, TrustRegistryEntry } from './trust-registry.js';

export interface MemoryTrustRegistryOptions {
  /** Verifies documents and computes key ids. */
  readonly crypto: RegistryCrypto;
  /** Dates registrations, changes and default revocations; defaults to the system clock. */
  readonly clock?: Clock;
  /** The operator whose signature every entry needs; with `signer`, the registry signs its changes. */
  readonly operator?: RegistryOperator;
}

/** A TrustRegistry in memory; see the module comment. */
export class MemoryTrustRegistry implements TrustRegistry {
  readonly #core: TrustRegistryCore;

  constructor(options: MemoryTrustRegistryOptions) {
    this.#core = new TrustRegistryCore({
      crypto: options?.crypto,
      clock: options.clock ?? systemClock,
      operator: options.operator,
      persist: async () => {},
    });
  }

  register(input: RegisterInput): Promise<Result<TrustRegistryEntry>> {
    return this.#core.register(input);
  }

  updateDocument(document: SignedIdentityDocument): Promise<Result<TrustRegistryEntry>> {
    return this.#core.updateDocument(document);
  }

  setScopes(did: string, scopes: readonly string[]): Promise<Result<TrustRegistryEntry>> {
    return this.#core.setScopes(did, scopes);
  }

  revoke(
    did: string,
    revocation: { readonly reason: string; readonly at?: number },
  ): Promise<Result<TrustRegistryEntry>> {
    return this.#core.revoke(did, revocation);
  }

  resolve(did: string): Promise<Result<TrustRegistryEntry>> {
    return this.#core.resolve(did);
  }

  resolveKid(kid: Uint8Array): Promise<Result<TrustRegistryEntry>> {
    return this.#core.resolveKid(kid);
  }

  async list(): Promise<readonly TrustRegistryEntry[]> {
    return this.#core.list();
  }

  /** Nothing to release; the registry stays usable. */
  async close(): Promise<void> {}
}
