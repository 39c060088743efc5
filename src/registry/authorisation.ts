/**
 * Operator authorisations: the registry operator's Ed25519 signature over an
 * entry's state, so that a registry file (or snapshot) grants nothing its
 * operator did not sign.
 *
 *   const bytes = authorisationBytes({ did, scopes, revoked, sequence: 3, at });
 *   const signature = await signMessage(operator.signer, bytes);        // what a writer stores
 *   await checkAuthorisation(operatorDid, state, signature, { crypto }); // throws REGISTRY_NOT_AUTHORISED
 *
 * What is signed is the whole state an entry grants after a change: its DID,
 * scopes, name, revocation (time and reason, or none) and a sequence that
 * grows by one per change, with the time of the signature. The bytes are
 * deterministic CBOR (one encoding per state), built by this one function
 * for signer and verifier alike, and signed through signMessage, whose
 * context label keeps them apart from every other signature an identity
 * makes. The identity document is not covered: the DID signs it itself.
 *
 * Limits: a signature says what the operator granted at its sequence, not
 * that it is the latest; a file cut back to an older, signed state is caught
 * only against something newer (a snapshot, a follower that saw more).
 */
import { equalBytes } from '../codec/bytes.js';
import { encodeCbor } from '../codec/cbor.js';
import type { Ed25519Signer } from '../crypto/provider.js';
import { quote, xlinkError } from '../errors.js';
import { parseDid } from '../identity/did.js';
import { signMessage, verifyMessage } from '../identity/signature.js';
import type { RegistryCrypto } from './registry-core.js';
import type { Revocation } from './trust-registry.js';

/** The operator's signature over an entry's state, as stored and exported. */
export interface RegistryAuthorisation {
  /** 1 for the registration, one more for each later change of scopes or revocation. */
  readonly sequence: number;
  /** When the operator signed, ms since the epoch. */
  readonly at: number;
  readonly signature: Uint8Array;
}

/** What an authorisation covers. */
export interface AuthorisedState {
  readonly did: string;
  readonly scopes: readonly string[];
  readonly name?: string | undefined;
  readonly revoked?: Revocation | undefined;
  readonly sequence: number;
  readonly at: number;
}

/**
 * Who signs a registry's entries. A registry given an operator refuses every
 * entry without a valid signature by `did`; with `signer` (the operator's
 * key, `crypto.ed25519Signer(seed)`) it also signs its own changes.
 */
export interface RegistryOperator {
  readonly did: string;
  readonly signer?: Ed25519Signer;
}

const AUTHORISATION_TYPE = 'xlink-registry-entry';

/** The exact bytes an operator signs for `state`. */
export function authorisationBytes(state: AuthorisedState): Uint8Array {
  const { revoked } = state;
  return encodeCbor(
    new Map<string, string | number | null | readonly (string | number)[]>([
      ['type', AUTHORISATION_TYPE],
      ['v', 1],
      ['did', state.did],
      ['scopes', [...state.scopes]],
      ['name', state.name ?? null],
      ['revoked', revoked === undefined ? null : [revoked.at, revoked.reason]],
      ['sequence', state.sequence],
      ['at', state.at],
    ]),
  );
}

/** Signs `state` as `signer`. */
export function signAuthorisation(signer: Ed25519Signer, state: AuthorisedState): Promise<Uint8Array> {
  return signMessage(signer, authorisationBytes(state));
}

/** Throws REGISTRY_NOT_AUTHORISED unless `signature` is `operatorDid`'s over `state`. */
export async function checkAuthorisation(
  operatorDid: string,
  state: AuthorisedState,
  signature: Uint8Array | undefined,
  { crypto }: { crypto: RegistryCrypto },
): Promise<void> {
  if (signature === undefined) {
    throw xlinkError(
      'REGISTRY_NOT_AUTHORISED',
      `the entry of ${quote(state.did)} carries no signature of the operator ${operatorDid}`,
      { field: 'authorisation' },
    );
  }
  const checked = await verifyMessage(operatorDid, authorisationBytes(state), signature, { crypto });
  if (checked.ok) return;
  throw xlinkError(
    'REGISTRY_NOT_AUTHORISED',
    `the entry of ${quote(state.did)} (sequence ${state.sequence}) was not signed by the operator ${operatorDid} in this state: it was altered or signed by another key`,
    { field: 'authorisation' },
  );
}

/** Checks an operator option; throws INVALID_ARGUMENT. */
export function assertOperator(operator: unknown): asserts operator is RegistryOperator {
  const did = (operator as RegistryOperator | null)?.did;
  const parsed = typeof did === 'string' ? parseDid(did) : undefined;
  if (typeof operator !== 'object' || operator === null || parsed === undefined || !parsed.ok) {
    throw xlinkError(
      'INVALID_ARGUMENT',
      `"operator" expected { did: an Ed25519 did:key, signer? }, got ${quote(operator)}`,
      {
        field: 'operator',
      },
    );
  }
  const { signer } = operator as RegistryOperator;
  if (signer === undefined) return;
  if (typeof signer?.sign !== 'function' || !(signer.publicKey instanceof Uint8Array)) {
    throw xlinkError('INVALID_ARGUMENT', '"operator.signer" expected an Ed25519Signer', { field: 'operator.signer' });
  }
  if (!equalBytes(signer.publicKey, parsed.value.publicKey)) {
    throw xlinkError('INVALID_ARGUMENT', `"operator.signer" is not the key of ${did}`, { field: 'operator.signer' });
  }
}
