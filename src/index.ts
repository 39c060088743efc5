/**
 * `xlink`: the portable API in one import — errors, codecs, identities,
 * envelopes, registries, replay stores, transports and the Agent.
 *
 *   import { Agent, LoopbackTransport, MemoryTrustRegistry } from 'xlink';
 *   const registry = new MemoryTrustRegistry();
 *   const transport = new LoopbackTransport();
 *   const alice = await Agent.quickstart({ name: 'Alice', registry, transport });
 *
 * On Node this specifier resolves to `index.node.ts` instead: the same names,
 * with node:crypto as the Agent's default backend, plus the file-backed
 * registry and replay store. Elsewhere the Agent defaults to the pure-JS noble
 * backend; pass `crypto` (e.g. from `xlink/crypto/webcrypto`) to choose.
 * Device bundles import the narrow subpaths (`xlink/envelope/sign`, …), not this.
 */
export * from './agent/index.js';
export * from './codec/index.js';
export type { CryptoBackendName, CryptoProvider, KemEncapsulation, KeyPair } from './crypto/provider.js';
export * from './envelope/index.js';
export * from './errors.js';
export * from './identity/index.js';
export { type Clock, systemClock } from './platform/clock.js';
export * from './registry/index.js';
export * from './replay/index.js';
export * from './transport/index.js';
