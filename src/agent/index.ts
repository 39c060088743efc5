/**
 * `xlink/agent`: the Agent, what it returns, and `serve` to run it on a transport (portable; noble crypto by default).
 *
 *   import { Agent, serve } from 'xlink/agent';
 */
export {
  Agent,
  type AgentKeyExport,
  type AgentOptions,
  type AgentParts,
  DEFAULT_TIMESTAMP_WINDOW_MS,
  type ImportIdentityOptions,
  type QuickstartOptions,
  type SendInput,
} from './agent.js';
export type { AgentMessage } from './message.js';
export type { ProgressEvent, ProgressHandler, ReceiveStage, SendStage } from './progress.js';
export type { ReceiveOptions } from './receive.js';
export { type Receiver, type ServeHandle, type ServeOptions, serve } from './serve.js';
