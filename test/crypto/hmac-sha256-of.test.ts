// HMAC-SHA256 built on a one-shot SHA-256 (what Espruino boards have natively)
// equals @noble/hashes' HMAC for any key and message, short and long keys
// included, and gives RFC 4231 test case 2 (a key shorter than the block).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { hmac } from '@noble/hashes/hmac.js';
import { sha256 } from '@noble/hashes/sha2.js';
import fc from 'fast-check';
import { bytesToHex, utf8Encode } from '../../src/codec/bytes.js';
import { hmacSha256Of } from '../../src/crypto/hmac-sha256-of.js';
import { refusalCode } from '../helpers/backends.js';

const mac = hmacSha256Of((data) => sha256(data));

test('equals @noble/hashes HMAC-SHA256 for keys of 0 to 200 bytes and any message (fast-check)', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 200 }), fc.uint8Array({ maxLength: 300 }), (key, data) => {
      assert.equal(bytesToHex(mac(key, data)), bytesToHex(hmac(sha256, key, data)));
    }),
    { numRuns: 300 },
  );
});

test('RFC 4231 §4.3 test case 2', () => {
  assert.equal(
    bytesToHex(mac(utf8Encode('Jefe'), utf8Encode('what do ya want for nothing?'))),
    '5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843',
  );
});

test('bad arguments are typed errors', async () => {
  assert.equal(await refusalCode(() => mac('key' as never, new Uint8Array(1))), 'INVALID_ARGUMENT');
});
