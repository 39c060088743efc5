/**
 * A fleet device whose firmware runs in a real engine: the host side of a
 * session (session-script.ts runs inside). The engine holds the device, its
 * flash and its counter for as long as the session lives; the host supplies
 * per call what a board would: the clock's reading and fresh random bytes.
 *
 *   const device = await openEngineDevice('xs', channel, secrets, { audience, clock });
 *   await device.telemetry(payload, { scope: 'telemetry' }); // sealed inside XS
 *
 * The keys are the ones provisioning burns: the artifact's Ed25519 seed and
 * kid when the secrets carry them, else derived here from the factory seed
 * (identityFromSeed, keyIdOf), as the factory would before burning. Errors
 * the bundle throws come back as XlinkErrors with its code; anything else the
 * engine says is ENGINE_FAILED, quoted and truncated.
 */
import { randomFillSync } from 'node:crypto';
import { bytesToHex, hexToBytes } from 'xlink/codec';
import { createNodeCrypto } from 'xlink/crypto/node';
import { isErrorCode, quote, toXlinkError, unwrap, xlinkError } from 'xlink/errors';
import { identityFromSeed, keyIdOf } from 'xlink/identity';
import type { RandomSource } from 'xlink/platform';
import type { DeviceRuntime, FleetDevice, FleetDeviceOptions, FleetDeviceSecrets } from '../fleet-device.js';

/** One call into the session script and its JSON answer; `close` ends the engine. */
export interface EngineChannel {
  call(request: string): Promise<string>;
  close(): Promise<void>;
}

export interface EngineDeviceOptions {
  /** The board's random source; default Node's CSPRNG. A failure surfaces as the bundle's RANDOM_SOURCE_FAILED. */
  readonly random?: RandomSource;
  /** K, counters reserved per flash write; default the firmware's (DEVICE_PERSIST_EVERY, 256). */
  readonly persistEvery?: number;
}

/**
 * Random bytes handed in with each call. noble draws 16 per blinded
 * multiplication: 32 at boot, 16 per reading (measured, test/simulator/
 * engines.test.ts); 128 leaves room, and a call that needed more would fail
 * loudly as RANDOM_SOURCE_FAILED, never sign unblinded.
 */
const RANDOM_PER_CALL = 128;

const nodeRandom: RandomSource = (length) => randomFillSync(new Uint8Array(length));

interface Answer {
  readonly did?: string;
  readonly kid?: string;
  readonly bytes?: string;
  readonly counter?: number;
  readonly drawn?: number;
  readonly error?: { readonly code?: string; readonly name: string; readonly message: string; readonly field?: string };
}

export async function openEngineDevice(
  runtime: Exclude<DeviceRuntime, 'node'>,
  channel: EngineChannel,
  secrets: FleetDeviceSecrets,
  options: FleetDeviceOptions & EngineDeviceOptions,
): Promise<FleetDevice> {
  const random = options.random ?? nodeRandom;
  let closed: Promise<void> | undefined;
  const call = async (request: Record<string, unknown>): Promise<Answer> => {
    if (closed !== undefined)
      throw xlinkError('ENGINE_FAILED', `${runtime}: the device session is closed`, { field: runtime });
    let bytes: string | null;
    try {
      const drawn = random(RANDOM_PER_CALL);
      bytes = drawn instanceof Uint8Array && drawn.length === RANDOM_PER_CALL ? bytesToHex(drawn) : null;
    } catch {
      bytes = null;
    }
    const text = await channel.call(JSON.stringify({ ...request, random: bytes }));
    let answer: Answer;
    try {
      answer = JSON.parse(text) as Answer;
    } catch {
      throw xlinkError('ENGINE_FAILED', `${runtime}: the session answered ${quote(text, 200)}`, { field: runtime });
    }
    if (answer.error !== undefined) throw engineError(runtime, answer.error);
    return answer;
  };
  try {
    const keys = await provisionedKeys(secrets);
    const booted = await call({
      op: 'boot',
      ed25519Seed: bytesToHex(keys.ed25519Seed),
      kid: bytesToHex(keys.kid),
      audience: options.audience,
      persistEvery: options.persistEvery ?? 256,
    });
    const did = String(booted.did);
    const deviceId = String(booted.kid);
    return {
      serial: secrets.serial,
      runtime,
      did,
      deviceId,
      async telemetry(payload, reading) {
        // A board's RTC reads whole milliseconds; a fault's skewed time comes in as `timestamp`.
        const timestamp = Math.floor(reading.timestamp ?? options.clock.now());
        const answer = await call({ op: 'telemetry', payload: bytesToHex(payload), scope: reading.scope, timestamp });
        return unwrap(hexToBytes(String(answer.bytes)));
      },
      async resetCounter() {
        await call({ op: 'reset' });
      },
      close() {
        closed ??= channel.close();
        return closed;
      },
    };
  } catch (error) {
    await channel.close();
    throw error;
  }
}

async function provisionedKeys(secrets: FleetDeviceSecrets): Promise<{ ed25519Seed: Uint8Array; kid: Uint8Array }> {
  if (secrets.ed25519Seed !== undefined && secrets.kid !== undefined) {
    return { ed25519Seed: secrets.ed25519Seed, kid: secrets.kid };
  }
  const crypto = createNodeCrypto();
  const identity = await identityFromSeed(secrets.seed, { crypto });
  if (!identity.ok) throw toXlinkError(identity.error);
  const kid = await keyIdOf(identity.value.ed25519.publicKey, { crypto });
  return { ed25519Seed: identity.value.ed25519.secretKey, kid };
}

/** The bundle's error as the XlinkError it was (its code kept); anything else ENGINE_FAILED. */
function engineError(runtime: string, error: NonNullable<Answer['error']>): Error {
  const message = `${runtime}: ${error.message}`;
  if (error.code !== undefined && isErrorCode(error.code)) {
    return xlinkError(error.code, message, error.field === undefined ? {} : { field: error.field });
  }
  return xlinkError('ENGINE_FAILED', `${runtime} threw ${quote(`${error.name}: ${error.message}`, 200)}`, {
    field: runtime,
  });
}
