/**
 * `xlink/agent`: the Agent, what it returns, and `serve` to run it on a
 * transport. This Agent picks no crypto backend: pass `crypto` (the `xlink`
 * entry's Agent has a default).
 *
 *   import { Agent, serve } from 'xlink/agent';
 *   import { createNodeCrypto } from 'xlink/crypto/node';
 *   const agent = await Agent.quickstart({ crypto: createNodeCrypto() });
 */
export {
  Agent,
  type AgentDefaults,
  type AgentKeyExport,
  type AgentOptions,
  type AgentParts,
  DEFAULT_SPLIT_SEND_TIMEOUT_MS,
  DEFAULT_TIMESTAMP_WINDOW_MS,
  type QuickstartOptions,
  type SendInput,
} from './agent.js';
export type { AgentMessage } from './message.js';
export type { ProgressEvent, ProgressHandler, ReceiveStage, SendStage } from './progress.js';
export type { ReceiveOptions } from './receive.js';
export {
  DEFAULT_SECURITY_POLICY,
  type SecurityLevel,
  type SecurityPolicy,
  type SplitChannelConfig,
} from './security-policy.js';
export { type Receiver, type ServeHandle, type ServeOptions, serve } from './serve.js';
export type { SplitSent } from './split-send.js';
export type { AgentWarning, AgentWarningCode, WarningHandler } from './warnings.js';
