// Findings about Mosquitto itself, each the reason for a setting in
// test/helpers/mosquitto.ts and docs/transports.md ("Mosquitto settings"):
// a PUBACK from Mosquitto does not mean the message is safe unless the broker
// is configured for it. Real Mosquitto processes, killed -9.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, describe, it } from 'node:test';
import { MqttTransport } from '../../src/transport/node/mqtt-transport.js';
import type { Delivery } from '../../src/transport/transport.js';
import { type Mosquitto, mosquittoInstalled, startMosquitto } from '../helpers/mosquitto.js';
import { eventually } from '../helpers/mqtt-child.js';

const TIMEOUT = { timeout: 60_000 };

if (!mosquittoInstalled() && process.env.XLINK_REQUIRE_MOSQUITTO !== '1') {
  console.log('Mosquitto persistence findings: not run: mosquitto not installed');
} else {
  const brokers: Mosquitto[] = [];
  const transports: MqttTransport[] = [];
  after(async () => {
    await Promise.all(transports.map((t) => t.close({ drainTimeoutMs: 100 })));
    for (const broker of brokers) await broker.stop();
  });
  const broker = async (options: Parameters<typeof startMosquitto>[0]) => {
    const started = await startMosquitto(options);
    assert.ok(started);
    brokers.push(started);
    return started;
  };
  const transport = (url: string, clientId: string, subscriptions: string[] = []) => {
    const made = new MqttTransport({ url, clientId, subscriptions, reconnectMinMs: 50 });
    transports.push(made);
    return made;
  };

  /** An offline persistent session on `topic`, `count` messages published to it (each PUBACKed), then the session back: what it receives. */
  async function queuedThenReturned(
    mosquitto: Mosquitto,
    count: number,
    between: () => Promise<void>,
  ): Promise<{ published: number; received: string[] }> {
    const id = randomUUID().slice(0, 8);
    const topic = `dt/finding/${id}/telemetry`;
    const away = transport(mosquitto.url, `away-${id}`, [topic]);
    assert.ok((await away.connect()).ok);
    await away.close();
    const publisher = transport(mosquitto.url, `pub-${id}`);
    assert.ok((await publisher.connect()).ok);
    let published = 0;
    for (let i = 0; i < count; i++) {
      const sent = await publisher.publish(topic, new TextEncoder().encode(`m${i}`));
      assert.ok(sent.ok, 'Mosquitto acknowledged it');
      published++;
    }
    await publisher.close({ drainTimeoutMs: 100 });
    await between();
    const back = transport(mosquitto.url, `away-${id}`, [topic]); // subscribes again, in case the session was lost
    const received: string[] = [];
    back.onReceive(async (d: Delivery) => void received.push(new TextDecoder().decode(d.payload)));
    assert.ok((await back.connect()).ok);
    // Barrier: a message published now arrives after everything queued before it.
    const marker = transport(mosquitto.url, `marker-${id}`);
    assert.ok((await marker.connect()).ok);
    assert.ok((await marker.publish(topic, new TextEncoder().encode('marker'))).ok);
    await eventually('the marker', () => received.includes('marker'), 30_000);
    return { published, received: received.filter((m) => m !== 'marker') };
  }

  describe('Mosquitto findings', () => {
    it(
      'with its default max_queued_messages (1000), Mosquitto drops acknowledged QoS 1 messages for an offline session',
      TIMEOUT,
      async () => {
        const mosquitto = await broker({ maxQueuedMessages: 1000 });
        const { published, received } = await queuedThenReturned(mosquitto, 1200, async () => {});
        assert.equal(published, 1200, 'every publish got its PUBACK');
        assert.ok(received.length < 1200 && received.length >= 1000, `${received.length} of 1200 arrived`);
        console.log(`max_queued_messages 1000: ${1200 - received.length} of 1200 acknowledged messages dropped`);
      },
    );

    it('with its default autosave, a kill -9 loses every acknowledged queued message', TIMEOUT, async () => {
      const mosquitto = await broker({ autosave: 'mosquitto-default' });
      const { received } = await queuedThenReturned(mosquitto, 20, async () => {
        await mosquitto.kill();
        await mosquitto.restart();
      });
      assert.deepEqual(received, [], 'nothing was saved: the session itself is gone');
    });

    it(
      'with autosave_on_changes and autosave_interval 1, a kill -9 loses at most the last pass: a prefix survives',
      TIMEOUT,
      async () => {
        const mosquitto = await broker({});
        const { received } = await queuedThenReturned(mosquitto, 20, async () => {
          await mosquitto.kill(); // right after the last PUBACK: its save may not have happened yet
          await mosquitto.restart();
        });
        const expected = Array.from({ length: 20 }, (_, i) => `m${i}`);
        assert.deepEqual(received, expected.slice(0, received.length), 'in order, from the first');
        assert.ok(received.length >= 19, `${received.length} of 20 survived`);
        console.log(
          `autosave on every change, kill -9 right after the last PUBACK: ${20 - received.length} of 20 lost`,
        );
      },
    );
  });
}
