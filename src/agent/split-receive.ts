/**
 * Receiving one share envelope of a split-channel or Xchange message, after
 * the receive pipeline verified its signature, spent its replay token and
 * (split-channel) decrypted it. The share's HMAC is checked, then it joins
 * the agent's reassembly buffer, keyed by sender and group id, whatever
 * transport it came by; the share that completes k returns the payload.
 *
 *   const { payload, contentType } = await receiveShare(plaintext, header, context, onProgress);
 *   // or throws INSUFFICIENT_SHARES:PENDING (held), SPLIT_SHARE_LATE (already delivered), …
 */
import { bytesToHex } from '../codec/bytes.js';
import type { Aead, Hashing } from '../crypto/provider.js';
import type { PayloadContentType } from '../envelope/content-type.js';
import type { EnvelopeHeader } from '../envelope/header.js';
import { xlinkError } from '../errors.js';
import type { ShareReassembly } from '../split/reassembly.js';
import { MIN_HMAC_KEY_LENGTH } from '../split/secret-sharing.js';
import { authenticatedPart, readShare } from '../split/share-format.js';
import { type ProgressHandler, type ReceiveStage, report } from './progress.js';
import { readSplitFrame } from './split-frame.js';
import { XCHANGE_IV_LENGTH, XCHANGE_KEY_LENGTH, xchangeAad } from './split-send.js';

export interface SplitReceiveContext {
  readonly reassembly: ShareReassembly;
  /** Accept Xchange shares (signed-only envelopes); the agent's `xchange` option. */
  readonly xchange: boolean;
  readonly crypto: Pick<Hashing, 'hmacSha256Verify'> & Pick<Aead, 'aes256GcmDecrypt'>;
}

export interface ReconstructedPayload {
  readonly payload: Uint8Array;
  readonly contentType: PayloadContentType;
}

/** `frameBytes`: the (decrypted) payload of an envelope whose signed content type is `share`. */
export async function receiveShare(
  frameBytes: Uint8Array,
  header: EnvelopeHeader,
  context: SplitReceiveContext,
  onProgress: ProgressHandler<ReceiveStage> | undefined,
): Promise<ReconstructedPayload> {
  const frame = readSplitFrame(frameBytes);
  if (header.version === 'signed' ? frame.mode !== 'xchange' || !context.xchange : frame.mode !== 'split') {
    throw xlinkError(
      header.version === 'signed' ? 'CLEARTEXT_REFUSED' : 'SHARE_INVALID:MALFORMED',
      header.version === 'signed'
        ? 'a share in a signed-only envelope is accepted only as Xchange, by an agent created with xchange: true'
        : 'an Xchange share must travel signed-only, a split-channel share encrypted',
      { field: 'v' },
    );
  }
  const share = readShare(frame.share);
  if (frame.hmacKey.length < MIN_HMAC_KEY_LENGTH) {
    throw xlinkError('SHARE_INVALID:MALFORMED', `the share's HMAC key has ${frame.hmacKey.length} bytes`, {
      field: 'hmacKey',
    });
  }
  if (!(await context.crypto.hmacSha256Verify(frame.hmacKey, authenticatedPart(share.bytes), share.tag))) {
    throw xlinkError('HMAC_VERIFICATION_FAILED', `share ${share.index} does not verify under its message's key`, {
      field: 'tag',
    });
  }
  const xchange = frame.mode === 'xchange';
  if (xchange && (share.secretLength !== XCHANGE_KEY_LENGTH || frame.iv?.length !== XCHANGE_IV_LENGTH)) {
    throw xlinkError('SHARE_INVALID:MALFORMED', 'an Xchange share splits a 32-byte key and carries a 12-byte IV', {
      field: 'share',
    });
  }
  const binding = [frame.mode, frame.contentType, header.scope, bytesToHex(frame.hmacKey)];
  if (xchange) binding.push(bytesToHex(frame.iv as Uint8Array));
  const step = context.reassembly.add(header.from, share, binding.join('|'));
  if (step.status === 'late') {
    throw xlinkError('SPLIT_SHARE_LATE', `share ${share.index}'s message was already reconstructed`, {
      field: 'groupId',
    });
  }
  if (step.status === 'pending') {
    await report(onProgress, 'reconstructing', step.held, step.k);
    throw xlinkError('INSUFFICIENT_SHARES:PENDING', `share ${share.index} held: ${step.held} of ${step.k} shares`, {
      field: 'groupId',
    });
  }
  await report(onProgress, 'reconstructing', step.k, step.k);
  if (!xchange) return { payload: step.secret, contentType: frame.contentType };
  const aad = xchangeAad(header.from, header.to, header.scope, frame.contentType, share.groupId);
  // The backend throws the opaque DECRYPT_FAILED:DECRYPTION for a wrong key or an altered ciphertext.
  const payload = await context.crypto.aes256GcmDecrypt(
    step.secret,
    frame.iv as Uint8Array,
    frame.ciphertext as Uint8Array,
    aad,
  );
  return { payload, contentType: frame.contentType };
}
