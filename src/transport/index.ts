/**
 * `xlink/transport`: the transport seam, the queue every transport delivers
 * through, and the in-process loopback (docs/transports.md).
 *
 *   import { LoopbackTransport, type Transport, type Delivery } from 'xlink/transport';
 */
export { type Carried, DeliveryQueue } from './delivery-queue.js';
export { LoopbackTransport, type SentEnvelope } from './loopback.js';
export type {
  Delivery,
  DeliveryErrorHandler,
  DeliveryHandler,
  Transport,
  TransportEnvelope,
  TransportOptions,
} from './transport.js';
