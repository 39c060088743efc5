import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { concatBytes, utf8Encode } from '../../src/codec/bytes.js';
import { type CborValue, encodeCbor, readCbor } from '../../src/codec/cbor.js';
import { createNobleCrypto } from '../../src/crypto/noble/index.js';
import type { CryptoProvider } from '../../src/crypto/provider.js';
import { isXlinkError, type Result } from '../../src/errors.js';
import { type Identity, identityFromSeed } from '../../src/identity/derive.js';
import {
  createIdentityDocument,
  type EnvelopeVersion,
  IDENTITY_DOCUMENT_DOMAIN,
  type IdentityDocument,
  identityDocumentFromJson,
  identityDocumentToJson,
  type SignedIdentityDocument,
  verifyIdentityDocument,
} from '../../src/identity/document.js';
import { webRandomSource } from '../../src/platform/random.js';
import { backends } from '../helpers/backends.js';
import { ed25519Sign } from '../helpers/one-shot.js';

const noble = createNobleCrypto({ random: webRandomSource(globalThis.crypto) });
const node = backends.find((b) => b.name === 'node') as CryptoProvider;
const ALL: EnvelopeVersion[] = ['signed', 'v1', 'v2', 'v3'];
const ISSUED_AT = 1_767_225_600_000; // 2026-01-01T00:00:00Z

let alice: Identity;
let bob: Identity;
let mallory: Identity;

before(async () => {
  [alice, bob, mallory] = (await Promise.all([1, 2, 3].map((fill) => identityOf(fill)))) as [
    Identity,
    Identity,
    Identity,
  ];
});

async function identityOf(fill: number): Promise<Identity> {
  const result = await identityFromSeed(new Uint8Array(32).fill(fill), { crypto: noble });
  assert.ok(result.ok);
  return result.value;
}

function create(
  identity: Identity,
  options: { versions?: EnvelopeVersion[]; sequence?: number; postQuantumSig?: boolean; crypto?: CryptoProvider } = {},
): Promise<SignedIdentityDocument> {
  const { versions = ALL, sequence = 1, crypto = node, postQuantumSig } = options;
  return createIdentityDocument(identity, {
    crypto,
    versions,
    sequence,
    issuedAt: ISSUED_AT,
    ...(postQuantumSig === undefined ? {} : { postQuantumSig }),
  });
}

function verify(
  doc: SignedIdentityDocument,
  options: { did?: string; previous?: IdentityDocument; crypto?: CryptoProvider } = {},
): Promise<Result<IdentityDocument>> {
  return verifyIdentityDocument(doc, { crypto: node, ...options });
}

async function verified(doc: SignedIdentityDocument): Promise<IdentityDocument> {
  const result = await verify(doc);
  assert.ok(result.ok, result.ok ? '' : result.error.message);
  return result.value;
}

function codeOf(result: Result<unknown>): string {
  return result.ok ? 'accepted' : result.error.code;
}

function fieldsOf(doc: SignedIdentityDocument): Map<string, CborValue> {
  return readCbor(doc.body) as Map<string, CborValue>;
}

function signingMessage(body: Uint8Array): Uint8Array {
  return concatBytes(utf8Encode(IDENTITY_DOCUMENT_DOMAIN), Uint8Array.of(0), body);
}

/**
 * Signs arbitrary body bytes the way a document is signed, so a test can show
 * the verifier refusing the content itself rather than a broken signature.
 */
async function signBody(body: Uint8Array, signer: Identity, mlDsaSigner?: Identity): Promise<SignedIdentityDocument> {
  const message = signingMessage(body);
  const signature = await ed25519Sign(node, signer.ed25519.secretKey, message);
  if (mlDsaSigner === undefined) return { body, signature };
  return { body, signature, mlDsaSignature: await node.mlDsa65Sign(mlDsaSigner.mlDsa65.secretKey, message) };
}

/** Alice's fields with `change` applied, re-encoded canonically and signed by Alice (both keys when listed). */
async function alteredDocument(change: (fields: Map<string, CborValue>) => void): Promise<SignedIdentityDocument> {
  const fields = fieldsOf(await create(alice));
  change(fields);
  return signBody(encodeCbor(fields), alice, fields.has('mlDsa65') ? alice : undefined);
}

function replaceOnce(bytes: Uint8Array, find: Uint8Array, replacement: Uint8Array): Uint8Array {
  for (let i = 0; i + find.length <= bytes.length; i++) {
    if (find.every((byte, k) => bytes[i + k] === byte)) {
      return concatBytes(bytes.subarray(0, i), replacement, bytes.subarray(i + find.length));
    }
  }
  throw new Error('pattern not found');
}

describe('identity document round trip', () => {
  for (const creator of backends) {
    it(`created with ${creator.name}, verified by every backend`, async () => {
      const doc = await create(alice, { crypto: creator, versions: ['v2', 'signed', 'v3', 'v1'], sequence: 7 });
      for (const verifier of backends) {
        const result = await verify(doc, { crypto: verifier, did: alice.did });
        assert.ok(result.ok, `${verifier.name}: ${result.ok ? '' : result.error.message}`);
        assert.deepEqual(result.value, {
          did: alice.did,
          ed25519PublicKey: alice.ed25519.publicKey,
          x25519PublicKey: alice.x25519.publicKey,
          mlKem768PublicKey: alice.mlKem768.publicKey,
          mlDsa65PublicKey: alice.mlDsa65.publicKey,
          versions: ALL,
          sequence: 7,
          issuedAt: ISSUED_AT,
        });
      }
    });
  }

  it('without post-quantum signing: no ML-DSA key, no ML-DSA signature', async () => {
    const doc = await create(alice, { versions: ['signed', 'v1', 'v2'] });
    assert.equal(doc.mlDsaSignature, undefined);
    const value = await verified(doc);
    assert.ok(!('mlDsa65PublicKey' in value));
    assert.deepEqual([...fieldsOf(doc).keys()].sort(), [
      'did',
      'issuedAt',
      'mlKem768',
      'sequence',
      'versions',
      'x25519',
    ]);
  });

  it('postQuantumSig without v3 lists and proves the ML-DSA key all the same', async () => {
    const doc = await create(alice, { versions: ['signed', 'v1'], postQuantumSig: true });
    assert.equal(doc.mlDsaSignature?.length, 3309);
    const value = await verified(doc);
    assert.deepEqual(value.mlDsa65PublicKey, alice.mlDsa65.publicKey);
    assert.deepEqual(value.versions, ['signed', 'v1']);
  });

  it('accepts the largest safe sequence and issuedAt', async () => {
    const doc = await createIdentityDocument(alice, {
      crypto: node,
      versions: ['signed'],
      sequence: Number.MAX_SAFE_INTEGER,
      issuedAt: Number.MAX_SAFE_INTEGER,
    });
    const value = await verified(doc);
    assert.equal(value.sequence, Number.MAX_SAFE_INTEGER);
    assert.equal(value.issuedAt, Number.MAX_SAFE_INTEGER);
  });

  it('survives the JSON form, as one JSONL line, with and without the ML-DSA signature', async () => {
    for (const doc of [await create(alice), await create(alice, { versions: ['signed', 'v1'] })]) {
      const json = identityDocumentToJson(doc);
      const line = JSON.stringify(json);
      assert.ok(!line.includes('\n'));
      assert.deepEqual(
        Object.keys(json),
        doc.mlDsaSignature ? ['body', 'signature', 'mlDsaSignature'] : ['body', 'signature'],
      );
      const back = identityDocumentFromJson(JSON.parse(line));
      assert.ok(back.ok);
      assert.deepEqual(back.value, doc);
      assert.ok((await verify(back.value, { did: alice.did })).ok);
    }
  });
});

describe('identity document attacks', () => {
  it('every single-byte change of the body is refused (node backend, all bytes)', async () => {
    const doc = await create(alice);
    const codes = new Map<string, number>();
    for (let i = 0; i < doc.body.length; i++) {
      const body = doc.body.slice();
      body[i] = (body[i] as number) ^ 0x01;
      const code = codeOf(await verify({ ...doc, body }));
      assert.match(code, /^IDENTITY_DOCUMENT_INVALID:/, `byte ${i} of ${doc.body.length}`);
      codes.set(code, (codes.get(code) ?? 0) + 1);
    }
    console.log(`body bit flips: ${doc.body.length} refused`, Object.fromEntries(codes));
  });

  it('sampled body changes are refused by the other backends too', async () => {
    const doc = await create(alice);
    for (const crypto of backends) {
      for (let i = 0; i < doc.body.length; i += 97) {
        const body = doc.body.slice();
        body[i] = (body[i] as number) ^ 0x80;
        assert.match(
          codeOf(await verify({ ...doc, body }, { crypto })),
          /^IDENTITY_DOCUMENT_INVALID:/,
          `${crypto.name} byte ${i}`,
        );
      }
    }
  });

  it('every single-byte change of the Ed25519 signature is refused as SIGNATURE, by every backend', async () => {
    const doc = await create(alice, { versions: ['signed', 'v1', 'v2'] });
    for (const crypto of backends) {
      for (let i = 0; i < doc.signature.length; i++) {
        const signature = doc.signature.slice();
        signature[i] = (signature[i] as number) ^ 0x01;
        assert.equal(codeOf(await verify({ ...doc, signature }, { crypto })), 'IDENTITY_DOCUMENT_INVALID:SIGNATURE');
      }
    }
  });

  it('changes across the ML-DSA signature are refused as SIGNATURE', async () => {
    const doc = await create(alice);
    const mlDsaSignature = doc.mlDsaSignature as Uint8Array;
    for (const i of [0, 1, 640, 1500, 3000, 3308]) {
      const altered = mlDsaSignature.slice();
      altered[i] = (altered[i] as number) ^ 0x01;
      assert.equal(
        codeOf(await verify({ ...doc, mlDsaSignature: altered })),
        'IDENTITY_DOCUMENT_INVALID:SIGNATURE',
        `${i}`,
      );
    }
  });

  it('key substitution: another identity’s X25519 or ML-KEM key in Alice’s signed body is refused', async () => {
    const doc = await create(alice);
    for (const [field, key] of [
      ['x25519', mallory.x25519.publicKey],
      ['mlKem768', mallory.mlKem768.publicKey],
      ['mlDsa65', mallory.mlDsa65.publicKey],
    ] as const) {
      const fields = fieldsOf(doc);
      fields.set(field, key);
      const swapped = { ...doc, body: encodeCbor(fields) };
      assert.equal(codeOf(await verify(swapped, { did: alice.did })), 'IDENTITY_DOCUMENT_INVALID:SIGNATURE', field);
    }
  });

  it('key substitution re-signed by the attacker: her signature does not make it Alice’s', async () => {
    const fields = fieldsOf(await create(alice, { versions: ['signed', 'v1', 'v2'] }));
    fields.set('x25519', mallory.x25519.publicKey);
    const forged = await signBody(encodeCbor(fields), mallory);
    assert.equal(codeOf(await verify(forged)), 'IDENTITY_DOCUMENT_INVALID:SIGNATURE');
    // Her own document is valid, but not as Alice's.
    const own = await create(mallory);
    assert.ok((await verify(own)).ok);
    assert.equal(codeOf(await verify(own, { did: alice.did })), 'IDENTITY_DOCUMENT_INVALID:SIGNATURE');
  });

  it('stripping the ML-DSA signature while v3 is listed is refused as VERSIONS', async () => {
    const { body, signature } = await create(alice);
    assert.equal(codeOf(await verify({ body, signature })), 'IDENTITY_DOCUMENT_INVALID:VERSIONS');
  });

  it('stripping it when the ML-DSA key is listed without v3 is refused as SIGNATURE (no proof of possession)', async () => {
    const { body, signature } = await create(alice, { versions: ['signed', 'v1'], postQuantumSig: true });
    assert.equal(codeOf(await verify({ body, signature })), 'IDENTITY_DOCUMENT_INVALID:SIGNATURE');
  });

  it('listing someone else’s ML-DSA key fails: the listed key must sign', async () => {
    const forged = await alteredDocument((fields) => fields.set('mlDsa65', bob.mlDsa65.publicKey));
    assert.equal(codeOf(await verify(forged)), 'IDENTITY_DOCUMENT_INVALID:SIGNATURE');
    // An ML-DSA signature lifted from Bob's own document signs other bytes.
    const lifted = { ...forged, mlDsaSignature: (await create(bob)).mlDsaSignature as Uint8Array };
    assert.equal(codeOf(await verify(lifted)), 'IDENTITY_DOCUMENT_INVALID:SIGNATURE');
  });

  it('replay: a sequence not larger than the previous document’s is refused as SEQUENCE', async () => {
    const previous = await verified(await create(alice, { sequence: 5 }));
    assert.equal(
      codeOf(await verify(await create(alice, { sequence: 4 }), { previous })),
      'IDENTITY_DOCUMENT_INVALID:SEQUENCE',
    );
    assert.equal(
      codeOf(await verify(await create(alice, { sequence: 5 }), { previous })),
      'IDENTITY_DOCUMENT_INVALID:SEQUENCE',
    );
    assert.equal(
      codeOf(await verify(await create(alice, { sequence: 0 }), { previous })),
      'IDENTITY_DOCUMENT_INVALID:SEQUENCE',
    );
    const next = await verify(await create(alice, { sequence: 6 }), { previous });
    assert.equal(codeOf(next), 'accepted');
  });

  it('a document signed by A presented as B’s is refused as SIGNATURE', async () => {
    const docA = await create(alice, { sequence: 9 });
    const previousB = await verified(await create(bob, { sequence: 1 }));
    assert.equal(codeOf(await verify(docA, { did: bob.did })), 'IDENTITY_DOCUMENT_INVALID:SIGNATURE');
    assert.equal(codeOf(await verify(docA, { previous: previousB })), 'IDENTITY_DOCUMENT_INVALID:SIGNATURE');
    // B's DID written into A's body, signed by A: the DID's key did not sign it.
    const claimed = await alteredDocument((fields) => fields.set('did', bob.did));
    assert.equal(codeOf(await verify(claimed, { did: bob.did })), 'IDENTITY_DOCUMENT_INVALID:SIGNATURE');
  });

  it('domain separation: a signature over the body without the document prefix does not verify', async () => {
    const doc = await create(alice, { versions: ['signed', 'v1', 'v2'] });
    const prefix = utf8Encode(IDENTITY_DOCUMENT_DOMAIN);
    for (const message of [
      doc.body,
      concatBytes(prefix, doc.body),
      concatBytes(utf8Encode('xlink envelope v1'), Uint8Array.of(0), doc.body),
    ]) {
      const signature = await ed25519Sign(node, alice.ed25519.secretKey, message);
      assert.equal(codeOf(await verify({ body: doc.body, signature })), 'IDENTITY_DOCUMENT_INVALID:SIGNATURE');
    }
  });
});

describe('identity document strictness (each defect re-signed, so the content itself is refused)', () => {
  const MALFORMED = 'IDENTITY_DOCUMENT_INVALID:MALFORMED';
  const VERSIONS = 'IDENTITY_DOCUMENT_INVALID:VERSIONS';

  async function refusedAs(change: (fields: Map<string, CborValue>) => void, code: string): Promise<void> {
    const result = await verify(await alteredDocument(change));
    assert.equal(codeOf(result), code, result.ok ? '' : result.error.message);
  }

  it('the re-signing helper itself yields accepted documents, so refusals below are about content', async () => {
    assert.equal(codeOf(await verify(await alteredDocument(() => undefined))), 'accepted');
    assert.equal(codeOf(await verify(await alteredDocument((f) => f.set('sequence', 99)))), 'accepted');
  });

  it('exact key set: an extra, a missing or a non-text key is MALFORMED', async () => {
    await refusedAs((f) => f.set('note', 'hi'), MALFORMED);
    await refusedAs((f) => f.delete('issuedAt'), MALFORMED);
    await refusedAs((f) => f.delete('did'), MALFORMED);
    await refusedAs((f) => (f as Map<string | number, CborValue>).set(1, 0), MALFORMED);
  });

  it('exact key lengths and types are MALFORMED', async () => {
    await refusedAs((f) => f.set('x25519', alice.x25519.publicKey.subarray(1)), MALFORMED);
    await refusedAs((f) => f.set('x25519', 'key'), MALFORMED);
    await refusedAs((f) => f.set('mlKem768', alice.mlKem768.publicKey.subarray(1)), MALFORMED);
    await refusedAs((f) => f.set('mlDsa65', alice.mlDsa65.publicKey.subarray(1)), MALFORMED);
    await refusedAs((f) => f.set('did', 7), MALFORMED);
    await refusedAs((f) => f.set('sequence', -1), MALFORMED);
    await refusedAs((f) => f.set('sequence', 1.5), MALFORMED);
    await refusedAs((f) => f.set('issuedAt', '2026-01-01'), MALFORMED);
  });

  it('a DID that is not an Ed25519 did:key, or a DID URL, is MALFORMED', async () => {
    await refusedAs((f) => f.set('did', 'did:key:z6LShs9GGnqk85isEBzzshkuVWrVKsRp24GnDuHk8QWkARMW'), MALFORMED);
    await refusedAs((f) => f.set('did', `${alice.did}#key-1`), MALFORMED);
  });

  it('an X25519 key off the curve (twist, u = 2) or non-canonical (u = p) is MALFORMED', async () => {
    const twist = new Uint8Array(32);
    twist[0] = 2;
    const uIsP = Uint8Array.of(0xed, ...new Uint8Array(30).fill(0xff), 0x7f);
    await refusedAs((f) => f.set('x25519', twist), MALFORMED);
    await refusedAs((f) => f.set('x25519', uIsP), MALFORMED);
  });

  it('an ML-KEM-768 key failing the FIPS 203 modulus check is MALFORMED, as encapsulation would refuse it', async () => {
    const bad = alice.mlKem768.publicKey.slice();
    bad[0] = 0xff;
    bad[1] = (bad[1] as number) | 0x0f; // first 12-bit coefficient = 4095 >= q
    await assert.rejects(
      async () => node.mlKem768Encapsulate(bad),
      (e: unknown) => isXlinkError(e) && e.code === 'INVALID_PUBLIC_KEY:ML_KEM',
    );
    await refusedAs((f) => f.set('mlKem768', bad), MALFORMED);
    const lastCoefficient = alice.mlKem768.publicKey.slice();
    lastCoefficient[1151] = 0xd1; // (b1 >> 4) | (0xd1 << 4) >= 3329 whatever b1 is
    await refusedAs((f) => f.set('mlKem768', lastCoefficient), MALFORMED);
  });

  it('versions: unsorted, repeated, unknown or empty is VERSIONS; not a text array is MALFORMED', async () => {
    await refusedAs((f) => f.set('versions', ['v1', 'signed']), VERSIONS);
    await refusedAs((f) => f.set('versions', ['signed', 'signed']), VERSIONS);
    await refusedAs((f) => f.set('versions', ['signed', 'v4']), VERSIONS);
    await refusedAs((f) => f.set('versions', []), VERSIONS);
    await refusedAs((f) => f.set('versions', 'signed'), MALFORMED);
    await refusedAs((f) => f.set('versions', [1]), MALFORMED);
  });

  it('v3 without the ML-DSA key is VERSIONS; an ML-DSA signature without the key is MALFORMED', async () => {
    const noKey = fieldsOf(await create(alice));
    noKey.delete('mlDsa65');
    const body = encodeCbor(noKey);
    assert.equal(codeOf(await verify(await signBody(body, alice, alice))), MALFORMED);
    assert.equal(codeOf(await verify(await signBody(body, alice))), VERSIONS);
  });

  it('non-canonical or oversized CBOR is MALFORMED', async () => {
    const doc = await create(alice, { versions: ['signed'], sequence: 0 });
    const sequenceKey = encodeCbor('sequence');
    const cases: [string, Uint8Array][] = [
      // 0 as 0x18 0x00, a longer head than needed.
      [
        'non-shortest integer',
        replaceOnce(
          doc.body,
          concatBytes(sequenceKey, Uint8Array.of(0)),
          concatBytes(sequenceKey, Uint8Array.of(0x18, 0)),
        ),
      ],
      ['trailing byte', concatBytes(doc.body, Uint8Array.of(0))],
      ['array, not map', encodeCbor([...fieldsOf(doc).values()])],
      ['over 4096 bytes', encodeCbor(new Map([['pad', new Uint8Array(4096)]]))],
    ];
    const max = await create(alice, { versions: ['signed'], sequence: Number.MAX_SAFE_INTEGER });
    const maxHead = Uint8Array.of(0x1b, 0x00, 0x1f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff);
    const twoPow53 = Uint8Array.of(0x1b, 0x00, 0x20, 0, 0, 0, 0, 0, 0);
    cases.push([
      'sequence 2^53',
      replaceOnce(max.body, concatBytes(sequenceKey, maxHead), concatBytes(sequenceKey, twoPow53)),
    ]);
    for (const [name, body] of cases) {
      assert.equal(codeOf(await verify(await signBody(body, alice))), MALFORMED, name);
    }
  });

  it('a signed document of the wrong shape is MALFORMED', async () => {
    const doc = await create(alice, { versions: ['signed'] });
    const shapes: unknown[] = [
      null,
      'doc',
      { signature: doc.signature },
      { body: 'body', signature: doc.signature },
      { body: doc.body, signature: doc.signature.subarray(1) },
      { ...doc, mlDsaSignature: new Uint8Array(3308) },
    ];
    for (const shape of shapes) {
      assert.equal(codeOf(await verify(shape as SignedIdentityDocument)), MALFORMED);
    }
  });
});

describe('createIdentityDocument arguments', () => {
  async function thrownCode(promise: Promise<unknown>): Promise<string> {
    try {
      await promise;
    } catch (error) {
      if (isXlinkError(error)) return error.code;
      throw error;
    }
    return 'accepted';
  }

  it('refuses v3 without post-quantum signing, and repeated, unknown or no versions, as VERSIONS', async () => {
    const VERSIONS = 'IDENTITY_DOCUMENT_INVALID:VERSIONS';
    assert.equal(await thrownCode(create(alice, { postQuantumSig: false })), VERSIONS);
    assert.equal(await thrownCode(create(alice, { versions: ['v1', 'v1'] })), VERSIONS);
    assert.equal(await thrownCode(create(alice, { versions: ['v9' as EnvelopeVersion] })), VERSIONS);
    assert.equal(await thrownCode(create(alice, { versions: [] })), VERSIONS);
  });

  it('refuses a sequence or issuedAt that is not a safe integer >= 0, and a DID that does not match the key', async () => {
    for (const sequence of [-1, 1.5, Number.NaN, 2 ** 53]) {
      assert.equal(await thrownCode(create(alice, { sequence })), 'INVALID_ARGUMENT', String(sequence));
    }
    const badIssuedAt = createIdentityDocument(alice, {
      crypto: node,
      versions: ['signed'],
      sequence: 0,
      issuedAt: -5,
    });
    assert.equal(await thrownCode(badIssuedAt), 'INVALID_ARGUMENT');
    assert.equal(await thrownCode(create({ ...alice, did: bob.did })), 'INVALID_ARGUMENT');
  });
});

describe('identityDocumentFromJson', () => {
  it('refuses anything but exactly its fields in canonical base64url, as MALFORMED', async () => {
    const json = identityDocumentToJson(await create(alice));
    const cases: unknown[] = [
      null,
      [],
      JSON.stringify(json),
      { ...json, note: 'x' },
      { body: json.body },
      { ...json, body: 42 },
      { ...json, signature: `${json.signature}==` },
      { ...json, signature: json.signature.replace(/-|_/, '+') },
      { ...json, signature: json.signature.slice(0, -2) },
      { ...json, mlDsaSignature: json.mlDsaSignature?.slice(0, -4) },
      { ...json, body: 'A'.repeat(6000) },
    ];
    for (const value of cases) {
      const result = identityDocumentFromJson(value);
      assert.equal(codeOf(result), 'IDENTITY_DOCUMENT_INVALID:MALFORMED', JSON.stringify(value)?.slice(0, 60));
    }
  });
});
