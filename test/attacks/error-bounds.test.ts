// Finding (issue 7): error messages echoed untrusted input without bound, "a
// 1,077-byte envelope yields a 6,029-character message; a 200 KB one a 2.6 MB
// serialised error", a log-flooding vector at a gateway. Measured again on
// this version before its fix: every message was within MAX_MESSAGE_LENGTH,
// but an unknown key or label was put whole in the error's `field`, so a
// 200,000-byte JSON envelope with one unknown key made a 199,800-character
// serialised error behind a 78-character message (ENVELOPE_INVALID:MALFORMED;
// a 1,077-byte one, 874 characters), and the same through a compact header
// label, an unprotected label and a telemetry label.
//
// Here, through every entry a gateway uses, with attacker filler in every
// field: decodeEnvelope of JSON objects, text and bytes, decodeEnvelope and
// decodeTelemetry of CBOR, Agent.receive of 1,077-byte and 200,000-byte
// envelopes, registry calls with huge DIDs, names, scopes and documents, and
// FileTrustRegistry / FileNonceStore files with damaged lines full of filler.
// For each, the exact code, and: the message within MAX_MESSAGE_LENGTH, the
// serialised detail and the inspected thrown error (its cause chain included)
// within a few KB, and never more than QUOTE_LENGTH characters of filler in a row.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { inspect } from 'node:util';
import { base64urlEncode } from '../../src/codec/base64url.js';
import { utf8Encode } from '../../src/codec/bytes.js';
import { type CborValue, encodeCbor } from '../../src/codec/cbor.js';
import { decodeEnvelope } from '../../src/envelope/decode.js';
import type { EnvelopeJson } from '../../src/envelope/json-encoding.js';
import { envelopeToJson } from '../../src/envelope/json-encoding.js';
import { decodeTelemetry } from '../../src/envelope/telemetry.js';
import {
  type ErrorCode,
  type ErrorDetail,
  isXlinkError,
  MAX_MESSAGE_LENGTH,
  QUOTE_LENGTH,
  type Result,
  toXlinkError,
  type XlinkError,
} from '../../src/errors.js';
import { createIdentityDocument, identityDocumentToJson } from '../../src/identity/document.js';
import { logLine } from '../../src/platform/node/append-log.js';
import { MemoryTrustRegistry } from '../../src/registry/memory-trust-registry.js';
import { FileTrustRegistry } from '../../src/registry/node/file-trust-registry.js';
import type { TrustRegistry } from '../../src/registry/trust-registry.js';
import { FileNonceStore } from '../../src/replay/node/file-nonce-store.js';
import {
  compactOf,
  createWorld,
  crypto,
  envelopeOf,
  headerMapOf,
  identityOf,
  sendJson,
  signedOnlyAs,
  T0,
  VirtualClock,
  type World,
  withFields,
} from './fixtures.js';

/** What JSON.stringify of an error detail may reach: its message, code, field and docs link. */
const MAX_SERIALISED = 2048;
/** What util.inspect of a thrown error may reach: name, message and stack of each error in its cause chain. */
const MAX_INSPECTED = 8192;
const HUGE = 200_000;
const A = 'A'; // the filler of text fields
const BANG = '!'; // the filler of base64url fields: never valid there, so their code does not depend on the length

const dir = mkdtempSync(join(tmpdir(), 'xlink-error-bounds-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let files = 0;
const freshPath = (): string => join(dir, `file-${++files}`);

/** The longest run of `filler` in `text`; a filler that JSON escapes (a control character) counts its escapes. */
function longestRun(text: string, filler: string): number {
  const unit = filler >= ' ' ? filler : JSON.stringify(filler).slice(1, -1);
  let longest = 0;
  let run = 0;
  for (let i = 0; i < text.length; ) {
    if (text.startsWith(unit, i)) {
      run++;
      i += unit.length;
    } else {
      run = 0;
      i++;
    }
    longest = Math.max(longest, run);
  }
  return longest;
}

/** The bounds every refusal must keep, whatever the attacker sent. */
function assertBounded(what: string, detail: ErrorDetail, fillers: readonly string[], thrown?: XlinkError): void {
  assert.ok(detail.message.length <= MAX_MESSAGE_LENGTH, `${what}: message of ${detail.message.length} characters`);
  const serialised = JSON.stringify(detail);
  assert.ok(serialised.length <= MAX_SERIALISED, `${what}: serialised detail of ${serialised.length} characters`);
  // Thrown as callers see it after unwrap(), or as the store threw it: with its whole cause chain.
  const inspected = inspect(thrown ?? toXlinkError(detail), { depth: Number.POSITIVE_INFINITY });
  assert.ok(inspected.length <= MAX_INSPECTED, `${what}: inspected error of ${inspected.length} characters`);
  for (const filler of fillers) {
    for (const [part, text] of [
      ['message', detail.message],
      ['field', detail.field ?? ''],
      ['serialised detail', serialised],
      ['inspected error', inspected],
    ] as const) {
      const run = longestRun(text, filler);
      assert.ok(run <= QUOTE_LENGTH, `${what}: ${run} characters of filler in a row in the ${part}`);
    }
  }
}

function refusal(what: string, result: Result<unknown>, code: ErrorCode, fillers: readonly string[]): void {
  assert.ok(!result.ok, `${what}: accepted`);
  assert.equal(result.error.code, code, `${what}: ${result.error.message.slice(0, 200)}`);
  assertBounded(what, result.error, fillers);
}

async function thrownBy(what: string, action: Promise<unknown>): Promise<XlinkError> {
  try {
    await action;
  } catch (error) {
    assert.ok(isXlinkError(error), `${what}: threw ${String(error).slice(0, 200)}`);
    return error;
  }
  assert.fail(`${what}: did not throw`);
}

// ------------------------------------------------------------------ envelopes

let world: World;
/** alice → bob, v2, JSON form. */
let v2: EnvelopeJson;
/** alice → bob, signed only, JSON form (a 373-byte text). */
let signed: EnvelopeJson;

before(async () => {
  world = await createWorld();
  v2 = await sendJson(world);
  signed = envelopeToJson(await signedOnlyAs(world, 'alice', { changes: { scope: 'chat' } }));
});

/** Each field of a JSON envelope, the code its decoding refuses a 200,000-character filler with. */
const JSON_FIELD_CODES: readonly (readonly [
  field: string,
  value: (filler: string) => unknown,
  code: ErrorCode | 'ok',
])[] = [
  ['v', (f) => f, 'ENVELOPE_INVALID:VERSION'],
  ['alg', (f) => f, 'ENVELOPE_INVALID:ALGORITHM'],
  ['from', (f) => f, 'INVALID_DID:PREFIX'],
  ['from', (f) => `did:key:z6Mk${f}`, 'INVALID_DID:LENGTH'],
  ['to', (f) => f, 'INVALID_DID:PREFIX'],
  ['to', (f) => `did:key:z6Mk${f}`, 'INVALID_DID:LENGTH'],
  ['scope', (f) => f, 'INVALID_SCOPE'],
  ['cty', (f) => f, 'ENVELOPE_INVALID:MALFORMED'],
  ['ts', (f) => f, 'ENVELOPE_INVALID:MALFORMED'],
  ['ctr', (f) => f, 'ENVELOPE_INVALID:MALFORMED'],
  ['sv', (f) => f, 'ENVELOPE_INVALID:MALFORMED'],
  ['sv', (f) => [f], 'ENVELOPE_INVALID:MALFORMED'],
  // Canonical base64url of 150,000 bytes: refused for its length, which the message states, not its content.
  ['nonce', (f) => f, 'ENVELOPE_INVALID:LENGTH'],
  ['epk', (f) => f, 'ENVELOPE_INVALID:LENGTH'],
  ['iv', (f) => f, 'ENVELOPE_INVALID:LENGTH'],
  ['kem', (f) => f, 'ENVELOPE_INVALID:LENGTH'],
  ['sig', (f) => f, 'ENVELOPE_INVALID:LENGTH'],
  ['pqsig', (f) => f, 'ENVELOPE_INVALID:LENGTH'],
  ['payload', (f) => f, 'ENVELOPE_INVALID:MALFORMED'], // a v2 envelope has none
  // The ciphertext may be any length: decoding accepts it, the receiver refuses its signature (below).
  ['ct', (f) => f, 'ok'],
  ['nonce', () => BANG.repeat(HUGE), 'PARSE_FAILED:BASE64URL'],
  ['ct', () => BANG.repeat(HUGE), 'PARSE_FAILED:BASE64URL'],
];

describe('decodeEnvelope of a JSON envelope with 200,000 characters of filler in one field', () => {
  const filler = A.repeat(HUGE);
  for (const [field, value, code] of JSON_FIELD_CODES) {
    const spelled = typeof value(A) === 'string' ? String(value('')).concat('…') : 'an array of it';
    test(`"${field}": ${spelled} → ${code}, as an object, as text and as bytes`, () => {
      const json = withFields(v2, { [field]: value(filler) });
      const text = JSON.stringify(json);
      const options = { maxEnvelopeBytes: 1_000_000 };
      for (const [form, input] of [
        ['object', json],
        ['text', text],
        ['bytes', utf8Encode(text)],
      ] as const) {
        const result = decodeEnvelope(input, options);
        if (code === 'ok') assert.ok(result.ok, `${field} as ${form}: ${result.ok ? '' : result.error.message}`);
        else refusal(`"${field}" as ${form}`, result, code, [A, BANG]);
      }
    });
  }

  test('an unknown field named by 200,000 characters → ENVELOPE_INVALID:MALFORMED, the name cut in message and field', () => {
    // The finding's worst case on this version: a 78-character message, but a 199,800-character serialised error.
    const json = { ...v2, [filler]: 1 };
    for (const [form, input] of [
      ['object', json],
      ['text', JSON.stringify(json)],
      ['bytes', utf8Encode(JSON.stringify(json))],
    ] as const) {
      const result = decodeEnvelope(input, { maxEnvelopeBytes: 1_000_000 });
      refusal(`unknown field as ${form}`, result, 'ENVELOPE_INVALID:MALFORMED', [A]);
      assert.ok(!result.ok && (result.error.field?.length ?? 0) <= QUOTE_LENGTH + 1, 'field cut to a quote');
    }
  });

  test('under the default limit (256 KiB) too: a 200,000-character "from" → INVALID_DID:PREFIX', () => {
    refusal('default limit', decodeEnvelope(withFields(v2, { from: filler })), 'INVALID_DID:PREFIX', [A]);
  });
});

/** A compact (COSE_Sign1) envelope whose protected header has `changes`, and the given unprotected header. */
function compactWith(
  json: EnvelopeJson,
  changes: ReadonlyMap<number | string, CborValue>,
  unprotected?: Map<string, CborValue>,
) {
  const envelope = envelopeOf(json);
  const map = headerMapOf(envelope);
  for (const [key, value] of changes) map.set(key, value);
  return compactOf({
    protectedBytes: encodeCbor(map),
    body: envelope.body,
    signature: envelope.signature,
    ...(unprotected === undefined ? {} : { unprotected }),
  });
}

/** A telemetry-shaped (untagged COSE_Sign1) message from its parts, nothing checked. */
function telemetryWith(protectedHeader: Map<number | string, CborValue>, unprotected: Map<number | string, CborValue>) {
  return encodeCbor([encodeCbor(protectedHeader), unprotected, Uint8Array.of(1), new Uint8Array(64)]);
}

describe('decodeEnvelope and decodeTelemetry of CBOR with 150,000 characters of filler', () => {
  const filler = A.repeat(150_000);
  const kid = new Uint8Array(6);
  const claims = (scope: CborValue) =>
    new Map<number | string, CborValue>([
      [9, scope],
      [7, Uint8Array.of(1)],
    ]);

  for (const [label, code] of [
    ['from', 'INVALID_DID:PREFIX'],
    ['to', 'INVALID_DID:PREFIX'],
    ['scope', 'INVALID_SCOPE'],
    ['v', 'ENVELOPE_INVALID:VERSION'],
  ] as const) {
    test(`compact envelope, header "${label}" of filler → ${code}`, async () => {
      const compact = compactWith(signed, new Map([[label, filler]]));
      refusal(`compact ${label}`, decodeEnvelope(compact), code, [A]);
      refusal(`compact ${label} received`, await world.bob.receive(compact, { allowCleartext: true }), code, [A]);
    });
  }

  test('compact envelope, a header label of filler → ENVELOPE_INVALID:MALFORMED (was a 100,221-character detail)', async () => {
    const compact = compactWith(signed, new Map([[filler.slice(50_000), 1]]));
    refusal('compact label', decodeEnvelope(compact), 'ENVELOPE_INVALID:MALFORMED', [A]);
    const received = await world.bob.receive(compact, { allowCleartext: true });
    refusal('compact label received', received, 'ENVELOPE_INVALID:MALFORMED', [A]);
  });

  test('compact envelope, an unprotected label of filler → ENVELOPE_INVALID:MALFORMED (was a 150,227-character detail)', () => {
    const compact = compactWith(signed, new Map(), new Map([[filler, 1]]));
    refusal('compact unprotected label', decodeEnvelope(compact), 'ENVELOPE_INVALID:MALFORMED', [A]);
  });

  test('telemetry: a scope of filler → INVALID_SCOPE; a label of filler anywhere → ENVELOPE_INVALID:MALFORMED', async () => {
    const alg = (extra: [number | string, CborValue][] = []) =>
      new Map<number | string, CborValue>([[1, -8], ...extra]);
    const kidOnly = () => new Map<number | string, CborValue>([[4, kid]]);
    const cases: [string, Uint8Array, ErrorCode][] = [
      ['scope', telemetryWith(alg([[15, claims(filler)]]), kidOnly()), 'INVALID_SCOPE'],
      ['protected label', telemetryWith(alg([[filler, 1]]), kidOnly()), 'ENVELOPE_INVALID:MALFORMED'],
      ['claims label', telemetryWith(alg([[15, new Map([[filler, 1]])]]), kidOnly()), 'ENVELOPE_INVALID:MALFORMED'],
      ['unprotected label', telemetryWith(alg(), new Map([...kidOnly(), [filler, 1]])), 'ENVELOPE_INVALID:MALFORMED'],
      ['kid of 150,000 bytes', telemetryWith(alg(), new Map([[4, utf8Encode(filler)]])), 'ENVELOPE_INVALID:LENGTH'],
    ];
    for (const [what, bytes, code] of cases) {
      refusal(`telemetry ${what}`, decodeTelemetry(bytes), code, [A]);
      refusal(`telemetry ${what} received`, await world.bob.receive(bytes, { allowCleartext: true }), code, [A]);
    }
  });
});

// ------------------------------------------------------------------ Agent.receive, 1,077 and 200,000 bytes

/** `base` with `field` (or a new field, for "unknown") padded with `filler` so that its JSON text is `size` bytes. */
function paddedText(base: EnvelopeJson, field: string, filler: string, size: number): string {
  const build = (pad: string): string => {
    if (field === 'unknown') return JSON.stringify({ ...base, [pad]: 1 });
    if (field === 'sv') return JSON.stringify(withFields(base, { sv: [pad] }));
    return JSON.stringify(withFields(base, { [field]: pad }));
  };
  const room = size - utf8Encode(build('')).length;
  const escaped = JSON.stringify(filler).length - 2; // a control character takes 6 bytes of JSON text
  const count = Math.floor(room / escaped);
  const text = build(filler.repeat(count) + A.repeat(room - count * escaped));
  assert.equal(utf8Encode(text).length, size, `${field}: padded to ${size} bytes`);
  return text;
}

/** Each field of a signed-only JSON envelope, the filler it is padded with, and the code bob refuses it with. */
const RECEIVE_FIELD_CODES: readonly (readonly [field: string, filler: string, code: ErrorCode])[] = [
  ['v', A, 'ENVELOPE_INVALID:VERSION'],
  ['alg', A, 'ENVELOPE_INVALID:ALGORITHM'],
  ['from', A, 'INVALID_DID:PREFIX'],
  ['to', A, 'INVALID_DID:PREFIX'],
  ['scope', A, 'INVALID_SCOPE'],
  // JSON.stringify (what quote uses) writes each control character as six: the likely source of 6,029 from 1,077.
  ['scope', '\u0001', 'INVALID_SCOPE'],
  ['cty', A, 'ENVELOPE_INVALID:MALFORMED'],
  ['ts', A, 'ENVELOPE_INVALID:MALFORMED'],
  ['sv', A, 'ENVELOPE_INVALID:MALFORMED'],
  ['nonce', BANG, 'PARSE_FAILED:BASE64URL'],
  ['payload', BANG, 'PARSE_FAILED:BASE64URL'],
  ['sig', BANG, 'PARSE_FAILED:BASE64URL'],
  ['pqsig', BANG, 'PARSE_FAILED:BASE64URL'],
  ['ct', A, 'ENVELOPE_INVALID:MALFORMED'], // a signed envelope has none
  ['unknown', A, 'ENVELOPE_INVALID:MALFORMED'],
];

for (const size of [1077, HUGE]) {
  describe(`Agent.receive of a ${size.toLocaleString('en')}-byte signed-only envelope`, () => {
    for (const [field, filler, code] of RECEIVE_FIELD_CODES) {
      const fillerName = filler === '\u0001' ? 'U+0001' : JSON.stringify(filler);
      test(`"${field}" padded with ${fillerName} → ${code}, as text, bytes and object`, async () => {
        const text = paddedText(signed, field, filler, size);
        for (const [form, input] of [
          ['text', text],
          ['bytes', utf8Encode(text)],
          ['object', JSON.parse(text)],
        ] as const) {
          const received = await world.bob.receive(input, { allowCleartext: true });
          refusal(`${size} bytes, "${field}" as ${form}`, received, code, [filler, A]);
        }
      });
    }
  });
}

test('Agent.receive: a v2 envelope whose ciphertext is 200,000 characters → VERIFICATION_FAILED:SIGNATURE_MISMATCH', async () => {
  const received = await world.bob.receive(withFields(v2, { ct: A.repeat(HUGE) }));
  refusal('huge ct', received, 'VERIFICATION_FAILED:SIGNATURE_MISMATCH', [A]);
});

// ------------------------------------------------------------------ registries

describe('trust registries with huge DIDs, names, scopes and documents', () => {
  const filler = A.repeat(HUGE);
  const registries: [string, () => Promise<TrustRegistry & { close?: () => Promise<void> }>][] = [
    ['MemoryTrustRegistry', async () => new MemoryTrustRegistry({ crypto, clock: new VirtualClock(T0) })],
    ['FileTrustRegistry', () => FileTrustRegistry.create({ path: freshPath(), crypto, clock: new VirtualClock(T0) })],
  ];
  for (const [name, open] of registries) {
    test(`${name}: register, resolve, resolveKid, revoke, setScopes, updateDocument`, async () => {
      const registry = await open();
      try {
        const alice = await identityOf('alice');
        const carol = await identityOf('carol');
        const document = await createIdentityDocument(carol, {
          crypto,
          versions: ['signed', 'v1', 'v2'],
          sequence: 1,
          issuedAt: T0,
        });
        const aliceDocument = await createIdentityDocument(alice, {
          crypto,
          versions: ['signed', 'v1', 'v2'],
          sequence: 1,
          issuedAt: T0,
        });
        assert.ok((await registry.register({ document: aliceDocument, scopes: ['chat'] })).ok);
        const huge = new Uint8Array(HUGE).fill(0x41);
        const cases: [string, () => Promise<Result<unknown>>, ErrorCode][] = [
          ['register name', () => registry.register({ document, scopes: ['x'], name: filler }), 'INVALID_ARGUMENT'],
          ['register scope', () => registry.register({ document, scopes: [filler] }), 'INVALID_SCOPE'],
          [
            'register 100,000 scopes',
            () => registry.register({ document, scopes: Array(100_000).fill(A) }),
            'INVALID_SCOPE',
          ],
          [
            'register a document body of 200,000 bytes',
            () => registry.register({ document: { body: huge, signature: document.signature }, scopes: ['x'] }),
            'IDENTITY_DOCUMENT_INVALID:MALFORMED',
          ],
          [
            'register a signature of 200,000 bytes',
            () => registry.register({ document: { body: document.body, signature: huge }, scopes: ['x'] }),
            'IDENTITY_DOCUMENT_INVALID:MALFORMED',
          ],
          ['resolve a 200,000-character DID', () => registry.resolve(filler), 'INVALID_ARGUMENT'],
          [
            'resolve a 256-character did:key',
            () => registry.resolve(`did:key:z${A.repeat(247)}`),
            'DID_NOT_IN_REGISTRY',
          ],
          ['resolveKid of 200,000 bytes', () => registry.resolveKid(huge), 'INVALID_LENGTH'],
          ['revoke a 200,000-character DID', () => registry.revoke(filler, { reason: 'x' }), 'INVALID_ARGUMENT'],
          ['revoke with a huge reason', () => registry.revoke(alice.did, { reason: filler }), 'INVALID_ARGUMENT'],
          ['setScopes with a huge scope', () => registry.setScopes(alice.did, [filler]), 'INVALID_SCOPE'],
          [
            'updateDocument with a 200,000-byte body',
            () => registry.updateDocument({ body: huge, signature: document.signature }),
            'IDENTITY_DOCUMENT_INVALID:MALFORMED',
          ],
        ];
        for (const [what, call, code] of cases) refusal(`${name} ${what}`, await call(), code, [A]);
      } finally {
        await registry.close?.();
      }
    });
  }
});

// ------------------------------------------------------------------ stores with damaged lines

describe('FileTrustRegistry and FileNonceStore files whose lines hold 200,000 characters of filler', () => {
  const filler = A.repeat(HUGE);
  const REGISTRY_HEADER = '{"format":"xlink-trust-registry","version":2}';
  const REPLAY_HEADER = 'xlink-replay-log 2';

  test('FileTrustRegistry.open → REGISTRY_CORRUPT for every kind of damaged line, the error cut', async () => {
    const carol = await identityOf('carol');
    const document = identityDocumentToJson(
      await createIdentityDocument(carol, { crypto, versions: ['signed', 'v1', 'v2'], sequence: 1, issuedAt: T0 }),
    );
    const register = { op: 'register', did: carol.did, document, scopes: ['x'], at: T0 };
    const record = (value: unknown): string => logLine(JSON.stringify(value));
    const cases: Record<string, string> = {
      'an unknown op': record({ op: filler }),
      'an unknown key': record({ ...register, [filler]: 1 }),
      'a DID of filler': record({ ...register, did: filler }),
      'a did:key of filler': record({ op: 'revoke', did: `did:key:z${filler}`, at: T0, reason: 'x' }),
      'a document of filler': record({ ...register, document: { body: filler, signature: filler } }),
      'a document key of filler': record({ ...register, document: { [filler]: 1 } }),
      'a document body of canonical base64url filler': record({
        ...register,
        document: { ...document, body: base64urlEncode(utf8Encode(filler.slice(0, 4000))) },
      }),
      'a scope of filler': record({ ...register, scopes: [filler] }),
      'a name of filler': record({ ...register, name: filler }),
      'a revocation reason of filler':
        record(register) + record({ op: 'revoke', did: carol.did, at: T0, reason: filler }),
      'a time of filler': record({ ...register, at: filler }),
      'a line whose checksum fails': `00000000 ${filler}\n`,
      'a line that is not JSON': logLine(filler),
    };
    for (const [what, lines] of Object.entries(cases)) {
      const path = freshPath();
      writeFileSync(path, logLine(REGISTRY_HEADER) + lines);
      const error = await thrownBy(what, FileTrustRegistry.open({ path, crypto }));
      assert.equal(error.code, 'REGISTRY_CORRUPT', `${what}: ${error.message.slice(0, 200)}`);
      assertBounded(`registry, ${what}`, error.detail, [A], error);
    }
    for (const [what, content] of [
      ['a first line of filler with a checksum', logLine(filler)],
      ['a first line of filler', `${filler}\n`],
    ]) {
      const path = freshPath();
      writeFileSync(path, content as string);
      const error = await thrownBy(what as string, FileTrustRegistry.open({ path, crypto }));
      assert.equal(error.code, 'REGISTRY_CORRUPT');
      assertBounded(`registry, ${what}`, error.detail, [A], error);
    }
  });

  test('FileNonceStore.open → REPLAY_STORE_CORRUPT for every kind of damaged line, the error cut', async () => {
    const record = (value: unknown): string => logLine(JSON.stringify(value));
    const cases: Record<string, string> = {
      'a kind of filler': record([filler]),
      'a nonce of filler': record(['n', T0, filler, 'did:key:z6Mk']),
      'a counter window of filler': record(['c', 'did:key:z6Mk', filler]),
      'a sender and window of filler': record(['c', filler, filler]),
      'a time of filler': record(['t', filler]),
      'an array of 50,000 fillers': record(Array(50_000).fill(A)),
      'a line that is not JSON': logLine(filler),
      'a line whose checksum fails': `00000000 ${filler}\n`,
    };
    for (const [what, lines] of Object.entries(cases)) {
      const path = freshPath();
      writeFileSync(path, logLine(REPLAY_HEADER) + lines);
      const error = await thrownBy(what, FileNonceStore.open({ path, clock: new VirtualClock(T0) }));
      assert.equal(error.code, 'REPLAY_STORE_CORRUPT', `${what}: ${error.message.slice(0, 200)}`);
      assertBounded(`replay log, ${what}`, error.detail, [A], error);
    }
  });
});
