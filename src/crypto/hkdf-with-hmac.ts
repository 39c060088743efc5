/**
 * RFC 5869 HKDF-SHA256 spelled out over an HMAC function. node:crypto and
 * Node's Web Crypto refuse an `info` longer than 1024 bytes although the RFC
 * sets no limit, so those backends take this path for long labels.
 */
import { concatBytes } from '../codec/bytes.js';

const SHA256_LENGTH = 32;

export async function hkdfSha256WithHmac(
  hmacSha256: (key: Uint8Array, data: Uint8Array) => Uint8Array | Promise<Uint8Array>,
  ikm: Uint8Array,
  salt: Uint8Array,
  info: Uint8Array,
  length: number,
): Promise<Uint8Array> {
  const prk = await hmacSha256(salt, ikm); // §2.2 extract
  const okm = new Uint8Array(Math.ceil(length / SHA256_LENGTH) * SHA256_LENGTH);
  let block: Uint8Array = new Uint8Array(0);
  for (let offset = 0, counter = 1; offset < length; offset += SHA256_LENGTH, counter++) {
    block = await hmacSha256(prk, concatBytes(block, info, Uint8Array.of(counter))); // §2.3 expand
    okm.set(block, offset);
  }
  return okm.slice(0, length);
}
