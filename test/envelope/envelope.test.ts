// Seal and open every envelope version through both encodings and every
// backend; cross-backend interop (sealed by one, opened by another); the
// shape of the wire formats; content types; and the signed bytes being
// exactly the COSE Sig_structure (RFC 9052 §4.4), checked with @noble/curves.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ed25519 } from '@noble/curves/ed25519.js';
import { utf8Encode } from '../../src/codec/bytes.js';
import { encodeCbor, readCbor } from '../../src/codec/cbor.js';
import type { CryptoProvider } from '../../src/crypto/provider.js';
import { envelopeFromCompact } from '../../src/envelope/compact-encoding.js';
import { decodeEnvelope } from '../../src/envelope/decode.js';
import { decryptEnvelope } from '../../src/envelope/decrypt.js';
import { encodeEnvelope } from '../../src/envelope/encode.js';
import { type Envelope, envelopeSignedBytes } from '../../src/envelope/envelope.js';
import { envelopeFromJson } from '../../src/envelope/json-encoding.js';
import { openEnvelope } from '../../src/envelope/open.js';
import { sealEnvelope } from '../../src/envelope/seal.js';
import { type EnvelopeSender, signEnvelope } from '../../src/envelope/sign.js';
import { verifyEnvelope } from '../../src/envelope/verify.js';
import { type GeneratedIdentity, generateIdentity } from '../../src/identity/derive.js';
import { backends } from '../helpers/backends.js';

const [nodeCrypto] = backends as [CryptoProvider];

async function identity(crypto: CryptoProvider): Promise<GeneratedIdentity> {
  const made = await generateIdentity({ crypto });
  assert.ok(made.ok);
  return made.value;
}

async function senderOf(id: GeneratedIdentity, crypto: CryptoProvider, postQuantum = false): Promise<EnvelopeSender> {
  const signer = await crypto.ed25519Signer(id.ed25519.secretKey);
  return postQuantum ? { did: id.did, signer, mlDsa65SecretKey: id.mlDsa65.secretKey } : { did: id.did, signer };
}

async function senderKeys(id: GeneratedIdentity, crypto: CryptoProvider, postQuantum: boolean) {
  return {
    did: id.did,
    verifier: await crypto.ed25519Verifier(id.ed25519.publicKey),
    ...(postQuantum ? { mlDsa65PublicKey: id.mlDsa65.publicKey } : {}),
  };
}

async function recipientOf(id: GeneratedIdentity, crypto: CryptoProvider) {
  return { did: id.did, x25519: await crypto.x25519PrivateKey(id.x25519.secretKey), mlKem768: id.mlKem768 };
}

async function seal(
  version: 'v1' | 'v2' | 'v3',
  sender: GeneratedIdentity,
  recipient: GeneratedIdentity,
  payload: Uint8Array,
  crypto: CryptoProvider,
): Promise<Envelope> {
  const sealed = await sealEnvelope(
    await senderOf(sender, crypto, true),
    {
      did: recipient.did,
      x25519PublicKey: recipient.x25519.publicKey,
      mlKem768PublicKey: recipient.mlKem768.publicKey,
    },
    {
      version,
      scope: 'chat',
      timestamp: 1_790_000_000_000,
      supportedVersions: ['signed', 'v1', 'v2', 'v3'],
      payload,
      contentType: 'json',
    },
    { crypto },
  );
  assert.ok(sealed.ok, sealed.ok ? '' : sealed.error.message);
  return sealed.value;
}

for (const crypto of backends) {
  test(`${crypto.name}: v1, v2 and v3 round-trip through JSON and compact, and open with another backend`, async () => {
    const alice = await identity(crypto);
    const bob = await identity(crypto);
    const plaintext = utf8Encode('{"text":"Hello Bob!"}');
    for (const version of ['v1', 'v2', 'v3'] as const) {
      const envelope = await seal(version, alice, bob, plaintext, crypto);
      for (const wire of [
        encodeEnvelope(envelope, 'json'),
        JSON.stringify(encodeEnvelope(envelope, 'json')),
        encodeEnvelope(envelope, 'compact'),
      ]) {
        const decoded = decodeEnvelope(wire);
        assert.ok(decoded.ok, decoded.ok ? '' : decoded.error.message);
        const received = decoded.value.envelope;
        assert.deepEqual(received.protectedBytes, envelope.protectedBytes);
        for (const opener of backends) {
          const verified = await verifyEnvelope(await senderKeys(alice, opener, version === 'v3'), received, {
            crypto: opener,
          });
          assert.ok(verified.ok, `${version} verify with ${opener.name}`);
          const opened = await decryptEnvelope(await recipientOf(bob, opener), received, { crypto: opener });
          assert.ok(opened.ok, `${version} decrypt with ${opener.name}`);
          assert.deepEqual(opened.value, plaintext);
        }
      }
    }
  });
}

test('signed-only envelopes verify knowing only the DID, with and without ML-DSA-65', async () => {
  const sensor = await identity(nodeCrypto);
  const gateway = await identity(nodeCrypto);
  const reading = utf8Encode('{"temp":22.5}');
  const plain = await signEnvelope(
    await senderOf(sensor, nodeCrypto),
    { to: gateway.did, scope: 'telemetry', payload: reading, contentType: 'json', timestamp: 1_790_000_000_000 },
    { crypto: nodeCrypto },
  );
  assert.ok(plain.ok);
  assert.equal(plain.value.header.contentType, 'json');
  const opened = await openEnvelope(encodeEnvelope(plain.value, 'compact'), { crypto: nodeCrypto });
  assert.ok(opened.ok);
  assert.equal(opened.value.encrypted, false);
  assert.deepEqual(opened.value.payload, reading);

  const dual = await signEnvelope(
    await senderOf(sensor, nodeCrypto, true),
    { to: gateway.did, scope: 'telemetry', payload: reading, counter: 7 },
    { crypto: nodeCrypto },
  );
  assert.ok(dual.ok);
  assert.equal(dual.value.header.timestamp, undefined);
  assert.equal(dual.value.header.counter, 7);
  assert.equal(dual.value.header.contentType, 'bytes');
  const both = await openEnvelope(encodeEnvelope(dual.value, 'json'), {
    crypto: nodeCrypto,
    mlDsa65PublicKey: sensor.mlDsa65.publicKey,
  });
  assert.ok(both.ok);
  const stripped = { ...encodeEnvelope(dual.value, 'json') } as Record<string, unknown>;
  delete stripped.pqsig;
  const refused = await openEnvelope(stripped, { crypto: nodeCrypto, mlDsa65PublicKey: sensor.mlDsa65.publicKey });
  assert.equal(refused.ok ? 'accepted' : refused.error.code, 'DOWNGRADE_DETECTED:STRIPPED');
});

test('signEnvelope refuses a signer whose key is not the sender DID’s', async () => {
  const sensor = await identity(nodeCrypto);
  const other = await identity(nodeCrypto);
  const created = await signEnvelope(
    { did: sensor.did, signer: await nodeCrypto.ed25519Signer(other.ed25519.secretKey) },
    { to: other.did, scope: 'telemetry', payload: new Uint8Array(1), timestamp: 1 },
    { crypto: nodeCrypto },
  );
  assert.equal(created.ok ? 'accepted' : created.error.code, 'INVALID_ARGUMENT');
});

test('the content type is signed: COSE label 3 holds 50 (JSON) or 60 (CBOR), absent for bytes, "cty" in JSON', async () => {
  const sensor = await identity(nodeCrypto);
  const sender = await senderOf(sensor, nodeCrypto);
  const formats: Array<['json' | 'cbor' | 'bytes', number | undefined]> = [
    ['json', 50],
    ['cbor', 60],
    ['bytes', undefined],
  ];
  for (const [contentType, format] of formats) {
    const signed = await signEnvelope(
      sender,
      { to: sensor.did, scope: 'telemetry', payload: new Uint8Array(2), contentType, timestamp: 1 },
      { crypto: nodeCrypto },
    );
    assert.ok(signed.ok);
    const header = readCbor(signed.value.protectedBytes) as Map<number | string, unknown>;
    assert.equal(header.get(3), format, contentType);
    const json = encodeEnvelope(signed.value, 'json');
    assert.equal(json.cty, contentType === 'bytes' ? undefined : contentType);
    const back = decodeEnvelope(json);
    assert.ok(back.ok);
    assert.equal(back.value.envelope.header.contentType, contentType);
    assert.deepEqual(back.value.envelope.protectedBytes, signed.value.protectedBytes);
  }
  const signed = await signEnvelope(
    sender,
    { to: sensor.did, scope: 'telemetry', payload: new Uint8Array(2), contentType: 'json', timestamp: 1 },
    { crypto: nodeCrypto },
  );
  assert.ok(signed.ok);
  for (const cty of ['bytes', 'JSON', 50]) {
    const decoded = decodeEnvelope({ ...encodeEnvelope(signed.value, 'json'), cty });
    assert.equal(decoded.ok ? 'accepted' : decoded.error.code, 'ENVELOPE_INVALID:MALFORMED', String(cty));
  }
});

test('a full envelope is always tagged 18: the untagged spelling is refused, it is the telemetry profile', async () => {
  const alice = await identity(nodeCrypto);
  const envelope = await seal('v1', alice, alice, utf8Encode('{}'), nodeCrypto);
  const compact = encodeEnvelope(envelope, 'compact');
  assert.equal(compact[0], 0xd2);
  const decoded = decodeEnvelope(compact.subarray(1));
  assert.equal(decoded.ok ? 'accepted' : decoded.error.code, 'PARSE_FAILED:COSE');
});

test('the signature covers the COSE Sig_structure of the protected header and body, checked by @noble/curves', async () => {
  const alice = await identity(nodeCrypto);
  const bob = await identity(nodeCrypto);
  const envelope = await seal('v2', alice, bob, utf8Encode('{}'), nodeCrypto);
  const expected = encodeCbor(['Signature1', envelope.protectedBytes, new Uint8Array(0), envelope.body]);
  assert.deepEqual(envelopeSignedBytes(envelope), expected);
  assert.ok(ed25519.verify(envelope.signature, expected, alice.ed25519.publicKey));
  // The compact form is COSE_Sign1: tag 18 around [protected, {}, payload, signature].
  const compact = readCbor(encodeEnvelope(envelope, 'compact'), { maxDepth: 4 }) as { tag: number; value: unknown[] };
  assert.equal(compact.tag, 18);
  assert.deepEqual(compact.value[0], envelope.protectedBytes);
  assert.equal((compact.value[1] as Map<unknown, unknown>).size, 0);
  assert.deepEqual(compact.value[2], envelope.body);
  assert.deepEqual(compact.value[3], envelope.signature);
});

test('JSON and compact forms carry the same logical envelope; JSON key order does not matter', async () => {
  const alice = await identity(nodeCrypto);
  const bob = await identity(nodeCrypto);
  const envelope = await seal('v3', alice, bob, utf8Encode('[1,2,3]'), nodeCrypto);
  const json = encodeEnvelope(envelope, 'json');
  assert.deepEqual(Object.keys(json), [
    'v',
    'alg',
    'from',
    'to',
    'scope',
    'cty',
    'ts',
    'nonce',
    'sv',
    'epk',
    'iv',
    'kem',
    'ct',
    'sig',
    'pqsig',
  ]);
  const reversed = Object.fromEntries(Object.entries(json).reverse());
  const fromJson = envelopeFromJson(reversed);
  const fromCompact = envelopeFromCompact(encodeEnvelope(envelope, 'compact'), 262144);
  assert.deepEqual(fromJson, fromCompact);
  assert.deepEqual(fromJson.protectedBytes, envelope.protectedBytes);
});

test('encrypting to a recipient without an X25519 key fails; there is no fallback key', async () => {
  const alice = await identity(nodeCrypto);
  const sealed = await sealEnvelope(
    await senderOf(alice, nodeCrypto),
    { did: alice.did },
    { version: 'v1', scope: 'chat', timestamp: 1, supportedVersions: ['signed', 'v1'], payload: new Uint8Array(3) },
    { crypto: nodeCrypto },
  );
  assert.equal(sealed.ok ? 'sealed' : sealed.error.code, 'ENCRYPT_FAILED:NO_X25519_KEY');
});

test('an unknown content type is refused at sealing, not sent as opaque bytes', async () => {
  const sensor = await identity(nodeCrypto);
  const gateway = await identity(nodeCrypto);
  const payload = utf8Encode('<temp>22.5</temp>');
  const contentType = 'xml' as unknown as 'json';
  const signed = await signEnvelope(
    await senderOf(sensor, nodeCrypto),
    { to: gateway.did, scope: 'telemetry', payload, contentType, timestamp: 1_790_000_000_000 },
    { crypto: nodeCrypto },
  );
  assert.ok(!signed.ok);
  assert.equal(signed.error.code, 'INVALID_ARGUMENT');
  assert.match(signed.error.message, /"contentType" expected "json", "cbor" or "bytes", got "xml"/);
  const sealed = await sealEnvelope(
    await senderOf(sensor, nodeCrypto),
    { did: gateway.did, x25519PublicKey: gateway.x25519.publicKey },
    {
      version: 'v1',
      scope: 'telemetry',
      payload,
      contentType,
      timestamp: 1_790_000_000_000,
      supportedVersions: ['signed', 'v1'],
    },
    { crypto: nodeCrypto },
  );
  assert.ok(!sealed.ok);
  assert.equal(sealed.error.code, 'INVALID_ARGUMENT');
});
