// The telemetry MAC profile end to end: the Espruino MAC target on Duktape
// (with a JavaScript SHA-256 standing in for Espruino's native one) tags
// readings under the key provisioning derived; Node, as the gateway, decodes
// and verifies them; tampered copies, another audience, another key and the
// other profile's decoder refuse them; the counter survives a reboot.
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { bytesToHex, readHex } from '../../src/codec/bytes.js';
import { nobleHashing } from '../../src/crypto/noble/hashing.js';
import { createNodeCrypto } from '../../src/crypto/node/index.js';
import { decodeTelemetry } from '../../src/envelope/telemetry.js';
import { decodeTelemetryMac, verifyTelemetryMac } from '../../src/envelope/telemetry-mac.js';
import { unwrap } from '../../src/errors.js';
import { identityFromSeed, telemetryMacKeyFromSeed } from '../../src/identity/derive.js';
import { keyIdOf } from '../../src/identity/kid.js';
import { buildTargets, bundleTarget } from '../../targets/build.mjs';
import { engines } from './engines.js';

const duktape = engines.find((engine) => engine.name === 'duktape');
const reason = duktape?.unavailable();
const crypto = createNodeCrypto();
const hashing = nobleHashing();
const SEED = new Uint8Array(32).map((_, i) => 255 - i);
const AUDIENCE = 'acme-fleet';

describe('telemetry MAC profile on Duktape (espruino-mac target)', { skip: reason ?? false }, () => {
  let macBundle = '';
  let sha256 = '';
  let macKey: Uint8Array;
  let kid = '';
  let did = '';

  before(async () => {
    const [target] = await buildTargets({ only: 'espruino-mac' });
    macBundle = target?.code ?? '';
    sha256 = (await bundleTarget({ entry: 'test/devices/sha256-entry.ts', syntax: 'es5' } as never)).code;
    macKey = unwrap(await telemetryMacKeyFromSeed(SEED, { crypto }));
    const identity = unwrap(await identityFromSeed(SEED, { crypto }));
    kid = bytesToHex(await keyIdOf(identity.ed25519.publicKey, { crypto }));
    did = identity.did;
  });

  async function boot(flash: Record<string, string>, payloads: readonly string[]) {
    const body = `
      var flash = ${JSON.stringify(flash)}; var sent = [];
      var device = xlink.createEspruinoMacDevice({
        key: { macKey: unhex('${bytesToHex(macKey)}'), kid: unhex('${kid}'), did: '${did}' },
        sha256: function (data) { return sha.sha256(data); },
        audience: '${AUDIENCE}', storage: flashStorage(flash), persistEvery: 4,
        publish: function (bytes) { sent.push(hex(bytes)); }
      });
      var payloads = ${JSON.stringify(payloads)};
      for (var i = 0; i < payloads.length; i++) device.telemetry(unhex(payloads[i]));
      return { did: device.did, sent: sent, flash: flash };`;
    const { value } = await (duktape as NonNullable<typeof duktape>).run(macBundle, body, {
      libraries: { sha: sha256 },
    });
    return value as { did: string; sent: string[]; flash: Record<string, string> };
  }

  it("tags readings the gateway's verifier accepts, 32 bytes shorter than signed ones", async () => {
    const booted = await boot({}, ['0102', '0304']);
    assert.equal(booted.did, did);
    for (const [index, hex] of booted.sent.entries()) {
      const envelope = unwrap(decodeTelemetryMac(readHex(hex)));
      assert.equal(envelope.header.counter, index);
      assert.equal(bytesToHex(envelope.kid), kid);
      assert.ok((await verifyTelemetryMac(hashing, macKey, envelope, AUDIENCE)).ok);
      assert.equal(readHex(hex).length, 54 + 2, '54 bytes beside the payload, where the signed profile takes 86');
    }
  });

  it('refuses tampered copies, another audience, another key, and the signed decoder refuses the MAC profile', async () => {
    const booted = await boot({}, ['0a0b0c']);
    const original = readHex(booted.sent[0] as string);
    const envelope = unwrap(decodeTelemetryMac(original));
    const other = await verifyTelemetryMac(hashing, macKey, envelope, 'other-fleet');
    assert.equal(other.ok ? '' : other.error.code, 'VERIFICATION_FAILED:SIGNATURE_MISMATCH');
    const wrongKey = await verifyTelemetryMac(hashing, new Uint8Array(32).fill(1), envelope, AUDIENCE);
    assert.equal(wrongKey.ok, false);
    const signedDecoder = decodeTelemetry(original);
    assert.equal(signedDecoder.ok ? '' : signedDecoder.error.code, 'ENVELOPE_INVALID:ALGORITHM');
    for (let position = 0; position < original.length; position++) {
      const tampered = original.slice();
      tampered[position] = (tampered[position] as number) ^ 0x80;
      const decoded = decodeTelemetryMac(tampered);
      if (decoded.ok && bytesToHex(decoded.value.kid) === kid) {
        const verified = await verifyTelemetryMac(hashing, macKey, decoded.value, AUDIENCE);
        assert.equal(verified.ok, false, `a copy flipped at byte ${position} verified`);
      }
    }
  });

  it('keeps its counter across a reboot without reuse', async () => {
    const first = await boot({}, ['01', '02']);
    const second = await boot(first.flash, ['03']);
    const counters = [...first.sent, ...second.sent].map(
      (hex) => unwrap(decodeTelemetryMac(readHex(hex))).header.counter,
    );
    assert.deepEqual(counters, [0, 1, 4]);
  });
});
