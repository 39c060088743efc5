import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { ARTIFACT_FORMATS, type DeviceSecrets, decodeArtifact, encodeArtifact } from '../../provisioning/artifacts.js';
import { verifyArtifact } from '../../provisioning/verify.js';
import { createNodeCrypto } from '../../src/crypto/node/index.js';
import { ERROR_CODES } from '../../src/errors.js';
import { identityFromSeed, signingKeyFromSeed } from '../../src/identity/derive.js';
import { didFromEd25519PublicKey } from '../../src/identity/did.js';

const crypto = createNodeCrypto();

async function secretsOf(seed: Uint8Array): Promise<DeviceSecrets & { did: string }> {
  const identity = await identityFromSeed(seed, { crypto });
  const key = await signingKeyFromSeed(seed, { crypto });
  assert.ok(identity.ok && key.ok);
  return { seed, ed25519Seed: identity.value.ed25519.secretKey, kid: key.value.kid, did: identity.value.did };
}

const text = (bytes: Uint8Array): string => new TextDecoder().decode(bytes);
const bytes = (value: string): Uint8Array => new TextEncoder().encode(value);

describe('burn artifacts', () => {
  it('every format round-trips to the seed, and so to the DID the full identity has; device forms carry its Ed25519 key and kid', async () => {
    for (let round = 0; round < 8; round += 1) {
      const secrets = await secretsOf(crypto.randomBytes(32));
      for (const format of ARTIFACT_FORMATS) {
        const decoded = decodeArtifact(encodeArtifact(format, secrets, 'SN-0001'));
        assert.equal(decoded.format, format);
        assert.deepEqual(decoded.seed, secrets.seed, format);
        const key = await signingKeyFromSeed(decoded.seed, { crypto });
        assert.ok(key.ok);
        assert.equal(didFromEd25519PublicKey(key.value.signer.publicKey), secrets.did, format);
        if (format === 'moddable' || format === 'espruino' || format === 'nvs') {
          assert.deepEqual(decoded.ed25519Seed, secrets.ed25519Seed, format);
          assert.deepEqual(decoded.kid, secrets.kid, format);
          const signer = await crypto.ed25519Signer(decoded.ed25519Seed as Uint8Array);
          assert.equal(didFromEd25519PublicKey(signer.publicKey), secrets.did, format);
        }
      }
    }
  });

  it('the text forms are what their targets read', () => {
    const seed = Uint8Array.from({ length: 32 }, (_, i) => i);
    const ed25519Seed = Uint8Array.from({ length: 32 }, (_, i) => 100 + i);
    const kid = Uint8Array.of(1, 2, 3, 4, 5, 6);
    const secrets = { seed, ed25519Seed, kid };
    const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
    assert.equal(text(encodeArtifact('hex', secrets, 'SN-1')), `${hex(seed)}\n`);
    assert.deepEqual(JSON.parse(text(encodeArtifact('moddable', secrets, 'SN-1'))), {
      domain: 'xlink',
      serial: 'SN-1',
      preferences: { seed: hex(seed), ed25519: hex(ed25519Seed), kid: '010203040506' },
    });
    assert.equal(
      text(encodeArtifact('espruino', secrets, 'SN-1')),
      `var s=require("Storage");\ns.write("xlink.seed",new Uint8Array([${[...seed].join(',')}]).buffer);\n` +
        `s.write("xlink.ed25519",new Uint8Array([${[...ed25519Seed].join(',')}]).buffer);\n` +
        's.write("xlink.kid",new Uint8Array([1,2,3,4,5,6]).buffer);\n',
    );
    assert.equal(
      text(encodeArtifact('nvs', secrets, 'SN-1')),
      `key,type,encoding,value\nxlink,namespace,,\nseed,data,hex2bin,${hex(seed)}\n` +
        `ed25519,data,hex2bin,${hex(ed25519Seed)}\nkid,data,hex2bin,010203040506\n`,
    );
    assert.equal(decodeArtifact(encodeArtifact('moddable', secrets, 'SN-1')).serial, 'SN-1');
    assert.deepEqual(encodeArtifact('bin', secrets, 'SN-1'), seed);
  });

  it('refuses near misses with PROVISION_ARTIFACT_INVALID', () => {
    const secrets = {
      seed: new Uint8Array(32).fill(7),
      ed25519Seed: new Uint8Array(32).fill(8),
      kid: new Uint8Array(6),
    };
    const espruino = text(encodeArtifact('espruino', secrets, 'x'));
    const nvs = text(encodeArtifact('nvs', secrets, 'x'));
    const moddable = JSON.parse(text(encodeArtifact('moddable', secrets, 'x')));
    const near = [
      new Uint8Array(31),
      new Uint8Array(33),
      bytes('07'.repeat(31)),
      bytes('ab'.repeat(32).toUpperCase()),
      bytes(espruino.replace('7,', '700,')),
      bytes(espruino.replace('xlink.kid', 'xlink.key')),
      bytes(espruino.split('\n').slice(0, 3).join('\n')),
      bytes(nvs.replace('xlink,', 'other,')),
      bytes(nvs.replace('kid,data,hex2bin,000000000000', 'kid,data,hex2bin,0000')),
      bytes(JSON.stringify({ ...moddable, preferences: { ...moddable.preferences, kid: undefined } })),
      bytes(JSON.stringify({ ...moddable, extra: 1 })),
      bytes('{"domain":"xlink","key":"seed","value":"00"}'),
    ];
    for (const item of near)
      assert.throws(() => decodeArtifact(item), { code: 'PROVISION_ARTIFACT_INVALID' }, text(item));
  });

  it("verify refuses a device form whose Ed25519 key or kid is not its seed's", async () => {
    const secrets = await secretsOf(crypto.randomBytes(32));
    const entry = { serial: 'SN-1', did: secrets.did } as never;
    const manifest = new Map([[secrets.did, entry]]);
    const good = encodeArtifact('nvs', secrets, 'SN-1');
    assert.equal((await verifyArtifact('SN-1.nvs.csv', good, { manifest, crypto })).did, secrets.did);
    const other = await secretsOf(crypto.randomBytes(32));
    for (const [what, altered] of [
      ['ed25519', { ...secrets, ed25519Seed: other.ed25519Seed }],
      ['kid', { ...secrets, kid: other.kid }],
    ] as const) {
      await assert.rejects(
        verifyArtifact('SN-1.nvs.csv', encodeArtifact('nvs', altered, 'SN-1'), { manifest, crypto }),
        {
          code: 'PROVISION_VERIFY_FAILED',
          message: new RegExp(`"${what}"`),
        },
      );
    }
  });

  it('fuzz: the decoder returns a seed or throws a catalogued code, nothing else', () => {
    const secrets = {
      seed: new Uint8Array(32).fill(9),
      ed25519Seed: new Uint8Array(32).fill(3),
      kid: new Uint8Array(6),
    };
    const valid = ARTIFACT_FORMATS.map((format) => encodeArtifact(format, secrets, 'SN'));
    const mutated = fc
      .tuple(fc.constantFrom(...valid), fc.nat(), fc.integer({ min: 0, max: 255 }), fc.boolean())
      .map(([input, at, value, cut]) => {
        const copy = input.slice(0, cut ? at % input.length : input.length);
        if (!cut) copy[at % copy.length] = value;
        return copy;
      });
    fc.assert(
      fc.property(fc.oneof(mutated, fc.uint8Array({ maxLength: 200 })), (input) => {
        try {
          assert.equal(decodeArtifact(input).seed.length, 32);
        } catch (error) {
          assert.ok((ERROR_CODES as readonly string[]).includes((error as { code: string }).code), String(error));
          assert.ok((error as Error).message.length <= 512);
        }
      }),
      { numRuns: 3000 },
    );
  });
});
