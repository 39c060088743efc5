import assert from 'node:assert/strict';
import { test } from 'node:test';
import { concatBytes, utf8Encode } from '../../src/codec/bytes.js';
import { createIdentityDocument, IDENTITY_DOCUMENT_DOMAIN } from '../../src/identity/document.js';
import { generateIdentity, identityFromSeed, signMessage, verifyMessage } from '../../src/identity/index.js';
import { backends } from '../helpers/backends.js';
import { ed25519Verify } from '../helpers/one-shot.js';

const message = utf8Encode('{"temp":22.5}');

for (const crypto of backends) {
  test(`${crypto.name}: a signed message verifies under the signer's DID and nothing else`, async () => {
    const alice = await generateIdentity({ crypto });
    const bob = await generateIdentity({ crypto });
    assert.ok(alice.ok && bob.ok);
    const signature = await signMessage(await crypto.ed25519Signer(alice.value.ed25519.secretKey), message);
    assert.deepEqual(await verifyMessage(alice.value.did, message, signature, { crypto }), {
      ok: true,
      value: undefined,
    });

    const codeOf = async (did: string, bytes: Uint8Array, sig: Uint8Array) => {
      const result = await verifyMessage(did, bytes, sig, { crypto });
      return result.ok ? 'accepted' : result.error.code;
    };
    const tampered = message.slice();
    tampered[3] = (tampered[3] as number) ^ 0x20;
    assert.equal(await codeOf(alice.value.did, tampered, signature), 'VERIFICATION_FAILED:SIGNATURE_MISMATCH');
    assert.equal(await codeOf(bob.value.did, message, signature), 'VERIFICATION_FAILED:SIGNATURE_MISMATCH');
    assert.equal(
      await codeOf(alice.value.did, message, signature.subarray(0, 63)),
      'VERIFICATION_FAILED:SIGNATURE_MISMATCH',
    );
    assert.equal(
      await codeOf(alice.value.did.replace('did:key:', 'did:web:'), message, signature),
      'INVALID_DID:PREFIX',
    );
  });
}

test('message signatures are bound to their context: never a raw Ed25519 signature, never a document signature', async () => {
  const [crypto] = backends;
  assert.ok(crypto);
  const identity = await identityFromSeed(new Uint8Array(32).fill(7), { crypto });
  assert.ok(identity.ok);
  const signer = await crypto.ed25519Signer(identity.value.ed25519.secretKey);
  const signature = await signMessage(signer, message);
  assert.equal(await ed25519Verify(crypto, identity.value.ed25519.publicKey, message, signature), false);

  // A caller who gets the document's signing input signed as a "message" still cannot forge a document.
  const doc = await createIdentityDocument(identity.value, { crypto, versions: ['v1'], sequence: 1, issuedAt: 0 });
  const documentInput = concatBytes(utf8Encode(IDENTITY_DOCUMENT_DOMAIN), new Uint8Array([0]), doc.body);
  assert.ok(await ed25519Verify(crypto, identity.value.ed25519.publicKey, documentInput, doc.signature));
  const forged = await signMessage(signer, documentInput);
  assert.equal(await ed25519Verify(crypto, identity.value.ed25519.publicKey, documentInput, forged), false);
});
