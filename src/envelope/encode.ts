/**
 * A full envelope in one of its two encodings.
 *
 *   const bytes = encodeEnvelope(envelope, 'compact'); // COSE_Sign1 under tag 18: MQTT, constrained links
 *   const json = encodeEnvelope(envelope, 'json');     // the white paper's object: HTTP, LoopbackTransport.outbox
 *
 * Both carry the same signed bytes; `decodeEnvelope` reads either back.
 */
import { envelopeToCompact } from './compact-encoding.js';
import type { Envelope } from './envelope.js';
import { type EnvelopeJson, envelopeToJson } from './json-encoding.js';

export type EnvelopeEncoding = 'json' | 'compact';

export function encodeEnvelope(envelope: Envelope, encoding: 'compact'): Uint8Array;
export function encodeEnvelope(envelope: Envelope, encoding: 'json'): EnvelopeJson;
export function encodeEnvelope(envelope: Envelope, encoding: EnvelopeEncoding): Uint8Array | EnvelopeJson;
export function encodeEnvelope(envelope: Envelope, encoding: EnvelopeEncoding): Uint8Array | EnvelopeJson {
  return encoding === 'compact' ? envelopeToCompact(envelope) : envelopeToJson(envelope);
}
