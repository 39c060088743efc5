// The Espruino device target plus @stablelib/ed25519 itself, in one ES5 bundle:
// bench/devices.ts times a telemetry message against the library's bare sign on Duktape.
export { generateKeyPairFromSeed, sign } from '@stablelib/ed25519';
export { createEspruinoDevice } from '../../targets/espruino/device.js';
