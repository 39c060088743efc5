/**
 * `xlink/transport`: the transport seam, the queue every transport delivers
 * through, the in-process loopback and MQTT topic templates (docs/transports.md).
 * The MQTT transport itself is Node-only: `xlink/transport/mqtt`.
 *
 *   import { LoopbackTransport, type Transport, type Delivery } from 'xlink/transport';
 */
export { type Carried, DeliveryQueue } from './delivery-queue.js';
export { LoopbackTransport, type SentEnvelope } from './loopback.js';
export {
  DEFAULT_MAX_SEGMENT_LENGTH,
  DEFAULT_TOPIC_TEMPLATE,
  MAX_TOPIC_LENGTH,
  TOPIC_PLACEHOLDERS,
  type TopicPlaceholder,
  TopicTemplate,
  type TopicTemplateOptions,
  type TopicValues,
  topicFilterError,
  topicNameError,
} from './topic-template.js';
export type {
  Delivery,
  DeliveryErrorHandler,
  DeliveryHandler,
  DeliveryHints,
  Transport,
  TransportEnvelope,
  TransportOptions,
} from './transport.js';
