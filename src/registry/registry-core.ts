/**
 * The engine both trust registries share (not part of the public API): it
 * validates a change fully, hands it to a `persist` hook (the file registry's
 * append + fsync; nothing for the memory registry), and applies it in memory
 * only once that resolved, one change at a time in call order.
 *
 *   const core = new TrustRegistryCore({ crypto, clock, persist: async (change) => appendLine(change) });
 *   await core.register({ document, scopes: ['telemetry'] });
 *   core.restore(change); …; await core.indexKids(); // a file read back
 *
 * It keeps the kid index (key id → entry) and builds each public entry once
 * per change, with its own copies of the bytes, so resolve hands out the same
 * frozen object until the entry changes. Documents read back from storage are
 * verified on first resolve, not on load (10,000 ML-DSA documents would take
 * minutes); one that does not verify is REGISTRY_CORRUPT.
 */
import { bytesToHex } from '../codec/bytes.js';
import { readCbor } from '../codec/cbor.js';
import type { Ed25519Verifying, Hashing, PostQuantumSignatures } from '../crypto/provider.js';
import { attempt, isXlinkError, ok, quote, type Result, unwrap, xlinkError } from '../errors.js';
import { assertCrypto } from '../identity/derive.js';
import { parseDid } from '../identity/did.js';
import { type IdentityDocument, type SignedIdentityDocument, verifyIdentityDocument } from '../identity/document.js';
import { KEY_ID_LENGTH, keyIdOf } from '../identity/kid.js';
import type { Clock } from '../platform/clock.js';
import {
  type AuthorisedState,
  assertOperator,
  checkAuthorisation,
  type RegistryAuthorisation,
  type RegistryOperator,
  signAuthorisation,
} from './authorisation.js';
import { assertRegisteredScopes } from './scope.js';
import type { RegisterInput, Revocation, TrustRegistryEntry } from './trust-registry.js';

/** Longer strings are refused before any lookup; an Ed25519 did:key is 56 characters. */
export const MAX_DID_LENGTH = 256;
/** Longest entry name, in UTF-16 code units. */
export const MAX_NAME_LENGTH = 256;
/** Longest revocation reason, in UTF-16 code units. */
export const MAX_REASON_LENGTH = 1024;

/**
 * One change to a registry: what the core applies and the file registry logs,
 * one JSONL record each. `auth` is the operator's signature over the entry's
 * state after the change (registries with an operator); a registration with
 * `revoked` is what compaction writes for a revoked entry.
 */
export type RegistryChange =
  | {
      readonly op: 'register';
      readonly did: string;
      readonly document: SignedIdentityDocument;
      readonly scopes: readonly string[];
      readonly name?: string;
      readonly at: number;
      readonly revoked?: Revocation;
      readonly auth?: RegistryAuthorisation;
    }
  | { readonly op: 'document'; readonly did: string; readonly document: SignedIdentityDocument; readonly at: number }
  | {
      readonly op: 'scopes';
      readonly did: string;
      readonly scopes: readonly string[];
      readonly at: number;
      readonly auth?: RegistryAuthorisation;
    }
  | {
      readonly op: 'revoke';
      readonly did: string;
      readonly at: number;
      readonly reason: string;
      readonly auth?: RegistryAuthorisation;
    };

/** What a registry needs of a backend: document signatures and key ids. */
export type RegistryCrypto = Ed25519Verifying & Pick<PostQuantumSignatures, 'mlDsa65Verify'> & Pick<Hashing, 'sha256'>;

export interface TrustRegistryCoreOptions {
  readonly crypto: RegistryCrypto;
  readonly clock: Clock;
  /** Whose signature every entry needs; with a signer, the core signs its own changes. */
  readonly operator?: RegistryOperator | undefined;
  /** Makes a validated change durable; it is applied in memory only if this resolves. Called one change at a time. */
  readonly persist: (change: RegistryChange) => Promise<void>;
}

interface Slot {
  readonly did: string;
  readonly name: string | undefined;
  readonly registeredAt: number;
  /** The registry's own copy; never handed out. */
  document: SignedIdentityDocument;
  /** The document's sequence, known without verifying it (a replayed file is not re-verified). */
  sequence: number;
  /** The verified content of `document`, once something verified it. */
  verified: IdentityDocument | undefined;
  /** A verification of `document` under way, shared by concurrent resolves. */
  verifying: Promise<IdentityDocument> | undefined;
  scopes: readonly string[];
  revoked: Revocation | undefined;
  /** The operator's signature over the current state, if any. */
  authorisation: RegistryAuthorisation | undefined;
  /** `authorisation` was checked against the operator's key (registries with an operator only). */
  authorised: boolean;
  /** The key id; undefined only between restore() and indexKids(). */
  kid: Uint8Array | undefined;
  /** The public entry for the current state; built on first use after each change. */
  entry: TrustRegistryEntry | undefined;
}

/** The registry engine shared by MemoryTrustRegistry and FileTrustRegistry; not part of the public API. */
export class TrustRegistryCore {
  readonly #crypto: RegistryCrypto;
  readonly #clock: Clock;
  readonly #operator: RegistryOperator | undefined;
  readonly #persist: (change: RegistryChange) => Promise<void>;
  /** Insertion order is registration order. */
  readonly #slots = new Map<string, Slot>();
  /** Key id (as 6 latin-1 characters) → slot. */
  readonly #byKid = new Map<string, Slot>();
  #queue: Promise<unknown> = Promise.resolve();

  constructor(options: TrustRegistryCoreOptions) {
    assertCrypto(options.crypto, 'ed25519Verifier');
    this.#crypto = options.crypto;
    this.#clock = options.clock;
    if (options.operator !== undefined) assertOperator(options.operator);
    this.#operator = options.operator;
    this.#persist = options.persist;
  }

  /** The DID whose signature every entry needs, if any. */
  get operatorDid(): string | undefined {
    return this.#operator?.did;
  }

  /** Number of entries, revoked ones included. */
  get size(): number {
    return this.#slots.size;
  }

  /**
   * Runs `task` after every task queued before it, so a change is validated
   * against the state it will be applied to, and compaction never interleaves
   * with an append.
   */
  exclusive<T>(task: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(task);
    this.#queue = run.catch(() => undefined);
    return run;
  }

  register(input: RegisterInput): Promise<Result<TrustRegistryEntry>> {
    return attempt(async () => {
      if (typeof input !== 'object' || input === null) {
        throw xlinkError('INVALID_ARGUMENT', `"input" expected { document, scopes, name? }, got ${quote(input)}`, {
          field: 'input',
        });
      }
      const scopes = ownScopes(input.scopes);
      const name = input.name;
      if (name !== undefined) assertText(name, 'name', MAX_NAME_LENGTH);
      // Verify our own copy: the caller's bytes could change while we await.
      const document = ownDocument(input.document);
      const verified = unwrap(await verifyIdentityDocument(document, { crypto: this.#crypto }));
      const kid = await keyIdOf(verified.ed25519PublicKey, { crypto: this.#crypto });
      return this.exclusive(async () => {
        const existing = this.#slots.get(verified.did);
        if (existing !== undefined) {
          const revoked = existing.revoked === undefined ? '' : ' (revoked)';
          throw xlinkError(
            'REGISTRATION_FAILED:ALREADY_REGISTERED',
            `${quote(verified.did)} is already registered${revoked}`,
            { field: 'document' },
          );
        }
        const other = this.#byKid.get(kidKey(kid));
        if (other !== undefined) {
          throw xlinkError(
            'REGISTRATION_FAILED:KID_COLLISION',
            `the key id ${bytesToHex(kid)} of ${quote(verified.did)} is already that of ${quote(other.did)}`,
            { field: 'document' },
          );
        }
        const at = this.#now();
        const auth = await this.#authorise({ did: verified.did, scopes, name, sequence: 1, at });
        const change: RegistryChange = {
          op: 'register',
          did: verified.did,
          document,
          scopes,
          ...(name === undefined ? {} : { name }),
          at,
          ...auth,
        };
        await this.#persist(change);
        const slot = this.#apply(change, verified);
        this.#index(slot, kid);
        return this.#entryOf(slot);
      });
    });
  }

  updateDocument(document: SignedIdentityDocument): Promise<Result<TrustRegistryEntry>> {
    return attempt(async () => {
      const own = ownDocument(document);
      return this.exclusive(async () => {
        // The body names the entry; verification below proves the DID signed it.
        const { did } = peekDocument(own);
        const slot = this.#live(did);
        const previous = await this.#verifiedDocumentOf(slot);
        const verified = unwrap(await verifyIdentityDocument(own, { crypto: this.#crypto, previous }));
        const change: RegistryChange = { op: 'document', did, document: own, at: this.#now() };
        await this.#persist(change);
        return this.#entryOf(this.#apply(change, verified));
      });
    });
  }

  setScopes(did: string, scopes: readonly string[]): Promise<Result<TrustRegistryEntry>> {
    return attempt(async () => {
      assertDid(did);
      const own = ownScopes(scopes);
      return this.exclusive(async () => {
        const slot = this.#existing(did);
        const at = this.#now();
        const auth = await this.#authorise({ ...stateOf(slot), scopes: own, sequence: nextSequence(slot), at });
        const change: RegistryChange = { op: 'scopes', did, scopes: own, at, ...auth };
        await this.#persist(change);
        return this.#entryOf(this.#apply(change, undefined, true));
      });
    });
  }

  revoke(
    did: string,
    revocation: { readonly reason: string; readonly at?: number },
  ): Promise<Result<TrustRegistryEntry>> {
    return attempt(async () => {
      assertDid(did);
      if (typeof revocation !== 'object' || revocation === null) {
        throw xlinkError('INVALID_ARGUMENT', `"revocation" expected { reason, at? }, got ${quote(revocation)}`, {
          field: 'revocation',
        });
      }
      const { reason, at } = revocation;
      assertText(reason, 'revocation.reason', MAX_REASON_LENGTH);
      if (at !== undefined) assertTimestamp(at, 'revocation.at');
      return this.exclusive(async () => {
        const slot = this.#existing(did);
        // The first revocation is the one an audit needs; a second one changes nothing.
        if (slot.revoked !== undefined) return this.#entryOf(slot);
        const now = this.#now();
        const revoked = { at: at ?? now, reason };
        const auth = await this.#authorise({ ...stateOf(slot), revoked, sequence: nextSequence(slot), at: now });
        const change: RegistryChange = { op: 'revoke', did, ...revoked, ...auth };
        await this.#persist(change);
        return this.#entryOf(this.#apply(change, undefined, true));
      });
    });
  }

  resolve(did: string): Promise<Result<TrustRegistryEntry>> {
    return attempt(async () => {
      assertDid(did);
      return this.#resolved(this.#existing(did));
    });
  }

  resolveKid(kid: Uint8Array): Promise<Result<TrustRegistryEntry>> {
    // The gateway's per-message path: a known, verified entry is answered without the async machinery below.
    if (kid instanceof Uint8Array && kid.length === KEY_ID_LENGTH) {
      const known = this.#byKid.get(kidKey(kid));
      if (known?.verified !== undefined && (known.authorised || this.#operator === undefined)) {
        return Promise.resolve(ok(this.#entryOf(known)));
      }
    }
    return attempt(async () => {
      if (!(kid instanceof Uint8Array) || kid.length !== KEY_ID_LENGTH) {
        throw xlinkError(
          kid instanceof Uint8Array ? 'INVALID_LENGTH' : 'INVALID_ARGUMENT',
          `"kid" expected Uint8Array of length ${KEY_ID_LENGTH}, got ${quote(kid)}`,
          { field: 'kid' },
        );
      }
      const slot = this.#byKid.get(kidKey(kid));
      if (slot === undefined) {
        throw xlinkError('DID_NOT_IN_REGISTRY', `no entry has the key id ${bytesToHex(kid)}`, { field: 'kid' });
      }
      return this.#resolved(slot);
    });
  }

  /** Every entry, in registration order; entries read back from storage lack `identity` until resolved. */
  list(): TrustRegistryEntry[] {
    return Array.from(this.#slots.values(), (slot) => this.#entryOf(slot));
  }

  /**
   * Computes the key id of every entry restored since the last call and
   * indexes it; REGISTRY_CORRUPT when two entries share one (this registry
   * would have refused the second).
   */
  async indexKids(): Promise<void> {
    for (const slot of this.#slots.values()) {
      if (slot.kid === undefined) this.#index(slot, await this.keyIdOfDid(slot.did));
    }
  }

  /**
   * Applies a change read back from storage: every field and state rule is
   * checked as for a live change, but signatures are not re-verified (users
   * of an entry verify its document). A registration is indexed at once when
   * its `kid` is given, else by the next indexKids(). Throws REGISTRY_CORRUPT
   * naming the rule broken.
   */
  restore(change: RegistryChange, kid?: Uint8Array): void {
    const corrupt = (message: string): Error => xlinkError('REGISTRY_CORRUPT', message);
    try {
      if (!parseDid(change.did).ok) throw corrupt(`"did" ${quote(change.did)} is not an Ed25519 did:key`);
      assertTimestamp(change.at, 'at');
      const slot = this.#slots.get(change.did);
      if (change.op === 'register') {
        if (slot !== undefined) throw corrupt(`${quote(change.did)} is registered twice`);
        assertRegisteredScopes(change.scopes);
        if (change.name !== undefined) assertText(change.name, 'name', MAX_NAME_LENGTH);
      } else if (slot === undefined) {
        throw corrupt(`"${change.op}" for ${quote(change.did)}, which is not registered`);
      } else if (change.op === 'scopes') {
        assertRegisteredScopes(change.scopes);
      } else if (slot.revoked !== undefined) {
        throw corrupt(`"${change.op}" for ${quote(change.did)}, which is already revoked`);
      } else if (change.op === 'revoke') {
        assertText(change.reason, 'reason', MAX_REASON_LENGTH);
      }
      if (change.op === 'register' && change.revoked !== undefined) {
        assertTimestamp(change.revoked.at, 'revoked.at');
        assertText(change.revoked.reason, 'revoked.reason', MAX_REASON_LENGTH);
      }
      if (change.op !== 'document' && change.auth !== undefined) {
        const { sequence, at, signature } = change.auth;
        if (!Number.isSafeInteger(sequence) || sequence < 1) throw corrupt('"auth.sequence" expected an integer >= 1');
        assertTimestamp(at, 'auth.at');
        if (!(signature instanceof Uint8Array)) throw corrupt('"auth.signature" expected bytes');
        const previous = slot?.authorisation?.sequence ?? 0;
        if (sequence <= previous) {
          throw corrupt(`authorisation sequence ${sequence} of ${quote(change.did)} is not larger than ${previous}`);
        }
      }
      if (change.op === 'register' || change.op === 'document') {
        const { did, sequence } = peekDocument(change.document);
        if (did !== change.did) throw corrupt(`the document belongs to ${quote(did)}, not to ${quote(change.did)}`);
        if (slot !== undefined && !(sequence > slot.sequence)) {
          throw corrupt(`document sequence ${sequence} is not larger than the previous ${slot.sequence}`);
        }
      }
    } catch (error) {
      if (isXlinkError(error) && error.code !== 'REGISTRY_CORRUPT') {
        throw xlinkError('REGISTRY_CORRUPT', error.message, { cause: error });
      }
      throw error;
    }
    const slot = this.#apply(change, undefined);
    if (kid !== undefined && change.op === 'register') this.#index(slot, kid);
  }

  /** The key id of the DID's key: what `restore` takes to index an entry at once. */
  keyIdOfDid(did: string): Promise<Uint8Array> {
    const parsed = parseDid(did);
    if (!parsed.ok) throw xlinkError('REGISTRY_CORRUPT', `"did" ${quote(did)} is not an Ed25519 did:key`);
    return keyIdOf(parsed.value.publicKey, { crypto: this.#crypto });
  }

  /** The current state as the fewest changes that rebuild it: a register per entry, then its revocation. */
  changes(): RegistryChange[] {
    const changes: RegistryChange[] = [];
    for (const slot of this.#slots.values()) {
      const { did, document, scopes, name, registeredAt: at, revoked, authorisation } = slot;
      changes.push({
        op: 'register',
        did,
        document,
        scopes,
        ...(name === undefined ? {} : { name }),
        at,
        ...(revoked === undefined ? {} : { revoked }),
        ...(authorisation === undefined ? {} : { auth: authorisation }),
      });
    }
    return changes;
  }

  /** The operator's signature over `state`, as the change's `auth`; nothing for a registry without an operator. */
  async #authorise(state: AuthorisedState): Promise<{ auth?: RegistryAuthorisation }> {
    const operator = this.#operator;
    if (operator === undefined) return {};
    if (operator.signer === undefined) {
      throw xlinkError(
        'REGISTRY_NOT_AUTHORISED',
        `this registry checks the signatures of ${operator.did} but holds no key to sign changes; make them with the operator key`,
        { field: 'operator' },
      );
    }
    const signature = await signAuthorisation(operator.signer, state);
    return { auth: { sequence: state.sequence, at: state.at, signature } };
  }

  /** Checks the entry's signature once (registries with an operator); REGISTRY_NOT_AUTHORISED if it fails. */
  async #checkAuthorised(slot: Slot): Promise<void> {
    const operator = this.#operator;
    if (operator === undefined || slot.authorised) return;
    const authorisation = slot.authorisation;
    const state = { ...stateOf(slot), sequence: authorisation?.sequence ?? 0, at: authorisation?.at ?? 0 };
    await checkAuthorisation(operator.did, state, authorisation?.signature, { crypto: this.#crypto });
    // A change applied meanwhile replaced the authorisation; this check was of the old one.
    if (slot.authorisation === authorisation) slot.authorised = true;
  }

  #now(): number {
    const now = this.#clock.now();
    assertTimestamp(now, 'clock.now()');
    return now;
  }

  #existing(did: string): Slot {
    const slot = this.#slots.get(did);
    if (slot !== undefined) return slot;
    throw xlinkError('DID_NOT_IN_REGISTRY', `${quote(did)} is not in the trust registry`, { field: 'did' });
  }

  #live(did: string): Slot {
    const slot = this.#existing(did);
    if (slot.revoked === undefined) return slot;
    throw xlinkError('VERIFICATION_FAILED:REVOKED', `${quote(did)} was revoked; its document cannot be replaced`, {
      field: 'did',
    });
  }

  /** The stored document, verified once (entries restored from a file were not); concurrent callers share one check. */
  async #verifiedDocumentOf(slot: Slot): Promise<IdentityDocument> {
    if (slot.verified !== undefined) return slot.verified;
    const { document } = slot;
    slot.verifying ??= verifyIdentityDocument(document, { crypto: this.#crypto, did: slot.did }).then((checked) => {
      if (!checked.ok) {
        throw xlinkError(
          'REGISTRY_CORRUPT',
          `the stored document of ${quote(slot.did)} does not verify (${checked.error.code}: ${checked.error.message})`,
        );
      }
      return checked.value;
    });
    const verifying = slot.verifying;
    try {
      const verified = await verifying;
      // A document replaced meanwhile was verified by its own change; this result is of the old one.
      if (slot.document === document && slot.verified === undefined) {
        slot.verified = verified;
        slot.entry = undefined;
      }
      return verified;
    } finally {
      if (slot.verifying === verifying) slot.verifying = undefined;
    }
  }

  /** The entry of `slot` with its document verified. */
  async #resolved(slot: Slot): Promise<TrustRegistryEntry> {
    await this.#checkAuthorised(slot);
    if (slot.verified === undefined) await this.#verifiedDocumentOf(slot);
    // Read after the wait: a change applied meanwhile (a revocation) is what the caller gets.
    return this.#entryOf(slot);
  }

  #entryOf(slot: Slot): TrustRegistryEntry {
    slot.entry ??= entryOf(slot);
    return slot.entry;
  }

  #index(slot: Slot, kid: Uint8Array): void {
    const key = kidKey(kid);
    const other = this.#byKid.get(key);
    if (other !== undefined && other !== slot) {
      throw xlinkError(
        'REGISTRY_CORRUPT',
        `${quote(other.did)} and ${quote(slot.did)} have the same key id ${bytesToHex(kid)}; a registry refuses the second`,
      );
    }
    slot.kid = kid;
    slot.entry = undefined;
    this.#byKid.set(key, slot);
  }

  /** Applies a change to its slot, whose entry is rebuilt on its next use. */
  #apply(change: RegistryChange, verified: IdentityDocument | undefined, live = verified !== undefined): Slot {
    if (change.op === 'register') {
      const slot: Slot = {
        did: change.did,
        name: change.name,
        registeredAt: change.at,
        document: change.document,
        sequence: verified?.sequence ?? peekDocument(change.document).sequence,
        verified,
        verifying: undefined,
        scopes: Object.freeze([...change.scopes]),
        revoked: change.revoked === undefined ? undefined : Object.freeze({ ...change.revoked }),
        authorisation: change.auth,
        // A change this registry signed itself needs no check.
        authorised: live && change.auth !== undefined,
        kid: undefined,
        entry: undefined,
      };
      this.#slots.set(change.did, slot);
      return slot;
    }
    const slot = this.#existing(change.did);
    if (change.op === 'document') {
      slot.document = change.document;
      slot.sequence = verified?.sequence ?? peekDocument(change.document).sequence;
      slot.verified = verified;
    } else {
      if (change.op === 'scopes') slot.scopes = Object.freeze([...change.scopes]);
      else slot.revoked = Object.freeze({ at: change.at, reason: change.reason });
      slot.authorisation = change.auth;
      slot.authorised = live && change.auth !== undefined;
    }
    slot.entry = undefined;
    return slot;
  }
}

/**
 * The DID and sequence a document's body states, without verifying it. Uses
 * the decoding limits of verifyIdentityDocument; IDENTITY_DOCUMENT_INVALID:MALFORMED otherwise.
 */
export function peekDocument(document: SignedIdentityDocument): { did: string; sequence: number } {
  const malformed = (message: string): Error =>
    xlinkError('IDENTITY_DOCUMENT_INVALID:MALFORMED', message, { field: 'document' });
  const body = (document as { body?: unknown } | null)?.body;
  if (!(body instanceof Uint8Array)) throw malformed('"body" expected Uint8Array');
  let map: unknown;
  try {
    map = readCbor(body, { maxBytes: 4096, maxDepth: 2, maxItems: 32 });
  } catch (cause) {
    throw xlinkError(
      'IDENTITY_DOCUMENT_INVALID:MALFORMED',
      `body is not deterministic CBOR: ${quote((cause as Error).message, 200)}`,
      {
        field: 'document',
        cause,
      },
    );
  }
  if (!(map instanceof Map)) throw malformed('body expected a CBOR map');
  const did: unknown = map.get('did');
  const sequence: unknown = map.get('sequence');
  if (typeof did !== 'string') throw malformed('body "did" expected a text string');
  if (typeof sequence !== 'number' || !Number.isSafeInteger(sequence) || sequence < 0) {
    throw malformed('body "sequence" expected an unsigned integer');
  }
  return { did, sequence };
}

/** The public entry of a slot: frozen, with copies of every byte array made now (typed arrays cannot be frozen). */
function entryOf(slot: Slot): TrustRegistryEntry {
  const { kid, verified } = slot;
  if (kid === undefined) throw new Error(`bug: the entry of ${slot.did} was asked for before its key id was indexed`);
  return Object.freeze({
    did: slot.did,
    ...(slot.name === undefined ? {} : { name: slot.name }),
    document: copyDocument(slot.document),
    scopes: slot.scopes,
    registeredAt: slot.registeredAt,
    ...(slot.revoked === undefined ? {} : { revoked: slot.revoked }),
    ...(slot.authorisation === undefined ? {} : { authorisation: copyAuthorisation(slot.authorisation) }),
    kid: kid.slice(),
    ...(verified === undefined ? {} : { identity: copyIdentity(verified) }),
  });
}

function copyAuthorisation(authorisation: RegistryAuthorisation): RegistryAuthorisation {
  return Object.freeze({ ...authorisation, signature: authorisation.signature.slice() });
}

/** The part of an entry's state an authorisation covers, before the change's own fields. */
function stateOf(slot: Slot): {
  did: string;
  scopes: readonly string[];
  name: string | undefined;
  revoked: Revocation | undefined;
} {
  return { did: slot.did, scopes: slot.scopes, name: slot.name, revoked: slot.revoked };
}

function nextSequence(slot: Slot): number {
  return (slot.authorisation?.sequence ?? 0) + 1;
}

function copyIdentity(identity: IdentityDocument): IdentityDocument {
  const { ed25519PublicKey, x25519PublicKey, mlKem768PublicKey, mlDsa65PublicKey } = identity;
  return Object.freeze({
    ...identity,
    ed25519PublicKey: ed25519PublicKey.slice(),
    x25519PublicKey: x25519PublicKey.slice(),
    mlKem768PublicKey: mlKem768PublicKey.slice(),
    ...(mlDsa65PublicKey === undefined ? {} : { mlDsa65PublicKey: mlDsa65PublicKey.slice() }),
  });
}

/** Kid bytes as a Map key: 6 latin-1 characters. */
function kidKey(kid: Uint8Array): string {
  return String.fromCharCode(...kid);
}

function copyDocument(document: SignedIdentityDocument): SignedIdentityDocument {
  const { body, signature, mlDsaSignature } = document;
  const copy = { body: new Uint8Array(body), signature: new Uint8Array(signature) };
  return Object.freeze(
    mlDsaSignature === undefined ? copy : { ...copy, mlDsaSignature: new Uint8Array(mlDsaSignature) },
  );
}

/**
 * The registry's own copy of a caller's document, made before verification.
 * `new Uint8Array(x)` copies even a Buffer (whose slice() would share memory);
 * anything malformed passes through for verifyIdentityDocument to name.
 */
function ownDocument(document: unknown): SignedIdentityDocument {
  if (typeof document !== 'object' || document === null) return document as SignedIdentityDocument;
  const { body, signature, mlDsaSignature } = document as Record<string, unknown>;
  const copy = (value: unknown): unknown => (value instanceof Uint8Array ? new Uint8Array(value) : value);
  const own = { body: copy(body), signature: copy(signature) };
  return (
    mlDsaSignature === undefined ? own : { ...own, mlDsaSignature: copy(mlDsaSignature) }
  ) as SignedIdentityDocument;
}

/** A copy of a valid scope list, taken as it is checked, so later changes to the caller's array change nothing. */
function ownScopes(scopes: unknown): readonly string[] {
  assertRegisteredScopes(scopes);
  return [...scopes];
}

function assertDid(did: unknown): asserts did is string {
  if (typeof did === 'string' && did.length > 0 && did.length <= MAX_DID_LENGTH) return;
  const got = typeof did === 'string' ? `length=${did.length}` : quote(did);
  throw xlinkError('INVALID_ARGUMENT', `"did" expected a string of 1 to ${MAX_DID_LENGTH} characters, got ${got}`, {
    field: 'did',
  });
}

function assertText(value: unknown, field: string, maxLength: number): asserts value is string {
  if (typeof value === 'string' && value.length <= maxLength) return;
  const got = typeof value === 'string' ? `length=${value.length}` : quote(value);
  throw xlinkError('INVALID_ARGUMENT', `"${field}" expected a string of at most ${maxLength} characters, got ${got}`, {
    field,
  });
}

function assertTimestamp(value: unknown, field: string): asserts value is number {
  if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) return;
  throw xlinkError(
    'INVALID_ARGUMENT',
    `"${field}" expected milliseconds since the epoch (a safe integer >= 0), got ${quote(value)}`,
    {
      field,
    },
  );
}
