/**
 * `xlink/transport/mqtt`: the MQTT transport (Node, mqtt.js), its file-backed
 * session store and the embedded aedes broker (docs/transports.md, "MQTT").
 * Device bundles never import it.
 *
 *   import { MqttTransport, startEmbeddedBroker } from 'xlink/transport/mqtt';
 */
export { type EmbeddedBroker, type EmbeddedBrokerOptions, startEmbeddedBroker } from './embedded-broker.js';
export { FileMqttStore } from './mqtt-file-store.js';
export {
  type CloseOptions,
  type MqttStatus,
  MqttTransport,
  type MqttTransportOptions,
  type PublishOptions,
} from './mqtt-transport.js';
