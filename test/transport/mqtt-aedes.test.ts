// MqttTransport on the embedded aedes broker (MQTT 3.1.1): the transport
// contract, then what the embedded broker itself promises.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { startEmbeddedBroker } from '../../src/transport/node/embedded-broker.js';
import { connectedPair } from './mqtt-fixture.js';
import { describeTransportContract } from './transport-contract.js';

describeTransportContract('MqttTransport on aedes (MQTT 3.1.1)', async ({ onError }) => {
  const broker = await startEmbeddedBroker();
  return connectedPair({ url: broker.url, protocolVersion: 4, onError, cleanup: () => broker.close() });
});

describe('startEmbeddedBroker', () => {
  it('listens on a free port of 127.0.0.1 and closes idempotently', async () => {
    const broker = await startEmbeddedBroker();
    assert.match(broker.url, /^mqtt:\/\/127\.0\.0\.1:\d+$/);
    assert.ok(broker.port > 0);
    await Promise.all([broker.close(), broker.close()]);
  });
});
