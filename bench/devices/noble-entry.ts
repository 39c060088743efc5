// The noble device target plus its bare signer, in one bundle: bench/devices.ts
// times a telemetry message against a bare Ed25519 signature in the same engine.

export { nobleEd25519Signing } from 'xlink/crypto/noble/ed25519';
export { createNobleDevice } from '../../targets/common/noble-device.js';
