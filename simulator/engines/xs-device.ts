/**
 * A fleet device running the Moddable target bundle in its own Moddable XS
 * machine (one xsnap worker per device: its own heap, as a board has).
 *
 *   const device = await createXsFleetDevice({ serial, seed }, { audience: 'acme', clock });
 */
import type { FleetDevice, FleetDeviceOptions, FleetDeviceSecrets } from '../fleet-device.js';
import { asScript } from './as-script.js';
import { targetBundle } from './bundles.js';
import { type EngineDeviceOptions, openEngineDevice } from './engine-device.js';
import { SESSION_SCRIPT } from './session-script.js';
import { openXsnapWorker } from './xsnap-workers.js';

/** xsnap delivers commands as ArrayBuffers; the session speaks strings. */
const XS_COMMANDS =
  'globalThis.handleCommand = (request) => new TextEncoder().encode(xlinkSession(new TextDecoder().decode(request))).buffer;';

export async function openXsFleetDevice(
  secrets: FleetDeviceSecrets,
  options: FleetDeviceOptions & EngineDeviceOptions,
): Promise<FleetDevice & { readonly pid: number | undefined }> {
  const bundle = await targetBundle('moddable');
  const worker = await openXsnapWorker();
  try {
    await worker.evaluate(`${asScript('moddable', bundle)}\n${SESSION_SCRIPT}\n${XS_COMMANDS}`);
  } catch (error) {
    await worker.close();
    throw error;
  }
  const device = await openEngineDevice(
    'xs',
    { call: async (request) => (await worker.command(request)).reply, close: () => worker.close() },
    secrets,
    options,
  );
  return Object.assign(device, { pid: worker.pid });
}
