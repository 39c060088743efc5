/**
 * The receive pipeline, in the order docs/protocol.md fixes: cheap checks
 * first, the replay store touched only after the signature verifies (so a
 * forged envelope carrying someone's real nonce or counter cannot burn it),
 * decryption last. Full envelopes and telemetry-profile envelopes run the same
 * steps; a telemetry envelope names its sender by kid instead of DID.
 *
 *   const message = await receiveEnvelope(input, context, { allowCleartext: true });
 *
 * Per message, nothing is imported, copied or verified twice: the registry
 * hands out the same entry object until it changes, and `PeerKeysCache` keeps
 * the checked document and a prepared Ed25519 verifier per entry object.
 */
import type { CryptoProvider, Ed25519Verifier } from '../crypto/provider.js';
import { type PayloadContentType, readPayload } from '../envelope/content-type.js';
import { decodeEnvelope } from '../envelope/decode.js';
import { decryptEnvelope, type EnvelopeRecipient } from '../envelope/decrypt.js';
import type { EnvelopeHeader } from '../envelope/header.js';
import { isEncryptedVersion } from '../envelope/header.js';
import { assertNotDowngraded } from '../envelope/negotiate.js';
import { decodeTelemetry, isTelemetryShaped, type TelemetryEnvelope, verifyTelemetry } from '../envelope/telemetry.js';
import { verifyEnvelope } from '../envelope/verify.js';
import { attempt, quote, type Result, unwrap, xlinkError } from '../errors.js';
import { type EnvelopeVersion, type IdentityDocument, verifyIdentityDocument } from '../identity/document.js';
import type { Clock } from '../platform/clock.js';
import { isScopeAllowed, type TrustRegistry, type TrustRegistryEntry } from '../registry/trust-registry.js';
import type { NonceStore } from '../replay/nonce-store.js';
import type { AgentMessage } from './message.js';
import { type ProgressHandler, type ReceiveStage, report } from './progress.js';
import { receiveShare, type SplitReceiveContext } from './split-receive.js';

export interface ReceiveContext {
  readonly recipient: EnvelopeRecipient;
  readonly versions: readonly EnvelopeVersion[];
  readonly registry: TrustRegistry;
  readonly nonceStore: NonceStore;
  readonly peers: PeerKeysCache;
  readonly crypto: CryptoProvider;
  readonly clock: Clock;
  readonly timestampWindowMs: number;
  readonly maxEnvelopeBytes: number;
  /** Telemetry-profile envelopes are accepted when signed for this audience; refused without one. */
  readonly audience?: string;
  /** Split-channel and Xchange shares are reassembled here; without it they are refused as malformed. */
  readonly split?: SplitReceiveContext;
}

export interface ReceiveOptions {
  /** Accept signed-only (unencrypted) envelopes, telemetry included; default false. */
  readonly allowCleartext?: boolean;
  readonly onProgress?: ProgressHandler<ReceiveStage>;
}

/** A peer's keys as this agent checked them: its verified document and its prepared Ed25519 key. */
export interface PeerKeys {
  readonly identity: IdentityDocument;
  readonly verifier: Ed25519Verifier;
}

/**
 * The keys of the peers an agent talks to, checked by the agent itself and
 * kept per registry entry object. Registries hand out the same entry object
 * until it changes, so each document is verified, and each key prepared, once
 * per change instead of once per message. Verifying here rather than trusting
 * the registry means a registry that substitutes a key (an edited file, a
 * faulty remote) is caught: IDENTITY_DOCUMENT_INVALID:SIGNATURE. The highest
 * document sequence seen per DID is kept too, so a registry rolled back to an
 * older document is refused (IDENTITY_DOCUMENT_INVALID:SEQUENCE).
 */
export class PeerKeysCache {
  readonly #crypto: CryptoProvider;
  readonly #keys = new WeakMap<TrustRegistryEntry, PeerKeys>();
  readonly #sequences = new Map<string, number>();

  constructor(crypto: CryptoProvider) {
    this.#crypto = crypto;
  }

  /** The checked keys of `did`, whose registry entry is `entry`: synchronous once this entry was checked. */
  keysOf(did: string, entry: TrustRegistryEntry): PeerKeys | Promise<PeerKeys> {
    const known = this.#keys.get(entry);
    // An entry object checked before is answered from here unless a newer document was seen since:
    // a registry rolled back to an object it served earlier is refused like any older document.
    if (
      known !== undefined &&
      known.identity.did === did &&
      known.identity.sequence >= (this.#sequences.get(did) ?? 0)
    ) {
      return known;
    }
    return this.#check(did, entry);
  }

  async #check(did: string, entry: TrustRegistryEntry): Promise<PeerKeys> {
    const identity = unwrap(await verifyIdentityDocument(entry.document, { crypto: this.#crypto, did }));
    const seen = this.#sequences.get(did);
    if (seen !== undefined && identity.sequence < seen) {
      throw xlinkError(
        'IDENTITY_DOCUMENT_INVALID:SEQUENCE',
        `the registry serves document ${identity.sequence} of ${did}, older than ${seen} already seen`,
        { field: 'sequence' },
      );
    }
    this.#sequences.set(did, identity.sequence);
    const keys = { identity, verifier: await this.#crypto.ed25519Verifier(identity.ed25519PublicKey) };
    this.#keys.set(entry, keys);
    return keys;
  }
}

export function receiveEnvelope<Payload>(
  input: unknown,
  context: ReceiveContext,
  options: ReceiveOptions = {},
): Promise<Result<AgentMessage<Payload>>> {
  return attempt(async () => {
    await report(options.onProgress, 'parsing');
    const message =
      input instanceof Uint8Array && isTelemetryShaped(input)
        ? await receiveTelemetry(unwrap(decodeTelemetry(input, context)), context, options)
        : await receiveFull(input, context, options);
    await report(options.onProgress, 'complete');
    return message as AgentMessage<Payload>;
  });
}

async function receiveFull(input: unknown, context: ReceiveContext, options: ReceiveOptions): Promise<AgentMessage> {
  const { envelope, encoding } = unwrap(decodeEnvelope(input, context));
  const { header } = envelope;
  // An agent that takes Xchange shares refuses other signed-only envelopes only once it has read the payload.
  const xchange = context.split?.xchange === true;
  checkAddressing(header, context, options.allowCleartext === true || xchange);
  checkTimestamp(header.timestamp, context);

  await report(options.onProgress, 'verifying');
  const entry = liveSender(await context.registry.resolve(header.from), header.from);
  const { identity: sender, verifier } = await context.peers.keysOf(header.from, entry);
  assertNotDowngraded(header.version, sender.versions, context.versions);
  unwrap(
    await verifyEnvelope(
      {
        did: sender.did,
        verifier,
        ...(sender.mlDsa65PublicKey === undefined ? {} : { mlDsa65PublicKey: sender.mlDsa65PublicKey }),
      },
      envelope,
      context,
    ),
  );
  // Signed now, so the sender's own claim of its versions is trustworthy too.
  assertNotDowngraded(header.version, header.supportedVersions, context.versions);
  unwrap(await reserveReplayToken(header.from, header, context.nonceStore));
  checkScope(entry, header.scope);

  let plaintext = envelope.body;
  if (isEncryptedVersion(header.version)) {
    await report(options.onProgress, 'decrypting');
    plaintext = unwrap(await decryptEnvelope(context.recipient, envelope, context));
  }
  let contentType: PayloadContentType;
  let payload: unknown;
  // The signed content type alone says what the payload is: a share is never looked for inside application data.
  if (header.contentType === 'share') {
    if (context.split === undefined) {
      throw xlinkError('SHARE_INVALID:MALFORMED', 'this receiver does not reassemble split messages', {
        field: 'content type',
      });
    }
    const reconstructed = await receiveShare(plaintext, header, context.split, options.onProgress);
    contentType = reconstructed.contentType;
    payload = readPayload(reconstructed.payload, contentType);
  } else {
    if (header.version === 'signed' && options.allowCleartext !== true) {
      throw xlinkError('CLEARTEXT_REFUSED', 'a signed-only envelope needs receive(…, { allowCleartext: true })', {
        field: 'v',
      });
    }
    contentType = header.contentType;
    payload = readPayload(plaintext, contentType);
  }
  return {
    sender: header.from,
    recipient: header.to,
    scope: header.scope,
    payload,
    contentType,
    version: header.version,
    encoding,
    ...(header.timestamp === undefined ? {} : { timestamp: header.timestamp }),
  };
}

async function receiveTelemetry(
  envelope: TelemetryEnvelope,
  context: ReceiveContext,
  options: ReceiveOptions,
): Promise<AgentMessage> {
  const { audience } = context;
  if (audience === undefined) {
    throw xlinkError(
      'ENVELOPE_INVALID:VERSION',
      'this agent takes no telemetry-profile envelopes (it has no audience)',
      {
        field: 'kid',
      },
    );
  }
  if (options.allowCleartext !== true) {
    throw xlinkError(
      'CLEARTEXT_REFUSED',
      'a telemetry envelope is signed, not encrypted: receive(…, { allowCleartext: true })',
      {
        field: 'kid',
      },
    );
  }
  const { header } = envelope;
  checkTimestamp(header.timestamp, context);

  await report(options.onProgress, 'verifying');
  const found = await context.registry.resolveKid(envelope.kid);
  if (!found.ok && found.error.code === 'DID_NOT_IN_REGISTRY') {
    throw xlinkError('VERIFICATION_FAILED:UNKNOWN_KID', found.error.message, { field: 'kid' });
  }
  const entry = liveSender(found, 'the sender of this kid');
  const { identity, verifier } = await context.peers.keysOf(entry.did, entry);
  if (identity.mlDsa65PublicKey !== undefined) {
    // The profile carries no ML-DSA-65 signature; a sender that promised one must not be believed without it.
    throw xlinkError(
      'DOWNGRADE_DETECTED:STRIPPED',
      `${entry.did} signs with ML-DSA-65, which a telemetry envelope cannot carry`,
      { field: 'kid' },
    );
  }
  unwrap(await verifyTelemetry(verifier, envelope, audience));
  unwrap(await context.nonceStore.acceptCounter(entry.did, header.counter, header.timestamp));
  checkScope(entry, header.scope);
  return {
    sender: entry.did,
    recipient: audience,
    scope: header.scope,
    payload: readPayload(envelope.payload, header.contentType),
    contentType: header.contentType,
    version: 'signed',
    encoding: 'telemetry',
    ...(header.timestamp === undefined ? {} : { timestamp: header.timestamp }),
  };
}

/** The registry entry of a sender that may send: registered and not revoked. */
function liveSender(resolved: Result<TrustRegistryEntry>, who: string): TrustRegistryEntry {
  if (!resolved.ok && resolved.error.code === 'DID_NOT_IN_REGISTRY') {
    throw xlinkError('VERIFICATION_FAILED:DID_NOT_IN_REGISTRY', `${who} is not in the trust registry`, {
      field: 'from',
    });
  }
  const entry = unwrap(resolved);
  if (entry.revoked !== undefined) {
    throw xlinkError(
      'VERIFICATION_FAILED:REVOKED',
      `${entry.did} was revoked at ${describeTime(entry.revoked.at)}: ${quote(entry.revoked.reason)}`,
      { field: 'from' },
    );
  }
  return entry;
}

function checkAddressing(header: EnvelopeHeader, context: ReceiveContext, allowCleartext: boolean): void {
  if (header.to !== context.recipient.did) {
    throw xlinkError('VERIFICATION_FAILED:WRONG_RECIPIENT', `the envelope is for ${header.to}`, { field: 'to' });
  }
  if (!context.versions.includes(header.version)) {
    throw xlinkError('ENVELOPE_INVALID:VERSION', `this agent does not accept ${header.version} envelopes`, {
      field: 'v',
    });
  }
  if (header.version === 'signed' && !allowCleartext) {
    throw xlinkError('CLEARTEXT_REFUSED', 'a signed-only envelope needs receive(…, { allowCleartext: true })', {
      field: 'v',
    });
  }
}

function checkTimestamp(timestamp: number | undefined, context: ReceiveContext): void {
  if (timestamp === undefined) return; // a clockless counter envelope: the counter window alone guards it
  const now = context.clock.now();
  const window = context.timestampWindowMs;
  if (now - timestamp > window) {
    throw xlinkError('TIMESTAMP_EXPIRED', `the envelope is ${now - timestamp} ms old; the window is ${window} ms`, {
      field: 'ts',
    });
  }
  if (timestamp - now > window) {
    throw xlinkError(
      'TIMESTAMP_EXPIRED:FUTURE',
      `the envelope is dated ${timestamp - now} ms ahead; the window is ${window} ms`,
      { field: 'ts' },
    );
  }
}

function checkScope(entry: TrustRegistryEntry, scope: string): void {
  if (!isScopeAllowed(entry.scopes, scope)) {
    throw xlinkError('SCOPE_DENIED', `${entry.did} is not registered for scope ${quote(scope)}`, { field: 'scope' });
  }
}

function reserveReplayToken(sender: string, header: EnvelopeHeader, store: NonceStore): Promise<Result<void>> {
  if (header.nonce !== undefined) return store.reserveNonce(sender, header.nonce, header.timestamp as number);
  return store.acceptCounter(sender, header.counter as number, header.timestamp);
}

/** ISO 8601 when Date can show it; a registry accepts any safe integer, and toISOString throws a RangeError beyond ±8.64e15. */
function describeTime(ms: number): string {
  const date = new Date(ms);
  return Number.isNaN(date.getTime()) ? `${ms} ms since the epoch` : date.toISOString();
}
