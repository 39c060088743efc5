// Attacks on the device targets, each a finding while building them:
// - the ES5 file's top-level names are short (mangled), so pasted into an
//   Espruino's global scope it would clobber the user's globals and theirs it:
//   the shipped Modules.addCached wrapper keeps it a module (run here through
//   a shim of Espruino's loader, beside user globals of the same names);
// - a flash write that lands and then reports failure must not let a
//   counter be handed out twice across the reboot that follows;
// - a storage that answers with promises while take() and next() interleave
//   must not load twice and hand out one counter twice;
// - the MAC verifier refuses tags of every wrong length with a Result.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { nobleHashing } from '../../src/crypto/noble/hashing.js';
import { decodeTelemetryMac, sealTelemetryMac, verifyTelemetryMac } from '../../src/envelope/telemetry-mac.js';
import { unwrap } from '../../src/errors.js';
import { MemoryKeyValueStorage } from '../../src/platform/storage.js';
import { CounterSequence } from '../../src/replay/counter-sequence.js';
import { buildTargets } from '../../targets/build.mjs';
import { engines } from '../devices/engines.js';

const duktape = engines.find((engine) => engine.name === 'duktape');

describe('the Espruino wrapper keeps the ES5 file a module', { skip: duktape?.unavailable() ?? false }, () => {
  it('loaded through Modules.addCached beside user globals named like its own, both keep working', async () => {
    const [target] = await buildTargets({ only: 'espruino' });
    const wrapper = target?.files.find((file) => file.path.endsWith('.addcached.js'))?.text ?? '';
    assert.match(wrapper, /^Modules\.addCached\("xlink-device",/);
    // Espruino's loader runs a cached module's source as a function body with `exports`: the shim does the same.
    // The harness runs this inside a function: the shim and the user's names are made real globals.
    const shim = `var global = Function('return this')(); var cache = {};
      global.Modules = { addCached: function (id, source) { cache[id] = source; } };
      global.espruinoRequire = function (id) { var module = { exports: {} }; new Function('exports', 'module', cache[id])(module.exports, module); return module.exports; };`;
    // One-letter globals, as terser names the module's own top-level functions.
    const user = 'global.e = 1; global.t = 2; global.r = 3; global.n = 4; global.o = 5; global.sent = [];';
    const body = `
      var xlink = espruinoRequire('xlink-device'); var flash = {};
      var device = xlink.createEspruinoDevice({ key: { ed25519Seed: new Uint8Array(32), kid: new Uint8Array(6) },
        audience: 'acme-fleet', storage: flashStorage(flash), publish: function (b) { sent.push(b.length); } });
      device.telemetry(new Uint8Array([1]));
      return { sent: sent, user: [e, t, r, n, o] };`;
    const { value } = await (duktape as NonNullable<typeof duktape>).run(`${shim}\n${wrapper}\n${user}`, body, {});
    assert.deepEqual(value, { sent: [87], user: [1, 2, 3, 4, 5] });
  });
});

describe('counters under failing and slow flash', () => {
  it('a write that lands and then throws, then a reboot: no counter is handed out twice', async () => {
    const flash = new MemoryKeyValueStorage();
    let tornWrites = 1;
    const torn = {
      get: (key: string) => flash.get(key),
      set: (key: string, value: Uint8Array) => {
        flash.set(key, value);
        if (tornWrites-- > 0) throw new Error('brown-out after the write');
      },
      delete: (key: string) => flash.delete(key),
    };
    const before = new CounterSequence({ storage: torn, persistEvery: 4 });
    assert.throws(() => before.take(), { code: 'STORAGE_FAILED' });
    // Synchronous storage, so take() answers numbers.
    const handed = [before.take(), before.take()] as number[];
    const after = new CounterSequence({ storage: torn, persistEvery: 4 });
    const later = [after.take(), after.take()] as number[];
    assert.equal(new Set([...handed, ...later]).size, 4, `reused: ${handed} then ${later}`);
    assert.ok(Math.min(...later) > Math.max(...handed));
  });

  it('take() and next() interleaved over promise storage load once and never repeat a counter', async () => {
    const flash = new MemoryKeyValueStorage();
    let loads = 0;
    const slow = {
      get: async (key: string) => {
        loads++;
        await new Promise((resolve) => setTimeout(resolve, 5));
        return flash.get(key);
      },
      set: async (key: string, value: Uint8Array) => {
        await new Promise((resolve) => setTimeout(resolve, 5));
        flash.set(key, value);
      },
      delete: async (key: string) => flash.delete(key),
    };
    const counters = new CounterSequence({ storage: slow, persistEvery: 2 });
    const all = await Promise.all([
      counters.take(),
      counters.take(),
      counters.next(),
      counters.take(),
      counters.next(),
    ]);
    assert.equal(loads, 1);
    assert.deepEqual(
      [...all].sort((a, b) => a - b),
      [0, 1, 2, 3, 4],
    );
  });
});

describe('the MAC verifier', () => {
  it('refuses a tag of any other length, or none, as a Result', async () => {
    const hashing = nobleHashing();
    const key = new Uint8Array(32).fill(3);
    const sealed = sealTelemetryMac(
      { kid: new Uint8Array(6), mac: (data) => hashing.hmacSha256(key, data) },
      { audience: 'acme-fleet', scope: 'telemetry', counter: 0, payload: new Uint8Array(1) },
    );
    const envelope = unwrap(decodeTelemetryMac(sealed));
    assert.ok((await verifyTelemetryMac(hashing, key, envelope, 'acme-fleet')).ok);
    const real = envelope.signature;
    // Zeros of each wrong length, and the real tag cut short or with a byte after it.
    const tags = [0, 1, 16, 31, 33, 64].map((length) => new Uint8Array(length));
    tags.push(real.slice(0, 31), new Uint8Array([...real, 0]));
    for (const tag of tags) {
      const result = await verifyTelemetryMac(hashing, key, { ...envelope, signature: tag }, 'acme-fleet');
      assert.equal(
        result.ok ? '' : result.error.code,
        'VERIFICATION_FAILED:SIGNATURE_MISMATCH',
        `length ${tag.length}`,
      );
    }
    const badKey = await verifyTelemetryMac(hashing, new Uint8Array(31), envelope, 'acme-fleet');
    assert.equal(badKey.ok ? '' : badKey.error.code, 'INVALID_LENGTH');
  });
});
