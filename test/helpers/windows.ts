/**
 * Byte-window overlap between two arrays, for tests that claim outputs share no bytes.
 *
 *   sharedWindow(a, b); // undefined, or the hex of the first 8 bytes of `a` also found in `b`
 *
 * Two independent uniform 32-byte values share some 8-byte window with
 * probability about 625 / 2^64, so a hit means the outputs are related.
 */
import { bytesToHex } from '../../src/codec/bytes.js';

export function sharedWindow(a: Uint8Array, b: Uint8Array, width = 8): string | undefined {
  const windows = new Set<string>();
  for (let i = 0; i + width <= b.length; i++) windows.add(bytesToHex(b.subarray(i, i + width)));
  for (let i = 0; i + width <= a.length; i++) {
    const window = bytesToHex(a.subarray(i, i + width));
    if (windows.has(window)) return window;
  }
  return undefined;
}
