/**
 * Sending a message as n shares (white paper, "Split-Channel Mode",
 * "Multi-Transport Routing", "Xchange Mode"). Share i goes, in its own
 * envelope, to `transports[i % transports.length]`.
 *
 * - split-channel (the default): the payload itself is split k-of-n; each
 *   share travels in its own encrypted envelope (its own ephemeral X25519 and,
 *   for v2/v3, ML-KEM-768 encapsulation, its own AES-256-GCM key), signed
 *   with Ed25519 and, in v3, ML-DSA-65. Fewer than k channels see nothing of
 *   the payload even if the encryption of all of them were broken.
 * - Xchange: a fresh AES-256-GCM key encrypts the payload once; the key is
 *   split k-of-n, and every share envelope, signed but not encrypted, carries
 *   its key share and the ciphertext. No KEM: fewer than k channels hold the
 *   ciphertext but nothing of the key.
 *
 * The send fails with SEND_FAILED:BELOW_THRESHOLD when fewer than k shares
 * were taken by their transports; otherwise it reports how many were.
 */
import { encodeCbor } from '../codec/cbor.js';
import type { Aead, Hashing, Randomness } from '../crypto/provider.js';
import type { PayloadContentType } from '../envelope/content-type.js';
import { type ErrorDetail, ok, type Result, refuse } from '../errors.js';
import type { Timer } from '../platform/timer.js';
import type { Threshold } from '../split/parameters.js';
import { splitSecret } from '../split/secret-sharing.js';
import type { Transport, TransportEnvelope } from '../transport/transport.js';
import { type ProgressHandler, report, type SendStage } from './progress.js';
import { contentTypeCode, encodeSplitFrame, type SplitMode } from './split-frame.js';
import type { OnceWarnings } from './warnings.js';

export const XCHANGE_KEY_LENGTH = 32;
export const XCHANGE_IV_LENGTH = 12;

export interface SplitSendContext {
  readonly did: string;
  readonly crypto: Randomness & Pick<Hashing, 'hmacSha256' | 'hmacSha256Verify'> & Pick<Aead, 'aes256GcmEncrypt'>;
  readonly transports: readonly Transport[];
  readonly warnings: OnceWarnings;
  readonly timer: Timer;
  /** A share its transport has not taken after this long counts as not taken (SEND_FAILED:TIMEOUT). */
  readonly sendTimeoutMs: number;
  /** Encrypts and signs one share envelope (content type `share`) to the recipient, encoded for the wire. */
  readonly seal: (payload: Uint8Array) => Promise<Result<TransportEnvelope>>;
  /** Signs one share envelope (content type `share`), its payload in clear (Xchange). */
  readonly sign: (payload: Uint8Array) => Promise<Result<TransportEnvelope>>;
}

export interface SplitSendInput {
  readonly to: string;
  readonly scope: string;
  readonly payload: Uint8Array;
  readonly contentType: PayloadContentType;
  readonly threshold: Threshold;
  readonly mode: SplitMode;
  readonly onProgress?: ProgressHandler<SendStage> | undefined;
}

/** What a split send did. */
export interface SplitSent {
  readonly k: number;
  readonly n: number;
  readonly mode: SplitMode;
  /** The id every share of this message carries. */
  readonly groupId: Uint8Array;
  /** The share envelopes as handed to the transports, share i at i − 1. */
  readonly envelopes: TransportEnvelope[];
  /** How many transports took their share (at least k). */
  readonly delivered: number;
  /** Why the others did not, one entry per share not taken. */
  readonly failures: { readonly index: number; readonly error: ErrorDetail }[];
}

/**
 * `sent`, or SEND_FAILED:TIMEOUT once the timeout passes first: a transport
 * whose `send` never settles must not hold the other shares' result forever.
 */
function withinTimeout(sent: Promise<Result<void>>, context: SplitSendContext): Promise<Result<void>> {
  const { timer, sendTimeoutMs } = context;
  return new Promise((resolve, reject) => {
    const handle = timer.setTimeout(
      () => resolve(refuse('SEND_FAILED:TIMEOUT', `the transport did not take the share within ${sendTimeoutMs} ms`)),
      sendTimeoutMs,
    );
    sent.then(
      (result) => {
        timer.clearTimeout(handle);
        resolve(result);
      },
      (error: unknown) => {
        timer.clearTimeout(handle);
        reject(error);
      },
    );
  });
}

/** The additional data that binds an Xchange ciphertext to its message. */
export function xchangeAad(
  from: string,
  to: string,
  scope: string,
  contentType: PayloadContentType,
  groupId: Uint8Array,
): Uint8Array {
  return encodeCbor(['xlink xchange v1', from, to, scope, contentTypeCode(contentType), groupId]);
}

export async function sendSplit(context: SplitSendContext, input: SplitSendInput): Promise<Result<SplitSent>> {
  const { crypto, transports, warnings } = context;
  const { to, scope, contentType, threshold, mode, onProgress } = input;
  const { k, n } = threshold;
  if (transports.length < n) {
    warnings.warn(`transports:${n}`, {
      code: 'FEWER_TRANSPORTS_THAN_SHARES',
      message: `${n} shares over ${transports.length} transport(s): share i goes to transports[i % ${transports.length}], so one channel carries several shares; give ${n} independent transports for full channel separation`,
    });
  }
  await report(onProgress, 'encrypting');
  let secret = input.payload;
  let cipher: { iv: Uint8Array; ciphertext: Uint8Array } | undefined;
  const key = mode === 'xchange' ? crypto.randomBytes(XCHANGE_KEY_LENGTH) : undefined;
  if (key !== undefined) secret = key;
  const split = await splitSecret(secret, threshold, { crypto });
  if (key !== undefined) {
    const iv = crypto.randomBytes(XCHANGE_IV_LENGTH);
    const aad = xchangeAad(context.did, to, scope, contentType, split.groupId);
    cipher = { iv, ciphertext: await crypto.aes256GcmEncrypt(key, iv, input.payload, aad) };
  }
  const envelopes: TransportEnvelope[] = [];
  for (let i = 0; i < n; i++) {
    await report(onProgress, 'signing', i + 1, n);
    const frame = encodeSplitFrame({
      mode,
      contentType,
      hmacKey: split.hmacKey,
      share: split.shares[i] as Uint8Array,
      ...cipher,
    });
    const envelope = mode === 'xchange' ? await context.sign(frame) : await context.seal(frame);
    if (!envelope.ok) return envelope;
    envelopes.push(envelope.value);
  }
  const results = await Promise.all(
    envelopes.map(async (envelope, i) => {
      await report(onProgress, 'sending', i + 1, n);
      return withinTimeout((transports[i % transports.length] as Transport).send(envelope, to), context);
    }),
  );
  const failures = results.flatMap((result, i) => (result.ok ? [] : [{ index: i + 1, error: result.error }]));
  const delivered = n - failures.length;
  if (delivered < k) {
    const first = failures[0]?.error;
    return refuse(
      'SEND_FAILED:BELOW_THRESHOLD',
      `${delivered} of ${n} shares were taken by their transports, ${k} are needed${first === undefined ? '' : `; first failure ${first.code}: ${first.message}`}`,
      'transport',
    );
  }
  await report(onProgress, 'complete');
  return ok({ k, n, mode, groupId: split.groupId, envelopes, delivered, failures });
}
