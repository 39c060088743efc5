/**
 * Verified identity documents of peers, cached per DID.
 *
 *   const doc = await documents.verified(entry); // Result<IdentityDocument>
 *
 * A registry hands out signed documents; each is verified against its DID
 * before any of its keys is used, so a registry that was tampered with
 * cannot substitute a key (IDENTITY_DOCUMENT_INVALID:SIGNATURE). Verifying
 * costs an Ed25519 and maybe an ML-DSA-65 check, so the result is kept, keyed
 * by the exact signed bytes: a replaced document is verified afresh, and must
 * carry a larger sequence than the one it replaces, so a registry rolled back
 * to an older document (older keys) is refused with
 * IDENTITY_DOCUMENT_INVALID:SEQUENCE. Limits: the rollback check holds while
 * the DID stays cached (this process, up to `capacity` DIDs).
 */
import { equalBytes } from '../codec/bytes.js';
import type { CryptoProvider } from '../crypto/provider.js';
import { ok, type Result } from '../errors.js';
import { type IdentityDocument, type SignedIdentityDocument, verifyIdentityDocument } from '../identity/document.js';

interface CachedDocument {
  readonly signed: SignedIdentityDocument;
  readonly document: IdentityDocument;
}

/** Enough for a gateway's whole fleet; beyond it the oldest entry is verified again when next used. */
const DEFAULT_CAPACITY = 100_000;

export class PeerDocuments {
  private readonly cache = new Map<string, CachedDocument>();

  constructor(
    private readonly crypto: CryptoProvider,
    private readonly capacity: number = DEFAULT_CAPACITY,
  ) {}

  async verified(did: string, signed: SignedIdentityDocument): Promise<Result<IdentityDocument>> {
    const cached = this.cache.get(did);
    if (cached !== undefined && sameDocument(cached.signed, signed)) return ok(cached.document);
    // Own copies: a registry that later changed its arrays in place must not change what was verified.
    const copy = copyDocument(signed);
    const previous = cached === undefined ? {} : { previous: cached.document };
    const checked = await verifyIdentityDocument(copy, { crypto: this.crypto, did, ...previous });
    if (!checked.ok) return checked;
    this.cache.delete(did);
    if (this.cache.size >= this.capacity) this.cache.delete(this.cache.keys().next().value as string);
    this.cache.set(did, { signed: copy, document: checked.value });
    return checked;
  }
}

function copyDocument(signed: SignedIdentityDocument): SignedIdentityDocument {
  const { body, signature, mlDsaSignature } = signed;
  const copy = { body: new Uint8Array(body), signature: new Uint8Array(signature) };
  return mlDsaSignature === undefined ? copy : { ...copy, mlDsaSignature: new Uint8Array(mlDsaSignature) };
}

function sameDocument(a: SignedIdentityDocument, b: SignedIdentityDocument): boolean {
  return equalBytes(a.body, b.body) && equalBytes(a.signature, b.signature);
}
