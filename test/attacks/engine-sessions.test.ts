/**
 * Attacks on the simulator's engine sessions (simulator/engines/), found by
 * trying to break them:
 *
 * - A scope or payload that is JavaScript source reaches the engine as data:
 *   the session call embeds the request as a JSON string literal, and the
 *   bundle's own scope check answers it.
 * - Two readings asked of one device at once get two counters, never one.
 * - An engine that dies under a device is ENGINE_FAILED for that device, not
 *   a hang; the other devices and later ones keep working (a dead xsnap host
 *   is replaced, not reused).
 * - An error message the bundle makes from a huge input stays bounded.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { openQuickJsFleetDevice, openXsFleetDevice } from '../../simulator/engines/index.js';
import { createNodeCrypto } from '../../src/crypto/node/index.js';
import { decodeTelemetry, verifyTelemetry } from '../../src/envelope/telemetry.js';
import { isXlinkError, MAX_MESSAGE_LENGTH, unwrap } from '../../src/errors.js';
import { identityFromSeed } from '../../src/identity/derive.js';

const crypto = createNodeCrypto();
const clock = { now: () => 1_800_000_000_000 };
const seedOf = (n: number) => new Uint8Array(32).fill(n);

function parentOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
}

describe('engine sessions under attack', () => {
  for (const [runtime, open] of [
    ['xs', openXsFleetDevice],
    ['quickjs', openQuickJsFleetDevice],
  ] as const) {
    it(`${runtime}: a scope that is JavaScript source is refused as a scope, not run`, async () => {
      const device = await open({ serial: 'inject', seed: seedOf(1) }, { audience: 'acme', clock });
      try {
        for (const scope of [
          '"); globalThis.owned = 1; ("',
          "'); throw 1; //",
          '\u2028}); (function(){',
          '`$' + '{1}`',
        ]) {
          await assert.rejects(device.telemetry(new Uint8Array([1]), { scope }), (error: unknown) => {
            assert.ok(isXlinkError(error), String(error));
            assert.equal(error.code, 'INVALID_SCOPE', `${JSON.stringify(scope)}: ${error.code}`);
            return true;
          });
        }
        // Still the same device, and its next reading verifies.
        const bytes = await device.telemetry(new Uint8Array([2]), { scope: 'telemetry' });
        const identity = unwrap(await identityFromSeed(seedOf(1), { crypto }));
        const verifier = await crypto.ed25519Verifier(identity.ed25519.publicKey);
        assert.ok((await verifyTelemetry(verifier, unwrap(decodeTelemetry(bytes)), 'acme')).ok);
      } finally {
        await device.close();
      }
    });

    it(`${runtime}: readings asked at once get distinct counters`, async () => {
      const device = await open({ serial: 'burst', seed: seedOf(2) }, { audience: 'acme', clock });
      try {
        const sealed = await Promise.all(
          Array.from({ length: 8 }, (_, i) => device.telemetry(new Uint8Array([i]), { scope: 'telemetry' })),
        );
        const counters = sealed.map((bytes) => unwrap(decodeTelemetry(bytes)).header.counter).sort((a, b) => a - b);
        assert.deepEqual(counters, [0, 1, 2, 3, 4, 5, 6, 7]);
      } finally {
        await device.close();
      }
    });

    it(`${runtime}: a huge bad input gives a bounded message`, async () => {
      const device = await open({ serial: 'flood', seed: seedOf(3) }, { audience: 'acme', clock });
      try {
        await assert.rejects(device.telemetry(new Uint8Array(1), { scope: 'x'.repeat(200_000) }), (error: unknown) => {
          assert.ok(isXlinkError(error));
          assert.ok(error.message.length <= MAX_MESSAGE_LENGTH, `${error.message.length} characters`);
          return true;
        });
      } finally {
        await device.close();
      }
    });
  }

  it('xs: a worker or host killed under its devices is ENGINE_FAILED for them, and later devices open on a new host', async () => {
    const [a, b] = await Promise.all(
      [4, 5].map((n) => openXsFleetDevice({ serial: `kill-${n}`, seed: seedOf(n) }, { audience: 'acme', clock })),
    );
    try {
      process.kill(a?.pid as number, 'SIGKILL');
      await assert.rejects(a?.telemetry(new Uint8Array(1), { scope: 'telemetry' }) as Promise<unknown>, {
        code: 'ENGINE_FAILED',
      });
      // Its neighbour has its own machine.
      await b?.telemetry(new Uint8Array(1), { scope: 'telemetry' });
      process.kill(parentOf(b?.pid as number), 'SIGKILL');
      // Finding (CI): a host dead before its exit is seen made the next request's write fail with an
      // uncaught EPIPE. Blocking the event loop a moment puts the write there every time.
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 300);
      await assert.rejects(b?.telemetry(new Uint8Array(1), { scope: 'telemetry' }) as Promise<unknown>, {
        code: 'ENGINE_FAILED',
      });
      const later = await openXsFleetDevice({ serial: 'after', seed: seedOf(6) }, { audience: 'acme', clock });
      try {
        await later.telemetry(new Uint8Array(1), { scope: 'telemetry' });
      } finally {
        await later.close();
      }
    } finally {
      await Promise.all([a?.close(), b?.close()]);
    }
  });
});
