// @stablelib/ed25519's signer alone, through the ES5 build: the floor the Espruino bundle's bytes are compared with.
export { generateKeyPairFromSeed, sign } from '@stablelib/ed25519';
