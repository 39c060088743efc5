// One bit flipped in each field of a v2 envelope, JSON and compact, each
// refused with the exact code the receive order (docs/protocol.md) gives: a
// flip that still parses ends at the signature, one that breaks the syntax,
// the addressing or the time window is refused earlier, before any signature is checked.
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { encodeCbor } from '../../src/codec/cbor.js';
import type { EnvelopeJson } from '../../src/envelope/json-encoding.js';
import {
  BASE58_ALPHABET,
  createWorld,
  envelopeOf,
  flipBase64Bit,
  flipBit,
  flipCharBit,
  locate,
  neighbourDid,
  type Outcome,
  receiveCode,
  sendJson,
  T0,
  toCompact,
  type World,
  withFields,
} from './fixtures.js';

let world: World;
let json: EnvelopeJson;

before(async () => {
  world = await createWorld();
  json = await sendJson(world);
  assert.equal(json.v, 'v2');
});

/** Index of the first character after "did:key:z" whose bit `bit` flip leaves the base58 alphabet. */
function nonBase58Flip(did: string, bit: number): number {
  for (let index = 'did:key:z'.length; index < did.length; index++) {
    const flipped = flipCharBit(did, index, bit).charAt(index);
    if (!BASE58_ALPHABET.includes(flipped)) return index;
  }
  throw new Error(`no character of ${did} leaves base58 when bit ${bit} flips`);
}

/** Bit 40 of the timestamp is 2^40 ms (about 35 years); whether it is set in T0 decides which way the flip dates it. */
const TS_BIT_40_SET = Math.floor(T0 / 2 ** 40) % 2 === 1;

function flipTsBit40(ts: number): number {
  return TS_BIT_40_SET ? ts - 2 ** 40 : ts + 2 ** 40;
}

interface JsonRow {
  readonly field: string;
  readonly flip: (json: EnvelopeJson) => Record<string, unknown>;
  readonly expected: Outcome;
}

const jsonRows: readonly JsonRow[] = [
  // 'v2' → 'v0': no such version.
  { field: 'v', flip: (j) => withFields(j, { v: flipCharBit(j.v, 1, 1) }), expected: 'ENVELOPE_INVALID:VERSION' },
  {
    field: 'alg',
    flip: (j) => withFields(j, { alg: flipCharBit(j.alg, 0, 0) }),
    expected: 'ENVELOPE_INVALID:ALGORITHM',
  },
  // 'did:' → 'eid:'.
  {
    field: 'from (method)',
    flip: (j) => withFields(j, { from: flipCharBit(j.from, 0, 0) }),
    expected: 'INVALID_DID:PREFIX',
  },
  // 'z' → '{': not base58btc multibase.
  {
    field: 'from (multibase)',
    flip: (j) => withFields(j, { from: flipCharBit(j.from, 'did:key:'.length, 0) }),
    expected: 'INVALID_DID:MULTIBASE',
  },
  {
    field: 'from (base58 digit → non-base58)',
    flip: (j) => withFields(j, { from: flipCharBit(j.from, nonBase58Flip(j.from, 6), 6) }),
    expected: 'INVALID_DID:BASE58',
  },
  {
    field: 'from (another key)',
    flip: (j) => withFields(j, { from: neighbourDid(j.from) }),
    expected: 'VERIFICATION_FAILED:DID_NOT_IN_REGISTRY',
  },
  {
    field: 'to (another key)',
    flip: (j) => withFields(j, { to: neighbourDid(j.to) }),
    expected: 'VERIFICATION_FAILED:WRONG_RECIPIENT',
  },
  // 'chat' → 'Chat': a valid scope, so only the signature notices.
  {
    field: 'scope (case)',
    flip: (j) => withFields(j, { scope: flipCharBit(j.scope, 0, 5) }),
    expected: 'VERIFICATION_FAILED:SIGNATURE_MISMATCH',
  },
  // 'chat' → '#hat': outside the scope alphabet, refused at parse.
  {
    field: 'scope (alphabet)',
    flip: (j) => withFields(j, { scope: flipCharBit(j.scope, 0, 6) }),
    expected: 'INVALID_SCOPE',
  },
  {
    field: 'ts (bit 0)',
    flip: (j) => withFields(j, { ts: (j.ts as number) + ((j.ts as number) % 2 === 0 ? 1 : -1) }),
    expected: 'VERIFICATION_FAILED:SIGNATURE_MISMATCH',
  },
  {
    field: 'ts (bit 40)',
    flip: (j) => withFields(j, { ts: flipTsBit40(j.ts as number) }),
    expected: TS_BIT_40_SET ? 'TIMESTAMP_EXPIRED' : 'TIMESTAMP_EXPIRED:FUTURE',
  },
  {
    field: 'nonce',
    flip: (j) => withFields(j, { nonce: flipBase64Bit(j.nonce as string, 77) }),
    expected: 'VERIFICATION_FAILED:SIGNATURE_MISMATCH',
  },
  // ['signed','v1','v2'] → ['signed','v0','v2'].
  {
    field: 'sv',
    flip: (j) => withFields(j, { sv: j.sv.map((v) => (v === 'v1' ? flipCharBit(v, 1, 0) : v)) }),
    expected: 'ENVELOPE_INVALID:MALFORMED',
  },
  {
    field: 'epk',
    flip: (j) => withFields(j, { epk: flipBase64Bit(j.epk as string, 3) }),
    expected: 'VERIFICATION_FAILED:SIGNATURE_MISMATCH',
  },
  {
    field: 'iv',
    flip: (j) => withFields(j, { iv: flipBase64Bit(j.iv as string, 95) }),
    expected: 'VERIFICATION_FAILED:SIGNATURE_MISMATCH',
  },
  {
    field: 'kem',
    flip: (j) => withFields(j, { kem: flipBase64Bit(j.kem as string, 4000) }),
    expected: 'VERIFICATION_FAILED:SIGNATURE_MISMATCH',
  },
  {
    field: 'ct (tag)',
    flip: (j) => withFields(j, { ct: flipBase64Bit(j.ct as string, base64Bits(j.ct as string) - 1) }),
    expected: 'VERIFICATION_FAILED:SIGNATURE_MISMATCH',
  },
  {
    field: 'sig (R)',
    flip: (j) => withFields(j, { sig: flipBase64Bit(j.sig, 0) }),
    expected: 'VERIFICATION_FAILED:SIGNATURE_MISMATCH',
  },
  // The top bit of S: S ≥ 2^255 > L, refused by the strict checks.
  {
    field: 'sig (S top bit)',
    flip: (j) => withFields(j, { sig: flipBase64Bit(j.sig, 511) }),
    expected: 'VERIFICATION_FAILED:SIGNATURE_MISMATCH',
  },
  // 64 bytes are 86 characters; the last carries 2 bits and 4 zero bits: setting one is non-canonical.
  {
    field: 'sig (padding bit of the last base64url digit)',
    flip: (j) => withFields(j, { sig: flipDigitBit(j.sig, j.sig.length - 1, 0) }),
    expected: 'PARSE_FAILED:BASE64URL',
  },
  // 'from' → 'grom': an unknown key.
  {
    field: 'key name "from"',
    flip: (j) => {
      const { from, ...rest } = j;
      return { ...rest, grom: from };
    },
    expected: 'ENVELOPE_INVALID:MALFORMED',
  },
];

function base64Bits(text: string): number {
  return Math.floor((text.length * 6) / 8) * 8;
}

const BASE64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

/** Flips bit `bit` of the 6-bit value of the base64url digit at `index`. */
function flipDigitBit(text: string, index: number, bit: number): string {
  const value = BASE64URL.indexOf(text.charAt(index)) ^ (1 << bit);
  return text.slice(0, index) + BASE64URL.charAt(value) + text.slice(index + 1);
}

for (const row of jsonRows) {
  test(`JSON v2, one bit flipped in ${row.field} → ${row.expected}`, async () => {
    const flipped = row.flip(json);
    assert.notDeepEqual(flipped, json, 'the flip changed nothing');
    assert.equal(await receiveCode(world.bob, flipped), row.expected);
  });
}

interface CompactContext {
  readonly compact: Uint8Array;
  /** Offset of the protected header bytes inside `compact`. */
  readonly header: number;
  readonly protectedBytes: Uint8Array;
}

function compactContext(envelopeJson: EnvelopeJson): CompactContext {
  const compact = toCompact(envelopeJson);
  const { protectedBytes } = envelopeOf(envelopeJson);
  return { compact, header: locate(compact, protectedBytes), protectedBytes };
}

/** Offset in `compact` of byte `within` of the CBOR encoding of `value` in the protected header. */
function inHeader(c: CompactContext, value: Parameters<typeof encodeCbor>[0], within: number): number {
  return c.header + locate(c.protectedBytes, encodeCbor(value)) + within;
}

/** Bit offset that turns the DID's last character into its base58 neighbour (see neighbourDid). */
function didNeighbourBit(c: CompactContext, did: string): number {
  const neighbour = neighbourDid(did);
  const index = did.length - 1;
  const changed = did.charCodeAt(index) ^ neighbour.charCodeAt(index);
  // A 56-character text string has a 2-byte CBOR head (0x78 0x38).
  return (inHeader(c, did, 2 + index) << 3) + Math.log2(changed);
}

interface CompactRow {
  readonly field: string;
  /** The bit to flip, counted from the first byte of the compact envelope. */
  readonly bit: (c: CompactContext) => number;
  readonly expected: Outcome;
}

const SIG = 'VERIFICATION_FAILED:SIGNATURE_MISMATCH';

const compactRows: readonly CompactRow[] = [
  // d2 → d3: tag 19 is not COSE_Sign1.
  { field: 'COSE tag', bit: () => 0, expected: 'PARSE_FAILED:COSE' },
  // 84 → 85: an array of 5 items, the fifth missing.
  { field: 'COSE array head', bit: () => 8, expected: 'PARSE_FAILED:CBOR' },
  { field: 'protected length', bit: (c) => (c.header - 1) * 8, expected: 'PARSE_FAILED:CBOR' },
  // The first header entry is 1: -8; -8 (0x27) → -7 (0x26, ES256).
  {
    field: 'alg',
    bit: (c) => {
      assert.deepEqual([...c.protectedBytes.subarray(1, 3)], [0x01, 0x27]);
      return (c.header + 2) * 8;
    },
    expected: 'ENVELOPE_INVALID:ALGORITHM',
  },
  // "v": "v2" → "v0".
  // "v": "v2" is 61 76 62 76 32; its last byte '2' → '0'.
  {
    field: 'v',
    bit: (c) => (c.header + locate(c.protectedBytes, Uint8Array.of(0x61, 0x76, 0x62, 0x76, 0x32)) + 4) * 8 + 1,
    expected: 'ENVELOPE_INVALID:VERSION',
  },
  { field: 'from', bit: (c) => didNeighbourBit(c, json.from), expected: 'VERIFICATION_FAILED:DID_NOT_IN_REGISTRY' },
  { field: 'to', bit: (c) => didNeighbourBit(c, json.to), expected: 'VERIFICATION_FAILED:WRONG_RECIPIENT' },
  // "chat" → "Chat".
  { field: 'scope', bit: (c) => inHeader(c, 'chat', 1) * 8 + 5, expected: SIG },
  { field: 'ts', bit: (c) => inHeader(c, json.ts as number, 8) * 8, expected: SIG },
  { field: 'nonce', bit: (c) => inHeader(c, envelopeOf(json).header.nonce as Uint8Array, 5) * 8 + 2, expected: SIG },
  // ["signed", "v1", "v2"] → ["signed", "v0", "v2"].
  { field: 'sv', bit: (c) => inHeader(c, ['signed', 'v1', 'v2'], 10) * 8, expected: 'ENVELOPE_INVALID:MALFORMED' },
  {
    field: 'epk',
    bit: (c) => inHeader(c, envelopeOf(json).header.ephemeralPublicKey as Uint8Array, 2) * 8,
    expected: SIG,
  },
  { field: 'iv', bit: (c) => inHeader(c, envelopeOf(json).header.iv as Uint8Array, 12) * 8 + 7, expected: SIG },
  {
    field: 'kem',
    bit: (c) => inHeader(c, envelopeOf(json).header.kemCiphertext as Uint8Array, 500) * 8 + 3,
    expected: SIG,
  },
  // "from" → "grom": an unknown header key (the only 4-letter key, so the map stays sorted).
  { field: 'header key "from"', bit: (c) => inHeader(c, 'from', 1) * 8, expected: 'ENVELOPE_INVALID:MALFORMED' },
  // a0 → a1: the empty unprotected map claims one entry and swallows the payload and signature.
  { field: 'unprotected map', bit: (c) => (c.header + c.protectedBytes.length) * 8, expected: 'PARSE_FAILED:CBOR' },
  { field: 'payload (ciphertext)', bit: (c) => (c.compact.length - 64 - 3) * 8, expected: SIG },
  { field: 'signature (R)', bit: (c) => (c.compact.length - 64) * 8 + 1, expected: SIG },
  { field: 'signature (S top bit)', bit: (c) => c.compact.length * 8 - 1, expected: SIG },
];

for (const row of compactRows) {
  test(`compact v2, one bit flipped in ${row.field} → ${row.expected}`, async () => {
    const c = compactContext(json);
    const flipped = flipBit(c.compact, row.bit(c));
    assert.notDeepEqual(flipped, c.compact);
    assert.equal(await receiveCode(world.bob, flipped), row.expected);
  });
}

// Runs last: no flip above burned the nonce, and the envelope itself was valid all along.
test('control: after every flip was refused, the original envelope is accepted once', async () => {
  assert.equal(await receiveCode(world.bob, toCompact(json)), 'ok');
  assert.equal(await receiveCode(world.bob, json), 'REPLAY_DETECTED');
});
