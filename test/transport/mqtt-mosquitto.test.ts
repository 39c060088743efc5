// MqttTransport on a real Mosquitto the suite starts (test/helpers/mosquitto.ts):
// the transport contract over MQTT 5 and 3.1.1, then what MQTT promises and
// what a process or broker dying must not lose. Without the binary it prints
// that it did not run (CI installs mosquitto and sets XLINK_REQUIRE_MOSQUITTO).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { FileMqttStore } from '../../src/transport/node/mqtt-file-store.js';
import { type MqttStatus, MqttTransport, type MqttTransportOptions } from '../../src/transport/node/mqtt-transport.js';
import type { Delivery } from '../../src/transport/transport.js';
import { type Mosquitto, mosquittoClientsInstalled, startMosquitto } from '../helpers/mosquitto.js';
import { eventually, startChild } from '../helpers/mqtt-child.js';
import { source } from '../helpers/node-child.js';
import { connectedPair } from './mqtt-fixture.js';
import { describeTransportContract } from './transport-contract.js';

const TIMEOUT = { timeout: 60_000 };
const shared = await startMosquitto();

if (shared === undefined) {
  console.log('MqttTransport on Mosquitto: not run: mosquitto not installed');
} else {
  const brokers: Mosquitto[] = [shared];
  const transports: MqttTransport[] = [];
  const dirs: string[] = [];
  after(async () => {
    await Promise.all(transports.map((t) => t.close({ drainTimeoutMs: 100 })));
    for (const broker of brokers) await broker.stop();
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  /** A transport closed after the suite; connected unless told not to. */
  const open = async (options: Partial<MqttTransportOptions> & { clientId: string }, connect = true) => {
    const transport = new MqttTransport({ url: shared.url, reconnectMinMs: 50, reconnectMaxMs: 400, ...options });
    transports.push(transport);
    if (connect) {
      const connected = await transport.connect();
      assert.ok(connected.ok, connected.ok ? '' : `${connected.error.code}: ${connected.error.message}`);
    }
    return transport;
  };
  const unique = (): string => randomUUID().slice(0, 8);
  const text = (delivery: Delivery): string => new TextDecoder().decode(delivery.payload);
  const bytes = (value: string): Uint8Array => new TextEncoder().encode(value);
  const tempDir = (): string => {
    const dir = mkdtempSync(join(tmpdir(), 'xlink-mqtt-test-'));
    dirs.push(dir);
    return dir;
  };
  const recorder = () => {
    const seen: Delivery[] = [];
    return { seen, handler: async (delivery: Delivery) => void seen.push(delivery) };
  };

  describeTransportContract('MqttTransport on Mosquitto (MQTT 5)', ({ onError }) =>
    connectedPair({ url: shared.url, protocolVersion: 5, onError }),
  );
  describeTransportContract('MqttTransport on Mosquitto (MQTT 3.1.1)', ({ onError }) =>
    connectedPair({ url: shared.url, protocolVersion: 4, onError }),
  );

  describe('MqttTransport on Mosquitto: sessions and receipts', () => {
    it(
      'a persistent session delivers what was queued while the subscriber was away, right after CONNACK',
      TIMEOUT,
      async () => {
        const id = unique();
        const topic = `dt/persist/${id}/telemetry`;
        const first = await open({ clientId: `persist-${id}`, subscriptions: [topic] });
        await first.close(); // a normal DISCONNECT: the session (expiry 3600 s) stays at the broker
        const publisher = await open({ clientId: `persist-pub-${id}` });
        for (let i = 0; i < 20; i++) assert.ok((await publisher.publish(topic, bytes(`m${i}`))).ok);
        // No subscriptions: what arrives comes from the session alone, before any SUBSCRIBE could.
        const again = await open({ clientId: `persist-${id}` }, false);
        const { seen, handler } = recorder();
        again.onReceive(handler); // before connect, or the queued messages would find no handler
        assert.ok((await again.connect()).ok);
        await eventually('20 queued messages', () => seen.length >= 20);
        assert.deepEqual(
          seen.map(text),
          Array.from({ length: 20 }, (_, i) => `m${i}`),
        );
        assert.ok(seen.every((d) => d.topic === topic));
      },
    );

    it(
      'close({ sessionExpiry: 0 }) ends the session at once (MQTT 5): nothing is queued for it after',
      TIMEOUT,
      async () => {
        const id = unique();
        const topic = `dt/expiry/${id}/telemetry`;
        const first = await open({ clientId: `expiry-${id}`, subscriptions: [topic] });
        await first.close({ sessionExpiry: 0 });
        const publisher = await open({ clientId: `expiry-pub-${id}` });
        for (let i = 0; i < 5; i++) assert.ok((await publisher.publish(topic, bytes(`lost${i}`))).ok);
        const again = await open({ clientId: `expiry-${id}`, subscriptions: [topic] }, false);
        const { seen, handler } = recorder();
        again.onReceive(handler);
        assert.ok((await again.connect()).ok);
        assert.ok((await publisher.publish(topic, bytes('marker'))).ok);
        await eventually('the marker', () => seen.length >= 1);
        assert.deepEqual(seen.map(text), ['marker'], 'nothing from before: the session had ended');
      },
    );

    it(
      'sends the PUBACK only after the receipt: a subscriber killed -9 in its handler gets the message again',
      TIMEOUT,
      async () => {
        const id = unique();
        const topic = `dt/kill/${id}/telemetry`;
        const child = startChild(
          `
        import { MqttTransport } from '${source('transport/node/mqtt-transport.ts')}';
        const t = new MqttTransport({ url: process.env.URL, clientId: process.env.CLIENT, subscriptions: [process.env.TOPIC] });
        t.onReceive(async (d) => { console.log('got ' + new TextDecoder().decode(d.payload)); await new Promise(() => {}); });
        const r = await t.connect();
        console.log(r.ok ? 'connected' : 'failed ' + r.error.code);
        `,
          { URL: shared.url, CLIENT: `kill-${id}`, TOPIC: topic },
        );
        await child.line('connected');
        const publisher = await open({ clientId: `kill-pub-${id}` });
        assert.ok((await publisher.publish(topic, bytes('first'))).ok);
        await child.line('got first');
        await child.kill(); // in the handler, before its receipt
        const again = await open({ clientId: `kill-${id}` }, false);
        const { seen, handler } = recorder();
        again.onReceive(handler);
        assert.ok((await again.connect()).ok);
        await eventually('the redelivery', () => seen.length >= 1);
        assert.equal(text(seen[0] as Delivery), 'first', 'redelivered: it was never acknowledged');
        // Acknowledged now: a third session gets only what comes after it.
        await again.close();
        assert.ok((await publisher.publish(topic, bytes('second'))).ok);
        const third = await open({ clientId: `kill-${id}` }, false);
        const later = recorder();
        third.onReceive(later.handler);
        assert.ok((await third.connect()).ok);
        await eventually('the second message', () => later.seen.length >= 1);
        assert.deepEqual(later.seen.map(text), ['second']);
      },
    );

    it(
      'passes MQTT 5 content type and user properties as hints, and delivers the bytes untouched',
      TIMEOUT,
      async () => {
        const id = unique();
        const topic = `dt/hints/${id}/telemetry`;
        const receiver = await open({ clientId: `hints-${id}`, subscriptions: [topic] });
        const old = await open({ clientId: `hints-v4-${id}`, subscriptions: [topic], protocolVersion: 4 });
        const { seen, handler } = recorder();
        const v4 = recorder();
        receiver.onReceive(handler);
        old.onReceive(v4.handler);
        const publisher = await open({ clientId: `hints-pub-${id}` });
        const payload = Uint8Array.of(0xd2, 0x84, 0x00, 0xff); // says COSE, claims JSON: the hint is not believed
        const sent = await publisher.publish(topic, payload, {
          contentType: 'application/json',
          userProperties: { verified: 'true', device: 'someone-else' },
        });
        assert.ok(sent.ok);
        await eventually('the message, twice', () => seen.length >= 1 && v4.seen.length >= 1);
        const [delivery] = seen as [Delivery];
        assert.deepEqual(delivery.hints, {
          contentType: 'application/json',
          userProperties: { verified: 'true', device: 'someone-else' },
        });
        assert.deepEqual([...(delivery.envelope as Uint8Array)], [...payload], 'the envelope is the bytes, as sent');
        assert.equal((v4.seen[0] as Delivery).hints, undefined, 'MQTT 3.1.1 carries no properties');
      },
    );

    it(
      'splits a shared subscription $share/<group>/… between two clients, each message to one of them',
      TIMEOUT,
      async () => {
        const id = unique();
        const filter = `$share/gateways/dt/share-${id}/+/+`;
        const a = recorder();
        const b = recorder();
        const first = await open({ clientId: `share-a-${id}`, subscriptions: [filter] }, false);
        const second = await open({ clientId: `share-b-${id}`, subscriptions: [filter] }, false);
        first.onReceive(a.handler);
        second.onReceive(b.handler);
        assert.ok((await first.connect()).ok);
        assert.ok((await second.connect()).ok);
        const publisher = await open({ clientId: `share-pub-${id}` });
        for (let i = 0; i < 40; i++) {
          assert.ok((await publisher.publish(`dt/share-${id}/device-${i}/telemetry`, bytes(`m${i}`))).ok);
        }
        await eventually('40 deliveries', () => a.seen.length + b.seen.length >= 40);
        assert.ok(a.seen.length > 0 && b.seen.length > 0, `split ${a.seen.length}/${b.seen.length}`);
        const all = [...a.seen, ...b.seen].map(text).sort();
        assert.deepEqual(all, Array.from({ length: 40 }, (_, i) => `m${i}`).sort(), 'each exactly once');
      },
    );

    it(
      'hands mosquitto_pub garbage to the handler as the exact bytes: text, binary with NUL, empty',
      TIMEOUT,
      async (t) => {
        if (!mosquittoClientsInstalled()) {
          t.skip('mosquitto_pub not installed (apt-get install mosquitto-clients)');
          return;
        }
        const id = unique();
        const topic = `dt/garbage/${id}/telemetry`;
        const receiver = await open({ clientId: `garbage-${id}`, subscriptions: [topic] });
        const { seen, handler } = recorder();
        receiver.onReceive(handler);
        const binary = Buffer.concat([Buffer.from([0x00, 0xd2, 0x84, 0x00]), randomBytes(300)]);
        const file = join(tempDir(), 'garbage.bin');
        writeFileSync(file, binary);
        const pub = (...args: string[]) => {
          const run = spawnSync('mosquitto_pub', [
            '-h',
            '127.0.0.1',
            '-p',
            String(shared.port),
            '-q',
            '1',
            '-t',
            topic,
            ...args,
          ]);
          assert.equal(run.status, 0, run.stderr.toString());
        };
        pub('-m', '{"v":"v2", not json');
        pub('-f', file);
        pub('-n');
        await eventually('three deliveries', () => seen.length >= 3);
        assert.equal(text(seen[0] as Delivery), '{"v":"v2", not json');
        assert.deepEqual(Buffer.from((seen[1] as Delivery).envelope as Uint8Array), binary);
        assert.equal(((seen[2] as Delivery).envelope as Uint8Array).length, 0);
        assert.ok(seen.every((d) => d.envelope instanceof Uint8Array && d.topic === topic));
      },
    );
  });

  describe('MqttTransport on Mosquitto: faults', () => {
    it(
      'reconnects with backoff after Mosquitto is killed -9 and restarted; acknowledged queued messages survive',
      TIMEOUT,
      async () => {
        const broker = await startMosquitto();
        assert.ok(broker);
        brokers.push(broker);
        const id = unique();
        const live = `dt/fault/${id}/live`;
        const queued = `dt/fault/${id}/queued`;
        const statuses: MqttStatus[] = [];
        const subscriber = new MqttTransport({
          url: broker.url,
          clientId: `fault-sub-${id}`,
          subscriptions: [live],
          reconnectMinMs: 100,
          reconnectMaxMs: 400,
        });
        transports.push(subscriber);
        subscriber.onStatus((status) => statuses.push(status));
        const { seen, handler } = recorder();
        subscriber.onReceive(handler);
        assert.ok((await subscriber.connect()).ok);
        // An offline persistent session with 10 acknowledged messages waiting for it.
        const away = new MqttTransport({ url: broker.url, clientId: `fault-away-${id}`, subscriptions: [queued] });
        transports.push(away);
        assert.ok((await away.connect()).ok);
        await away.close();
        const publisher = new MqttTransport({ url: broker.url, clientId: `fault-pub-${id}`, reconnectMinMs: 100 });
        transports.push(publisher);
        assert.ok((await publisher.connect()).ok);
        for (let i = 0; i < 10; i++) assert.ok((await publisher.publish(queued, bytes(`q${i}-${id}`))).ok);
        // Mosquitto saves after the pass that sent the PUBACK: a kill -9 inside that pass would lose it.
        await broker.savedWith(bytes(`q9-${id}`));

        await broker.kill();
        await eventually('the subscriber to notice', () => statuses.includes('reconnecting'));
        assert.equal(subscriber.connected, false);
        await new Promise((resolve) => setTimeout(resolve, 500)); // a few failed attempts while it is down
        assert.ok(subscriber.lastError, 'the failed attempts are visible');
        await broker.restart();
        await eventually('the reconnection', () => subscriber.connected && publisher.connected);
        assert.deepEqual(statuses.slice(0, 3), ['connected', 'offline', 'reconnecting']);
        assert.equal(statuses.at(-1), 'connected');

        assert.ok((await publisher.publish(live, bytes('after restart'))).ok);
        await eventually('a message after the restart', () => seen.length >= 1);
        assert.deepEqual(seen.map(text), ['after restart']);

        const back = new MqttTransport({ url: broker.url, clientId: `fault-away-${id}` });
        transports.push(back);
        const returned = recorder();
        back.onReceive(returned.handler);
        assert.ok((await back.connect()).ok);
        await eventually('the 10 queued messages', () => returned.seen.length >= 10);
        assert.deepEqual(
          returned.seen.map(text),
          Array.from({ length: 10 }, (_, i) => `q${i}-${id}`),
          'autosave_on_changes kept what Mosquitto had acknowledged',
        );
      },
    );

    for (const store of ['memory', 'file'] as const) {
      it(
        `a publish in flight when Mosquitto is killed -9 resolves at its PUBACK after the restart (${store} store)`,
        TIMEOUT,
        async () => {
          const broker = await startMosquitto();
          assert.ok(broker);
          brokers.push(broker);
          const id = unique();
          const topic = `dt/inflight/${id}/telemetry`;
          const subscriber = new MqttTransport({
            url: broker.url,
            clientId: `inflight-sub-${id}`,
            subscriptions: [topic],
            reconnectMinMs: 50,
            reconnectMaxMs: 200,
          });
          transports.push(subscriber);
          const { seen, handler } = recorder();
          subscriber.onReceive(handler);
          assert.ok((await subscriber.connect()).ok);
          const publisher = new MqttTransport({
            url: broker.url,
            clientId: `inflight-pub-${id}`,
            reconnectMinMs: 50,
            reconnectMaxMs: 200,
            ...(store === 'file' ? { storeDir: tempDir() } : {}),
          });
          transports.push(publisher);
          assert.ok((await publisher.connect()).ok);
          const written: number[] = [];
          publisher.client?.on('packetsend', (packet) => {
            if (packet.cmd === 'publish') written.push(packet.messageId as number);
          });
          // Stopped, Mosquitto reads none of these: on the wire, never acknowledged, when it dies.
          broker.pause();
          const results = Array.from({ length: 5 }, (_, i) => publisher.publish(topic, bytes(`f${i}`)));
          let settled = 0;
          for (const result of results) void result.then(() => settled++);
          await eventually('5 PUBLISH packets written', () => written.length >= 5);
          await new Promise((resolve) => setTimeout(resolve, 100));
          assert.equal(settled, 0, 'nothing resolves before a PUBACK');
          await broker.kill();
          await eventually('the publisher to notice', () => publisher.status === 'reconnecting');
          await broker.restart();
          const outcomes = await Promise.all(results);
          assert.deepEqual(
            outcomes.map((r) => (r.ok ? 'ok' : r.error.code)),
            ['ok', 'ok', 'ok', 'ok', 'ok'],
          );
          assert.ok(written.length >= 10, 'each was written again on the new connection');
          await eventually('5 messages at the subscriber', () => seen.length >= 5);
          await new Promise((resolve) => setTimeout(resolve, 200)); // a duplicate would show up here
          assert.deepEqual(seen.map(text).sort(), ['f0', 'f1', 'f2', 'f3', 'f4'], 'each message once');
        },
      );
    }

    it('keeps the outgoing queue across a publisher killed -9 while the broker was away', TIMEOUT, async () => {
      const broker = await startMosquitto();
      assert.ok(broker);
      brokers.push(broker);
      const id = unique();
      const topic = `dt/queue/${id}/telemetry`;
      const storeDir = tempDir();
      const subscriber = new MqttTransport({
        url: broker.url,
        clientId: `queue-sub-${id}`,
        subscriptions: [topic],
        reconnectMinMs: 50,
        reconnectMaxMs: 200,
      });
      transports.push(subscriber);
      const { seen, handler } = recorder();
      subscriber.onReceive(handler);
      assert.ok((await subscriber.connect()).ok);
      const script = `
        import { createInterface } from 'node:readline';
        import { MqttTransport } from '${source('transport/node/mqtt-transport.ts')}';
        const t = new MqttTransport({ url: process.env.URL, clientId: process.env.CLIENT, storeDir: process.env.STORE,
          reconnectMinMs: 50, reconnectMaxMs: 200 });
        t.onStatus((status) => console.log(status));
        const r = await t.connect();
        console.log(r.ok ? 'ready' : 'failed ' + r.error.code + ' ' + r.error.message);
        for await (const line of createInterface({ input: process.stdin })) {
          const count = Number(line.split(' ')[1]);
          for (let i = 0; i < count; i++) t.publish(process.env.TOPIC, new TextEncoder().encode('q' + i));
          console.log('publishing');
        }
      `;
      const env = { URL: broker.url, CLIENT: `queue-pub-${id}`, STORE: storeDir, TOPIC: topic };
      const first = startChild(script, env);
      await first.line('ready');
      await broker.kill();
      await first.line('reconnecting');
      first.tell('send 25');
      await first.line('publishing');
      const log = join(storeDir, 'outgoing.log');
      await eventually('25 packets on disk', () => (readFileSync(log, 'utf8').match(/"put"/g) ?? []).length >= 25);
      await first.kill();
      await broker.restart();
      const second = startChild(script, env); // same client id and store: sends what the first left
      await second.line('ready');
      await eventually('25 messages at the subscriber', () => seen.length >= 25);
      await new Promise((resolve) => setTimeout(resolve, 200)); // a duplicate would show up here
      assert.deepEqual(
        seen.map(text).sort(),
        Array.from({ length: 25 }, (_, i) => `q${i}`).sort(),
        'every queued message, once',
      );
      await second.kill();
      const store = await FileMqttStore.open(log); // the dead child's lock is taken over
      assert.equal(store.size, 0, 'every packet left the store at its PUBACK');
      await new Promise<void>((resolve) => store.close(() => resolve()));
    });
  });
}
