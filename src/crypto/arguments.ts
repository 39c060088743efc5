/**
 * Argument rules and failures the three backends share, so that all of them
 * refuse the same inputs with the same codes and messages.
 */
import { assertBytes } from '../codec/bytes.js';
import { type XlinkError, xlinkError } from '../errors.js';
import { AES_256_KEY_LENGTH, AES_GCM_IV_LENGTH } from './provider.js';

/** The largest `randomBytes` request any backend serves (node:crypto's own ceiling, 2^31 - 1). */
export const RANDOM_BYTES_MAX = 0x7fffffff;

/** A byte count: a safe integer in [0, max]; otherwise INVALID_ARGUMENT (not a count) or INVALID_LENGTH (too large). */
export function assertByteCount(value: unknown, field: string, max: number): asserts value is number {
  if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0 && value <= max) return;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    const got = typeof value === 'number' ? String(value) : typeof value;
    throw xlinkError('INVALID_ARGUMENT', `"${field}" expected a non-negative integer, got ${got}`, { field });
  }
  throw xlinkError('INVALID_LENGTH', `"${field}" expected at most ${max}, got ${value}`, { field });
}

export function assertGcmArguments(
  key: Uint8Array,
  iv: Uint8Array,
  data: Uint8Array,
  dataField: string,
  aad: Uint8Array | undefined,
): void {
  assertBytes(key, 'key', AES_256_KEY_LENGTH);
  assertBytes(iv, 'iv', AES_GCM_IV_LENGTH);
  assertBytes(data, dataField);
  if (aad !== undefined) assertBytes(aad, 'aad');
}

/** No cause and one fixed message, so the error says nothing about which check failed. */
export function decryptionFailed(): XlinkError {
  return xlinkError('DECRYPT_FAILED:DECRYPTION', 'AES-256-GCM decryption failed');
}
