import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { encodeArtifact } from '../../provisioning/artifacts.js';
import { openArtifact, sealArtifact } from '../../provisioning/sealing.js';
import { createNodeCrypto } from '../../src/crypto/node/index.js';
import { documentKeysFromSeed, signingKeyFromSeed } from '../../src/identity/derive.js';
import { didFromEd25519PublicKey } from '../../src/identity/did.js';

const crypto = createNodeCrypto();

async function station() {
  const keys = await documentKeysFromSeed(crypto.randomBytes(32), { crypto });
  assert.ok(keys.ok);
  return keys.value;
}

async function operator() {
  const key = await signingKeyFromSeed(crypto.randomBytes(32), { crypto });
  assert.ok(key.ok);
  return { did: didFromEd25519PublicKey(key.value.signer.publicKey), signer: key.value.signer };
}

describe('sealed artifacts', () => {
  it('open only with the station key they were sealed to, only as signed by the operator, and only unaltered', async () => {
    const [right, wrong, op, stranger] = [await station(), await station(), await operator(), await operator()];
    const artifact = encodeArtifact(
      'hex',
      { seed: crypto.randomBytes(32), ed25519Seed: new Uint8Array(32), kid: new Uint8Array(6) },
      'SN-1',
    );
    const sealed = await sealArtifact(artifact, {
      operator: op,
      station: { did: right.did, x25519PublicKey: right.x25519.publicKey },
      crypto,
      timestamp: 1_796_112_000_000,
    });
    assert.equal(Buffer.from(sealed).includes(Buffer.from(artifact)), false, 'no clear seed inside');
    const opened = await openArtifact(sealed, { station: right, operatorDid: op.did, crypto });
    assert.deepEqual(opened.artifact, artifact);
    assert.equal(opened.sender, op.did);

    await assert.rejects(openArtifact(sealed, { station: wrong, operatorDid: op.did, crypto }), {
      code: 'PROVISION_ARTIFACT_INVALID',
      message: /WRONG_RECIPIENT|does not open/,
    });
    // The same station's DID but another X25519 key: decryption itself fails.
    await assert.rejects(openArtifact(sealed, { station: { ...wrong, did: right.did }, operatorDid: op.did, crypto }), {
      code: 'PROVISION_ARTIFACT_INVALID',
      message: /does not open/,
    });
    await assert.rejects(openArtifact(sealed, { station: right, operatorDid: stranger.did, crypto }), {
      code: 'PROVISION_ARTIFACT_INVALID',
      message: /not by the operator/,
    });
    for (const at of [5, Math.floor(sealed.length / 2), sealed.length - 70, sealed.length - 1]) {
      const altered = sealed.slice();
      altered[at] = (altered[at] as number) ^ 1;
      await assert.rejects(openArtifact(altered, { station: right, operatorDid: op.did, crypto }), {
        code: 'PROVISION_ARTIFACT_INVALID',
      });
    }
  });
});
