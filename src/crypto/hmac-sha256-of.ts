/**
 * HMAC-SHA256 (RFC 2104) over a one-shot SHA-256 the platform provides: what
 * an Espruino board has natively (`require('crypto').SHA256`), fast in C,
 * where a JavaScript HMAC would cost seconds.
 *
 *   const mac = hmacSha256Of((data) => new Uint8Array(require('crypto').SHA256(data)));
 *   const tag = mac(key, data); // 32 bytes
 *
 * The construction only: the hash is the platform's, checked against RFC 4231
 * and @noble/hashes in test/crypto/hmac-sha256-of.test.ts. Keys longer than
 * the 64-byte block are hashed first, as RFC 2104 says.
 */
import { assertBytes, concatBytes } from '../codec/bytes.js';

const BLOCK = 64;

export function hmacSha256Of(
  sha256: (data: Uint8Array) => Uint8Array,
): (key: Uint8Array, data: Uint8Array) => Uint8Array {
  return (key, data) => {
    assertBytes(key, 'key');
    assertBytes(data, 'data');
    const block = new Uint8Array(BLOCK);
    block.set(key.length > BLOCK ? sha256(key) : key);
    const inner = new Uint8Array(BLOCK);
    const outer = new Uint8Array(BLOCK);
    for (let i = 0; i < BLOCK; i++) {
      inner[i] = (block[i] as number) ^ 0x36;
      outer[i] = (block[i] as number) ^ 0x5c;
    }
    return sha256(concatBytes(outer, sha256(concatBytes(inner, data))));
  };
}
