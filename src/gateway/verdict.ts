/**
 * What a verification thread answers for one message, and how the gateway
 * names a refusal: its error code (the `reason` label of the metrics) and a
 * topic-safe spelling of it (the `{reason}` of the dead-letter topic).
 *
 * A verified message carries its replay token (the sender's counter or the
 * envelope's nonce) unspent: the threads check everything that needs no
 * shared state, and the daemon spends the token in the replay store, once,
 * in order per device. The token, not a hash of the bytes, is what makes a
 * redelivered message a duplicate: several spellings of one JSON envelope
 * verify, and all of them carry the same sender and token.
 */
import type { ErrorCode } from '../errors.js';

export type ReplayToken =
  | { readonly kind: 'counter'; readonly counter: number; readonly timestamp?: number }
  | { readonly kind: 'nonce'; readonly nonce: string; readonly timestamp: number };

export interface VerifiedMessage {
  /** The signer's DID. */
  readonly sender: string;
  /** The device id of the topic, which the signer owns (its kid in hex or its registered name). */
  readonly deviceId: string;
  /** The topic's {kind}, when the template has one. */
  readonly kind?: string;
  readonly scope: string;
  readonly token: ReplayToken;
  /** SHA-256 (hex) of the signed bytes: tells a redelivery (same) from a reused counter or nonce (other). */
  readonly digest: string;
  readonly timestamp?: number;
  readonly contentType: string;
  readonly payload: unknown;
  readonly encoding: 'json' | 'compact' | 'telemetry';
  readonly version: string;
}

export type VerifyOutcome =
  | { readonly ok: true; readonly message: VerifiedMessage }
  | { readonly ok: false; readonly code: ErrorCode; readonly message: string; readonly deviceId: string };

/** The sender-and-token key of a message: the same for every spelling and every redelivery of it. */
export function messageId(sender: string, token: ReplayToken): string {
  return token.kind === 'counter' ? `${sender}#c${token.counter}` : `${sender}#n${token.nonce}`;
}

/** `VERIFICATION_FAILED:TOPIC_MISMATCH` → `verification-failed.topic-mismatch`: one topic level, lowercase. */
export function reasonSegment(code: ErrorCode): string {
  return code.toLowerCase().replaceAll('_', '-').replaceAll(':', '.');
}

/**
 * Refusals that are no verdict on the message: the gateway's own state
 * (registry, replay store, disk) failed, so the same message may verify later.
 * They are never dead-lettered and never acknowledged.
 */
export const NO_VERDICT: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  'REGISTRY_IO_FAILED',
  'REGISTRY_CORRUPT',
  'REGISTRY_MISSING',
  'REPLAY_STORE_UNAVAILABLE',
  'REPLAY_STORE_FULL',
  'REPLAY_STORE_CORRUPT',
  'STORAGE_FAILED',
  'IDENTITY_FAILED',
  'UNKNOWN_ERROR_CODE',
]);
