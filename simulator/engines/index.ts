/**
 * Fleet devices on the real embedded engines, for `xlink simulate`'s sample
 * of firmware in the fleet (docs/simulator.md, "Devices on the real engines"):
 *
 *   const factories = { xs: createXsFleetDevice, quickjs: createQuickJsFleetDevice };
 *   const device = await factories.xs({ serial, seed }, { audience: 'acme', clock });
 *   const bytes = await device.telemetry(payload, { scope: 'telemetry' }); // sealed inside Moddable XS
 *
 * Each device is one engine machine running the target bundle as shipped.
 * Without the engine packages a factory rejects with ENGINE_UNAVAILABLE.
 */
import type { FleetDeviceFactory } from '../fleet-device.js';
import { openQuickJsFleetDevice } from './quickjs-device.js';
import { openXsFleetDevice } from './xs-device.js';

export type { EngineDeviceOptions } from './engine-device.js';
export { openQuickJsFleetDevice } from './quickjs-device.js';
export { openXsFleetDevice } from './xs-device.js';

export const createXsFleetDevice: FleetDeviceFactory = openXsFleetDevice;
export const createQuickJsFleetDevice: FleetDeviceFactory = openQuickJsFleetDevice;
