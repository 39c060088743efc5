/**
 * Signed registry snapshots: a registry's entries in one JSON document that a
 * gateway can check offline, knowing only the operator's DID.
 *
 *   const text = await createRegistrySnapshot(await registry.list(), { operator, at: Date.now() });
 *   const checked = await verifyRegistrySnapshot(text, { operatorDid, crypto }); // Result<VerifiedRegistrySnapshot>
 *
 * Format (JSON): {"format":"xlink-registry-snapshot","version":1,"operator":did,"at":ms,
 * "entries":[{did, document, scopes, name?, revoked?, authorisation:{sequence,at,signature}}],
 * "signature":base64url}. Each entry carries its own operator authorisation
 * (authorisation.ts), so one entry can be checked alone; the snapshot
 * signature covers the time and every entry's authorised bytes in order, so
 * an entry left out or an older snapshot passed off as newer shows.
 * Verification checks both kinds of signature and every identity document
 * against its DID; any failure refuses the whole snapshot.
 */
import { base64urlDecode, base64urlEncode } from '../codec/base64url.js';
import { encodeCbor } from '../codec/cbor.js';
import { parseJson } from '../codec/json.js';
import { attempt, quote, type Result, unwrap, xlinkError } from '../errors.js';
import {
  identityDocumentFromJson,
  identityDocumentToJson,
  type SignedIdentityDocument,
  verifyIdentityDocument,
} from '../identity/document.js';
import { signMessage, verifyMessage } from '../identity/signature.js';
import {
  type AuthorisedState,
  authorisationBytes,
  checkAuthorisation,
  type RegistryAuthorisation,
  type RegistryOperator,
} from './authorisation.js';
import type { RegistryCrypto } from './registry-core.js';
import { assertRegisteredScopes } from './scope.js';
import type { Revocation, TrustRegistryEntry } from './trust-registry.js';

/** One entry of a checked snapshot. */
export interface SnapshotEntry {
  readonly did: string;
  readonly document: SignedIdentityDocument;
  readonly scopes: readonly string[];
  readonly name?: string;
  readonly revoked?: Revocation;
  readonly authorisation: RegistryAuthorisation;
}

export interface VerifiedRegistrySnapshot {
  readonly operator: string;
  readonly at: number;
  readonly entries: readonly SnapshotEntry[];
}

/** Largest snapshot text verifyRegistrySnapshot reads: about 60,000 entries. */
export const MAX_SNAPSHOT_LENGTH: number = 64 * 1024 * 1024;

const SNAPSHOT_FORMAT = 'xlink-registry-snapshot';

function stateOf(entry: {
  did: string;
  scopes: readonly string[];
  name?: string | undefined;
  revoked?: Revocation | undefined;
  authorisation: RegistryAuthorisation;
}): AuthorisedState {
  return {
    did: entry.did,
    scopes: entry.scopes,
    name: entry.name,
    revoked: entry.revoked,
    sequence: entry.authorisation.sequence,
    at: entry.authorisation.at,
  };
}

function snapshotBytes(operator: string, at: number, states: readonly AuthorisedState[]): Uint8Array {
  return encodeCbor(
    new Map<string, string | number | readonly Uint8Array[]>([
      ['type', SNAPSHOT_FORMAT],
      ['v', 1],
      ['operator', operator],
      ['at', at],
      ['entries', states.map(authorisationBytes)],
    ]),
  );
}

/**
 * The snapshot of `entries` (from a registry with this operator), signed by
 * `operator.signer`. Throws REGISTRY_NOT_AUTHORISED for an entry without an
 * authorisation: a snapshot never vouches for what the operator did not sign.
 */
export async function createRegistrySnapshot(
  entries: readonly TrustRegistryEntry[],
  { operator, at }: { operator: Required<RegistryOperator>; at: number },
): Promise<string> {
  const signed = entries.map((entry) => {
    const { authorisation } = entry;
    if (authorisation === undefined) {
      throw xlinkError('REGISTRY_NOT_AUTHORISED', `the entry of ${quote(entry.did)} carries no operator signature`, {
        field: 'authorisation',
      });
    }
    return { ...entry, authorisation };
  });
  const signature = await signMessage(operator.signer, snapshotBytes(operator.did, at, signed.map(stateOf)));
  return JSON.stringify({
    format: SNAPSHOT_FORMAT,
    version: 1,
    operator: operator.did,
    at,
    entries: signed.map((entry) => ({
      did: entry.did,
      document: identityDocumentToJson(entry.document),
      scopes: entry.scopes,
      ...(entry.name === undefined ? {} : { name: entry.name }),
      ...(entry.revoked === undefined ? {} : { revoked: entry.revoked }),
      authorisation: { ...entry.authorisation, signature: base64urlEncode(entry.authorisation.signature) },
    })),
    signature: base64urlEncode(signature),
  });
}

/**
 * Checks a snapshot against the operator's DID: REGISTRY_CORRUPT for a
 * malformed one, REGISTRY_NOT_AUTHORISED for one another key signed or that
 * was altered, IDENTITY_DOCUMENT_INVALID:* for a document its DID did not sign.
 */
export function verifyRegistrySnapshot(
  text: unknown,
  { operatorDid, crypto }: { operatorDid: string; crypto: RegistryCrypto },
): Promise<Result<VerifiedRegistrySnapshot>> {
  return attempt(async () => {
    const corrupt = (message: string): Error => xlinkError('REGISTRY_CORRUPT', `registry snapshot: ${message}`);
    if (typeof text !== 'string') throw corrupt(`expected JSON text, got ${quote(text)}`);
    const parsed = parseJson(text, { maxLength: MAX_SNAPSHOT_LENGTH, maxDepth: 6 });
    if (!parsed.ok) throw corrupt(parsed.error.message);
    const root = parsed.value;
    if (!isObject(root) || root.format !== SNAPSHOT_FORMAT || root.version !== 1) {
      throw corrupt(`not a version 1 ${SNAPSHOT_FORMAT}`);
    }
    const { operator, at, entries, signature } = root;
    if (operator !== operatorDid) {
      throw xlinkError(
        'REGISTRY_NOT_AUTHORISED',
        `the snapshot names the operator ${quote(operator)}, not ${operatorDid}`,
        { field: 'operator' },
      );
    }
    if (!isTimestamp(at)) throw corrupt('"at" expected ms since the epoch');
    if (!Array.isArray(entries)) throw corrupt('"entries" expected an array');
    const checked = entries.map((entry, index) => entryOf(entry, (message) => corrupt(`entry ${index}: ${message}`)));
    const seen = new Set<string>();
    for (const entry of checked) {
      if (seen.has(entry.did)) throw corrupt(`${quote(entry.did)} is listed twice`);
      seen.add(entry.did);
    }
    const signatureBytes = bytesOf(signature, () => corrupt('"signature" expected base64url'));
    const overall = await verifyMessage(
      operatorDid,
      snapshotBytes(operatorDid, at, checked.map(stateOf)),
      signatureBytes,
      {
        crypto,
      },
    );
    if (!overall.ok) {
      throw xlinkError(
        'REGISTRY_NOT_AUTHORISED',
        `the snapshot was not signed by ${operatorDid} as it is: altered or signed by another key`,
        {
          field: 'signature',
        },
      );
    }
    for (const entry of checked) {
      await checkAuthorisation(operatorDid, stateOf(entry), entry.authorisation.signature, { crypto });
      unwrap(await verifyIdentityDocument(entry.document, { crypto, did: entry.did }));
    }
    return Object.freeze({ operator: operatorDid, at, entries: Object.freeze(checked) });
  });
}

function entryOf(value: unknown, corrupt: (message: string) => Error): SnapshotEntry {
  if (!isObject(value)) throw corrupt('expected an object');
  for (const key of Object.keys(value)) {
    if (!['did', 'document', 'scopes', 'name', 'revoked', 'authorisation'].includes(key)) {
      throw corrupt(`unexpected key ${quote(key)}`);
    }
  }
  const { did, scopes, name, revoked, authorisation } = value;
  if (typeof did !== 'string') throw corrupt('"did" expected a string');
  const document = identityDocumentFromJson(value.document);
  if (!document.ok) throw corrupt(`"document": ${document.error.message}`);
  try {
    assertRegisteredScopes(scopes);
  } catch (error) {
    throw corrupt(`"scopes": ${(error as Error).message}`);
  }
  if (name !== undefined && typeof name !== 'string') throw corrupt('"name" expected a string');
  if (
    revoked !== undefined &&
    !(
      isObject(revoked) &&
      isTimestamp(revoked.at) &&
      typeof revoked.reason === 'string' &&
      Object.keys(revoked).length === 2
    )
  ) {
    throw corrupt('"revoked" expected {"at","reason"}');
  }
  if (!isObject(authorisation) || !isTimestamp(authorisation.at) || !isTimestamp(authorisation.sequence)) {
    throw corrupt('"authorisation" expected {"sequence","at","signature"}');
  }
  const signature = bytesOf(authorisation.signature, () => corrupt('"authorisation.signature" expected base64url'));
  return {
    did,
    document: document.value,
    scopes: [...scopes],
    ...(name === undefined ? {} : { name }),
    ...(revoked === undefined ? {} : { revoked: { at: revoked.at as number, reason: revoked.reason as string } }),
    authorisation: { sequence: authorisation.sequence, at: authorisation.at, signature },
  };
}

function bytesOf(value: unknown, fail: () => Error): Uint8Array {
  const decoded = typeof value === 'string' ? base64urlDecode(value) : undefined;
  if (decoded === undefined || !decoded.ok) throw fail();
  return decoded.value;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isTimestamp(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}
