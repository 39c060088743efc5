// Inputs refused by the size check and the strict parse (receive steps 1-2 of
// docs/protocol.md), before any registry lookup or signature check: bad DIDs,
// JSON tricks, lenient base64url, oversize and deeply nested input, fields of
// the wrong type or length. Also the spellings that must still be accepted
// because they carry the same canonical bytes.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { base64urlEncode, readBase64url } from '../../src/codec/base64url.js';
import { readHex, utf8Encode } from '../../src/codec/bytes.js';
import { encodeCbor } from '../../src/codec/cbor.js';
import {
  compactOf,
  createWorld,
  didKey,
  envelopeOf,
  headerMapOf,
  identityOf,
  receiveCode,
  receivePayload,
  sendJson,
  signRaw,
  toCompact,
  withFields,
} from './fixtures.js';

/** Ed25519 encodings of small-order points: y = 1 (the identity, order 1), y = 0 (order 4), an order-8 point. */
const SMALL_ORDER_POINTS: readonly [string, string][] = [
  ['order 1', '0100000000000000000000000000000000000000000000000000000000000000'],
  ['order 4', '0000000000000000000000000000000000000000000000000000000000000000'],
  ['order 8', '26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05'],
];

for (const [order, hex] of SMALL_ORDER_POINTS) {
  // The receive path checks a DID's shape only; such a DID is refused where it would have to be registered,
  // so it never names a sender, and no forgery under a small-order key can get past the registry.
  test(`a sender DID naming a small-order point (${order}) → VERIFICATION_FAILED:DID_NOT_IN_REGISTRY, never registrable`, async () => {
    const world = await createWorld();
    const json = await sendJson(world);
    const from = didKey([0xed, 0x01], readHex(hex));
    assert.equal(await receiveCode(world.bob, withFields(json, { from })), 'VERIFICATION_FAILED:DID_NOT_IN_REGISTRY');
    // Compact: the header rebuilt around that DID and signed, so nothing but the DID is wrong.
    const envelope = envelopeOf(json);
    const map = headerMapOf(envelope);
    map.set('from', from);
    const protectedBytes = encodeCbor(map);
    const signature = await signRaw('alice', protectedBytes, envelope.body);
    const compact = compactOf({ protectedBytes, body: envelope.body, signature });
    assert.equal(await receiveCode(world.bob, compact), 'VERIFICATION_FAILED:DID_NOT_IN_REGISTRY');
  });
}

test('a sender did:key with the X25519 multicodec (0xec) → INVALID_DID:MULTICODEC', async () => {
  const world = await createWorld();
  const alice = await identityOf('alice');
  const from = didKey([0xec, 0x01], alice.x25519.publicKey);
  assert.ok(from.startsWith('did:key:z6LS'));
  assert.equal(await receiveCode(world.bob, withFields(await sendJson(world), { from })), 'INVALID_DID:MULTICODEC');
});

for (const [character, why] of [
  ['0', 'zero'],
  ['l', 'lower-case L'],
] as const) {
  test(`a recipient DID with '${character}' (${why}, not base58btc) → INVALID_DID:BASE58`, async () => {
    const world = await createWorld();
    const json = await sendJson(world);
    const index = json.to.length - 5;
    const to = json.to.slice(0, index) + character + json.to.slice(index + 1);
    assert.equal(await receiveCode(world.bob, withFields(json, { to })), 'INVALID_DID:BASE58');
  });
}

test('a recipient DID URL (fragment) → INVALID_DID:URL, not trimmed to the DID', async () => {
  const world = await createWorld();
  const json = await sendJson(world);
  assert.equal(await receiveCode(world.bob, withFields(json, { to: `${json.to}#key-1` })), 'INVALID_DID:URL');
});

test('JSON with its keys re-ordered, or pretty-printed, is the same envelope: accepted', async () => {
  const world = await createWorld();
  const reordered = await sendJson(world, { payload: { order: 'reversed' } });
  const reversed = Object.fromEntries(Object.entries(reordered).reverse());
  assert.deepEqual(await receivePayload(world.bob, reversed), { order: 'reversed' });
  const pretty = await sendJson(world, { payload: { order: 'indented' } });
  assert.deepEqual(await receivePayload(world.bob, JSON.stringify(pretty, null, 2)), { order: 'indented' });
});

test('JSON text with a duplicate key → PARSE_FAILED:DUPLICATE_KEY (last-wins would let a proxy see another scope)', async () => {
  const world = await createWorld();
  const text = JSON.stringify(await sendJson(world));
  const duplicated = text.replace('"scope":"chat"', '"scope":"chat","scope":"admin"');
  assert.notEqual(duplicated, text);
  assert.equal(await receiveCode(world.bob, duplicated), 'PARSE_FAILED:DUPLICATE_KEY');
});

test('JSON text with a duplicate key spelled with a \\u escape → PARSE_FAILED:DUPLICATE_KEY', async () => {
  const world = await createWorld();
  const text = JSON.stringify(await sendJson(world));
  const duplicated = text.replace('"scope":"chat"', '"scope":"chat","\\u0073cope":"chat"');
  assert.equal(await receiveCode(world.bob, duplicated), 'PARSE_FAILED:DUPLICATE_KEY');
});

test('JSON text with a "__proto__" key → PARSE_FAILED:FORBIDDEN_KEY', async () => {
  const world = await createWorld();
  const text = JSON.stringify(await sendJson(world));
  const polluted = `{"__proto__":{"scope":"admin"},${text.slice(1)}`;
  assert.equal(await receiveCode(world.bob, polluted), 'PARSE_FAILED:FORBIDDEN_KEY');
  assert.equal(await receiveCode(world.bob, utf8Encode(polluted)), 'PARSE_FAILED:FORBIDDEN_KEY');
});

test('an object (from JSON.parse) with an own "__proto__" key → PARSE_FAILED:FORBIDDEN_KEY', async () => {
  const world = await createWorld();
  const text = JSON.stringify(await sendJson(world));
  const object: unknown = JSON.parse(`{"__proto__":{"scope":"admin"},${text.slice(1)}`);
  assert.ok(Object.hasOwn(object as object, '__proto__'));
  assert.equal(await receiveCode(world.bob, object), 'PARSE_FAILED:FORBIDDEN_KEY');
});

test('lenient base64 in "nonce": "QR==" → PARSE_FAILED:BASE64URL', async () => {
  const world = await createWorld();
  assert.equal(
    await receiveCode(world.bob, withFields(await sendJson(world), { nonce: 'QR==' })),
    'PARSE_FAILED:BASE64URL',
  );
});

test('the real nonce with "=" padding appended → PARSE_FAILED:BASE64URL', async () => {
  const world = await createWorld();
  const json = await sendJson(world);
  assert.equal(await receiveCode(world.bob, withFields(json, { nonce: `${json.nonce}==` })), 'PARSE_FAILED:BASE64URL');
});

test('the real nonce in the standard alphabet (+ and /) → PARSE_FAILED:BASE64URL', async () => {
  const world = await createWorld();
  const json = await sendJson(world);
  // A nonce whose encoding holds '-' or '_' is re-spelled with '+' or '/'; one with neither gets them forced in.
  const nonce = base64urlEncode(Uint8Array.of(0xfb, 0xff, ...readBase64url(json.nonce as string).subarray(2)));
  const standard = nonce.replaceAll('-', '+').replaceAll('_', '/');
  assert.notEqual(standard, nonce);
  assert.equal(await receiveCode(world.bob, withFields(json, { nonce: standard })), 'PARSE_FAILED:BASE64URL');
});

test('oversize: above maxEnvelopeBytes → ENVELOPE_INVALID:TOO_LARGE as compact bytes, JSON text, JSON bytes and object', async () => {
  const world = await createWorld({ bob: { maxEnvelopeBytes: 4096 } });
  const small = await sendJson(world);
  assert.equal(await receiveCode(world.bob, small), 'ok', 'a normal envelope fits the limit');
  const big = await sendJson(world, { payload: { blob: 'x'.repeat(4000) } });
  const text = JSON.stringify(big);
  for (const input of [toCompact(big), text, utf8Encode(text), big]) {
    assert.equal(await receiveCode(world.bob, input), 'ENVELOPE_INVALID:TOO_LARGE');
  }
});

test('oversize garbage is refused by size before anything parses it → ENVELOPE_INVALID:TOO_LARGE', async () => {
  const world = await createWorld({ bob: { maxEnvelopeBytes: 4096 } });
  assert.equal(await receiveCode(world.bob, new Uint8Array(4097).fill(0xff)), 'ENVELOPE_INVALID:TOO_LARGE');
  assert.equal(await receiveCode(world.bob, new Uint8Array(4096).fill(0xff)), 'PARSE_FAILED:CBOR');
});

test('JSON nested 1000 deep → PARSE_FAILED:JSON, as text and as bytes', async () => {
  const world = await createWorld();
  const deep = `{"v":${'['.repeat(1000)}${']'.repeat(1000)}}`;
  assert.equal(await receiveCode(world.bob, deep), 'PARSE_FAILED:JSON');
  assert.equal(await receiveCode(world.bob, utf8Encode(deep)), 'PARSE_FAILED:JSON');
});

test('compact CBOR that is not deterministic (a non-minimal length) → PARSE_FAILED:CBOR', async () => {
  const world = await createWorld();
  const compact = toCompact(await sendJson(world));
  // Tag, array head, then the protected bstr head 59 hh ll; re-spelled 5a 00 00 hh ll (4-byte length).
  assert.equal(compact[2], 0x59);
  const loose = Uint8Array.from([...compact.subarray(0, 2), 0x5a, 0, 0, ...compact.subarray(3)]);
  assert.equal(await receiveCode(world.bob, loose), 'PARSE_FAILED:CBOR');
});

test('compact bytes followed by trailing garbage → PARSE_FAILED:CBOR', async () => {
  const world = await createWorld();
  const compact = toCompact(await sendJson(world));
  assert.equal(await receiveCode(world.bob, Uint8Array.from([...compact, 0x00])), 'PARSE_FAILED:CBOR');
});

interface ShapeCase {
  readonly what: string;
  readonly changes: (json: Record<string, unknown>) => Record<string, unknown>;
  readonly expected: string;
}

const shapeCases: readonly ShapeCase[] = [
  { what: 'an unknown field "ext"', changes: () => ({ ext: 1 }), expected: 'ENVELOPE_INVALID:MALFORMED' },
  { what: '"sig" missing', changes: () => ({ sig: undefined }), expected: 'ENVELOPE_INVALID:MALFORMED' },
  { what: '"ts" missing beside a nonce', changes: () => ({ ts: undefined }), expected: 'ENVELOPE_INVALID:MALFORMED' },
  { what: '"ts" as a string', changes: (j) => ({ ts: String(j.ts) }), expected: 'ENVELOPE_INVALID:MALFORMED' },
  { what: '"ts" negative', changes: () => ({ ts: -1 }), expected: 'ENVELOPE_INVALID:MALFORMED' },
  { what: '"ts" fractional', changes: (j) => ({ ts: (j.ts as number) + 0.5 }), expected: 'ENVELOPE_INVALID:MALFORMED' },
  { what: '"ts" above 2^53 - 1', changes: () => ({ ts: 2 ** 53 }), expected: 'ENVELOPE_INVALID:MALFORMED' },
  { what: 'both "nonce" and "ctr"', changes: () => ({ ctr: 1 }), expected: 'ENVELOPE_INVALID:MALFORMED' },
  {
    what: '"nonce" of 15 bytes',
    changes: (j) => ({ nonce: shorter(j.nonce, 1) }),
    expected: 'ENVELOPE_INVALID:LENGTH',
  },
  { what: '"sig" of 63 bytes', changes: (j) => ({ sig: shorter(j.sig, 1) }), expected: 'ENVELOPE_INVALID:LENGTH' },
  {
    what: '"payload" beside "ct" in a v2 envelope',
    changes: () => ({ payload: 'AA' }),
    expected: 'ENVELOPE_INVALID:MALFORMED',
  },
  {
    what: '"sv" not listing the envelope\'s own version',
    changes: () => ({ sv: ['signed', 'v1'] }),
    expected: 'ENVELOPE_INVALID:MALFORMED',
  },
  {
    what: '"sv" out of order',
    changes: () => ({ sv: ['v2', 'v1', 'signed'] }),
    expected: 'ENVELOPE_INVALID:MALFORMED',
  },
  { what: '"scope" as an array', changes: () => ({ scope: ['chat'] }), expected: 'INVALID_SCOPE' },
  { what: '"ts" as a boolean', changes: () => ({ ts: true }), expected: 'ENVELOPE_INVALID:MALFORMED' },
];

function shorter(base64: unknown, by: number): string {
  const bytes = readBase64url(base64 as string);
  return base64urlEncode(bytes.subarray(0, bytes.length - by));
}

for (const shape of shapeCases) {
  test(`JSON with ${shape.what} → ${shape.expected}`, async () => {
    const world = await createWorld();
    const json = await sendJson(world);
    const record = json as unknown as Record<string, unknown>;
    assert.equal(await receiveCode(world.bob, withFields(record, shape.changes(record))), shape.expected);
  });
}

test('inputs that are not an envelope object at all → ENVELOPE_INVALID:MALFORMED or PARSE_FAILED:*', async () => {
  const world = await createWorld();
  assert.equal(await receiveCode(world.bob, null), 'ENVELOPE_INVALID:MALFORMED');
  assert.equal(await receiveCode(world.bob, [1, 2]), 'ENVELOPE_INVALID:MALFORMED');
  assert.equal(await receiveCode(world.bob, 'null'), 'ENVELOPE_INVALID:MALFORMED');
  assert.equal(await receiveCode(world.bob, '{"v":'), 'PARSE_FAILED:JSON');
  assert.equal(await receiveCode(world.bob, new Uint8Array(0)), 'PARSE_FAILED:CBOR');
});
