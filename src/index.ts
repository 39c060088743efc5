/**
 * `xlink`: the names most programs need, in one import. Narrower subpaths
 * (`xlink/envelope`, `xlink/identity`, `xlink/crypto/noble`, …; see
 * docs/architecture.md) hold the rest, and device bundles import only those.
 *
 *   import { Agent, LoopbackTransport, MemoryTrustRegistry } from 'xlink';
 *   const registry = new MemoryTrustRegistry();
 *   const transport = new LoopbackTransport();
 *   const alice = await Agent.quickstart({ name: 'Alice', registry, transport });
 *
 * This is an entry point, so it chooses the default backend: the pure-JS
 * noble backend over the host's `crypto.getRandomValues`, made on first use.
 * On Node the specifier resolves to `index.node.ts` instead, whose default is
 * node:crypto and which adds the file-backed stores. Pass `crypto` to choose.
 */
import { type AgentDefaults, Agent as CoreAgent } from './agent/agent.js';
import { createNobleCrypto } from './crypto/noble/index.js';
import type { CryptoProvider } from './crypto/provider.js';
import { webRandomSource } from './platform/random.js';
import {
  MemoryTrustRegistry as CoreMemoryTrustRegistry,
  type MemoryTrustRegistryOptions,
} from './registry/memory-trust-registry.js';

export {
  type AgentMessage,
  type AgentOptions,
  type QuickstartOptions,
  type ReceiveOptions,
  type SendInput,
  serve,
} from './agent/index.js';
export type { CryptoProvider, Ed25519Signer, Ed25519Verifier, KeyPair } from './crypto/provider.js';
export {
  type ContentType,
  decodeEnvelope,
  decodeTelemetry,
  type Envelope,
  type EnvelopeJson,
  encodeEnvelope,
  openEnvelope,
  type PayloadContentType,
  sealEnvelope,
  sealTelemetry,
  signEnvelope,
  verifyTelemetry,
} from './envelope/index.js';
export {
  type ErrorCode,
  type ErrorDetail,
  isXlinkError,
  type Result,
  toXlinkError,
  XlinkAgentError,
  XlinkArgumentError,
  XlinkEnvelopeError,
  XlinkError,
  XlinkIdentityError,
  XlinkKeyAgreementError,
  XlinkPlatformError,
  XlinkRegistryError,
  XlinkSplitChannelError,
  XlinkTransportError,
} from './errors.js';
export {
  createIdentityDocument,
  generateIdentity,
  type Identity,
  identityFromSeed,
  parseDid,
  type SigningKey,
  signingKeyFromSeed,
  signMessage,
  verifyIdentityDocument,
  verifyMessage,
} from './identity/index.js';
export { type Clock, MemoryKeyValueStorage, VirtualClock } from './platform/index.js';
export type { TrustRegistry, TrustRegistryEntry } from './registry/index.js';
export { CounterSequence, MemoryNonceStore, type NonceStore, RedisNonceStore } from './replay/index.js';
export { type Delivery, LoopbackTransport, type Transport } from './transport/index.js';

let portableCrypto: CryptoProvider | undefined;

/** The entry's default backend, shared by everything that was given none. */
function defaultCrypto(): CryptoProvider {
  const host = globalThis as { crypto?: { getRandomValues(array: Uint8Array<ArrayBuffer>): unknown } };
  portableCrypto ??= createNobleCrypto({ random: webRandomSource(host.crypto as NonNullable<typeof host.crypto>) });
  return portableCrypto;
}

/** The Agent, with the pure-JS backend as its default. */
export class Agent extends CoreAgent {
  static override readonly defaults: AgentDefaults = { crypto: defaultCrypto };
}

/** The memory registry, with the pure-JS backend as its default. */
export class MemoryTrustRegistry extends CoreMemoryTrustRegistry {
  constructor(options: Partial<MemoryTrustRegistryOptions> = {}) {
    super({ ...options, crypto: options.crypto ?? defaultCrypto() });
  }
}
