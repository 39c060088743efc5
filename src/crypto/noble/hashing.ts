/**
 * SHA-2, HMAC-SHA256 and HKDF-SHA256 in pure JavaScript (@noble/hashes): the
 * hashing capability of the noble backend, importable alone.
 *
 *   const hashing = nobleHashing();
 *   const okm = hashing.hkdfSha256(ikm, salt, info, 32);
 *
 * Synchronous; no tables built at import.
 */
import { hkdf } from '@noble/hashes/hkdf.js';
import { hmac } from '@noble/hashes/hmac.js';
import { sha256, sha512 } from '@noble/hashes/sha2.js';
import { assertBytes, constantTimeEqual } from '../../codec/bytes.js';
import { assertByteCount } from '../arguments.js';
import { type Hashing, HKDF_SHA256_MAX_LENGTH } from '../provider.js';

const HMAC_SHA256_TAG_LENGTH = 32;

export interface SyncHashing extends Hashing {
  sha256(data: Uint8Array): Uint8Array;
  sha512(data: Uint8Array): Uint8Array;
  hmacSha256(key: Uint8Array, data: Uint8Array): Uint8Array;
  hmacSha256Verify(key: Uint8Array, data: Uint8Array, tag: Uint8Array): boolean;
  hkdfSha256(ikm: Uint8Array, salt: Uint8Array, info: Uint8Array, length: number): Uint8Array;
}

export function nobleHashing(): SyncHashing {
  return {
    sha256(data) {
      assertBytes(data, 'data');
      return sha256(data);
    },

    sha512(data) {
      assertBytes(data, 'data');
      return sha512(data);
    },

    hmacSha256(key, data) {
      assertBytes(key, 'key');
      assertBytes(data, 'data');
      return hmac(sha256, key, data);
    },

    hmacSha256Verify(key, data, tag) {
      assertBytes(key, 'key');
      assertBytes(data, 'data');
      assertBytes(tag, 'tag');
      if (tag.length !== HMAC_SHA256_TAG_LENGTH) return false;
      return constantTimeEqual(hmac(sha256, key, data), tag);
    },

    hkdfSha256(ikm, salt, info, length) {
      assertBytes(ikm, 'ikm');
      assertBytes(salt, 'salt');
      assertBytes(info, 'info');
      assertByteCount(length, 'length', HKDF_SHA256_MAX_LENGTH);
      // Length 0 gives empty output, as node:crypto's hkdfSync does (RFC 5869 allows L = 0).
      return hkdf(sha256, ikm, salt, info, length);
    },
  };
}
