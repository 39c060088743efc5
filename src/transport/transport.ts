/**
 * The transport seam (white paper, "Transport Adapters"): something that
 * carries envelopes and hands received ones to a handler. Transports never
 * verify; the receiver does.
 *
 *   transport.onReceive((envelope) => agent.receive(envelope));
 *   const sent = await transport.send(envelope, recipientDid); // Result<void>
 *   transport.dispose();
 *
 * An envelope travels in one of the two encodings of src/envelope: the JSON
 * object form, or compact bytes (COSE_Sign1). A transport carries it as it is
 * given and must not re-encode it.
 */
import type { EnvelopeJson } from '../envelope/json-encoding.js';
import type { Result } from '../errors.js';

/** A JSON-form envelope object, or compact (COSE_Sign1) bytes. */
export type TransportEnvelope = EnvelopeJson | Uint8Array;

export type EnvelopeHandler = (envelope: TransportEnvelope) => void;

export interface TransportAdapter {
  /** Delivers `envelope` towards `to` (a DID). `SEND_FAILED:*` when it cannot. */
  send(envelope: TransportEnvelope, to: string): Promise<Result<void>>;
  /** Registers the handler for envelopes this transport receives. */
  onReceive(handler: EnvelopeHandler): void;
  /** Stops delivery and releases resources; `send` afterwards fails with `SEND_FAILED:CLOSED`. */
  dispose(): void;
}
