/**
 * Watches the gateway's real outputs: a subscriber on `verified/{app}/#`
 * (the republish sink's records) and `dlq/{app}/#` (refusals with their
 * original bytes, the reason a topic level), handing each to the tracker;
 * and the gateways' `/metrics`, for the one outcome that has no output of its
 * own: a duplicate, acknowledged and not forwarded
 * (xlink_gateway_messages_duplicate_total, summed over the instances).
 *
 *   const observer = await Observer.start({ url, app, tracker, clock, healthUrls });
 *   await observer.duplicates();   // the counters' sum now
 *   await observer.close();
 */
import { utf8Decode } from 'xlink/codec';
import { quote, unwrap, xlinkError } from 'xlink/errors';
import { MqttTransport } from 'xlink/transport/mqtt';
import type { RunTracker } from './tracker.js';

export const DUPLICATE_METRIC = 'xlink_gateway_messages_duplicate_total';

export interface ObserverOptions {
  readonly url: string;
  readonly app: string;
  readonly tracker: RunTracker;
  readonly clock: { now(): number };
  /** The gateways' health endpoints (`http://host:port`), whose /metrics carry the duplicate counter. */
  readonly healthUrls: readonly string[];
  readonly clientId: string;
}

export class Observer {
  readonly #transport: MqttTransport;
  readonly #healthUrls: readonly string[];

  private constructor(transport: MqttTransport, healthUrls: readonly string[]) {
    this.#transport = transport;
    this.#healthUrls = healthUrls;
  }

  static async start(options: ObserverOptions): Promise<Observer> {
    const { tracker, clock } = options;
    const transport = new MqttTransport({
      url: options.url,
      clientId: options.clientId,
      protocolVersion: 4,
      clean: true,
      subscriptions: [`verified/${options.app}/#`, `dlq/${options.app}/#`],
      // Handlers are synchronous bookkeeping: many lanes keep the broker's in-flight window moving.
      concurrency: 64,
    });
    transport.onReceive(async (delivery) => {
      const levels = (delivery.topic ?? '').split('/');
      const bytes = delivery.envelope as Uint8Array;
      if (levels[0] === 'verified') {
        const text = utf8Decode(bytes);
        let record: unknown;
        try {
          record = text.ok ? JSON.parse(text.value) : undefined;
        } catch {
          record = undefined;
        }
        tracker.verified(record, clock.now());
      } else {
        tracker.deadLettered(levels[2] ?? '', bytes, clock.now());
      }
    });
    unwrap(await transport.connect());
    return new Observer(transport, options.healthUrls);
  }

  /** The duplicate counter summed over the gateways, now. */
  async duplicates(): Promise<number> {
    const values = await Promise.all(this.#healthUrls.map((url) => metricOf(url, DUPLICATE_METRIC)));
    return values.reduce((a, b) => a + b, 0);
  }

  close(): Promise<void> {
    return this.#transport.close();
  }
}

async function metricOf(healthUrl: string, name: string): Promise<number> {
  const url = `${healthUrl.replace(/\/+$/, '')}/metrics`;
  let text: string;
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(5000) });
    text = await response.text();
  } catch (cause) {
    throw xlinkError('SEND_FAILED:CONNECT', `cannot read the gateway's metrics at ${quote(url)}`, { cause });
  }
  const line = text.split('\n').find((l) => l.startsWith(`${name} `) || l.startsWith(`${name}{`));
  return line === undefined ? 0 : Number(line.slice(line.lastIndexOf(' ') + 1));
}
