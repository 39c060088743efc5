/**
 * A fleet device running the QuickJS target bundle in its own QuickJS
 * runtime (own heap; all share one WebAssembly module in this process).
 *
 *   const device = await createQuickJsFleetDevice({ serial, seed }, { audience: 'acme', clock });
 */
import type { FleetDevice, FleetDeviceOptions, FleetDeviceSecrets } from '../fleet-device.js';
import { asScript } from './as-script.js';
import { targetBundle } from './bundles.js';
import { type EngineDeviceOptions, openEngineDevice } from './engine-device.js';
import { openQuickJsContext } from './quickjs-contexts.js';
import { SESSION_SCRIPT } from './session-script.js';

export async function openQuickJsFleetDevice(
  secrets: FleetDeviceSecrets,
  options: FleetDeviceOptions & EngineDeviceOptions,
): Promise<FleetDevice & { memoryUsed(): number }> {
  const bundle = await targetBundle('quickjs');
  const machine = await openQuickJsContext();
  try {
    machine.evaluate(`${asScript('quickjs', bundle)}\n${SESSION_SCRIPT}`, 'xlink-device.js');
  } catch (error) {
    machine.close();
    throw error;
  }
  const device = await openEngineDevice(
    'quickjs',
    {
      call: async (request) => machine.evaluateString(`xlinkSession(${JSON.stringify(request)})`),
      close: async () => machine.close(),
    },
    secrets,
    options,
  );
  return Object.assign(device, { memoryUsed: () => machine.memoryUsed() });
}
