/**
 * The MQTT suite: what the transport costs on top of mqtt.js, through a real
 * Mosquitto started on a free loopback port (skipped, with a note, when the
 * binary is absent), in one run, round by round.
 *
 *   import { mqttSuite } from './mqtt.js';
 *   console.log(await mqttSuite.run({ budgetMs: 300, warmupMs: 100, rounds: 5 }));
 *
 * Receiving: one plain mqtt.js publisher sends MESSAGES QoS 1 messages of 200
 * bytes, all at once (mqtt.js queues them), to (a) a plain mqtt.js subscriber
 * that only counts, its PUBACK sent by mqtt.js, and (b) an MqttTransport that
 * counts in its handler, the PUBACK sent from the delivery's receipt. Both
 * MQTT 5, receive maximum 100. Rate = messages / (last arrival - first
 * publish). Sending: MqttTransport.publish of the same messages, all at
 * once, to a plain subscriber, with the queue in memory and with `storeDir`
 * (every PUBLISH fdatasync'ed to the file store before it leaves: group
 * commit, so the ratio says what durability costs under load).
 *
 *
 * Mosquitto's durability: the plain pipe again, on brokers that save their
 * database after every 1, 100 or 1,000 changes (`autosave_on_changes true`,
 * `autosave_interval N`: a kill -9 loses at most the last N acknowledged
 * messages) and on Mosquitto's default (every 1,800 s: a kill -9 loses all of
 * them). The transport rows run on the default, so the broker's saving does
 * not hide what the transport costs.
 *
 * Limits: loopback, one machine shared with the broker (2 cores): the
 * broker's own speed bounds every row; the ratios, paired round by round,
 * are what to quote.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connectAsync, type MqttClient } from 'mqtt';
import { MqttTransport } from '../src/transport/node/mqtt-transport.js';
import { startMosquitto } from '../test/helpers/mosquitto.js';
import { type BenchConfig, formatOpsPerSec, markdownTable, median, type Suite } from './measure.js';

const PAYLOAD = new Uint8Array(200).fill(0x61);
const RECEIVE_MAXIMUM = 100;

type Case =
  | 'plain subscriber'
  | 'MqttTransport subscriber'
  | 'MqttTransport publish, memory queue'
  | 'MqttTransport publish, storeDir';
const CASES: readonly Case[] = [
  'plain subscriber',
  'MqttTransport subscriber',
  'MqttTransport publish, memory queue',
  'MqttTransport publish, storeDir',
];
/** Changes between Mosquitto's saves, for the durability rows; the last is its default. */
const AUTOSAVES = [1, 100, 1000, 'mosquitto-default'] as const;
type Autosave = (typeof AUTOSAVES)[number];

export const mqttSuite: Suite = {
  name: 'mqtt',
  async run(config: BenchConfig): Promise<string> {
    const brokers = new Map<Autosave, NonNullable<Awaited<ReturnType<typeof startMosquitto>>>>();
    for (const autosave of AUTOSAVES) {
      const started = await startMosquitto({ autosave });
      if (started === undefined) return '_Not run: mosquitto is not installed._';
      brokers.set(autosave, started);
    }
    const fastest = brokers.get('mosquitto-default') as NonNullable<Awaited<ReturnType<typeof startMosquitto>>>;
    let broker = fastest;
    // The budget scales the message count: 300 ms per case and round → 6,000 messages.
    const messages = Math.max(500, Math.round(config.budgetMs * 20));
    const dirs: string[] = [];
    let id = 0;
    const plain = async (topics: string[] = []): Promise<MqttClient> => {
      const client = await connectAsync(broker.url, {
        clientId: `bench-plain-${id++}`,
        protocolVersion: 5,
        clean: true,
        properties: { receiveMaximum: RECEIVE_MAXIMUM },
      });
      if (topics.length > 0) await client.subscribeAsync(topics, { qos: 1 });
      return client;
    };
    const transport = async (options: { subscriptions?: string[]; storeDir?: string }) => {
      const made = new MqttTransport({ url: broker.url, clientId: `bench-transport-${id++}`, clean: true, ...options });
      return made;
    };
    /** Waits for `count` arrivals counted by `arrivals()`. */
    const arrived = (count: number, arrivals: () => number) =>
      new Promise<void>((resolve) => {
        const poll = setInterval(() => {
          if (arrivals() >= count) {
            clearInterval(poll);
            resolve();
          }
        }, 1);
      });

    async function receiving(which: Case, topic: string): Promise<number> {
      const publisher = await plain();
      let count = 0;
      let close: () => Promise<void>;
      if (which === 'plain subscriber') {
        const subscriber = await plain([topic]);
        subscriber.on('message', () => void count++);
        close = () => subscriber.endAsync();
      } else {
        const subscriber = await transport({ subscriptions: [topic] });
        subscriber.onReceive(async () => void count++);
        const connected = await subscriber.connect();
        if (!connected.ok) throw new Error(connected.error.message);
        close = () => subscriber.close();
      }
      const started = performance.now();
      for (let i = 0; i < messages; i++) publisher.publish(topic, Buffer.from(PAYLOAD), { qos: 1 });
      await arrived(messages, () => count);
      const seconds = (performance.now() - started) / 1000;
      await close();
      await publisher.endAsync();
      return messages / seconds;
    }

    async function sending(which: Case, topic: string): Promise<number> {
      const subscriber = await plain([topic]);
      let count = 0;
      subscriber.on('message', () => void count++);
      const storeDir = which.endsWith('storeDir') ? mkdtempSync(join(tmpdir(), 'xlink-bench-mqtt-')) : undefined;
      if (storeDir !== undefined) dirs.push(storeDir);
      const publisher = await transport(storeDir === undefined ? {} : { storeDir });
      const connected = await publisher.connect();
      if (!connected.ok) throw new Error(connected.error.message);
      const started = performance.now();
      const sends = Array.from({ length: messages }, () => publisher.publish(topic, PAYLOAD));
      const results = await Promise.all(sends);
      await arrived(messages, () => count);
      const seconds = (performance.now() - started) / 1000;
      if (results.some((r) => !r.ok)) throw new Error('a publish failed');
      await publisher.close();
      await subscriber.endAsync();
      return messages / seconds;
    }

    const rates = new Map<Case, number[]>(CASES.map((c) => [c, []]));
    const durability = new Map<Autosave, number[]>(AUTOSAVES.map((a) => [a, []]));
    try {
      for (let round = 0; round < config.rounds; round++) {
        broker = fastest;
        for (const which of CASES) {
          const topic = `bench/${round}/${id}`;
          const rate = which.includes('publish') ? await sending(which, topic) : await receiving(which, topic);
          rates.get(which)?.push(rate);
          config.progress?.(`mqtt: ${which}, round ${round + 1}: ${formatOpsPerSec(rate)} msg/s`);
        }
        for (const autosave of AUTOSAVES) {
          broker = brokers.get(autosave) as typeof broker;
          const rate = await receiving('plain subscriber', `bench/${round}/${id}`);
          durability.get(autosave)?.push(rate);
          config.progress?.(`mqtt: autosave ${autosave}, round ${round + 1}: ${formatOpsPerSec(rate)} msg/s`);
        }
      }
    } finally {
      for (const started of brokers.values()) await started.stop();
      for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
    }
    /** Median over rounds of the per-round ratio, so a noisy round moves both sides. */
    const ratio = (a: Case, b: Case): number => {
      const as = rates.get(a) as number[];
      const bs = rates.get(b) as number[];
      return median(as.map((rate, i) => rate / (bs[i] as number)));
    };
    const rows = CASES.map((which) => {
      const base = which.includes('publish') ? 'MqttTransport publish, memory queue' : 'plain subscriber';
      return [
        which,
        formatOpsPerSec(median(rates.get(which) as number[])),
        which === base ? '1' : ratio(which, base).toFixed(2),
      ];
    });
    const defaults = durability.get('mosquitto-default') as number[];
    const savingRows = AUTOSAVES.map((autosave) => {
      const own = durability.get(autosave) as number[];
      return [
        autosave === 'mosquitto-default'
          ? 'Mosquitto default (every 1,800 s)'
          : `every ${autosave} change${autosave === 1 ? '' : 's'}`,
        autosave === 'mosquitto-default'
          ? 'every queued message'
          : `the last ${autosave} change${autosave === 1 ? '' : 's'}`,
        formatOpsPerSec(median(own)),
        median(own.map((rate, i) => rate / (defaults[i] as number))).toFixed(2),
      ];
    });
    return [
      `${messages.toLocaleString('en-US')} QoS 1 messages of ${PAYLOAD.length} bytes per case and round, through Mosquitto on loopback; median of ${config.rounds} rounds, ratios paired per round.`,
      '',
      markdownTable(['case (Mosquitto default autosave)', 'messages/s', 'ratio'], rows, ['left', 'right', 'right']),
      '',
      'Ratios: the subscriber rows to the plain mqtt.js subscriber, the publish rows to the memory queue.',
      '',
      markdownTable(
        ['Mosquitto saves its database', 'a kill -9 loses up to', 'plain pipe messages/s', 'ratio to default'],
        savingRows,
        ['left', 'left', 'right', 'right'],
      ),
    ].join('\n');
  },
};
