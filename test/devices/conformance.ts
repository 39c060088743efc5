/**
 * The device conformance suite: one set of checks, injected per engine, that
 * a target's bundle must pass on the real engine. Node provisions the device
 * and verifies what it sends, as a factory and a gateway would.
 *
 *   describeDeviceConformance(engine, () => bundles.get(engine.target));
 *
 * Checks: the DID and kid the device derives from its provisioned key equal
 * Node's from the same factory seed; its telemetry decodes and verifies under
 * Node's verifier and carries what was sealed; tampered copies and another
 * audience are refused; the counter survives a reboot without reuse; a random
 * source (or storage) that fails is reported, and nothing is published.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { bytesToHex, readHex } from '../../src/codec/bytes.js';
import { createNodeCrypto } from '../../src/crypto/node/index.js';
import { decodeTelemetry, verifyTelemetry } from '../../src/envelope/telemetry.js';
import { unwrap } from '../../src/errors.js';
import { identityFromSeed } from '../../src/identity/derive.js';
import { keyIdOf } from '../../src/identity/kid.js';
import type { Engine } from './engines.js';

const crypto = createNodeCrypto();
const FACTORY_SEED = new Uint8Array(32).map((_, i) => (i * 7 + 3) & 0xff);
const AUDIENCE = 'acme-fleet';
/** K for the tests: small, so a reboot's jump-ahead is visible after a few readings. */
const K = 4;

interface Provisioned {
  readonly did: string;
  readonly kid: string;
  readonly ed25519Seed: string;
  readonly publicKey: Uint8Array;
}

/** What a factory writes into the device: derived on Node from the factory seed. */
async function provision(): Promise<Provisioned> {
  const identity = unwrap(await identityFromSeed(FACTORY_SEED, { crypto }));
  const kid = await keyIdOf(identity.ed25519.publicKey, { crypto });
  return {
    did: identity.did,
    kid: bytesToHex(kid),
    ed25519Seed: bytesToHex(identity.ed25519.secretKey),
    publicKey: identity.ed25519.publicKey,
  };
}

/** The ES5 statement that boots the target's device as `device` from `flash` and `state` (both in scope). */
function bootStatement(engine: Engine, key: Provisioned, extra = ''): string {
  const create = engine.target === 'espruino' ? 'createEspruinoDevice' : 'createNobleDevice';
  return `var device = xlink.${create}({
    key: { ed25519Seed: unhex('${key.ed25519Seed}'), kid: unhex('${key.kid}') },
    random: countingRandom(state), audience: '${AUDIENCE}', storage: flashStorage(flash),
    publish: function (bytes, reading) { sent.push({ hex: hex(bytes), scope: reading.scope, counter: reading.counter }); },
    persistEvery: ${K}${extra}
  });`;
}

interface Boot {
  readonly did?: string;
  readonly kid?: string;
  readonly sent: readonly { hex: string; scope: string; counter: number }[];
  readonly returned: readonly string[];
  readonly flash: Record<string, string>;
  readonly drawn: number;
  readonly error?: string;
}

/** Boots once on `flash`, seals each reading (hex payload, scope, kind) and reports what happened. */
function bootAndSend(
  engine: Engine,
  key: Provisioned,
  flash: Record<string, string>,
  readings: readonly { payload: string; scope?: string; kind?: string }[],
  setup = '',
): string {
  return `
    var flash = ${JSON.stringify(flash)}; var sent = []; var returned = []; var state = { drawn: 0 };
    try {
      ${setup}
      ${bootStatement(engine, key)}
      var readings = ${JSON.stringify(readings)};
      for (var i = 0; i < readings.length; i++) {
        var options = {};
        if (readings[i].scope) options.scope = readings[i].scope;
        if (readings[i].kind) options.kind = readings[i].kind;
        returned.push(hex(device.telemetry(unhex(readings[i].payload), options)));
      }
      return { did: device.did, kid: hex(device.kid), sent: sent, returned: returned, flash: flash, drawn: state.drawn };
    } catch (e) {
      return { error: e.code || String(e), sent: sent, returned: returned, flash: flash, drawn: state.drawn };
    }`;
}

export function describeDeviceConformance(engine: Engine, bundleOf: () => Promise<string>): void {
  const reason = engine.unavailable();
  describe(`device conformance on ${engine.name} (${engine.target} target)`, { skip: reason ?? false }, () => {
    let key: Provisioned;
    const run = async (body: string): Promise<Boot> => (await engine.run(await bundleOf(), body)).value as Boot;

    it('names itself by the DID and kid Node derives from the same factory seed', async () => {
      key = await provision();
      const booted = await run(bootAndSend(engine, key, {}, []));
      assert.equal(booted.error, undefined);
      assert.equal(booted.did, key.did);
      assert.equal(booted.kid, key.kid);
    });

    it('throws typed XlinkErrors on the engine, and a publish that rethrows one keeps it unwrapped', async () => {
      key ??= await provision();
      const create = engine.target === 'espruino' ? 'createEspruinoDevice' : 'createNobleDevice';
      // Lowered to ES5, a subclass of Error is a plain Error unless it sets its prototype: its category and detail
      // read undefined there, and the device wrapped an XlinkError thrown back at it as SEND_FAILED.
      const booted = await run(`
        var flash = {}; var state = { drawn: 0 }; var captured; var rethrown;
        function parts(seed, publish) {
          return { key: { ed25519Seed: unhex(seed), kid: unhex('${key.kid}') }, random: countingRandom(state),
            audience: '${AUDIENCE}', storage: flashStorage(flash), publish: publish };
        }
        try { xlink.${create}(parts('0102', function () {})); } catch (e) { captured = e; }
        var device = xlink.${create}(parts('${key.ed25519Seed}', function () { throw captured; }));
        try { device.telemetry(unhex('01')); } catch (e) { rethrown = e; }
        return { code: captured.code, name: captured.name, category: captured.category, field: captured.field,
          docs: captured.detail.docs, rethrown: rethrown === captured };`);
      assert.deepEqual(booted, {
        code: 'INVALID_LENGTH',
        name: 'XlinkArgumentError',
        category: 'argument',
        field: 'seed',
        docs: 'docs/errors.md#invalid_length',
        rethrown: true,
      });
    });

    it("seals telemetry that Node's verifier accepts, carrying what was sealed, and publishes exactly that", async () => {
      key ??= await provision();
      const readings = [
        { payload: '010203' },
        { payload: 'a1617418', scope: 'telemetry/alarm', kind: 'cbor' },
        { payload: '7b7d', kind: 'json' },
      ];
      const booted = await run(bootAndSend(engine, key, {}, readings));
      assert.equal(booted.error, undefined);
      assert.deepEqual(
        booted.sent.map((s) => s.hex),
        booted.returned,
      );
      const verifier = await crypto.ed25519Verifier(key.publicKey);
      for (const [index, hex] of booted.returned.entries()) {
        const decoded = decodeTelemetry(readHex(hex));
        assert.ok(decoded.ok, decoded.ok ? '' : decoded.error.message);
        const { header, payload, kid } = decoded.value;
        assert.equal(bytesToHex(kid), key.kid);
        assert.equal(header.counter, index);
        assert.equal(booted.sent[index]?.counter, index);
        assert.equal(header.scope, readings[index]?.scope ?? 'telemetry');
        assert.equal(header.contentType, readings[index]?.kind ?? 'bytes');
        assert.equal(header.timestamp, undefined, 'no clock, no timestamp');
        assert.equal(bytesToHex(payload), readings[index]?.payload);
        const verified = await verifyTelemetry(verifier, decoded.value, AUDIENCE);
        assert.ok(verified.ok, verified.ok ? '' : verified.error.message);
      }
    });

    it('produces messages whose tampered copies, and whose reading for another audience, are refused', async () => {
      key ??= await provision();
      const booted = await run(bootAndSend(engine, key, {}, [{ payload: '0102030405' }]));
      assert.equal(booted.error, undefined);
      const original = readHex(booted.returned[0] as string);
      const verifier = await crypto.ed25519Verifier(key.publicKey);
      const decodedOriginal = unwrap(decodeTelemetry(original));
      assert.equal((await verifyTelemetry(verifier, decodedOriginal, 'other-fleet')).ok, false);
      for (let position = 0; position < original.length; position++) {
        const tampered = original.slice();
        tampered[position] = (tampered[position] as number) ^ 0x01;
        const decoded = decodeTelemetry(tampered);
        // The kid is unsigned by design: a changed one names a key the registry (here: one device) does not hold.
        if (decoded.ok && bytesToHex(decoded.value.kid) === key.kid) {
          const verified = await verifyTelemetry(verifier, decoded.value, AUDIENCE);
          assert.equal(verified.ok, false, `a copy flipped at byte ${position} verified`);
        }
      }
    });

    it('keeps its counter across reboots: jumps ahead to the saved bound, never reuses one', async () => {
      key ??= await provision();
      const first = await run(bootAndSend(engine, key, {}, [{ payload: '01' }, { payload: '02' }, { payload: '03' }]));
      assert.deepEqual(
        first.sent.map((s) => s.counter),
        [0, 1, 2],
      );
      // The power goes: only the flash survives. The next boot starts at the bound saved before counter 0.
      const second = await run(bootAndSend(engine, key, first.flash, [{ payload: '04' }, { payload: '05' }]));
      assert.equal(second.error, undefined);
      assert.deepEqual(
        second.sent.map((s) => s.counter),
        [K, K + 1],
      );
      const third = await run(bootAndSend(engine, key, second.flash, [{ payload: '06' }]));
      assert.deepEqual(
        third.sent.map((s) => s.counter),
        [2 * K],
      );
      const counters = [first, second, third].flatMap((boot) =>
        boot.returned.map((hex) => unwrap(decodeTelemetry(readHex(hex))).header.counter),
      );
      assert.equal(new Set(counters).size, counters.length, `a counter was reused: ${counters}`);
    });

    it('reports a random source that fails instead of signing without it, and publishes nothing', async () => {
      key ??= await provision();
      const failing =
        'state.fail = true; var good = countingRandom(state); countingRandom = function () { return function () { throw new Error("rng offline"); }; };';
      const booted = await run(bootAndSend(engine, key, {}, [{ payload: '01' }], failing));
      if (engine.target === 'espruino') {
        // stablelib signs deterministically and draws no randomness: a dead RNG cannot weaken it, and it signs.
        assert.equal(booted.error, undefined);
        assert.equal(booted.sent.length, 1);
        return;
      }
      assert.equal(booted.error, 'RANDOM_SOURCE_FAILED');
      assert.deepEqual(booted.sent, []);
      const short = 'countingRandom = function () { return function (n) { return new Uint8Array(n - 1); }; };';
      const shortBoot = await run(bootAndSend(engine, key, {}, [{ payload: '01' }], short));
      assert.equal(shortBoot.error, 'RANDOM_SOURCE_FAILED');
      assert.deepEqual(shortBoot.sent, []);
    });

    it('reports a storage that fails as STORAGE_FAILED and publishes nothing', async () => {
      key ??= await provision();
      const failing =
        'var realFlash = flashStorage; flashStorage = function (f) { var s = realFlash(f); s.set = function () { throw new Error("flash worn out"); }; return s; };';
      const booted = await run(bootAndSend(engine, key, {}, [{ payload: '01' }], failing));
      assert.equal(booted.error, 'STORAGE_FAILED');
      assert.deepEqual(booted.sent, []);
    });
  });
}
