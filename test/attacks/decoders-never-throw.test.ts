// Every public decoder of untrusted input, fuzzed with fast-check: (a) values
// of any shape (bytes, text with lone surrogates, JSON values, objects shaped
// like envelopes and documents, CBOR shaped like COSE_Sign1), (b) one to three
// mutations (bit flips, truncations, insertions, overwrites, fields replaced
// or removed) of real valid encodings. Each must return a Result, never throw:
// a refusal carries a catalogue code and a message of at most
// MAX_MESSAGE_LENGTH characters. The valid encodings themselves must decode.
//
// A table, not a hand-kept list of tests: the first test checks that the
// table holds exactly the decoders the public modules export (rule below),
// so a decoder added without a fuzz test here fails it.
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import fc from 'fast-check';
import { Agent } from '../../src/agent/agent.js';
import * as codec from '../../src/codec/index.js';
import * as envelope from '../../src/envelope/index.js';
import { envelopeToJson } from '../../src/envelope/json-encoding.js';
import { ERROR_CODES, MAX_MESSAGE_LENGTH, type Result } from '../../src/errors.js';
import * as identity from '../../src/identity/index.js';
import * as root from '../../src/index.js';
import * as rootNode from '../../src/index.node.js';
import * as registry from '../../src/registry/index.js';
import * as split from '../../src/split/index.js';
import { createWorld, crypto, identityOf, senderOf, sendJson, T0, toCompact, type World } from './fixtures.js';

// ------------------------------------------------------------------ which functions are decoders

/**
 * Where decoders are looked for: the three modules that read what comes from
 * outside (codec, envelope, identity), and the root entries, which re-export
 * some of them (a decoder exported only there is caught too). The other
 * subpaths read the process's own state, not a peer's bytes: xlink/replay's
 * parseCounterWindow reads what a replay store saved, and answers undefined
 * for text it cannot read, by design not a Result; it is not scanned.
 */
const SCANNED_MODULES: Readonly<Record<string, Readonly<Record<string, unknown>>>> = {
  'xlink/codec': codec,
  'xlink/envelope': envelope,
  'xlink/identity': identity,
  'xlink/split': split,
  'xlink/registry': registry,
  xlink: root,
  'xlink (node)': rootNode,
};

/**
 * The naming rule. An exported function is a decoder of untrusted input when
 * its name says it turns an outside form into a value: a verb first (decode…,
 * parse…, open…, read…, import…), the codec style `<format>Decode` or
 * `<text form>ToBytes`, or `<thing>From<wire form>` (FromJson, FromCbor,
 * FromBytes, FromCompact, FromText). Not decoders: `…FromSeed` and
 * `…FromEd25519PublicKey` (the caller's own key material), encoders, and the
 * `verify…`/`decrypt…` functions, which check a value a decoder already
 * produced. Exceptions are listed by hand (EXTRA_DECODERS):
 * verifyIdentityDocument decodes the body of the wire form it is given, and
 * verifyRegistrySnapshot the JSON text of a snapshot, and combineShares the
 * shares it is given.
 * Methods are not exports, so Agent.receive is listed by hand too, beside a
 * check that the Agent has no other method the rule would pick.
 */
const DECODER_NAME =
  /^(decode|parse|open|read|import)[A-Z0-9]|Decode$|^[a-z0-9]+ToBytes$|From(Json|Cbor|Bytes|Compact|Text)$/;
const EXTRA_DECODERS = ['verifyIdentityDocument', 'verifyRegistrySnapshot', 'combineShares'] as const;
const METHOD_DECODERS = ['Agent.receive'] as const;

function isClass(value: unknown): boolean {
  return typeof value === 'function' && /^class\b/.test(Function.prototype.toString.call(value));
}

// ------------------------------------------------------------------ arbitraries

const RUNS = 3000;
const ALL_CODES: ReadonlySet<string> = new Set(ERROR_CODES);

const anyValue: fc.Arbitrary<unknown> = fc.anything({
  withBigInt: true,
  withBoxedValues: true,
  withDate: true,
  withMap: true,
  withNullPrototype: true,
  withObjectString: true,
  withSet: true,
  withSparseArray: true,
  withTypedArray: true,
});
const anyBytes = fc.uint8Array({ maxLength: 600 });
const anyText = fc.string({ unit: 'binary', maxLength: 300 });

/** What any decoder may be handed: anything at all, bytes, text, JSON. */
const anything: fc.Arbitrary<unknown> = fc.oneof(anyValue, anyBytes, anyText, fc.jsonValue({ maxDepth: 5 }));

const BASE58 = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz';
const base58Text = fc.string({ unit: fc.constantFrom(...BASE58), maxLength: 80 });
const base64urlText = fc.oneof(
  anyBytes.map((bytes) => codec.base64urlEncode(bytes)),
  fc.string({ unit: fc.constantFrom(...'ABCabc019-_=+/'), maxLength: 80 }),
);
const didLike = fc.oneof(
  base58Text.map((id) => `did:key:z${id}`),
  base58Text.map((id) => `did:key:z6Mk${id}`),
  fc.constantFrom('did:key:', 'did:key:z', 'did:web:example.com', 'did:key:z6Mk#frag'),
);

const cborValue: fc.Arbitrary<codec.CborValue> = fc.letrec<{ value: codec.CborValue }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.integer(),
    fc.double(),
    fc.string({ maxLength: 20 }),
    fc.boolean(),
    fc.constant(null),
    fc.uint8Array({ maxLength: 40 }),
    fc.array(tie('value'), { maxLength: 5 }),
    fc
      .array(fc.tuple(fc.oneof(fc.integer({ min: -30, max: 30 }), fc.string({ maxLength: 8 })), tie('value')), {
        maxLength: 5,
      })
      .map((entries) => new Map(entries) as codec.CborMap),
    fc.tuple(fc.nat({ max: 300 }), tie('value')).map(([tag, value]) => new codec.CborTagged(tag, value)),
  ),
})).value;

/** CBOR shaped like COSE_Sign1: four items, a protected header that decodes or nearly, tagged 18 or not. */
const coseLike: fc.Arbitrary<Uint8Array> = fc
  .tuple(
    fc.oneof(
      fc.array(fc.tuple(fc.oneof(fc.integer({ min: -2, max: 16 }), fc.string({ maxLength: 6 })), cborValue), {
        maxLength: 6,
      }),
      fc.constant([
        [1, -8],
        [15, new Map<number, codec.CborValue>([[9, 'telemetry']])],
      ] as [number, codec.CborValue][]),
    ),
    fc.array(fc.tuple(fc.oneof(fc.integer({ min: -2, max: 8 }), fc.string({ maxLength: 6 })), cborValue), {
      maxLength: 3,
    }),
    fc.oneof(fc.uint8Array({ maxLength: 40 }), cborValue),
    fc.oneof(fc.uint8Array({ minLength: 60, maxLength: 70 }), cborValue),
    fc.constantFrom(undefined, 18, 98),
  )
  .map(([protectedEntries, unprotectedEntries, payload, signature, tag]) => {
    try {
      const items = [encodeCborMap(protectedEntries), new Map(unprotectedEntries), payload, signature];
      return codec.encodeCbor(tag === undefined ? items : new codec.CborTagged(tag, items));
    } catch {
      return Uint8Array.of(0x84, 0x40, 0xa0, 0x40, 0x40); // a value the encoder refused: the minimal shape instead
    }
  });

function encodeCborMap(entries: readonly (readonly [number | string, codec.CborValue])[]): Uint8Array {
  return codec.encodeCbor(new Map(entries));
}

const ENVELOPE_KEYS = ['v', 'alg', 'from', 'to', 'scope', 'cty', 'ts', 'nonce', 'ctr', 'sv', 'epk', 'iv', 'kem'];
const BODY_KEYS = ['ct', 'payload', 'sig', 'pqsig'];

/** Objects with the envelope's field names and plausible values: gets past the first checks. */
const envelopeLike: fc.Arbitrary<Record<string, unknown>> = fc.dictionary(
  fc.oneof(fc.constantFrom(...ENVELOPE_KEYS, ...BODY_KEYS), fc.string({ maxLength: 6 })),
  fc.oneof(
    fc.constantFrom('signed', 'v1', 'v2', 'v3', 'EdDSA', 'json', 'cbor', 'chat', T0),
    fc.subarray(['signed', 'v1', 'v2', 'v3']),
    didLike,
    base64urlText,
    fc.jsonValue({ maxDepth: 2 }),
  ),
  { maxKeys: 16 },
);

/** Objects with a signed identity document's fields, in both its forms. */
const documentLike: fc.Arbitrary<unknown> = fc.oneof(
  fc.record(
    { body: fc.oneof(anyBytes, cborValue.map(safeEncode)), signature: anyBytes, mlDsaSignature: anyBytes },
    { requiredKeys: [] },
  ),
  fc.record({ body: base64urlText, signature: base64urlText, mlDsaSignature: base64urlText }, { requiredKeys: [] }),
);

function safeEncode(value: codec.CborValue): Uint8Array {
  try {
    return codec.encodeCbor(value);
  } catch {
    return new Uint8Array(0);
  }
}

// ------------------------------------------------------------------ mutations

type Mutation = (value: unknown) => unknown;

/** Positions are drawn as naturals and taken modulo the length, so a mutation fits any value it meets. */
const byteMutation: fc.Arbitrary<(bytes: Uint8Array) => Uint8Array> = fc.oneof(
  fc.nat().map((bit) => (bytes: Uint8Array) => {
    if (bytes.length === 0) return bytes;
    const copy = bytes.slice();
    const at = bit % (bytes.length * 8);
    copy[at >> 3] = (copy[at >> 3] as number) ^ (1 << (at & 7));
    return copy;
  }),
  fc.nat().map((cut) => (bytes: Uint8Array) => bytes.slice(0, cut % (bytes.length + 1))),
  fc.nat().map((cut) => (bytes: Uint8Array) => bytes.slice(cut % (bytes.length + 1))),
  fc.tuple(fc.nat(), fc.uint8Array({ minLength: 1, maxLength: 12 })).map(([at, inserted]) => (bytes: Uint8Array) => {
    const i = at % (bytes.length + 1);
    return codec.concatBytes(bytes.subarray(0, i), inserted, bytes.subarray(i));
  }),
  fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })).map(([at, byte]) => (bytes: Uint8Array) => {
    if (bytes.length === 0) return bytes;
    const copy = bytes.slice();
    copy[at % bytes.length] = byte;
    return copy;
  }),
);

const textMutation: fc.Arbitrary<(text: string) => string> = fc.oneof(
  fc.tuple(fc.nat(), fc.nat({ max: 15 })).map(([at, bit]) => (text: string) => {
    if (text.length === 0) return text;
    const i = at % text.length;
    return text.slice(0, i) + String.fromCharCode(text.charCodeAt(i) ^ (1 << bit)) + text.slice(i + 1);
  }),
  fc.nat().map((cut) => (text: string) => text.slice(0, cut % (text.length + 1))),
  fc
    .tuple(fc.nat(), fc.string({ unit: 'binary', minLength: 1, maxLength: 8 }))
    .map(([at, inserted]) => (text: string) => {
      const i = at % (text.length + 1);
      return text.slice(0, i) + inserted + text.slice(i);
    }),
);

/** Replaces a field (one of its own, or a new one) by a mutation of its value or by anything, or removes it. */
const fieldMutation: fc.Arbitrary<(record: Record<string, unknown>) => Record<string, unknown>> = fc
  .tuple(
    fc.nat(),
    // Mostly one of the value's own fields; now and then a new one.
    fc.oneof({ weight: 4, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: fc.string({ maxLength: 8 }) }),
    fc.oneof(
      byteMutation.map((mutate) => ({ mutate })),
      textMutation.map((mutate) => ({ mutate })),
      anything.map((value) => ({ value })),
      fc.constant({ remove: true }),
    ),
  )
  .map(([index, newKey, change]) => (record: Record<string, unknown>) => {
    const keys = Object.keys(record);
    const key = newKey ?? keys[index % Math.max(keys.length, 1)] ?? 'x';
    const copy: Record<string, unknown> = { ...record };
    if ('remove' in change) delete copy[key];
    else if ('value' in change) copy[key] = change.value;
    else copy[key] = mutateAny(copy[key], change.mutate as Mutation);
    return copy;
  });

/** Applies a byte mutation to bytes and a text mutation to text; anything else is left alone. */
function mutateAny(value: unknown, mutate: Mutation): unknown {
  try {
    return mutate(value);
  } catch {
    return value; // a byte mutation met text, or the reverse
  }
}

function mutation(valid: unknown): fc.Arbitrary<Mutation> {
  if (valid instanceof Uint8Array) return byteMutation as fc.Arbitrary<Mutation>;
  if (typeof valid === 'string') return textMutation as fc.Arbitrary<Mutation>;
  return fieldMutation as fc.Arbitrary<Mutation>;
}

/** One to three mutations of one of `valid`. */
function mutationsOf(valid: readonly unknown[]): fc.Arbitrary<unknown> {
  return fc
    .constantFrom(...valid)
    .chain((value) => fc.tuple(fc.constant(value), fc.array(mutation(value), { minLength: 1, maxLength: 3 })))
    .map(([value, mutations]) => mutations.reduce((current, mutate) => mutate(current), value));
}

// ------------------------------------------------------------------ the decoders

interface Decoder {
  /** What this decoder is handed besides `anything`: values shaped like its input. */
  readonly shaped?: fc.Arbitrary<unknown>;
  /** Real valid encodings: each must decode, and their mutations are fuzzed. */
  readonly valid: () => readonly unknown[];
  readonly decode: (input: unknown) => Result<unknown> | Promise<Result<unknown>>;
  /** Extra checks of a valid input's decoded value. */
  readonly check?: (value: unknown, input: unknown) => void;
}

/** What the fixtures build: a registered gateway with an audience, and real envelopes and documents. */
interface Fixture {
  readonly world: World;
  readonly gateway: Agent;
  readonly v2Json: envelope.EnvelopeJson;
  readonly v2Compact: Uint8Array;
  readonly signedJson: envelope.EnvelopeJson;
  readonly signedCompact: Uint8Array;
  readonly telemetry: Uint8Array;
  readonly telemetryMac: Uint8Array;
  readonly document: identity.SignedIdentityDocument;
  readonly pkcs8: identity.IdentityPKCS8;
  /** A 2-of-3 split of a 40-byte secret and its HMAC key. */
  readonly shares: Uint8Array[];
  readonly hmacKey: Uint8Array;
  readonly snapshot: string;
  readonly operatorDid: string;
}

let fixture: Fixture;
const AUDIENCE = 'acme-fleet';
const utf8 = (text: string): Uint8Array => codec.utf8Encode(text);

before(async () => {
  const world = await createWorld();
  const started = await Agent.fromSeed(new Uint8Array(32).fill(0x6a), {
    name: 'gateway',
    crypto,
    clock: world.clock,
    registry: world.registry,
    transport: world.transport,
    audience: AUDIENCE,
  });
  assert.ok(started.ok, started.ok ? '' : started.error.message);
  const gateway = started.value;
  const v2Json = await sendJson(world, { to: gateway.did });
  const signed = await envelope.signEnvelope(
    await senderOf('alice', false),
    {
      to: gateway.did,
      scope: 'chat',
      payload: utf8('{"t":21.5}'),
      contentType: 'json',
      supportedVersions: ['signed', 'v1', 'v2'],
      timestamp: world.clock.now(),
    },
    { crypto },
  );
  assert.ok(signed.ok, signed.ok ? '' : signed.error.message);
  // Signed again, so the compact one carries its own nonce and both can be received once each.
  const signedAgain = await envelope.signEnvelope(
    await senderOf('alice', false),
    {
      to: gateway.did,
      scope: 'chat',
      payload: Uint8Array.of(1, 2, 3),
      supportedVersions: ['signed', 'v1', 'v2'],
      timestamp: world.clock.now(),
    },
    { crypto },
  );
  assert.ok(signedAgain.ok, signedAgain.ok ? '' : signedAgain.error.message);
  const aliceKey = await identity.signingKeyFromSeed(new Uint8Array(32).fill(0xa1), { crypto });
  assert.ok(aliceKey.ok, aliceKey.ok ? '' : aliceKey.error.message);
  const telemetry = await envelope.sealTelemetry(aliceKey.value, {
    audience: AUDIENCE,
    scope: 'chat',
    counter: 1,
    payload: Uint8Array.of(7),
    timestamp: world.clock.now(),
  });
  const telemetryMac = envelope.sealTelemetryMac(
    { kid: aliceKey.value.kid, mac: (data) => crypto.hmacSha256(new Uint8Array(32).fill(0x4d), data) as Uint8Array },
    { audience: AUDIENCE, scope: 'chat', counter: 2, payload: Uint8Array.of(8) },
  );
  const carol = await identityOf('carol');
  const document = await identity.createIdentityDocument(carol, {
    crypto,
    versions: ['signed', 'v1', 'v2'],
    sequence: 1,
    issuedAt: T0,
  });
  const operatorKey = await identity.signingKeyFromSeed(new Uint8Array(32).fill(0x0e), { crypto });
  assert.ok(operatorKey.ok);
  const operator = {
    did: identity.didFromEd25519PublicKey(operatorKey.value.signer.publicKey),
    signer: operatorKey.value.signer,
  };
  const signedRegistry = new registry.MemoryTrustRegistry({ crypto, operator });
  const entry = await signedRegistry.register({ document, scopes: ['telemetry'], name: 'carol' });
  assert.ok(entry.ok);
  await signedRegistry.revoke(carol.did, { reason: 'fuzz', at: T0 });
  const snapshot = await registry.createRegistrySnapshot(await signedRegistry.list(), { operator, at: T0 });
  fixture = {
    snapshot,
    operatorDid: operator.did,
    world,
    gateway,
    v2Json,
    v2Compact: toCompact(await sendJson(world, { to: gateway.did })),
    signedJson: envelopeToJson(signed.value),
    signedCompact: envelope.encodeEnvelope(signedAgain.value, 'compact'),
    telemetry,
    telemetryMac,
    document,
    pkcs8: identity.exportPKCS8(carol),
    ...(await split.splitSecret(SAMPLE_BYTES.subarray(0, 40), split.TWO_OF_THREE, { crypto })),
  };
});

/** Bytes with a share's header (version 1, any k, n, index and length) and any data. */
const shareLike: fc.Arbitrary<Uint8Array> = fc
  .tuple(fc.uint8Array({ minLength: 4, maxLength: 4 }), fc.uint8Array({ maxLength: 300 }), fc.nat(400))
  .map(([params, data, length]) => {
    const bytes = new Uint8Array(24 + data.length);
    bytes.set([1, (params[0] as number) % 18, (params[1] as number) % 18, (params[2] as number) % 18]);
    new DataView(bytes.buffer).setUint32(20, length);
    bytes.set(data, 24);
    return bytes;
  });

const SAMPLE_BYTES = Uint8Array.from({ length: 34 }, (_, i) => (i * 37 + 1) & 255);
const SAMPLE_CBOR: codec.CborValue = new Map<number | string, codec.CborValue>([
  [1, -8],
  ['sv', ['signed', 'v1']],
  ['n', [0, -1, 1.5, 2 ** 40, true, false, null]],
  ['b', SAMPLE_BYTES],
  [-3, new codec.CborTagged(18, ['x', new Map([[0, 'y']])])],
]);

const DECODERS: Readonly<Record<string, Decoder>> = {
  base58btcDecode: {
    shaped: base58Text,
    valid: () => [codec.base58btcEncode(SAMPLE_BYTES), codec.base58btcEncode(Uint8Array.of(0, 0, 1))],
    decode: (input) => codec.base58btcDecode(input as string),
    check: (value, input) => assert.equal(codec.base58btcEncode(value as Uint8Array), input),
  },
  base64urlDecode: {
    shaped: base64urlText,
    valid: () => [codec.base64urlEncode(SAMPLE_BYTES), codec.base64urlEncode(SAMPLE_BYTES.subarray(1))],
    decode: (input) => codec.base64urlDecode(input as string),
    check: (value, input) => assert.equal(codec.base64urlEncode(value as Uint8Array), input),
  },
  hexToBytes: {
    shaped: fc.string({ unit: fc.constantFrom(...'0123456789abcdefABCDEFgx '), maxLength: 80 }),
    valid: () => [codec.bytesToHex(SAMPLE_BYTES), codec.bytesToHex(SAMPLE_BYTES).toUpperCase()],
    decode: (input) => codec.hexToBytes(input as string),
    check: (value) => assert.deepEqual(value, SAMPLE_BYTES),
  },
  utf8Decode: {
    shaped: fc.string({ unit: 'grapheme', maxLength: 40 }).map(utf8),
    valid: () => [utf8('plain ascii'), utf8('héllo ✓ 𝄞 ünïcode'), new Uint8Array(0)],
    decode: (input) => codec.utf8Decode(input as Uint8Array),
    check: (value, input) => assert.deepEqual(utf8(value as string), input),
  },
  decodeCbor: {
    shaped: cborValue.map(safeEncode),
    valid: () => [codec.encodeCbor(SAMPLE_CBOR), codec.encodeCbor([1, 'two', Uint8Array.of(3)])],
    decode: (input) => codec.decodeCbor(input as Uint8Array),
    check: (value, input) => assert.deepEqual(codec.encodeCbor(value as codec.CborValue), input),
  },
  parseJson: {
    shaped: fc.jsonValue({ maxDepth: 4 }).map((value) => JSON.stringify(value)),
    valid: () => [JSON.stringify(fixture.v2Json), '[1,-2.5e3,"\\u00e9\\ud83d\\ude00",{"a":null}]'],
    decode: (input) => codec.parseJson(input as string),
    check: (value, input) => assert.deepEqual(value, JSON.parse(input as string)),
  },
  parseJsonBytes: {
    shaped: fc.jsonValue({ maxDepth: 4 }).map((value) => utf8(JSON.stringify(value))),
    valid: () => [utf8(JSON.stringify(fixture.signedJson)), utf8('{"é":[true,false,0]}')],
    decode: (input) => codec.parseJsonBytes(input as Uint8Array),
  },
  decodeEnvelope: {
    shaped: fc.oneof(
      envelopeLike,
      envelopeLike.map((value) => JSON.stringify(value)),
      coseLike,
    ),
    valid: () => [
      fixture.v2Json,
      JSON.stringify(fixture.v2Json),
      utf8(JSON.stringify(fixture.signedJson)),
      fixture.v2Compact,
      fixture.signedCompact,
    ],
    decode: (input) => envelope.decodeEnvelope(input),
  },
  decodeTelemetry: {
    shaped: coseLike,
    valid: () => [fixture.telemetry],
    decode: (input) => envelope.decodeTelemetry(input as Uint8Array),
    check: (value) => assert.equal((value as envelope.TelemetryEnvelope).header.counter, 1),
  },
  decodeTelemetryMac: {
    shaped: coseLike,
    valid: () => [fixture.telemetryMac],
    decode: (input) => envelope.decodeTelemetryMac(input as Uint8Array),
    check: (value) => assert.equal((value as envelope.TelemetryEnvelope).header.counter, 2),
  },
  decodeCoseSign1: {
    shaped: coseLike,
    valid: () => [fixture.v2Compact, fixture.signedCompact, fixture.telemetry],
    decode: (input) => envelope.decodeCoseSign1(input as Uint8Array),
  },
  decodePayload: {
    // The bytes a signed header says are JSON, CBOR or opaque: the peer's, whatever the header says.
    shaped: fc.record({
      bytes: fc.oneof(
        anyBytes,
        cborValue.map(safeEncode),
        fc.jsonValue().map((v) => utf8(JSON.stringify(v))),
      ),
      contentType: fc.constantFrom('json', 'cbor', 'bytes', 'share'),
    }),
    valid: () => [
      { bytes: utf8('{"t":21.5,"tags":["a"]}'), contentType: 'json' },
      { bytes: codec.encodeCbor(SAMPLE_CBOR), contentType: 'cbor' },
      { bytes: Uint8Array.of(0, 255), contentType: 'bytes' },
    ],
    decode: (input) => {
      const { bytes, contentType } = (input ?? {}) as { bytes?: unknown; contentType?: unknown };
      return envelope.decodePayload(bytes as Uint8Array, contentType as envelope.PayloadContentType) as Result<unknown>;
    },
  },
  openEnvelope: {
    shaped: fc.oneof(envelopeLike, coseLike),
    valid: () => [fixture.signedJson, fixture.signedCompact, fixture.v2Json, fixture.v2Compact],
    decode: (input) => envelope.openEnvelope(input, { crypto }),
  },
  parseDid: {
    shaped: didLike,
    valid: () => [fixture.gateway.did, fixture.world.alice.did],
    decode: (input) => identity.parseDid(input as string),
    check: (value, input) => assert.equal((value as identity.ParsedDid).did, input),
  },
  identityDocumentFromJson: {
    shaped: documentLike,
    valid: () => [identity.identityDocumentToJson(fixture.document)],
    decode: (input) => identity.identityDocumentFromJson(input),
    check: (value) => assert.deepEqual(value, fixture.document),
  },
  importPKCS8: {
    shaped: fc.record({ ed25519: anyBytes, x25519: anyBytes }, { requiredKeys: [] }),
    valid: () => [fixture.pkcs8],
    decode: (input) => identity.importPKCS8(input as identity.IdentityPKCS8, { crypto }),
  },
  verifyRegistrySnapshot: {
    shaped: fc.json({ maxDepth: 4 }),
    valid: () => [fixture.snapshot],
    decode: (input) => registry.verifyRegistrySnapshot(input, { operatorDid: fixture.operatorDid, crypto }),
    check: (value) => assert.equal((value as registry.VerifiedRegistrySnapshot).entries[0]?.revoked?.reason, 'fuzz'),
  },
  verifyIdentityDocument: {
    shaped: documentLike,
    valid: () => [fixture.document],
    decode: (input) => identity.verifyIdentityDocument(input as identity.SignedIdentityDocument, { crypto }),
  },
  decodeShare: {
    shaped: shareLike,
    valid: () => fixture.shares,
    decode: (input) => split.decodeShare(input),
    check: (value, input) => assert.equal((value as split.Share).bytes, input),
  },
  combineShares: {
    // Bytes stand for one share combined with the valid share 2, so that byte mutations reach the HMAC and the combining.
    shaped: fc.array(fc.oneof(shareLike, anyBytes, anyValue), { maxLength: 5 }),
    valid: () => [fixture.shares[0], fixture.shares[2]],
    decode: (input) =>
      split.combineShares((input instanceof Uint8Array ? [input, fixture.shares[1]] : input) as Uint8Array[], {
        crypto,
        hmacKey: fixture.hmacKey,
      }),
    check: (value) => assert.deepEqual(value, SAMPLE_BYTES.subarray(0, 40)),
  },
  'Agent.receive': {
    shaped: fc.oneof(
      envelopeLike,
      envelopeLike.map((value) => JSON.stringify(value)),
      coseLike,
    ),
    // Each received once, in the valid-input test, before any mutation could spend its nonce or counter.
    valid: () => [fixture.v2Json, fixture.v2Compact, fixture.signedJson, fixture.signedCompact, fixture.telemetry],
    decode: (input) => fixture.gateway.receive(input, { allowCleartext: true }),
  },
};

// ------------------------------------------------------------------ the tests

/** Fails unless `result` is a Result, and a refusal has a catalogue code and a bounded message. */
function assertResult(name: string, result: unknown): asserts result is Result<unknown> {
  assert.ok(
    typeof result === 'object' && result !== null && typeof (result as { ok?: unknown }).ok === 'boolean',
    `${name} returned ${describeValue(result)}, not a Result`,
  );
  const refused = result as Result<unknown>;
  if (refused.ok) return;
  const { code, message } = refused.error;
  assert.ok(ALL_CODES.has(code), `${name} refused with ${JSON.stringify(code)}, not a catalogue code`);
  assert.equal(typeof message, 'string', `${name}: ${code} has no message`);
  assert.ok(message.length <= MAX_MESSAGE_LENGTH, `${name}: ${code} message of ${message.length} characters`);
}

/** Calls the decoder, turning a throw into an assertion failure that names it. */
async function decodeSafely(name: string, decoder: Decoder, input: unknown): Promise<Result<unknown>> {
  let result: unknown;
  try {
    result = await decoder.decode(input);
  } catch (error) {
    const what = error instanceof Error ? `${error.name}${'code' in error ? ` ${error.code}` : ''}: ` : '';
    assert.fail(`${name} threw ${what}${error instanceof Error ? error.message : String(error)}`);
  }
  assertResult(name, result);
  return result;
}

function describeValue(value: unknown): string {
  if (value === null || typeof value !== 'object') return String(value);
  return value instanceof Uint8Array ? `${value.length} bytes` : (value.constructor?.name ?? 'an object');
}

test('the decoders fuzzed here are exactly those the public modules export (naming rule), plus the listed ones', () => {
  const picked = new Set<string>();
  const exported = new Set<string>();
  for (const exports of Object.values(SCANNED_MODULES)) {
    for (const [name, value] of Object.entries(exports)) {
      if (typeof value !== 'function' || isClass(value)) continue;
      exported.add(name);
      if (DECODER_NAME.test(name)) picked.add(name);
    }
  }
  for (const method of Object.getOwnPropertyNames(Agent.prototype)) {
    if (method !== 'constructor' && /^(receive|decode|parse|open|read|import)/.test(method))
      picked.add(`Agent.${method}`);
  }
  for (const extra of EXTRA_DECODERS) {
    assert.ok(exported.has(extra), `${extra} is listed as a decoder but no scanned module exports it`);
    picked.add(extra);
  }
  for (const method of METHOD_DECODERS) assert.ok(picked.has(method), `${method} is listed but not found`);
  assert.deepEqual([...picked].sort(), Object.keys(DECODERS).sort(), 'add a fuzz entry for every new decoder');
  // The rule picks no helper that only looks like a decoder.
  for (const name of ['identityFromSeed', 'signingKeyFromSeed', 'didFromEd25519PublicKey', 'encodeCbor']) {
    assert.ok(!picked.has(name), name);
  }
});

for (const [name, decoder] of Object.entries(DECODERS)) {
  test(`${name}: its valid inputs decode`, async () => {
    for (const [index, input] of decoder.valid().entries()) {
      const result = await decodeSafely(name, decoder, input);
      assert.ok(
        result.ok,
        `${name} refused valid input ${index}: ${result.ok ? '' : `${result.error.code}: ${result.error.message}`}`,
      );
      decoder.check?.(result.value, input);
    }
  });

  test(`${name}: never throws for arbitrary values (${RUNS} runs)`, async () => {
    const inputs = decoder.shaped === undefined ? anything : fc.oneof(anything, decoder.shaped);
    await fc.assert(
      fc.asyncProperty(inputs, async (input) => {
        await decodeSafely(name, decoder, input);
      }),
      { numRuns: RUNS, includeErrorInReport: true },
    );
  });

  test(`${name}: never throws for mutations of valid encodings (${RUNS} runs)`, async () => {
    // The tally shows how deep the mutants got: which checks refused them, and how many still decoded.
    const tally = new Map<string, number>();
    await fc.assert(
      fc.asyncProperty(mutationsOf(decoder.valid()), async (input) => {
        const result = await decodeSafely(name, decoder, input);
        const outcome = result.ok ? 'decoded' : result.error.code;
        tally.set(outcome, (tally.get(outcome) ?? 0) + 1);
      }),
      { numRuns: RUNS, includeErrorInReport: true },
    );
    const sorted = [...tally].sort((a, b) => b[1] - a[1]);
    console.log(`${name} mutants: ${sorted.map(([outcome, count]) => `${outcome} ${count}`).join(', ')}`);
    assert.ok(
      sorted.some(([outcome]) => outcome !== 'decoded'),
      `${name}: no mutant was refused`,
    );
  });
}
