// A connected MqttTransport pair on a given broker, for the transport
// contract: the receiver subscribes to the topic the sender's template
// writes; what the receiver acknowledged is read from the PUBACKs its mqtt.js
// client writes (the same on aedes and on Mosquitto).
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { Packet } from 'mqtt';
import { MqttTransport, type MqttTransportOptions } from '../../src/transport/node/mqtt-transport.js';
import type { DeliveryErrorHandler, TransportEnvelope } from '../../src/transport/transport.js';
import type { TransportPair } from './transport-contract.js';

const BOB = 'did:key:z6MkpTHR8VNsBxYAAWHut2Geadd9jSwuBV8xRoAnwWsdvktH';

export interface PairOptions {
  readonly url: string;
  readonly protocolVersion: 4 | 5;
  readonly onError: DeliveryErrorHandler;
  readonly cleanup?: () => Promise<void>;
  readonly extra?: Partial<MqttTransportOptions>;
}

/** Every PUBACK `transport`'s client writes, as the payload of the message it acknowledges. */
export function recordAcks(transport: MqttTransport): TransportEnvelope[] {
  const client = transport.client;
  assert.ok(client, 'connected');
  const inFlight = new Map<number, Uint8Array>();
  const acked: TransportEnvelope[] = [];
  client.on('packetreceive', (packet: Packet) => {
    if (packet.cmd === 'publish' && packet.qos === 1) {
      inFlight.set(packet.messageId as number, Uint8Array.from(packet.payload as Uint8Array));
    }
  });
  client.on('packetsend', (packet: Packet) => {
    if (packet.cmd !== 'puback') return;
    const payload = inFlight.get(packet.messageId as number);
    if (payload !== undefined) acked.push(payload);
  });
  return acked;
}

export async function connectedPair(options: PairOptions): Promise<TransportPair> {
  // Fresh ids and topic per pair: on a shared broker, sessions of earlier pairs live on.
  const id = randomUUID().slice(0, 8);
  const topic = `dt/contract/device-${id}/telemetry`;
  const common = {
    url: options.url,
    protocolVersion: options.protocolVersion,
    app: 'contract',
    deviceId: `device-${id}`,
    reconnectMinMs: 50,
    connectTimeoutMs: 5_000,
    ...options.extra,
  } as const;
  const receiver = new MqttTransport({
    ...common,
    clientId: `contract-receiver-${id}`,
    subscriptions: [topic],
    onError: options.onError,
  });
  const sender = new MqttTransport({ ...common, clientId: `contract-sender-${id}` });
  for (const transport of [receiver, sender]) {
    const connected = await transport.connect();
    assert.ok(connected.ok, connected.ok ? '' : `${connected.error.code}: ${connected.error.message}`);
  }
  const acked = recordAcks(receiver);
  return {
    sender,
    receiver,
    to: BOB,
    topic,
    jsonArrivesAsBytes: true,
    acknowledged: () => acked,
    ...(options.cleanup === undefined ? {} : { cleanup: options.cleanup }),
  };
}
