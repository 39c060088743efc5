/**
 * Espruino's side of a device: flash storage over its `Storage` module, and
 * publishing over its MQTT module, which sends text: the envelope goes as
 * base64. Shared by both Espruino targets (device.ts, mac-device.ts).
 */
import { DEVICE_STORAGE_DOMAIN, type PublishedReading } from 'xlink/device';
import type { KeyValueStorage } from 'xlink/platform';

/** The part of Espruino's `Storage` module used here (flash, wear-levelled by its own compaction). */
export interface EspruinoStorageModule {
  readArrayBuffer(name: string): ArrayBuffer | undefined;
  write(name: string, data: Uint8Array): boolean;
  erase(name: string): void;
}

/**
 * KeyValueStorage over Espruino's flash `Storage`, each key a file named
 * "xlink." + key: the files provisioning wrote (`seed`, `ed25519`, `kid`) read
 * through it, and the counter lives beside them.
 */
export function espruinoStorage(storage: EspruinoStorageModule): KeyValueStorage {
  // biome-ignore lint/style/useTemplate: ES5 output spells a template as "".concat(…), which costs bytes.
  const file = (key: string): string => DEVICE_STORAGE_DOMAIN + '.' + key;
  return {
    get(key) {
      const value = storage.readArrayBuffer(file(key));
      return value === undefined ? undefined : new Uint8Array(value);
    },
    set(key, value) {
      const name = file(key);
      // Storage.write overwrites in place only when the new value fits; erase first keeps one copy.
      storage.erase(name);
      if (!storage.write(name, value)) throw new Error(`Storage.write of ${name} failed (flash full?)`);
    },
    delete(key) {
      storage.erase(file(key));
    },
  };
}

/** Espruino's MQTT module (and its client) call toString() on a message: the envelope goes out as base64 text. */
export interface EspruinoMqtt {
  publish(topic: string, message: string): void;
}

export function base64Publish(
  mqtt: EspruinoMqtt,
  topic: string,
): (bytes: Uint8Array, reading: PublishedReading) => void {
  return (bytes) => mqtt.publish(topic, base64(bytes));
}

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

/** Standard base64 with padding (RFC 4648 §4), what gateways decode from an Espruino topic. */
export function base64(bytes: Uint8Array): string {
  let out = '';
  for (let i = 0; i < bytes.length; i += 3) {
    const a = bytes[i] as number;
    const b = bytes[i + 1];
    const c = bytes[i + 2];
    const n = (a << 16) | ((b ?? 0) << 8) | (c ?? 0);
    out += ALPHABET.charAt(n >> 18) + ALPHABET.charAt((n >> 12) & 63);
    out += b === undefined ? '==' : ALPHABET.charAt((n >> 6) & 63) + (c === undefined ? '=' : ALPHABET.charAt(n & 63));
  }
  return out;
}
