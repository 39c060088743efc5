/**
 * What one share envelope of a split-channel or Xchange message carries as
 * its payload, under its own content type `share` (the media type
 * application/vnd.xlink.share+cbor, signed in the envelope header): the
 * deterministic CBOR array
 *
 *   [0, contentType, hmacKey, share]                 split-channel: the share is of the payload
 *   [1, contentType, hmacKey, share, iv, ciphertext] Xchange: the share is of the AES-256-GCM key
 *
 * contentType is 0 (bytes), 1 (JSON), 2 (CBOR): what the reconstructed payload
 * is. `share` is in the format of xlink/split. The envelope's content type,
 * not anything inside the payload, says that this is a share: an
 * application's CBOR payload of the same shape is delivered as the
 * application's data, and a share frame is read only from a `share` envelope.
 */
import { type CborValue, encodeCbor, readCbor } from '../codec/cbor.js';
import type { PayloadContentType } from '../envelope/content-type.js';
import { isXlinkError, xlinkError } from '../errors.js';

export type SplitMode = 'split' | 'xchange';

export interface SplitFrame {
  readonly mode: SplitMode;
  readonly contentType: PayloadContentType;
  readonly hmacKey: Uint8Array;
  readonly share: Uint8Array;
  /** Xchange only. */
  readonly iv?: Uint8Array;
  /** Xchange only: the payload under the reconstructed key. */
  readonly ciphertext?: Uint8Array;
}

const CONTENT_TYPES: readonly PayloadContentType[] = ['bytes', 'json', 'cbor'];

/** The frame is one flat array: nothing nests below it. */
const FRAME_MAX_DEPTH = 1;

export function contentTypeCode(contentType: PayloadContentType): number {
  return CONTENT_TYPES.indexOf(contentType);
}

/** The payload of one share envelope. */
export function encodeSplitFrame(frame: SplitFrame): Uint8Array {
  const items: CborValue[] = [frame.mode === 'split' ? 0 : 1, contentTypeCode(frame.contentType), frame.hmacKey];
  items.push(frame.share);
  if (frame.mode === 'xchange') items.push(frame.iv as Uint8Array, frame.ciphertext as Uint8Array);
  return encodeCbor(items);
}

/** Reads the payload of a `share` envelope; throws SHARE_INVALID:MALFORMED for anything but a canonical frame. */
export function readSplitFrame(bytes: Uint8Array): SplitFrame {
  let items: CborValue;
  try {
    items = readCbor(bytes, { maxDepth: FRAME_MAX_DEPTH, maxBytes: bytes.length });
  } catch (error) {
    if (!isXlinkError(error)) throw error;
    return malformed(`not deterministic CBOR (${error.message})`);
  }
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
