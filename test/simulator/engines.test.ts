/**
 * Fleet devices on the real engines (simulator/engines/): Moddable XS through
 * xsnap and QuickJS through quickjs-emscripten, each running its target's
 * bundle as built for shipping, kept alive across readings. Node verifies
 * what they send, as the gateway would.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { after, describe, it } from 'node:test';
import {
  createQuickJsFleetDevice,
  createXsFleetDevice,
  type EngineDeviceOptions,
  openQuickJsFleetDevice,
  openXsFleetDevice,
} from '../../simulator/engines/index.js';
import type { FleetDevice, FleetDeviceFactory } from '../../simulator/fleet-device.js';
import { bytesToHex } from '../../src/codec/bytes.js';
import { createNodeCrypto } from '../../src/crypto/node/index.js';
import { createDeviceFromSeed } from '../../src/device/index.js';
import { decodeTelemetry, verifyTelemetry } from '../../src/envelope/telemetry.js';
import { isXlinkError, unwrap } from '../../src/errors.js';
import { identityFromSeed } from '../../src/identity/derive.js';
import { keyIdOf } from '../../src/identity/kid.js';
import { MemoryKeyValueStorage } from '../../src/platform/storage.js';
import { VirtualClock } from '../../src/platform/virtual-clock.js';

const crypto = createNodeCrypto();
const AUDIENCE = 'acme';
const seedOf = (n: number) => new Uint8Array(32).map((_, i) => (i * 31 + n) & 0xff);

const runtimes: readonly {
  readonly name: 'xs' | 'quickjs';
  readonly factory: FleetDeviceFactory;
  readonly open: (...args: Parameters<typeof openXsFleetDevice>) => Promise<FleetDevice>;
}[] = [
  { name: 'xs', factory: createXsFleetDevice, open: openXsFleetDevice },
  { name: 'quickjs', factory: createQuickJsFleetDevice, open: openQuickJsFleetDevice },
];

async function nodeDevice(seed: Uint8Array) {
  return createDeviceFromSeed({ seed, crypto, audience: AUDIENCE, storage: new MemoryKeyValueStorage(), publish() {} });
}

async function verified(seed: Uint8Array, bytes: Uint8Array) {
  const identity = unwrap(await identityFromSeed(seed, { crypto }));
  const verifier = await crypto.ed25519Verifier(identity.ed25519.publicKey);
  const decoded = unwrap(decodeTelemetry(bytes));
  const result = await verifyTelemetry(verifier, decoded, AUDIENCE);
  assert.ok(result.ok, result.ok ? '' : result.error.code);
  return decoded;
}

/** Processes whose parent is this one: a closed session must leave none of its engines behind. */
function children(): number[] {
  const mine: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === process.pid) mine.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return mine;
}

for (const runtime of runtimes) {
  describe(`fleet device on ${runtime.name}`, () => {
    const open: FleetDevice[] = [];
    const device = async (seed: Uint8Array, options: Partial<EngineDeviceOptions & { clock: VirtualClock }> = {}) => {
      const opened = await runtime.open(
        { serial: `${runtime.name}-${open.length}`, seed },
        { audience: AUDIENCE, clock: options.clock ?? new VirtualClock(1_800_000_000_000), ...options },
      );
      open.push(opened);
      return opened;
    };
    after(async () => {
      await Promise.all(open.map((d) => d.close()));
    });

    it("names itself by the DID and kid of the Node device with the same seed, from the seed or the artifact's key", async () => {
      const seed = seedOf(1);
      const node = await nodeDevice(seed);
      const fromSeed = await runtime.factory(
        { serial: 's-1', seed },
        { audience: AUDIENCE, clock: new VirtualClock(0) },
      );
      open.push(fromSeed);
      assert.equal(fromSeed.runtime, runtime.name);
      assert.equal(fromSeed.serial, 's-1');
      assert.equal(fromSeed.did, node.did);
      assert.equal(fromSeed.deviceId, bytesToHex(node.kid));
      // What an artifact's device form carries: the Ed25519 seed and kid, read as the firmware reads them.
      const identity = unwrap(await identityFromSeed(seed, { crypto }));
      const kid = await keyIdOf(identity.ed25519.publicKey, { crypto });
      const burned = await runtime.open(
        { serial: 's-1', seed: new Uint8Array(32), ed25519Seed: identity.ed25519.secretKey, kid },
        { audience: AUDIENCE, clock: new VirtualClock(0) },
      );
      open.push(burned);
      assert.equal(burned.did, node.did);
      assert.equal(burned.deviceId, bytesToHex(kid));
    });

    it('seals 20 consecutive readings that verify, with increasing counters and the run clock as their time', async () => {
      const seed = seedOf(2);
      const clock = new VirtualClock(1_800_000_000_000);
      const subject = await device(seed, { clock });
      for (let i = 0; i < 20; i++) {
        clock.advance(1_500);
        const payload = new Uint8Array([i, i + 1, i + 2]);
        const decoded = await verified(seed, await subject.telemetry(payload, { scope: 'telemetry' }));
        assert.equal(decoded.header.counter, i);
        assert.equal(decoded.header.timestamp, Math.floor(clock.now() / 1000) * 1000);
        assert.equal(bytesToHex(decoded.payload), bytesToHex(payload));
        assert.equal(bytesToHex(decoded.kid), subject.deviceId);
      }
    });

    it("seals a fault's skewed timestamp and another scope as asked", async () => {
      const seed = seedOf(3);
      const subject = await device(seed, { clock: new VirtualClock(1_800_000_000_000) });
      const stale = 1_800_000_000_000 - 3_600_000;
      const decoded = await verified(
        seed,
        await subject.telemetry(new Uint8Array([9]), { scope: 'telemetry/alarm', timestamp: stale }),
      );
      assert.equal(decoded.header.timestamp, stale);
      assert.equal(decoded.header.scope, 'telemetry/alarm');
    });

    it('keeps each device its own flash and counter, side by side in one process', async () => {
      const [a, b] = [await device(seedOf(4)), await device(seedOf(5))];
      const counters: string[] = [];
      for (let i = 0; i < 3; i++) {
        for (const [subject, seed] of [
          [a, seedOf(4)],
          [b, seedOf(5)],
        ] as const) {
          const decoded = await verified(seed, await subject.telemetry(new Uint8Array([i]), { scope: 'telemetry' }));
          counters.push(`${subject === a ? 'a' : 'b'}${decoded.header.counter}`);
        }
      }
      assert.deepEqual(counters, ['a0', 'b0', 'a1', 'b1', 'a2', 'b2']);
    });

    it('restarts its counter after resetCounter, as a factory reset does', async () => {
      const seed = seedOf(6);
      const subject = await device(seed);
      for (let i = 0; i < 5; i++) await subject.telemetry(new Uint8Array([i]), { scope: 'telemetry' });
      await subject.resetCounter();
      const again = await verified(seed, await subject.telemetry(new Uint8Array([42]), { scope: 'telemetry' }));
      assert.equal(again.header.counter, 0, 'the wiped flash starts the counter over');
      assert.equal(
        (await verified(seed, await subject.telemetry(new Uint8Array([43]), { scope: 'telemetry' }))).header.counter,
        1,
      );
    });

    it('reports a random source that throws or comes up short as RANDOM_SOURCE_FAILED from the bundle, then signs again', async () => {
      const seed = seedOf(7);
      let mode: 'good' | 'throws' | 'short' = 'good';
      const random = (length: number) => {
        if (mode === 'throws') throw new Error('rng offline');
        return new Uint8Array(mode === 'short' ? length - 1 : length).fill(7);
      };
      const subject = await device(seed, { random });
      await subject.telemetry(new Uint8Array([1]), { scope: 'telemetry' });
      for (const failure of ['throws', 'short'] as const) {
        mode = failure;
        await assert.rejects(subject.telemetry(new Uint8Array([2]), { scope: 'telemetry' }), (error: unknown) => {
          assert.ok(isXlinkError(error), String(error));
          assert.equal(error.code, 'RANDOM_SOURCE_FAILED', failure);
          assert.equal(error.category, 'platform');
          return true;
        });
      }
      mode = 'good';
      // Each failed reading burned its counter (never reused); the next one signs and verifies.
      const next = await verified(seed, await subject.telemetry(new Uint8Array([3]), { scope: 'telemetry' }));
      assert.equal(next.header.counter, 3);
    });

    it("returns the bundle's own typed errors, and ENGINE_FAILED once closed", async () => {
      await assert.rejects(
        runtime.open(
          { serial: 'bad', seed: new Uint8Array(32), ed25519Seed: new Uint8Array(2), kid: new Uint8Array(6) },
          { audience: AUDIENCE, clock: new VirtualClock(0) },
        ),
        (error: unknown) => {
          assert.ok(isXlinkError(error));
          assert.equal(error.code, 'INVALID_LENGTH');
          assert.equal(error.field, 'seed');
          return true;
        },
      );
      const subject = await device(seedOf(10));
      await assert.rejects(subject.telemetry(new Uint8Array(1), { scope: 'Not A Scope!' }), (error: unknown) => {
        assert.ok(isXlinkError(error));
        assert.notEqual(error.code, 'ENGINE_FAILED');
        return true;
      });
      await subject.close();
      await assert.rejects(subject.telemetry(new Uint8Array(1), { scope: 'telemetry' }), { code: 'ENGINE_FAILED' });
    });
  });
}

describe('engine sessions and processes', () => {
  it('leave no engine process behind once every XS device is closed', async () => {
    const before = children();
    const devices = await Promise.all(
      [1, 2, 3].map((n) =>
        createXsFleetDevice(
          { serial: `p${n}`, seed: seedOf(20 + n) },
          { audience: AUDIENCE, clock: new VirtualClock(0) },
        ),
      ),
    );
    assert.ok(children().length > before.length, 'the xsnap host runs while devices are open');
    await Promise.all(devices.map((d) => d.close()));
    await new Promise((resolve) => setTimeout(resolve, 200));
    assert.deepEqual(
      children().filter((pid) => !before.includes(pid)),
      [],
    );
  });

  it('says ENGINE_UNAVAILABLE, with a hint, on a host without the engine packages', () => {
    const fixtures = new URL('./fixtures/', import.meta.url).pathname;
    const ran = spawnSync(
      process.execPath,
      ['--import', 'tsx', '--import', `${fixtures}hide-engines.mjs`, `${fixtures}without-engines.ts`],
      { encoding: 'utf8', timeout: 60_000 },
    );
    assert.equal(ran.status, 0, ran.stderr);
    const outcomes = JSON.parse(ran.stdout) as Record<
      string,
      { code: string; name: string; hint: string; field: string }
    >;
    for (const runtime of ['xs', 'quickjs']) {
      const outcome = outcomes[runtime];
      assert.equal(outcome?.code, 'ENGINE_UNAVAILABLE', `${runtime}: ${JSON.stringify(outcome)}`);
      assert.equal(outcome.name, 'XlinkPlatformError');
      assert.equal(outcome.field, runtime);
      assert.match(outcome.hint, /allowScripts/);
    }
  });
});
