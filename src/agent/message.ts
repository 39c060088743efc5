/** What `agent.receive` returns: a verified (and decrypted) message. */
import type { PayloadContentType } from '../envelope/content-type.js';
import type { EnvelopeVersion } from '../identity/document.js';

export interface AgentMessage<Payload = unknown> {
  /** The sender's DID, verified by its signature and found in the registry. */
  readonly sender: string;
  /** This agent's DID; for a telemetry envelope, the audience it was signed for. */
  readonly recipient: string;
  readonly scope: string;
  /** The payload decoded as its content type says: a JSON value, a CBOR value, or the bytes themselves. */
  readonly payload: Payload;
  readonly contentType: PayloadContentType;
  /** The sender's clock, ms since the Unix epoch; absent for a counter envelope from a device without a clock. */
  readonly timestamp?: number;
  readonly version: EnvelopeVersion;
  /** How it arrived: a full envelope as JSON or compact COSE, or the telemetry profile. */
  readonly encoding: 'json' | 'compact' | 'telemetry';
}
