// Review of the hot-path changes (random batch, CBOR heads and views, the
// COSE_Sign1 framer, telemetry's copy-once decode and default scope, the
// registry's and the agent's synchronous fast paths, the ASCII codecs), from
// the outside: each test pins behaviour that must hold, or pins the fix of a bug it found (each marked "Found in review").
import assert from 'node:assert/strict';
import { createPublicKey } from 'node:crypto';
import { describe, it } from 'node:test';
import { Sign1 } from '@auth0/cose';
import { Agent } from '../../src/agent/agent.js';
import { bytesToHex, readUtf8, utf8Decode, utf8Encode } from '../../src/codec/bytes.js';
import { type CborMap, CborTagged, type CborValue, decodeCbor, encodeCbor, readCbor } from '../../src/codec/cbor.js';
import { createNobleCrypto } from '../../src/crypto/noble/index.js';
import { createNodeCrypto } from '../../src/crypto/node/index.js';
import { createWebCrypto } from '../../src/crypto/webcrypto/index.js';
import { envelopeToCompact } from '../../src/envelope/compact-encoding.js';
import { coseSign1SigStructure, encodeCoseSign1 } from '../../src/envelope/cose-sign1.js';
import {
  DEFAULT_TELEMETRY_SCOPE,
  decodeTelemetry,
  sealTelemetry,
  type TelemetryEnvelope,
  type TelemetryKey,
  verifyTelemetry,
} from '../../src/envelope/telemetry.js';
import type { ErrorCode } from '../../src/errors.js';
import { identityFromSeed, signingKeyFromSeed } from '../../src/identity/derive.js';
import { createIdentityDocument } from '../../src/identity/document.js';
import { keyIdOf } from '../../src/identity/kid.js';
import { webRandomSource } from '../../src/platform/random.js';
import { MemoryKeyValueStorage } from '../../src/platform/storage.js';
import { VirtualClock } from '../../src/platform/virtual-clock.js';
import { MemoryTrustRegistry } from '../../src/registry/memory-trust-registry.js';
import type { TrustRegistry } from '../../src/registry/trust-registry.js';
import { LoopbackTransport } from '../../src/transport/loopback.js';
import { ed25519Sign } from '../helpers/one-shot.js';
import { createWorld, crypto, identityOf, receiveCode, signedOnlyAs, T0 } from './fixtures.js';

const AUDIENCE = 'acme-fleet';

function codeOf(result: { ok: boolean; error?: { code: ErrorCode } }): string {
  return result.ok ? 'ok' : (result.error?.code as string);
}

/** The Ed25519 public key as a node KeyObject, for @auth0/cose. */
function jwkKey(publicKey: Uint8Array) {
  return createPublicKey({
    key: { kty: 'OKP', crv: 'Ed25519', x: Buffer.from(publicKey).toString('base64url') },
    format: 'jwk',
  });
}

// ---------------------------------------------------------------- 1. RandomBatch

describe('node randomBytes cut from a batch', () => {
  it('never hands out the same bytes twice, over many odd sizes, the threshold and just past it', () => {
    const provider = createNodeCrypto();
    const seen = new Set<string>();
    const sizes = [1, 3, 7, 12, 16, 23, 24, 31, 32, 33, 63, 64, 65, 255, 256, 511, 512, 513, 1000, 4095, 4096, 4097];
    let zeroRuns = 0;
    for (let round = 0; round < 300; round++) {
      for (const size of sizes) {
        const bytes = provider.randomBytes(size);
        assert.equal(bytes.length, size);
        // An owned buffer of exactly its size: nothing else can be reached through it.
        assert.equal(bytes.byteOffset, 0);
        assert.equal(bytes.buffer.byteLength, size);
        // Overlap test: every 8-byte window of every draw is new (2^-64 per pair by chance).
        for (let i = 0; i + 8 <= size; i += 8) {
          const window = bytesToHex(bytes.subarray(i, i + 8));
          assert.ok(!seen.has(window), `8 bytes handed out twice (size ${size}, round ${round})`);
          seen.add(window);
        }
        for (let i = 0; i + 4 <= size; i++) {
          if (bytes[i] === 0 && bytes[i + 1] === 0 && bytes[i + 2] === 0 && bytes[i + 3] === 0) zeroRuns++;
        }
      }
    }
    // ~ 2.1M 4-byte windows at 2^-32 each: expected 0.0005.
    assert.equal(zeroRuns, 0, 'runs of four zero bytes: zeroed batch bytes handed out');
  });

  it('a result is independent: changing it changes no later result, and its bytes are not zero', () => {
    const provider = createNodeCrypto();
    const first = provider.randomBytes(32);
    const copy = first.slice();
    first.fill(0xaa);
    const second = provider.randomBytes(32);
    assert.notDeepEqual(second, first);
    assert.notDeepEqual(second, copy);
    assert.ok(second.some((b) => b !== 0));
    assert.equal(provider.randomBytes(0).length, 0);
  });

  it('byte statistics of small draws look uniform (chi-square over 256 bins)', () => {
    const provider = createNodeCrypto();
    const counts = new Array<number>(256).fill(0);
    let total = 0;
    for (let i = 0; i < 20_000; i++) {
      for (const b of provider.randomBytes(12)) {
        counts[b] = (counts[b] as number) + 1;
        total++;
      }
    }
    const expected = total / 256;
    const chi = counts.reduce((sum, c) => sum + (c - expected) ** 2 / expected, 0);
    // 255 degrees of freedom: mean 255, sd ~22.6; 400 is > 6 sd.
    assert.ok(chi < 400, `chi-square ${chi}`);
  });
});

// ---------------------------------------------------------------- 2. CBOR heads, keys, views

describe('CBOR heads at every boundary', () => {
  const cases: [number, string][] = [
    [0, '00'],
    [23, '17'],
    [24, '1818'],
    [255, '18ff'],
    [256, '190100'],
    [65535, '19ffff'],
    [65536, '1a00010000'],
    [4294967295, '1affffffff'],
    [4294967296, '1b0000000100000000'],
    [Number.MAX_SAFE_INTEGER, '1b001fffffffffffff'],
  ];
  it('unsigned and negative integers encode in their shortest form and decode back', () => {
    for (const [n, hex] of cases) {
      assert.equal(bytesToHex(encodeCbor(n)), hex, `${n}`);
      assert.equal(readCbor(encodeCbor(n)), n);
      // Negative: major type 1 with argument n, i.e. the value -1-n.
      const negativeHex = ((parseInt(hex.slice(0, 2), 16) | 0x20) >>> 0).toString(16).padStart(2, '0') + hex.slice(2);
      if (n < Number.MAX_SAFE_INTEGER) {
        assert.equal(bytesToHex(encodeCbor(-1 - n)), negativeHex, `${-1 - n}`);
        assert.equal(readCbor(encodeCbor(-1 - n)), -1 - n);
      }
    }
    assert.equal(bytesToHex(encodeCbor(-Number.MAX_SAFE_INTEGER)), '3b001ffffffffffffe');
    assert.equal(readCbor(encodeCbor(-Number.MAX_SAFE_INTEGER)), -Number.MAX_SAFE_INTEGER);
    // Tags use the same heads.
    assert.equal(bytesToHex(encodeCbor(new CborTagged(Number.MAX_SAFE_INTEGER, 0))), 'db001fffffffffffff00');
  });

  it('byte strings, text, arrays and maps of boundary lengths: heads right, round trip exact', () => {
    for (const length of [0, 23, 24, 255, 256, 65535, 65536]) {
      const bytes = new Uint8Array(length).map((_, i) => i * 7);
      const encoded = encodeCbor(bytes);
      const head = length < 24 ? 1 : length < 256 ? 2 : length < 65536 ? 3 : 5;
      assert.equal(encoded.length, head + length);
      assert.equal((encoded[0] as number) >> 5, 2);
      assert.deepEqual(readCbor(encoded), bytes);
      const text = 'x'.repeat(length);
      assert.equal(readCbor(encodeCbor(text)), text);
      if (length <= 65536) {
        const array = new Array<number>(length).fill(1);
        assert.deepEqual(readCbor(encodeCbor(array), { maxItems: 70_000 }), array);
      }
    }
  });

  it('map keys sort by their encodings whatever the mix of integers and text, and keys of every width', () => {
    const keys: (number | string)[] = [
      'aa',
      256,
      -1,
      '',
      24,
      1,
      'a',
      -25,
      -24,
      65536,
      Number.MAX_SAFE_INTEGER,
      -Number.MAX_SAFE_INTEGER,
      4294967296,
      'é',
      'x'.repeat(24),
      1.5,
    ];
    const map = new Map<number | string, CborValue>(keys.map((k, i) => [k, i]));
    const encoded = encodeCbor(map);
    const order = [...(readCbor(encoded, { maxItems: 100 }) as CborMap).keys()];
    const byEncoding = [...keys].sort((a, b) => {
      const x = encodeCbor(a);
      const y = encodeCbor(b);
      for (let i = 0; i < Math.min(x.length, y.length); i++)
        if (x[i] !== y[i]) return (x[i] as number) - (y[i] as number);
      return x.length - y.length;
    });
    assert.deepEqual(order, byEncoding);
    assert.deepEqual(order.slice(0, 6), [1, 24, 256, 65536, 4294967296, Number.MAX_SAFE_INTEGER]);
    assert.deepEqual(readCbor(encoded, { maxItems: 100 }), map);
  });

  it('duplicate keys and keys out of order are refused as PARSE_FAILED:CBOR, equal prefixes included', () => {
    for (const hex of [
      'a201000100', // {1:0, 1:0}
      'a2616100616100', // {"a":0, "a":0}
      'a2626161006161 00'.replace(' ', ''), // {"aa":0, "a":0}: shorter after longer
      'a2181800181800', // {24:0, 24:0}
      'a2200001 00'.replace(' ', ''), // {-1:0, 1:0}
    ]) {
      const bytes = Uint8Array.from(Buffer.from(hex, 'hex'));
      assert.equal(codeOf(decodeCbor(bytes)), 'PARSE_FAILED:CBOR', hex);
    }
    assert.deepEqual(
      readCbor(Uint8Array.from(Buffer.from('a2616100626161 00'.replace(' ', ''), 'hex'))),
      new Map([
        ['a', 0],
        ['aa', 0],
      ]),
    );
  });

  it('decodeCbor returns copies of byte strings; viewsOfInput returns views (and only then)', () => {
    const input = encodeCbor([Uint8Array.of(1, 2, 3), new Map([[1, Uint8Array.of(4)]])]);
    const copied = readCbor(input) as [Uint8Array, CborMap];
    const viewed = readCbor(input, { viewsOfInput: true }) as [Uint8Array, CborMap];
    input.fill(0xee);
    assert.deepEqual(copied[0], Uint8Array.of(1, 2, 3));
    assert.deepEqual(copied[1].get(1), Uint8Array.of(4));
    assert.notEqual(copied[0].buffer, input.buffer);
    assert.equal(viewed[0].buffer, input.buffer);
    const buffer = Buffer.from(encodeCbor(Uint8Array.of(9, 9)));
    const fromBuffer = decodeCbor(buffer);
    assert.ok(fromBuffer.ok);
    buffer.fill(0);
    assert.deepEqual(fromBuffer.value, Uint8Array.of(9, 9));
  });
});

// ---------------------------------------------------------------- 3. telemetry

/** A device's one-byte readings in the default scope, dated by `clock`, by counter. */
function readingsOf(key: TelemetryKey, clock: VirtualClock): (counter: number) => Promise<Uint8Array> {
  return async (counter) =>
    sealTelemetry(key, {
      audience: AUDIENCE,
      scope: 'telemetry',
      counter,
      payload: Uint8Array.of(1),
      timestamp: clock.now(),
    });
}

async function deviceKey(seed: Uint8Array = new Uint8Array(32).fill(0x5e)) {
  const key = await signingKeyFromSeed(seed, { crypto });
  assert.ok(key.ok);
  return key.value;
}

/** Telemetry bytes with a protected header of the caller's making, signed properly. */
async function telemetryWith(header: Map<number, CborValue>, payload: Uint8Array, seed?: Uint8Array) {
  const key = await deviceKey(seed);
  const protectedBytes = encodeCbor(header);
  const signature = await key.signer.sign(coseSign1SigStructure(protectedBytes, payload, utf8Encode(AUDIENCE)));
  return encodeCbor([protectedBytes, new Map([[4, key.kid]]), payload, signature]);
}

describe('telemetry: copy-once decode, default scope, counters', () => {
  // Found in review: decodeTelemetry's "one private copy" was `bytes.slice()`, which on a Node Buffer (what
  // sockets and fs hand out) is a view sharing the caller's memory. The earlier review fix, and
  // the comment in cbor.ts, say exactly this: `.slice()` on a Buffer shares memory.
  it("mutating the caller's Buffer after decodeTelemetry changes nothing decoded, and it still verifies", async () => {
    const key = await deviceKey();
    const bytes = await sealTelemetry(key, {
      audience: AUDIENCE,
      scope: 'status',
      counter: 77,
      payload: Uint8Array.of(1, 2, 3),
    });
    const buffer = Buffer.from(bytes); // a reused network buffer
    const decoded = decodeTelemetry(buffer);
    assert.ok(decoded.ok);
    const snapshot = (b: Uint8Array) => Array.from(b);
    const before = {
      kid: snapshot(decoded.value.kid),
      protectedBytes: snapshot(decoded.value.protectedBytes),
      payload: snapshot(decoded.value.payload),
      signature: snapshot(decoded.value.signature),
    };
    buffer.fill(0x41);
    assert.equal(decoded.value.payload.buffer === buffer.buffer, false, "the payload is a view of the caller's Buffer");
    assert.deepEqual(
      {
        kid: snapshot(decoded.value.kid),
        protectedBytes: snapshot(decoded.value.protectedBytes),
        payload: snapshot(decoded.value.payload),
        signature: snapshot(decoded.value.signature),
      },
      before,
    );
    const verifier = await crypto.ed25519Verifier(key.signer.publicKey);
    assert.equal(codeOf(await verifyTelemetry(verifier, decoded.value, AUDIENCE)), 'ok');
  });

  it('a plain Uint8Array input is copied: mutating it after decodeTelemetry changes nothing', async () => {
    const key = await deviceKey();
    const bytes = await sealTelemetry(key, {
      audience: AUDIENCE,
      scope: 'status',
      counter: 5,
      payload: Uint8Array.of(9),
    });
    const decoded = decodeTelemetry(bytes);
    assert.ok(decoded.ok);
    const payload = Array.from(decoded.value.payload);
    bytes.fill(0);
    assert.deepEqual(Array.from(decoded.value.payload), payload);
    assert.notEqual(decoded.value.payload.buffer, bytes.buffer);
  });

  // Found in review (same root cause), end to end: a gateway receiving telemetry from a Buffer that is reused
  // while receive awaits (here: while the replay store answers, i.e. after the signature check)
  // accepts a payload the device never signed, as that device.
  it('Agent.receive of telemetry in a reused Buffer returns only what the device signed', async () => {
    const clock = new VirtualClock(T0);
    const registry = new MemoryTrustRegistry({ crypto, clock });
    const transport = new LoopbackTransport();
    const { MemoryNonceStore } = await import('../../src/replay/memory-nonce-store.js');
    const inner = new MemoryNonceStore({ windowMs: 30_000, clock });
    let onAccept: () => void = () => {};
    const nonceStore = Object.create(inner, {
      acceptCounter: {
        value: async (...args: Parameters<typeof inner.acceptCounter>) => {
          onAccept(); // the socket's next datagram lands in the same Buffer meanwhile
          return inner.acceptCounter(...args);
        },
      },
    });
    const gateway = await Agent.create({ crypto, clock, registry, transport, nonceStore, audience: AUDIENCE });
    assert.ok(gateway.ok);
    clock.advance(1000);
    const seed = new Uint8Array(32).fill(0x75);
    assert.ok((await Agent.fromSeed(seed, { crypto, clock, registry, transport, scopes: ['telemetry'] })).ok);
    const key = await deviceKey(seed);
    const signed = utf8Encode('{"valve":"shut"}');
    const forged = utf8Encode('{"valve":"open"}');
    const bytes = await sealTelemetry(key, {
      audience: AUDIENCE,
      scope: 'telemetry',
      counter: 1,
      payload: signed,
      contentType: 'json',
      timestamp: clock.now(),
    });
    const buffer = Buffer.alloc(bytes.length);
    buffer.set(bytes);
    const at = buffer.indexOf(Buffer.from(signed));
    onAccept = () => buffer.set(forged, at);
    const received = await gateway.value.receive(buffer, { allowCleartext: true });
    assert.ok(received.ok, received.ok ? '' : received.error.code);
    assert.deepEqual(received.value.payload, { valve: 'shut' });
  });

  it('an explicit scope claim "telemetry" is refused as ENVELOPE_INVALID:MALFORMED; its absence is the default', async () => {
    const claims = (scope?: string) =>
      new Map<number, CborValue>([
        [1, -8],
        [
          15,
          new Map<number, CborValue>(
            scope === undefined
              ? [[7, Uint8Array.of(1)]]
              : [
                  [7, Uint8Array.of(1)],
                  [9, scope],
                ],
          ),
        ],
      ]);
    const spelled = decodeTelemetry(await telemetryWith(claims(DEFAULT_TELEMETRY_SCOPE), Uint8Array.of(0)));
    assert.equal(codeOf(spelled), 'ENVELOPE_INVALID:MALFORMED');
    assert.equal(spelled.ok ? '' : spelled.error.field, 'scope');
    const absent = decodeTelemetry(await telemetryWith(claims(), Uint8Array.of(0)));
    assert.ok(absent.ok);
    assert.equal(absent.value.header.scope, 'telemetry');
    // Other invalid scope claims keep their own refusal.
    assert.equal(codeOf(decodeTelemetry(await telemetryWith(claims(''), Uint8Array.of(0)))), 'INVALID_SCOPE');
  });

  it('counters are the minimal big-endian bytes at every width boundary, and round-trip', async () => {
    const key = await deviceKey();
    const verifier = await crypto.ed25519Verifier(key.signer.publicKey);
    const cases: [number, string][] = [
      [0, '00'],
      [1, '01'],
      [255, 'ff'],
      [256, '0100'],
      [65535, 'ffff'],
      [65536, '010000'],
      [2 ** 32 - 1, 'ffffffff'],
      [2 ** 32, '0100000000'],
      [2 ** 48 - 1, 'ffffffffffff'],
      [2 ** 48, '01000000000000'],
      [Number.MAX_SAFE_INTEGER, '1fffffffffffff'],
    ];
    for (const [counter, hex] of cases) {
      const bytes = await sealTelemetry(key, {
        audience: AUDIENCE,
        scope: 'telemetry',
        counter,
        payload: new Uint8Array(0),
      });
      const protectedHeader = readCbor((readCbor(bytes) as Uint8Array[])[0] as Uint8Array) as CborMap;
      assert.equal(bytesToHex((protectedHeader.get(15) as CborMap).get(7) as Uint8Array), hex, `${counter}`);
      const decoded = decodeTelemetry(bytes);
      assert.ok(decoded.ok);
      assert.equal(decoded.value.header.counter, counter);
      assert.equal(codeOf(await verifyTelemetry(verifier, decoded.value, AUDIENCE)), 'ok');
    }
  });

  it('verifyTelemetry answers a bad audience with a Result (INVALID_ARGUMENT), never a rejection', async () => {
    const key = await deviceKey();
    const verifier = await crypto.ed25519Verifier(key.signer.publicKey);
    const decoded = decodeTelemetry(
      await sealTelemetry(key, { audience: AUDIENCE, scope: 'telemetry', counter: 1, payload: new Uint8Array(0) }),
    );
    assert.ok(decoded.ok);
    for (const audience of ['', 'has space', 'x'.repeat(65), 42, undefined, null]) {
      const result = await verifyTelemetry(verifier, decoded.value, audience as string);
      assert.equal(codeOf(result), 'INVALID_ARGUMENT');
      assert.equal(result.ok ? '' : result.error.field, 'audience');
    }
  });

  // Found in review (minor): the doc comment says "Like every verify, never throws", and verifyEnvelope /
  // verifyCoseSign1 return a Result for malformed parts; verifyTelemetry rejects instead.
  it('verifyTelemetry answers an envelope whose parts are not bytes with a Result, like verifyEnvelope', async () => {
    const key = await deviceKey();
    const verifier = await crypto.ed25519Verifier(key.signer.publicKey);
    const decoded = decodeTelemetry(
      await sealTelemetry(key, { audience: AUDIENCE, scope: 'telemetry', counter: 1, payload: new Uint8Array(0) }),
    );
    assert.ok(decoded.ok);
    const broken = { ...decoded.value, signature: 'not bytes' } as unknown as TelemetryEnvelope;
    let outcome: string;
    try {
      outcome = codeOf(await verifyTelemetry(verifier, broken, AUDIENCE));
    } catch (error) {
      outcome = `rejected with ${(error as { code?: string }).code}`;
    }
    assert.equal(outcome, 'INVALID_ARGUMENT');
  });
});

// ---------------------------------------------------------------- 4. the COSE_Sign1 framer

describe('frameCoseSign1 and the hand-framed Sig_structure equal the generic encoder', () => {
  const LENGTHS = [0, 23, 24, 255, 256, 65535, 65536];

  it('encodeCoseSign1 = encodeCbor(18([…])) at every length boundary, with and without an unprotected entry', async () => {
    const identity = await identityOf('alice');
    const protectedBytes = encodeCbor(new Map([[1, -8]]));
    for (const length of LENGTHS) {
      const payload = new Uint8Array(length).map((_, i) => i);
      for (const unprotectedHeader of [
        new Map<number | string, CborValue>(),
        new Map<number | string, CborValue>([['pqsig', new Uint8Array(3309).fill(5)]]),
        new Map<number | string, CborValue>([
          [4, Uint8Array.of(1, 2)],
          ['z', 1],
        ]),
      ]) {
        const sigStructure = coseSign1SigStructure(protectedBytes, payload);
        assert.deepEqual(sigStructure, encodeCbor(['Signature1', protectedBytes, new Uint8Array(0), payload]));
        const aad = utf8Encode('x'.repeat(length % 300));
        assert.deepEqual(
          coseSign1SigStructure(protectedBytes, payload, aad),
          encodeCbor(['Signature1', protectedBytes, aad, payload]),
        );
        const signature = await ed25519Sign(crypto, identity.ed25519.secretKey, sigStructure);
        const framed = encodeCoseSign1({ protectedBytes, unprotectedHeader, payload, signature });
        assert.deepEqual(
          framed,
          encodeCbor(new CborTagged(18, [protectedBytes, unprotectedHeader, payload, signature])),
          `payload of ${length}`,
        );
        // An independent implementation reads and verifies it.
        await Sign1.decode(Buffer.from(framed)).verify(jwkKey(identity.ed25519.publicKey));
      }
    }
  });

  it('envelopeToCompact = encodeCbor(18([…])) for signed envelopes, with and without pqsig, at length boundaries', async () => {
    const identity = await identityOf('alice');
    for (const postQuantum of [false, true]) {
      const world = await createWorld({ postQuantum });
      for (const length of LENGTHS) {
        const envelope = await signedOnlyAs(world, 'alice', {
          postQuantum,
          changes: { payload: new Uint8Array(length).fill(0x61), contentType: 'bytes' },
        });
        const unprotected = new Map<number | string, CborValue>();
        if (envelope.mlDsaSignature !== undefined) unprotected.set('pqsig', envelope.mlDsaSignature);
        assert.equal(envelope.mlDsaSignature !== undefined, postQuantum);
        const compact = envelopeToCompact(envelope);
        assert.deepEqual(
          compact,
          encodeCbor(new CborTagged(18, [envelope.protectedBytes, unprotected, envelope.body, envelope.signature])),
        );
        await Sign1.decode(Buffer.from(compact)).verify(jwkKey(identity.ed25519.publicKey));
        const received = await world.bob.receive(compact, { allowCleartext: true });
        assert.equal(codeOf(received), 'ok');
      }
    }
  });

  it('sealTelemetry = encodeCbor([…]) untagged at every payload length boundary; @auth0/cose verifies', async () => {
    const key = await deviceKey();
    for (const length of LENGTHS) {
      const payload = new Uint8Array(length).fill(3);
      const bytes = await sealTelemetry(key, { audience: AUDIENCE, scope: 'status', counter: length, payload });
      const [protectedBytes, unprotected, body, signature] = readCbor(bytes, { maxBytes: 1 << 20 }) as [
        Uint8Array,
        CborMap,
        Uint8Array,
        Uint8Array,
      ];
      assert.deepEqual(bytes, encodeCbor([protectedBytes, unprotected, body, signature]));
      assert.deepEqual(body, payload);
      const decoded = Sign1.decode(Buffer.from(bytes));
      await decoded.verify(jwkKey(key.signer.publicKey), { externalAAD: utf8Encode(AUDIENCE) });
    }
  });
});

// ---------------------------------------------------------------- 5/6. registry and agent fast paths

describe('fast paths see every change at once', () => {
  it('resolveKid of a known, verified entry returns the new entry after revoke, setScopes and updateDocument', async () => {
    const clock = new VirtualClock(T0);
    const registry = new MemoryTrustRegistry({ crypto, clock });
    const identity = await identityOf('carol');
    const document = await createIdentityDocument(identity, {
      crypto,
      versions: ['signed', 'v1', 'v2'],
      sequence: 1,
      issuedAt: T0,
    });
    assert.ok((await registry.register({ document, scopes: ['a'] })).ok);
    const kid = await keyIdOf(identity.ed25519.publicKey, { crypto });
    const first = await registry.resolveKid(kid);
    assert.ok(first.ok);
    const again = await registry.resolveKid(kid); // the fast path: the same frozen entry
    assert.ok(again.ok && again.value === first.value);
    assert.ok((await registry.setScopes(identity.did, ['b'])).ok);
    const scoped = await registry.resolveKid(kid);
    assert.deepEqual(scoped.ok && scoped.value.scopes, ['b']);
    const newer = await createIdentityDocument(identity, {
      crypto,
      versions: ['signed', 'v1', 'v2'],
      sequence: 2,
      issuedAt: T0,
    });
    assert.ok((await registry.updateDocument(newer)).ok);
    const updated = await registry.resolveKid(kid);
    assert.equal(updated.ok && updated.value.identity?.sequence, 2);
    assert.ok((await registry.revoke(identity.did, { reason: 'lost' })).ok);
    const revoked = await registry.resolveKid(kid);
    assert.equal(revoked.ok && revoked.value.revoked?.reason, 'lost');
    // Wrong kids still fail as before.
    assert.equal(codeOf(await registry.resolveKid(new Uint8Array(6))), 'DID_NOT_IN_REGISTRY');
    assert.equal(codeOf(await registry.resolveKid(new Uint8Array(5))), 'INVALID_LENGTH');
  });

  it('a revoked sender is refused on the very next message: full envelope and telemetry', async () => {
    const clock = new VirtualClock(T0);
    const registry = new MemoryTrustRegistry({ crypto, clock });
    const transport = new LoopbackTransport();
    const shared = { crypto, clock, registry, transport };
    const gateway = await Agent.create({ ...shared, audience: AUDIENCE });
    assert.ok(gateway.ok);
    clock.advance(1000);
    const seed = new Uint8Array(32).fill(0x71);
    const device = await Agent.fromSeed(seed, { ...shared, scopes: ['telemetry', 'chat'] });
    assert.ok(device.ok);
    const key = await deviceKey(seed);
    const reading = readingsOf(key, clock);
    const full = async () => {
      const sent = await device.value.send({ to: gateway.value.did, payload: 1, scope: 'chat' });
      assert.ok(sent.ok);
      return sent.value;
    };
    // Warm every cache: the registry's entry, the agent's checked keys.
    assert.equal(await receiveCode(gateway.value, await reading(1), { allowCleartext: true }), 'ok');
    assert.equal(await receiveCode(gateway.value, await reading(2), { allowCleartext: true }), 'ok');
    assert.equal(await receiveCode(gateway.value, await full()), 'ok');
    assert.equal(await receiveCode(gateway.value, await full()), 'ok');
    const nextReading = await reading(3);
    const nextFull = await full();
    assert.ok((await registry.revoke(device.value.did, { reason: 'stolen' })).ok);
    assert.equal(
      await receiveCode(gateway.value, nextReading, { allowCleartext: true }),
      'VERIFICATION_FAILED:REVOKED',
    );
    assert.equal(await receiveCode(gateway.value, nextFull), 'VERIFICATION_FAILED:REVOKED');
  });

  // Found in review: PeerKeysCache.keysOf answers from its per-entry cache before comparing the entry's
  // document sequence with the highest one seen, so a registry that rolls back by serving the
  // entry object it served before (a replica, a caching proxy) is believed.
  it('a registry rolled back to an entry object the agent already checked is refused (IDENTITY_DOCUMENT_INVALID:SEQUENCE)', async () => {
    const clock = new VirtualClock(T0);
    const registry = new MemoryTrustRegistry({ crypto, clock });
    const transport = new LoopbackTransport();
    const shared = { crypto, clock, registry, transport };
    const aliceSeed = new Uint8Array(32).fill(0x72);
    const bobSeed = new Uint8Array(32).fill(0x73);
    const alice = await Agent.fromSeed(aliceSeed, shared);
    assert.ok(alice.ok && (await Agent.fromSeed(bobSeed, shared)).ok);
    let rolledBack = false;
    let old: Awaited<ReturnType<TrustRegistry['resolve']>> | undefined;
    const replica: TrustRegistry = Object.create(registry, {
      resolve: {
        value: async (did: string) => (rolledBack && did === alice.value.did && old ? old : registry.resolve(did)),
      },
    });
    const bob = await Agent.fromSeed(bobSeed, { ...shared, registry: replica, register: false });
    assert.ok(bob.ok);
    const receiveNext = async () => {
      assert.ok((await alice.value.send({ to: bob.value.did, payload: 1 })).ok);
      return receiveCode(bob.value, transport.outbox.at(-1));
    };
    // Bob checks alice's first document and keeps its entry object.
    old = await registry.resolve(alice.value.did);
    assert.equal(await receiveNext(), 'ok');
    const aliceIdentity = await identityFromSeed(aliceSeed, { crypto });
    assert.ok(aliceIdentity.ok);
    const newer = await createIdentityDocument(aliceIdentity.value, {
      crypto,
      versions: ['signed', 'v1', 'v2'],
      sequence: 2,
      issuedAt: T0,
    });
    assert.ok((await registry.updateDocument(newer)).ok);
    assert.equal(await receiveNext(), 'ok'); // bob has now seen sequence 2
    rolledBack = true; // the replica serves the first entry object again
    assert.equal(await receiveNext(), 'IDENTITY_DOCUMENT_INVALID:SEQUENCE');
  });
});

describe('FileTrustRegistry follower: the core fast path does not skip the follower refresh', () => {
  it('a revocation the writer appended is served by a warmed follower after its poll, and refuses the next reading', async () => {
    const { mkdtempSync, rmSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const { FileTrustRegistry } = await import('../../src/registry/node/index.js');
    const dir = mkdtempSync(join(tmpdir(), 'xlink-review-'));
    try {
      const path = join(dir, 'trust.log');
      const clock = new VirtualClock(T0);
      const writer = await FileTrustRegistry.create({ path, crypto, clock });
      const seed = new Uint8Array(32).fill(0x74);
      const identity = await identityFromSeed(seed, { crypto });
      assert.ok(identity.ok);
      const document = await createIdentityDocument(identity.value, {
        crypto,
        versions: ['signed', 'v1', 'v2'],
        sequence: 1,
        issuedAt: T0,
      });
      assert.ok((await writer.register({ document, scopes: ['telemetry'] })).ok);
      const timer = new VirtualClock();
      const reader = await FileTrustRegistry.open({ path, crypto, readOnly: true, timer, pollIntervalMs: 1000 });
      // The gateway's own identity is not in the file: a follower cannot register it.
      const gateway = await Agent.fromSeed(new Uint8Array(32).fill(0x76), {
        crypto,
        clock,
        registry: reader,
        transport: new LoopbackTransport(),
        audience: AUDIENCE,
        register: false,
      });
      assert.ok(gateway.ok);
      clock.advance(1000);
      const key = await deviceKey(seed);
      const reading = readingsOf(key, clock);
      assert.equal(await receiveCode(gateway.value, await reading(1), { allowCleartext: true }), 'ok');
      assert.equal(await receiveCode(gateway.value, await reading(2), { allowCleartext: true }), 'ok');
      const kid = await keyIdOf(identity.value.ed25519.publicKey, { crypto });
      assert.ok((await reader.resolveKid(kid)).ok);
      assert.ok((await writer.revoke(identity.value.did, { reason: 'gone' })).ok);
      timer.advance(1000); // the follower's poll
      const entry = await reader.resolveKid(kid);
      assert.equal(entry.ok && entry.value.revoked?.reason, 'gone');
      assert.equal(
        await receiveCode(gateway.value, await reading(3), { allowCleartext: true }),
        'VERIFICATION_FAILED:REVOKED',
      );
      await reader.close();
      await writer.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

// ---------------------------------------------------------------- 7. ASCII fast paths

describe('UTF-8 fast paths', () => {
  it('ASCII of 0, 1, 63, 64, 65 and 4097 bytes round-trips; non-ASCII at the last byte of 64 and 65 is decoded strictly', () => {
    for (const length of [0, 1, 63, 64, 65, 4097]) {
      const text = 'abcdefghijklmnopqrstuvwxyz0123456789'.repeat(200).slice(0, length);
      const bytes = utf8Encode(text);
      assert.deepEqual(bytes, new TextEncoder().encode(text));
      assert.equal(readUtf8(bytes), text);
      if (length > 0) {
        const withE = `${text.slice(0, -1)}é`;
        assert.deepEqual(utf8Encode(withE), new TextEncoder().encode(withE));
        assert.equal(readUtf8(new TextEncoder().encode(withE)), withE);
        const bad = bytes.slice();
        bad[length - 1] = 0x80; // a lone continuation byte
        assert.equal(codeOf(utf8Decode(bad)), 'PARSE_FAILED:UTF8', `${length}`);
        bad[length - 1] = 0xc3; // a truncated sequence
        assert.equal(codeOf(utf8Decode(bad)), 'PARSE_FAILED:UTF8', `${length}`);
        bad[length - 1] = 0xff;
        assert.equal(codeOf(utf8Decode(bad)), 'PARSE_FAILED:UTF8', `${length}`);
      }
    }
    assert.equal(readUtf8(Uint8Array.of(0x00, 0x7f)), '\u0000\u007f');
  });

  it('lone surrogates are refused at any position; pairs encode as 4 bytes; CBOR text refuses them too', () => {
    for (const text of ['\ud800', 'a\udc00', `${'a'.repeat(63)}\ud83d`, '\udc00\ud800', 'x\ud83d\ude00\ud800']) {
      assert.throws(
        () => utf8Encode(text),
        (error: { code?: string }) => error.code === 'PARSE_FAILED:UTF8',
      );
      assert.throws(
        () => encodeCbor(text),
        (error: { code?: string }) => error.code === 'INVALID_ARGUMENT',
      );
    }
    assert.deepEqual(utf8Encode('\ud83d\ude00'), Uint8Array.of(0xf0, 0x9f, 0x98, 0x80));
    // Encoded surrogate code points (ED A0 80) and overlong forms are refused on decode.
    for (const bytes of [
      [0xed, 0xa0, 0x80],
      [0xc0, 0xaf],
      [0xe0, 0x80, 0xaf],
      [0xf4, 0x90, 0x80, 0x80],
    ]) {
      assert.equal(codeOf(utf8Decode(Uint8Array.from(bytes))), 'PARSE_FAILED:UTF8');
    }
    assert.equal(codeOf(decodeCbor(Uint8Array.of(0x63, 0xed, 0xa0, 0x80))), 'PARSE_FAILED:CBOR');
  });
});

describe('copies of caller bytes are real copies, Node Buffers included', () => {
  // The same slice() trap as decodeTelemetry's, in the other places that keep a caller's bytes.
  it('MemoryKeyValueStorage keeps and returns its own bytes for a Buffer value', async () => {
    const storage = new MemoryKeyValueStorage();
    const value = Buffer.from('100');
    await storage.set('ctr', value);
    value.fill(0x39);
    const read = await storage.get('ctr');
    assert.deepEqual([...(read ?? [])], [0x31, 0x30, 0x30]);
    read?.fill(0);
    assert.deepEqual([...((await storage.get('ctr')) ?? [])], [0x31, 0x30, 0x30]);
  });

  it('every backend’s prepared verifier keeps its own key when given a Buffer that is reused', async () => {
    const node = createNodeCrypto();
    const noble = createNobleCrypto({ random: webRandomSource(globalThis.crypto) });
    const signer = await node.ed25519Signer(new Uint8Array(32).fill(7));
    const message = utf8Encode('reading');
    const signature = await signer.sign(message);
    for (const backend of [node, noble, createWebCrypto(globalThis.crypto)]) {
      const key = Buffer.from(signer.publicKey);
      const verifier = await backend.ed25519Verifier(key);
      key.fill(0);
      assert.equal(await verifier.verify(message, signature), true, backend.name);
      assert.deepEqual(verifier.publicKey, signer.publicKey, backend.name);
    }
  });
});
