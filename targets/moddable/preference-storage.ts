/**
 * KeyValueStorage over Moddable's `preference` module (ESP32: NVS; others: a
 * file), so the device counter lives in flash.
 *
 *   import Preference from 'preference';
 *   const storage = preferenceStorage(Preference, 'xlink');
 *
 * Preference keeps ArrayBuffers, keys up to 15 characters and values up to
 * 4,000 bytes on ESP32: exactly xlink's storage limits (xlink/platform), so
 * whatever a test stores fits. NVS writes wear flash: the device writes the
 * counter once per K = 256 readings (docs/devices.md). Failures (a full NVS
 * partition throws) surface from CounterSequence as STORAGE_FAILED.
 */
import type { KeyValueStorage } from 'xlink/platform';

/** The part of Moddable's `Preference` class used here (modules/files/preference). */
export interface ModdablePreference {
  get(domain: string, key: string): ArrayBuffer | string | number | boolean | undefined;
  set(domain: string, key: string, value: ArrayBuffer): void;
  delete(domain: string, key: string): void;
}

export function preferenceStorage(preference: ModdablePreference, domain: string): KeyValueStorage {
  return {
    get(key) {
      const value = preference.get(domain, key);
      // Anything but an ArrayBuffer was not written by xlink: reported as bytes it cannot parse (STORAGE_FAILED).
      if (value === undefined) return undefined;
      return value instanceof ArrayBuffer ? new Uint8Array(value) : new Uint8Array(0);
    },
    set(key, value) {
      // Preference takes an ArrayBuffer, all of it: a view's own bytes, copied out.
      preference.set(domain, key, new Uint8Array(value).buffer);
    },
    delete(key) {
      preference.delete(domain, key);
    },
  };
}
