import assert from 'node:assert/strict';
import { hkdfSync } from 'node:crypto';
import { describe, it } from 'node:test';
import { derivationInfo, derivedSeed, masterSecretId, randomSeed } from '../../provisioning/seeds.js';
import { bytesToHex } from '../../src/codec/bytes.js';
import { createNodeCrypto } from '../../src/crypto/node/index.js';
import { signingKeyFromSeed } from '../../src/identity/derive.js';
import { didFromEd25519PublicKey } from '../../src/identity/did.js';

const crypto = createNodeCrypto();
const MASTER = Uint8Array.from({ length: 32 }, (_, i) => i);
const FIELDS = { product: 'thermo', batch: 'B7', serial: 'B7-000001' };

describe('device seeds', () => {
  it('known answer: this master secret, product, batch and serial always give this seed and DID', async () => {
    const seed = await derivedSeed(MASTER, FIELDS, crypto);
    assert.equal(bytesToHex(seed), '6f65ca96fceeab27bd821d0352cf088435d462315ed4781cf4df05c1a2d87e55');
    const key = await signingKeyFromSeed(seed, { crypto });
    assert.ok(key.ok);
    assert.equal(
      didFromEd25519PublicKey(key.value.signer.publicKey),
      'did:key:z6MknzDvSaQCUq46zuo6g3AZ7gkaMdrJ3CkHx8jur5Tm4ihZ',
    );
    assert.equal(await masterSecretId(MASTER, crypto), '5883a84f872ccfa7');
  });

  it('is RFC 5869 HKDF-SHA256 over length-prefixed fields, as documented (checked with node:crypto)', async () => {
    const info = Buffer.concat(
      ['thermo', 'B7', 'B7-000001'].map((field) => {
        const bytes = Buffer.from(field, 'utf8');
        const length = Buffer.alloc(4);
        length.writeUInt32BE(bytes.length);
        return Buffer.concat([length, bytes]);
      }),
    );
    assert.deepEqual(Buffer.from(derivationInfo(FIELDS)), info);
    const expected = new Uint8Array(hkdfSync('sha256', MASTER, 'xlink provisioning seed v1', info, 32));
    assert.deepEqual(await derivedSeed(MASTER, FIELDS, crypto), expected);
  });

  it('fields that concatenate alike never share a seed: "ab"+"c" and "a"+"bc"', async () => {
    const one = await derivedSeed(MASTER, { product: 'ab', batch: 'c', serial: 's' }, crypto);
    const two = await derivedSeed(MASTER, { product: 'a', batch: 'bc', serial: 's' }, crypto);
    const three = await derivedSeed(MASTER, { product: 'a', batch: 'b', serial: 'cs' }, crypto);
    assert.notDeepEqual(one, two);
    assert.notDeepEqual(two, three);
    assert.notDeepEqual(
      bytesToHex(derivationInfo({ product: 'ab', batch: 'c', serial: 's' })),
      bytesToHex(derivationInfo({ product: 'a', batch: 'bc', serial: 's' })),
    );
  });

  it('refuses a master secret of the wrong size; random seeds are 32 fresh bytes', async () => {
    await assert.rejects(derivedSeed(MASTER.subarray(1), FIELDS, crypto), { code: 'PROVISION_INPUT_INVALID' });
    const a = randomSeed(crypto);
    assert.equal(a.length, 32);
    assert.notDeepEqual(a, randomSeed(crypto));
  });
});
