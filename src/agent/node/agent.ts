/**
 * The Agent for Node.js: the same class, with node:crypto as the default
 * backend (Ed25519 signing about 19× faster than pure JS here; see BENCHMARKS.md).
 * `import { Agent } from 'xlink'` resolves to this one on Node.
 */
import { createNodeCrypto } from '../../crypto/node/index.js';
import type { Result } from '../../errors.js';
import {
  type AgentOptions,
  type ImportIdentityOptions,
  Agent as PortableAgent,
  type QuickstartOptions,
} from '../agent.js';

export class Agent extends PortableAgent {
  static override create(options: AgentOptions): Promise<Result<PortableAgent>> {
    return PortableAgent.create({ ...options, crypto: options.crypto ?? createNodeCrypto() });
  }

  static override quickstart(options: QuickstartOptions = {}): Promise<PortableAgent> {
    return PortableAgent.quickstart({ ...options, crypto: options.crypto ?? createNodeCrypto() });
  }

  static override fromSeed(seed: Uint8Array, options: AgentOptions): Promise<Result<PortableAgent>> {
    return PortableAgent.fromSeed(seed, { ...options, crypto: options.crypto ?? createNodeCrypto() });
  }

  static override importIdentity(options: ImportIdentityOptions): Promise<Result<PortableAgent>> {
    return PortableAgent.importIdentity({ ...options, crypto: options.crypto ?? createNodeCrypto() });
  }
}
