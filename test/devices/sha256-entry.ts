// A JavaScript SHA-256 for Duktape, which has no native one: it stands in for
// Espruino's `require('crypto').SHA256` when the MAC target runs in the suite.
export { hash as sha256 } from '@stablelib/sha256';
