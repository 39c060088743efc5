// The compact telemetry profile: round trips through every backend, the exact
// wire shape and its size, strict decoding (one spelling per message), the
// audience bound without being sent, and an independent COSE implementation
// from npm (@auth0/cose, which verifies through jose and node:crypto, no xlink
// code) checking what we sign.
import assert from 'node:assert/strict';
import { createPublicKey } from 'node:crypto';
import { describe, it } from 'node:test';
import { Sign1 } from '@auth0/cose';
import fc from 'fast-check';
import { bytesToHex, concatBytes, readHex, utf8Encode } from '../../src/codec/bytes.js';
import { type CborMap, CborTagged, type CborValue, encodeCbor, readCbor } from '../../src/codec/cbor.js';
import type { CryptoProvider } from '../../src/crypto/provider.js';
import { decodeEnvelope } from '../../src/envelope/decode.js';
import { encodeEnvelope } from '../../src/envelope/encode.js';
import { signEnvelope } from '../../src/envelope/sign.js';
import {
  decodeTelemetry,
  sealTelemetry,
  type TelemetryMessage,
  verifyTelemetry,
} from '../../src/envelope/telemetry.js';
import type { ErrorCode } from '../../src/errors.js';
import { type SigningKey, signingKeyFromSeed } from '../../src/identity/derive.js';
import { didFromEd25519PublicKey } from '../../src/identity/did.js';
import { backends } from '../helpers/backends.js';

const [node, webcrypto, noble] = backends as [CryptoProvider, CryptoProvider, CryptoProvider];
const SEED = new Uint8Array(32).fill(0x5e);
const AUDIENCE = 'acme-fleet';
const READING = utf8Encode('{"t":21.5,"rh":40.1}'); // 20 bytes

async function keyOf(crypto: CryptoProvider, seed: Uint8Array = SEED): Promise<SigningKey> {
  const key = await signingKeyFromSeed(seed, { crypto });
  assert.ok(key.ok);
  return key.value;
}

function message(changes: Partial<TelemetryMessage> = {}): TelemetryMessage {
  return { audience: AUDIENCE, scope: 'telemetry', counter: 1_000_000, payload: READING, ...changes };
}

function codeOf(result: { ok: boolean; error?: { code: ErrorCode } }): string {
  return result.ok ? 'ok' : (result.error?.code as string);
}

describe('telemetry profile: round trips', () => {
  for (const crypto of backends) {
    it(`${crypto.name}: sealed, decoded and verified; byte-identical across backends (deterministic Ed25519)`, async () => {
      const key = await keyOf(crypto);
      const bytes = await sealTelemetry(key, message({ timestamp: 1_790_000_000_999, contentType: 'json' }));
      const decoded = decodeTelemetry(bytes);
      assert.ok(decoded.ok, decoded.ok ? '' : decoded.error.message);
      assert.deepEqual(decoded.value.kid, key.kid);
      assert.deepEqual(decoded.value.header, {
        scope: 'telemetry',
        counter: 1_000_000,
        timestamp: 1_790_000_000_000, // whole seconds on the wire
        contentType: 'json',
      });
      assert.deepEqual(decoded.value.payload, READING);
      const verifier = await crypto.ed25519Verifier(key.signer.publicKey);
      assert.equal(codeOf(await verifyTelemetry(verifier, decoded.value, AUDIENCE)), 'ok');
      const reference = await sealTelemetry(
        await keyOf(node),
        message({ timestamp: 1_790_000_000_999, contentType: 'json' }),
      );
      assert.deepEqual(bytes, reference);
    });
  }

  it('seals synchronously with a synchronous signer (noble), as engines without Promise need', async () => {
    const key = await keyOf(noble);
    const bytes = sealTelemetry(
      key as Parameters<typeof sealTelemetry>[0] & { signer: { sign(m: Uint8Array): Uint8Array } },
      message(),
    );
    assert.ok(bytes instanceof Uint8Array, 'no promise');
    const viaWebCrypto = sealTelemetry(await keyOf(webcrypto), message());
    assert.ok(viaWebCrypto instanceof Promise, 'Web Crypto signs asynchronously');
    assert.deepEqual(await viaWebCrypto, bytes);
  });

  it('counters round-trip over their whole range, each as one minimal byte string (fast-check)', async () => {
    const key = await keyOf(noble);
    const verifier = await noble.ed25519Verifier(key.signer.publicKey);
    await fc.assert(
      fc.asyncProperty(fc.maxSafeNat(), async (counter) => {
        const decoded = decodeTelemetry(await sealTelemetry(key, message({ counter })));
        assert.ok(decoded.ok);
        assert.equal(decoded.value.header.counter, counter);
        assert.equal(codeOf(await verifyTelemetry(verifier, decoded.value, AUDIENCE)), 'ok');
      }),
      { numRuns: 200 },
    );
  });
});

describe('telemetry profile: the wire shape', () => {
  it('is an untagged COSE_Sign1 [protected {1:-8, 15:{7:cti, ?9:scope}}, {4: kid}, payload, sig]', async () => {
    const key = await keyOf(node);
    const status = readCbor(
      (readCbor(await sealTelemetry(key, message({ scope: 'status' }))) as Uint8Array[])[0] as Uint8Array,
    );
    assert.equal(((status as CborMap).get(15) as CborMap).get(9), 'status', 'a named scope is the scope claim');
    // The default scope, "telemetry", is the absence of the scope claim.
    const bytes = await sealTelemetry(key, message());
    const outer = readCbor(bytes) as CborValue[];
    assert.ok(Array.isArray(outer) && outer.length === 4, 'untagged array of four');
    const [protectedBytes, unprotected, payload, signature] = outer as [Uint8Array, CborMap, Uint8Array, Uint8Array];
    assert.deepEqual(
      readCbor(protectedBytes),
      new Map<number, CborValue>([
        [1, -8],
        [15, new Map<number, CborValue>([[7, readHex('0f4240')]])],
      ]),
    );
    assert.deepEqual(unprotected, new Map([[4, key.kid]]));
    assert.equal(key.kid.length, 6);
    assert.deepEqual(payload, READING);
    assert.equal(signature.length, 64);
  });

  it('costs 88 bytes beyond a 20-byte payload with a counter, 94 with a timestamp, 99 with a 9-character scope', async () => {
    const key = await keyOf(node);
    const overhead = async (changes: Partial<TelemetryMessage>) =>
      (await sealTelemetry(key, message(changes))).length - READING.length;
    // Field by field (BENCHMARKS.md has the table): 1 array + 1 protected bstr head + 10 protected map
    // (1 map, 2 alg, 2 claims head, 5 cti of a 3-byte counter; the default scope costs nothing)
    // + 9 unprotected kid + 1 payload head + 66 signature. A timestamp adds 6 (iat); a named scope
    // 2 plus its length, and once the protected map reaches 24 bytes its head grows by 1.
    assert.equal(await overhead({}), 88);
    assert.equal(await overhead({ timestamp: 1_790_000_000_000 }), 94);
    assert.equal(await overhead({ contentType: 'json' }), 91);
    assert.equal(await overhead({ scope: 't' }), 91);
    assert.equal(await overhead({ scope: 'telemetr2' }), 99);
    assert.equal(await overhead({ scope: 'telemetr2', timestamp: 1_790_000_000_000 }), 106);
    assert.equal(await overhead({ counter: 0 }), 86);
  });

  it('spells every counter in its fewest big-endian bytes and reads it back, 0 to 2^53-1', async () => {
    const key = await keyOf(node);
    const edges = [0, 1, 255, 256, 65_535, 65_536, 2 ** 32 - 1, 2 ** 32, 2 ** 48, Number.MAX_SAFE_INTEGER];
    for (const counter of [...edges, ...fc.sample(fc.maxSafeNat(), 50)]) {
      const decoded = decodeTelemetry(await sealTelemetry(key, message({ counter })));
      assert.ok(decoded.ok, String(counter));
      assert.equal(decoded.value.header.counter, counter);
      const claims = (readCbor(decoded.value.protectedBytes) as CborMap).get(15) as CborMap;
      const cti = claims.get(7) as Uint8Array;
      assert.equal(cti.length, Math.max(1, Math.ceil(Math.log2(counter + 1) / 8)), `${counter} in ${cti.length} bytes`);
    }
  });
});

describe('telemetry profile: the audience is signed, not sent', () => {
  it('a reading verifies only for the audience it was sealed for', async () => {
    const key = await keyOf(node);
    const decoded = decodeTelemetry(await sealTelemetry(key, message()));
    assert.ok(decoded.ok);
    const verifier = await node.ed25519Verifier(key.signer.publicKey);
    assert.equal(codeOf(await verifyTelemetry(verifier, decoded.value, AUDIENCE)), 'ok');
    for (const other of ['acme-fleet2', 'other', 'Acme-fleet']) {
      assert.equal(
        codeOf(await verifyTelemetry(verifier, decoded.value, other)),
        'VERIFICATION_FAILED:SIGNATURE_MISMATCH',
        other,
      );
    }
    assert.ok(!bytesToHex(await sealTelemetry(key, message())).includes(bytesToHex(utf8Encode(AUDIENCE))));
  });

  it('refuses a bad audience or counter as the caller’s mistake', async () => {
    const key = await keyOf(node);
    for (const changes of [{ audience: '' }, { audience: 'a b' }, { counter: -1 }, { counter: 1.5 }, { scope: '' }]) {
      await assert.rejects(async () => sealTelemetry(key, message(changes as Partial<TelemetryMessage>)), {
        name: /XlinkArgumentError|XlinkAgentError/,
      });
    }
  });
});

describe('telemetry profile: strict decoding, one spelling per message', () => {
  /** Re-encodes a sealed message with its parts changed (the signature then no longer matters: decoding comes first). */
  async function variant(
    change: (parts: {
      protected: Map<number, CborValue>;
      claims: Map<number, CborValue>;
      unprotected: Map<number | string, CborValue>;
      payload: CborValue;
      signature: CborValue;
    }) => void,
    tag = false,
  ) {
    const bytes = await sealTelemetry(await keyOf(node), message());
    const [p, u, payload, signature] = readCbor(bytes) as [Uint8Array, CborMap, Uint8Array, Uint8Array];
    const header = new Map(readCbor(p) as Map<number, CborValue>);
    const claims = new Map(header.get(15) as Map<number, CborValue>);
    const parts = {
      protected: header,
      claims,
      unprotected: new Map(u),
      payload: payload as CborValue,
      signature: signature as CborValue,
    };
    change(parts);
    parts.protected.set(15, parts.claims);
    const array: CborValue = [encodeCbor(parts.protected), parts.unprotected, parts.payload, parts.signature];
    return encodeCbor(tag ? new CborTagged(18, array) : array);
  }

  const refusals: Array<[string, Parameters<typeof variant>[0], ErrorCode, boolean?]> = [
    ['tag 18 (the mark of a full envelope)', () => {}, 'PARSE_FAILED:COSE', true],
    ['alg other than EdDSA', (v) => v.protected.set(1, -7), 'ENVELOPE_INVALID:ALGORITHM'],
    ['alg missing', (v) => v.protected.delete(1), 'ENVELOPE_INVALID:ALGORITHM'],
    [
      'content format 42 (bytes is written as no content format)',
      (v) => v.protected.set(3, 42),
      'ENVELOPE_INVALID:MALFORMED',
    ],
    ['an unknown protected label', (v) => v.protected.set(16, 1), 'ENVELOPE_INVALID:MALFORMED'],
    ['a text label', (v) => v.protected.set('from' as unknown as number, 'x'), 'ENVELOPE_INVALID:MALFORMED'],
    ['an unknown claim', (v) => v.claims.set(3, 'aud'), 'ENVELOPE_INVALID:MALFORMED'],
    ['no counter', (v) => v.claims.delete(7), 'ENVELOPE_INVALID:MALFORMED'],
    ['a counter with a leading zero byte', (v) => v.claims.set(7, readHex('000f4240')), 'ENVELOPE_INVALID:MALFORMED'],
    ['a counter as an integer', (v) => v.claims.set(7, 1000000), 'ENVELOPE_INVALID:MALFORMED'],
    ['a counter of 8 bytes', (v) => v.claims.set(7, readHex('0100000000000000')), 'ENVELOPE_INVALID:MALFORMED'],
    ['a counter above 2^53-1', (v) => v.claims.set(7, readHex('20000000000000')), 'ENVELOPE_INVALID:MALFORMED'],
    ['an empty counter', (v) => v.claims.set(7, new Uint8Array(0)), 'ENVELOPE_INVALID:MALFORMED'],
    ['iat as a float', (v) => v.claims.set(6, 1.5), 'ENVELOPE_INVALID:MALFORMED'],
    ['iat negative', (v) => v.claims.set(6, -1), 'ENVELOPE_INVALID:MALFORMED'],
    ['the default scope spelled out', (v) => v.claims.set(9, 'telemetry'), 'ENVELOPE_INVALID:MALFORMED'],
    ['a scope with a space', (v) => v.claims.set(9, 'tele metry'), 'INVALID_SCOPE'],
    [
      'the kid protected instead',
      (v) => {
        v.protected.set(4, v.unprotected.get(4) as CborValue);
        v.unprotected.delete(4);
      },
      'ENVELOPE_INVALID:MALFORMED',
    ],
    ['a kid of 8 bytes', (v) => v.unprotected.set(4, new Uint8Array(8)), 'ENVELOPE_INVALID:LENGTH'],
    ['a text kid', (v) => v.unprotected.set(4, 'kid'), 'ENVELOPE_INVALID:MALFORMED'],
    ['an extra unprotected label', (v) => v.unprotected.set(5, new Uint8Array(12)), 'ENVELOPE_INVALID:MALFORMED'],
    ['alg in both headers', (v) => v.unprotected.set(1, -8), 'PARSE_FAILED:COSE'],
    [
      'a short signature',
      (v) => {
        v.signature = new Uint8Array(63);
      },
      'ENVELOPE_INVALID:LENGTH',
    ],
    [
      'a detached payload',
      (v) => {
        v.payload = null;
      },
      'PARSE_FAILED:COSE',
    ],
  ];
  for (const [what, change, code, tagged] of refusals) {
    it(`${what} → ${code}`, async () => {
      assert.equal(codeOf(decodeTelemetry(await variant(change, tagged))), code);
    });
  }

  it('non-deterministic CBOR (a length in a longer form than needed) → PARSE_FAILED:CBOR', async () => {
    const bytes = await sealTelemetry(await keyOf(node), message());
    const longForm = concatBytes(Uint8Array.of(0x98, 0x04), bytes.subarray(1)); // array(4) spelled 98 04
    assert.equal(codeOf(decodeTelemetry(longForm)), 'PARSE_FAILED:CBOR');
  });

  it('a full envelope is never taken for telemetry, nor telemetry for a full envelope', async () => {
    const key = await keyOf(node);
    const did = didFromEd25519PublicKey(key.signer.publicKey);
    const full = await signEnvelope(
      { did, signer: key.signer },
      { to: did, scope: 'telemetry', payload: READING, counter: 1 },
      { crypto: node },
    );
    assert.ok(full.ok);
    const compact = encodeEnvelope(full.value, 'compact');
    assert.equal(codeOf(decodeTelemetry(compact)), 'PARSE_FAILED:COSE');
    assert.equal(codeOf(decodeTelemetry(compact.subarray(1))), 'ENVELOPE_INVALID:MALFORMED');
    const telemetry = await sealTelemetry(key, message());
    assert.equal(codeOf(decodeEnvelope(telemetry)), 'PARSE_FAILED:COSE');
    assert.equal(codeOf(decodeEnvelope(concatBytes(Uint8Array.of(0xd2), telemetry))), 'ENVELOPE_INVALID:MALFORMED');
  });

  it('never throws, whatever the bytes (fast-check over mutations of a real message and over noise)', async () => {
    const bytes = await sealTelemetry(
      await keyOf(node),
      message({ timestamp: 1_790_000_000_000, contentType: 'cbor' }),
    );
    fc.assert(
      fc.property(
        fc.oneof(
          fc.uint8Array({ maxLength: 200 }),
          fc.tuple(fc.nat(bytes.length - 1), fc.nat(255)).map(([at, value]) => {
            const copy = bytes.slice();
            copy[at] = value;
            return copy;
          }),
          fc.nat(bytes.length).map((cut) => bytes.subarray(0, cut)),
        ),
        (input) => {
          const decoded = decodeTelemetry(input);
          assert.ok(decoded.ok || typeof decoded.error.code === 'string');
        },
      ),
      { numRuns: 3000 },
    );
  });
});

describe('telemetry profile: an independent COSE implementation verifies it', () => {
  it('@auth0/cose (jose over node:crypto) decodes our bytes as COSE_Sign1 and verifies with the audience as external AAD', async () => {
    const key = await keyOf(node);
    const publicKey = createPublicKey({
      key: { kty: 'OKP', crv: 'Ed25519', x: Buffer.from(key.signer.publicKey).toString('base64url') },
      format: 'jwk',
    });
    for (const changes of [{}, { timestamp: 1_790_000_000_000, contentType: 'json' as const }, { counter: 0 }]) {
      const bytes = await sealTelemetry(key, message(changes));
      const decoded = Sign1.decode(bytes);
      assert.equal(decoded.alg, -8);
      assert.deepEqual(new Uint8Array(decoded.kid as Uint8Array), key.kid);
      await decoded.verify(publicKey, { externalAAD: utf8Encode(AUDIENCE) });
      await assert.rejects(decoded.verify(publicKey, { externalAAD: utf8Encode('another-fleet') }));
      await assert.rejects(decoded.verify(publicKey));
    }
    const other = createPublicKey({
      key: {
        kty: 'OKP',
        crv: 'Ed25519',
        x: Buffer.from((await keyOf(node, new Uint8Array(32))).signer.publicKey).toString('base64url'),
      },
      format: 'jwk',
    });
    await assert.rejects(
      Sign1.decode(await sealTelemetry(key, message())).verify(other, { externalAAD: utf8Encode(AUDIENCE) }),
    );
  });
});

describe('telemetry profile: the hand-framed header', () => {
  it('is byte for byte what the generic deterministic encoder writes, for any message (fast-check)', () => {
    const fakeKey = {
      kid: new Uint8Array(6).fill(7),
      signer: { publicKey: new Uint8Array(32), sign: () => new Uint8Array(64) },
    };
    const scopeChar = fc.constantFrom(...'abcXYZ019._:/-');
    fc.assert(
      fc.property(
        fc.record({
          scope: fc.oneof(fc.constant('telemetry'), fc.string({ unit: scopeChar, minLength: 1, maxLength: 64 })),
          counter: fc.oneof(fc.integer({ min: 0, max: 300 }), fc.maxSafeNat()),
          timestamp: fc.option(fc.maxSafeNat(), { nil: undefined }),
          contentType: fc.constantFrom('bytes', 'json', 'cbor', undefined),
        }),
        ({ scope, counter, timestamp, contentType }) => {
          const sealed = sealTelemetry(fakeKey, {
            audience: AUDIENCE,
            scope,
            counter,
            payload: READING,
            ...(timestamp === undefined ? {} : { timestamp }),
            ...(contentType === undefined ? {} : { contentType }),
          });
          const [protectedBytes, unprotected] = readCbor(sealed) as [Uint8Array, CborMap];
          let cti: Uint8Array = new Uint8Array(0);
          for (let rest = counter, first = true; first || rest > 0; rest = Math.floor(rest / 256), first = false) {
            cti = concatBytes(Uint8Array.of(rest % 256), cti);
          }
          const claims = new Map<number, CborValue>([[7, cti]]);
          if (timestamp !== undefined) claims.set(6, Math.floor(timestamp / 1000));
          if (scope !== 'telemetry') claims.set(9, scope);
          const header = new Map<number, CborValue>([
            [1, -8],
            [15, claims],
          ]);
          if (contentType === 'json') header.set(3, 50);
          if (contentType === 'cbor') header.set(3, 60);
          assert.equal(bytesToHex(protectedBytes), bytesToHex(encodeCbor(header)));
          assert.deepEqual(unprotected, new Map([[4, fakeKey.kid]]));
        },
      ),
      { numRuns: 500 },
    );
  });
});
