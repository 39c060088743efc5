/**
 * The receive pipeline, in the order docs/protocol.md fixes: cheap checks
 * first, the replay store touched only after the signatures verify (so a
 * forged envelope carrying someone's real nonce cannot burn it), decryption last.
 *
 *   const message = await receiveEnvelope(input, context, { allowCleartext: true });
 */
import { parseJsonBytes } from '../codec/json.js';
import type { CryptoProvider } from '../crypto/provider.js';
import { decodeEnvelope } from '../envelope/decode.js';
import { decryptEnvelope, type EnvelopeRecipientKeys } from '../envelope/decrypt.js';
import type { EnvelopeHeader } from '../envelope/header.js';
import { isEncryptedVersion } from '../envelope/header.js';
import { assertNotDowngraded } from '../envelope/negotiate.js';
import { verifyEnvelopeSignatures } from '../envelope/verify.js';
import { attempt, isXlinkError, type Result, unwrap, xlinkError } from '../errors.js';
import type { EnvelopeVersion } from '../identity/document.js';
import type { Clock } from '../platform/clock.js';
import { isScopeAllowed, type TrustRegistry } from '../registry/trust-registry.js';
import type { NonceStore } from '../replay/nonce-store.js';
import type { AgentMessage } from './message.js';
import type { PeerDocuments } from './peer-documents.js';
import { type ProgressHandler, type ReceiveStage, report } from './progress.js';

export interface ReceiveContext {
  readonly identity: EnvelopeRecipientKeys;
  readonly versions: readonly EnvelopeVersion[];
  readonly registry: TrustRegistry;
  readonly nonceStore: NonceStore;
  readonly peers: PeerDocuments;
  readonly crypto: CryptoProvider;
  readonly clock: Clock;
  readonly timestampWindowMs: number;
  readonly maxEnvelopeBytes: number;
}

export interface ReceiveOptions {
  /** Accept signed-only (unencrypted) envelopes; default false. */
  readonly allowCleartext?: boolean;
  readonly onProgress?: ProgressHandler<ReceiveStage>;
}

/** The payload is parsed as strict JSON no deeper than this. */
const PAYLOAD_MAX_DEPTH = 32;

export async function receiveEnvelope<Payload>(
  input: unknown,
  context: ReceiveContext,
  options: ReceiveOptions = {},
): Promise<Result<AgentMessage<Payload>>> {
  return attempt(async () => {
    const { onProgress } = options;
    await report(onProgress, 'parsing');
    const decoded = decodeEnvelope(input, { maxEnvelopeBytes: context.maxEnvelopeBytes });
    const { envelope } = unwrap(decoded);
    const { header } = envelope;
    checkAddressing(header, context, options.allowCleartext === true);
    checkTimestamp(header, context);

    await report(onProgress, 'verifying');
    const resolved = await context.registry.resolve(header.from);
    if (!resolved.ok && resolved.error.code === 'DID_NOT_IN_REGISTRY') {
      throw xlinkError('VERIFICATION_FAILED:DID_NOT_IN_REGISTRY', `${header.from} is not in the trust registry`, {
        field: 'from',
      });
    }
    const entry = unwrap(resolved);
    if (entry.revoked !== undefined) {
      throw xlinkError(
        'VERIFICATION_FAILED:REVOKED',
        `${header.from} was revoked at ${describeTime(entry.revoked.at)}: ${entry.revoked.reason}`,
        { field: 'from' },
      );
    }
    const sender = unwrap(await context.peers.verified(header.from, entry.document));
    assertNotDowngraded(header.version, sender.versions, context.versions);
    unwrap(
      await verifyEnvelopeSignatures(
        envelope,
        {
          did: sender.did,
          ed25519PublicKey: sender.ed25519PublicKey,
          ...(sender.mlDsa65PublicKey === undefined ? {} : { mlDsa65PublicKey: sender.mlDsa65PublicKey }),
        },
        context.crypto,
      ),
    );
    // Signed now, so the sender's own claim of its versions is trustworthy too.
    assertNotDowngraded(header.version, header.supportedVersions, context.versions);
    unwrap(await reserveReplayToken(header, context.nonceStore));
    if (!isScopeAllowed(entry.scopes, header.scope)) {
      throw xlinkError('SCOPE_DENIED', `${header.from} is not registered for scope ${JSON.stringify(header.scope)}`, {
        field: 'scope',
      });
    }

    let plaintext = envelope.body;
    if (isEncryptedVersion(header.version)) {
      await report(onProgress, 'decrypting');
      plaintext = unwrap(await decryptEnvelope(envelope, context.identity, context.crypto));
    }
    const payload = parsePayload(plaintext) as Payload;
    await report(onProgress, 'complete');
    return {
      sender: header.from,
      recipient: header.to,
      scope: header.scope,
      payload,
      version: header.version,
      ...(header.timestamp === undefined ? {} : { timestamp: header.timestamp }),
    };
  });
}

function checkAddressing(header: EnvelopeHeader, context: ReceiveContext, allowCleartext: boolean): void {
  if (header.to !== context.identity.did) {
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

function checkTimestamp(header: EnvelopeHeader, context: ReceiveContext): void {
  const { timestamp } = header;
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

function reserveReplayToken(header: EnvelopeHeader, store: NonceStore): Promise<Result<void>> {
  if (header.nonce !== undefined) return store.reserveNonce(header.from, header.nonce, header.timestamp as number);
  return store.acceptCounter(header.from, header.counter as number, header.timestamp);
}

function parsePayload(plaintext: Uint8Array): unknown {
  try {
    return parseJsonBytes(plaintext, { maxDepth: PAYLOAD_MAX_DEPTH, maxLength: plaintext.length });
  } catch (error) {
    if (!isXlinkError(error)) throw error;
    throw xlinkError('PARSE_FAILED:PAYLOAD', `the payload is not valid JSON: ${error.message}`, { cause: error });
  }
}

/** ISO 8601 when Date can show it; a registry accepts any safe integer, and toISOString throws a RangeError beyond ±8.64e15. */
function describeTime(ms: number): string {
  const date = new Date(ms);
  return Number.isNaN(date.getTime()) ? `${ms} ms since the epoch` : date.toISOString();
}
