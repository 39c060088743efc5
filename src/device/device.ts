/**
 * A device: the firmware side of xlink. It names itself by DID, numbers every
 * reading with a counter that survives reboots, seals it in the compact
 * telemetry profile and hands the bytes to the target's transport.
 *
 *   const device = createDevice({ keys, audience: 'acme-fleet', storage, publish: (bytes) => mqtt.publish(topic, bytes) });
 *   device.telemetry(reading, { scope: 'telemetry', kind: 'cbor' }); // the sealed bytes, also published
 *
 * Runtime-neutral: every platform part (signer, storage, clock, publish) is
 * injected by the target's entry file, and nothing here asks which engine it
 * runs on. Synchronous where the parts are: with a synchronous signer (noble,
 * stablelib), storage (flash, preferences) and publish, `telemetry` returns
 * the bytes and never touches `Promise`, so engines without one (Duktape,
 * Espruino) run it; any part that answers with a promise makes it a promise.
 * Construction is synchronous; `createDeviceFromSeed` (from-seed.ts, its own
 * module so that a provisioned device carries no HKDF) derives the keys first.
 *
 * The counter is the replay defence (docs/devices.md): a CounterSequence in
 * `storage` under `counterKey`, written once per `persistEvery` readings (K;
 * default 256 for flash wear) and jumped ahead after a reboot, so no counter
 * repeats. A timestamp is sent only when a clock is given. Failures throw
 * XlinkErrors: RANDOM_SOURCE_FAILED from a signer whose random source fails,
 * STORAGE_FAILED / COUNTER_EXHAUSTED from the counter, SEND_FAILED (cause
 * kept) when `publish` throws; a reading that fails is never published, and
 * its counter is never reused.
 */
import type { PayloadContentType } from '../envelope/content-type.js';
import { DEFAULT_TELEMETRY_SCOPE, sealTelemetry, type TelemetryMessage } from '../envelope/telemetry.js';
import { isXlinkError, quote, xlinkError } from '../errors.js';
import type { SigningKey } from '../identity/derive.js';
import { didOfSignerKey } from '../identity/did.js';
import { type Awaitable, andThen, isPromiseLike } from '../platform/awaitable.js';
import type { Clock } from '../platform/clock.js';
import type { KeyValueStorage } from '../platform/storage.js';
import { CounterSequence } from '../replay/counter-sequence.js';

/**
 * K for a device: one flash write per 256 readings. ESP32 NVS pages wear out
 * after about 100,000 erase cycles; at one reading a minute that is one write
 * every 4.3 hours, and a reboot skips at most 256 counters (docs/devices.md).
 */
export const DEVICE_PERSIST_EVERY = 256;

/**
 * Where a device's secrets and counter live, on every platform: the Moddable
 * preference domain, the prefix of Espruino's Storage files (`xlink.<key>`)
 * and the ESP-IDF NVS namespace. Provisioning writes `seed`, `ed25519` and
 * `kid` there; the device reads them and keeps its counter (`ctr`) beside them.
 */
export const DEVICE_STORAGE_DOMAIN = 'xlink';

/** What a device's `publish` is told besides the bytes: enough to pick a topic. */
export interface PublishedReading {
  readonly scope: string;
  readonly counter: number;
}

export interface DeviceParts {
  /** The application or fleet the readings are for (signed, never sent). */
  readonly audience: string;
  /** Where the counter's bound lives: flash, preferences, a file. */
  readonly storage: KeyValueStorage;
  /** Sends sealed bytes (MQTT, serial, a test's array); may return a promise. */
  readonly publish: (bytes: Uint8Array, reading: PublishedReading) => Awaitable<void>;
  /** Present only on a device whose clock is set (SNTP, RTC): readings then carry a timestamp. */
  readonly clock?: Clock;
  /** K, counters reserved per storage write; default DEVICE_PERSIST_EVERY. */
  readonly persistEvery?: number;
  /** The storage key of the counter; default "ctr". */
  readonly counterKey?: string;
}

export interface DeviceFromKeys extends DeviceParts {
  /** The signing key and its kid, prepared by provisioning or `signingKeyFromSeed`. */
  readonly keys: SigningKey;
}

export interface TelemetryOptions {
  /** The scope claim; default "telemetry" (sent as nothing). */
  readonly scope?: string;
  /** What the payload is: 'bytes' (default), 'json' or 'cbor'. */
  readonly kind?: PayloadContentType;
}

export interface Device {
  /** `did:key:z6Mk…` of the device's Ed25519 key. */
  readonly did: string;
  /** The 6-byte key id its telemetry carries. */
  readonly kid: Uint8Array;
  /**
   * Seals `payload` under the next counter, publishes it, and returns the
   * bytes sent: plain bytes when the signer, storage and publish all answer
   * synchronously, else a promise of them.
   */
  telemetry(payload: Uint8Array, options?: TelemetryOptions): Awaitable<Uint8Array>;
}

export function createDevice(options: DeviceFromKeys): Device {
  const keys = options?.keys;
  if (typeof keys?.signer?.sign !== 'function' || !(keys.kid instanceof Uint8Array)) {
    throw xlinkError('INVALID_ARGUMENT', '"keys" expected { kid, signer }', {
      field: 'keys',
    });
  }
  // Synchronous for a synchronous signer; sealTelemetry's overloads cannot see that here.
  const seal = sealTelemetry as (key: SigningKey, message: TelemetryMessage) => Awaitable<Uint8Array>;
  return assembleDevice(
    { did: didOfSignerKey(keys.signer.publicKey), kid: keys.kid },
    (message) => seal(keys, message),
    options,
  );
}

/**
 * A device around one sealing function: the counter, the clock, publishing
 * and their failures, shared by the signed profile (createDevice) and the
 * MAC profile (mac-device.ts).
 */
export function assembleDevice(
  names: { readonly did: string; readonly kid: Uint8Array },
  seal: (message: TelemetryMessage) => Awaitable<Uint8Array>,
  parts: DeviceParts,
): Device {
  if (typeof parts !== 'object' || parts === null) {
    throw xlinkError('INVALID_ARGUMENT', `"options" expected an object, got ${quote(parts)}`, { field: 'options' });
  }
  const { audience, publish, clock } = parts;
  if (typeof publish !== 'function') {
    throw xlinkError('INVALID_ARGUMENT', '"publish" expected a function', {
      field: 'publish',
    });
  }
  if (clock !== undefined && typeof clock?.now !== 'function') {
    throw xlinkError('INVALID_ARGUMENT', '"clock" expected { now() } or nothing', { field: 'clock' });
  }
  // Objects built in place, not spread, here and below: ES5 device builds would carry a helper for spreads.
  const counterOptions: { storage: KeyValueStorage; persistEvery: number; key?: string } = {
    storage: parts.storage,
    persistEvery: parts.persistEvery ?? DEVICE_PERSIST_EVERY,
  };
  if (parts.counterKey !== undefined) counterOptions.key = parts.counterKey;
  const counters = new CounterSequence(counterOptions);
  return {
    did: names.did,
    kid: names.kid,
    telemetry(payload, options = {}) {
      const scope = options.scope ?? DEFAULT_TELEMETRY_SCOPE;
      // One counter per reading, taken before anything can fail after it: a failed reading burns its counter.
      return andThen(counters.take(), (counter) => {
        const message: { -readonly [K in keyof TelemetryMessage]: TelemetryMessage[K] } = {
          audience,
          scope,
          counter,
          payload,
        };
        if (clock !== undefined) message.timestamp = clock.now();
        if (options.kind !== undefined) message.contentType = options.kind;
        return andThen(seal(message), (bytes) => andThen(sent(publish, bytes, { scope, counter }), () => bytes));
      });
    },
  };
}

/** `publish(bytes)`, its failure as SEND_FAILED (an XlinkError it throws stays itself). */
function sent(publish: DeviceParts['publish'], bytes: Uint8Array, reading: PublishedReading): Awaitable<void> {
  const fail = (cause: unknown): never => {
    if (isXlinkError(cause)) throw cause;
    throw xlinkError('SEND_FAILED', `publishing the reading failed: ${quote(String(cause), 200)}`, { cause });
  };
  try {
    const answer = publish(bytes, reading);
    return isPromiseLike(answer) ? answer.then(undefined, fail) : answer;
  } catch (cause) {
    return fail(cause);
  }
}
