import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { ARTIFACT_FORMATS, decodeArtifact, encodeArtifact } from '../../provisioning/artifacts.js';
import { createNodeCrypto } from '../../src/crypto/node/index.js';
import { ERROR_CODES } from '../../src/errors.js';
import { identityFromSeed, signingKeyFromSeed } from '../../src/identity/derive.js';
import { didFromEd25519PublicKey } from '../../src/identity/did.js';

const crypto = createNodeCrypto();

async function didOf(seed: Uint8Array): Promise<string> {
  const key = await signingKeyFromSeed(seed, { crypto });
  assert.ok(key.ok);
  return didFromEd25519PublicKey(key.value.signer.publicKey);
}

describe('burn artifacts', () => {
  it('every format round-trips to the seed, and so to the DID the full identity has', async () => {
    for (let round = 0; round < 8; round += 1) {
      const seed = crypto.randomBytes(32);
      const identity = await identityFromSeed(seed, { crypto });
      assert.ok(identity.ok);
      for (const format of ARTIFACT_FORMATS) {
        const decoded = decodeArtifact(encodeArtifact(format, seed, 'SN-0001'));
        assert.equal(decoded.format, format);
        assert.deepEqual(decoded.seed, seed, format);
        assert.equal(await didOf(decoded.seed), identity.value.did, format);
      }
    }
  });

  it('the text forms are what their targets read', () => {
    const seed = Uint8Array.from({ length: 32 }, (_, i) => i);
    const text = (format: (typeof ARTIFACT_FORMATS)[number]) =>
      new TextDecoder().decode(encodeArtifact(format, seed, 'SN-1'));
    const hex = '000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f';
    assert.equal(text('hex'), `${hex}\n`);
    assert.deepEqual(JSON.parse(text('moddable')), { domain: 'xlink', key: 'seed', value: hex, serial: 'SN-1' });
    assert.equal(
      text('espruino'),
      `require("Storage").write("xlink.seed",new Uint8Array([${[...seed].join(',')}]).buffer);\n`,
    );
    assert.equal(text('nvs'), `key,type,encoding,value\nxlink,namespace,,\nseed,data,hex2bin,${hex}\n`);
    assert.equal(decodeArtifact(encodeArtifact('moddable', seed, 'SN-1')).serial, 'SN-1');
  });

  it('refuses near misses with PROVISION_ARTIFACT_INVALID', () => {
    const seed = new Uint8Array(32).fill(7);
    const near = [
      new Uint8Array(31),
      new Uint8Array(33),
      new TextEncoder().encode('07'.repeat(31)),
      new TextEncoder().encode('ab'.repeat(32).toUpperCase()),
      new TextEncoder().encode(new TextDecoder().decode(encodeArtifact('espruino', seed, 'x')).replace('7,', '700,')),
      new TextEncoder().encode(new TextDecoder().decode(encodeArtifact('nvs', seed, 'x')).replace('xlink,', 'other,')),
      new TextEncoder().encode('{"domain":"xlink","key":"seed","value":"00"}'),
    ];
    for (const bytes of near) assert.throws(() => decodeArtifact(bytes), { code: 'PROVISION_ARTIFACT_INVALID' });
  });

  it('fuzz: the decoder returns a seed or throws a catalogued code, nothing else', () => {
    const valid = ARTIFACT_FORMATS.map((format) => encodeArtifact(format, new Uint8Array(32).fill(9), 'SN'));
    const mutated = fc
      .tuple(fc.constantFrom(...valid), fc.nat(), fc.integer({ min: 0, max: 255 }), fc.boolean())
      .map(([bytes, at, value, cut]) => {
        const copy = bytes.slice(0, cut ? at % bytes.length : bytes.length);
        if (!cut) copy[at % copy.length] = value;
        return copy;
      });
    fc.assert(
      fc.property(fc.oneof(mutated, fc.uint8Array({ maxLength: 200 })), (bytes) => {
        try {
          const decoded = decodeArtifact(bytes);
          assert.equal(decoded.seed.length, 32);
        } catch (error) {
          assert.ok((ERROR_CODES as readonly string[]).includes((error as { code: string }).code), String(error));
          assert.ok((error as Error).message.length <= 512);
        }
      }),
      { numRuns: 3000 },
    );
  });
});
