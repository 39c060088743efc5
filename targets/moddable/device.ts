/**
 * The Moddable XS target: one ES module for mcconfig (manifest.json beside
 * it), holding the noble device and the glue to Moddable's preference, rng and
 * MQTT modules. main.js is the application that wires them.
 */

export { DEVICE_STORAGE_DOMAIN } from 'xlink/device';
export {
  createNobleDevice,
  DEFAULT_BASE_WINDOW,
  type NobleDeviceOptions,
  type ProvisionedKey,
} from '../common/noble-device.js';
export {
  type ClassicMqttClient,
  classicMqttPublish,
  type Ecma419MqttClient,
  ecma419MqttPublish,
} from './mqtt-publish.js';
export { type ModdablePreference, preferenceStorage } from './preference-storage.js';
export { type ModdableRng, moddableRandomSource } from './rng.js';
