/** What `agent.receive` returns: a verified, decrypted message. */
import type { EnvelopeVersion } from '../identity/document.js';

export interface AgentMessage<Payload = unknown> {
  /** The sender's DID, verified by its signature and found in the registry. */
  readonly sender: string;
  /** This agent's DID. */
  readonly recipient: string;
  readonly scope: string;
  /** The payload as the sender gave it, parsed from strict JSON. */
  readonly payload: Payload;
  /** The sender's clock, ms since the Unix epoch; absent for a counter envelope from a device without a clock. */
  readonly timestamp?: number;
  readonly version: EnvelopeVersion;
}
