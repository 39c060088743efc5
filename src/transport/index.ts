/**
 * `xlink/transport`: the transport seam and the in-process loopback.
 *
 *   import { LoopbackTransport, type TransportAdapter } from 'xlink/transport';
 */
export { LoopbackTransport, type SentEnvelope } from './loopback.js';
export type { EnvelopeHandler, TransportAdapter, TransportEnvelope } from './transport.js';
