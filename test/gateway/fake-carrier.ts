/**
 * A carrier for unit tests of the gateway pipeline: deliveries are injected
 * with a topic and bytes, receipts and publishes are recorded. A fake inside
 * unit tests only; the end-to-end suites run the real MQTT transport against
 * Mosquitto.
 */
import { ok, type Result } from '../../src/errors.js';
import type { GatewayTransport } from '../../src/gateway/node/gateway.js';
import type { Delivery, DeliveryHandler } from '../../src/transport/transport.js';

export interface Published {
  readonly topic: string;
  readonly payload: Uint8Array;
  readonly userProperties?: Record<string, string>;
}

export class FakeCarrier implements GatewayTransport {
  readonly published: Published[] = [];
  readonly acked: string[] = [];
  connected = false;
  failPublish = false;
  #handlers: DeliveryHandler[] = [];
  #status: ((s: 'connected' | 'offline' | 'reconnecting' | 'closed') => void)[] = [];
  closedWith: { sessionExpiry?: 0 } | undefined;

  async connect(): Promise<Result<void>> {
    this.connected = true;
    for (const l of this.#status) l('connected');
    return ok(undefined);
  }

  onStatus(listener: (s: 'connected' | 'offline' | 'reconnecting' | 'closed') => void): () => void {
    this.#status.push(listener);
    return () => undefined;
  }

  async publish(
    topic: string,
    payload: Uint8Array,
    options?: { userProperties?: Record<string, string> },
  ): Promise<Result<void>> {
    if (this.failPublish) return { ok: false, error: { code: 'SEND_FAILED', message: 'broker away', docs: '' } };
    this.published.push({
      topic,
      payload,
      ...(options?.userProperties ? { userProperties: options.userProperties } : {}),
    });
    return ok(undefined);
  }

  async send(): Promise<Result<void>> {
    return ok(undefined);
  }

  onReceive(handler: DeliveryHandler): () => Promise<void> {
    this.#handlers.push(handler);
    return async () => {
      this.#handlers = this.#handlers.filter((h) => h !== handler);
    };
  }

  /** Delivers one message; resolves once every handler settled (acked or not). */
  async inject(topic: string, payload: Uint8Array, label = topic): Promise<boolean> {
    let acked = false;
    const delivery: Delivery & { payload: Uint8Array } = {
      envelope: payload,
      topic,
      payload,
      ack: async () => {
        if (!acked) this.acked.push(label);
        acked = true;
      },
    };
    for (const handler of this.#handlers) {
      try {
        await handler(delivery);
      } catch {
        return false;
      }
    }
    return acked;
  }

  async close(options?: { sessionExpiry?: 0 }): Promise<void> {
    this.closedWith = options ?? {};
    this.connected = false;
  }
}
