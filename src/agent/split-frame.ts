/**
 * What one share envelope of a split-channel or Xchange message carries as
 * its payload (content type CBOR): a CBOR tag reserved by xlink around
 *
 *   [0, contentType, hmacKey, share]                 split-channel: the share is of the payload
 *   [1, contentType, hmacKey, share, iv, ciphertext] Xchange: the share is of the AES-256-GCM key
 *
 * contentType is 0 (bytes), 1 (JSON), 2 (CBOR): what the reconstructed payload
 * is. `share` is in the format of xlink/split. The tag (2020373360, "xlsp",
 * unregistered, from the first-come-first-served range) is how a receiver
 * tells a share from an application's CBOR payload; applications must not
 * send it.
 */
import { CborTagged, type CborValue } from '../codec/cbor.js';
import type { ContentType } from '../envelope/content-type.js';
import { xlinkError } from '../errors.js';

export const SPLIT_FRAME_TAG = 2020373360;

export type SplitMode = 'split' | 'xchange';

export interface SplitFrame {
  readonly mode: SplitMode;
  readonly contentType: ContentType;
  readonly hmacKey: Uint8Array;
  readonly share: Uint8Array;
  /** Xchange only. */
  readonly iv?: Uint8Array;
  /** Xchange only: the payload under the reconstructed key. */
  readonly ciphertext?: Uint8Array;
}

const CONTENT_TYPES: readonly ContentType[] = ['bytes', 'json', 'cbor'];

export function contentTypeCode(contentType: ContentType): number {
  return CONTENT_TYPES.indexOf(contentType);
}

export function splitFrameValue(frame: SplitFrame): CborTagged {
  const items: CborValue[] = [frame.mode === 'split' ? 0 : 1, contentTypeCode(frame.contentType), frame.hmacKey];
  items.push(frame.share);
  if (frame.mode === 'xchange') items.push(frame.iv as Uint8Array, frame.ciphertext as Uint8Array);
  return new CborTagged(SPLIT_FRAME_TAG, items);
}

/** True for a decoded payload that is a split frame (valid or not). */
export function isSplitFrame(value: unknown): value is CborTagged {
  return value instanceof CborTagged && value.tag === SPLIT_FRAME_TAG;
}

/** The frame inside the tag; throws SHARE_INVALID:MALFORMED for any other shape. */
export function readSplitFrame(value: CborTagged): SplitFrame {
  const items = value.value;
  if (!Array.isArray(items) || (items.length !== 4 && items.length !== 6))
    return malformed('the frame is not an array of 4 or 6');
  const [mode, type, hmacKey, share, iv, ciphertext] = items as CborValue[];
  const contentType = typeof type === 'number' ? CONTENT_TYPES[type] : undefined;
  if (contentType === undefined) return malformed('the content type is not 0, 1 or 2');
  if (!(hmacKey instanceof Uint8Array) || !(share instanceof Uint8Array)) return malformed('key or share is not bytes');
  if (mode === 0 && items.length === 4) return { mode: 'split', contentType, hmacKey, share };
  if (mode === 1 && items.length === 6 && iv instanceof Uint8Array && ciphertext instanceof Uint8Array) {
    return { mode: 'xchange', contentType, hmacKey, share, iv, ciphertext };
  }
  return malformed('the mode is not 0 (split, 4 items) or 1 (Xchange, 6 items, iv and ciphertext bytes)');
}

function malformed(why: string): never {
  throw xlinkError('SHARE_INVALID:MALFORMED', `not a split-channel frame: ${why}`, { field: 'payload' });
}
