/**
 * `xlink` on Node: everything of `index.ts`, the Agent with node:crypto as
 * its default backend, and the file-backed registry and replay stores.
 *
 *   import { Agent, FileTrustRegistry, FileNonceStore } from 'xlink';
 */

export { Agent } from './agent/node/agent.js';
export * from './index.js';
export * from './registry/node/index.js';
export * from './replay/node/index.js';
