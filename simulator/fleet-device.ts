// simulator/fleet-device.ts (simcore writes it first, commit it early; simengines copies this file verbatim into its branch)
export type DeviceRuntime = 'node' | 'xs' | 'quickjs';
export interface FleetDeviceSecrets {
  readonly serial: string; // the provisioning serial, or a generated name
  readonly seed: Uint8Array; // 32 bytes (provisioning artifact / generated)
  readonly ed25519Seed?: Uint8Array; // the device forms of an artifact carry it
  readonly kid?: Uint8Array;
}
export interface FleetDeviceOptions {
  readonly audience: string; // the gateway's app / audience
  readonly clock: { now(): number }; // the run's clock (virtual or real); a fault may skew per reading
}
export interface FleetDevice {
  readonly serial: string;
  readonly runtime: DeviceRuntime;
  readonly did: string;
  /** The kid in hex: the {deviceId} of its topic. */
  readonly deviceId: string;
  /** Seals one reading with the device's next counter (exactly what firmware sends). */
  telemetry(payload: Uint8Array, options: { readonly scope: string; readonly timestamp?: number }): Promise<Uint8Array>;
  /** Wipes the device's counter storage (a factory reset), for the counter-rollback fault. */
  resetCounter(): Promise<void>;
  close(): Promise<void>;
}
export type FleetDeviceFactory = (secrets: FleetDeviceSecrets, options: FleetDeviceOptions) => Promise<FleetDevice>;
