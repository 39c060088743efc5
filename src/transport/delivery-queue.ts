/**
 * The receiving half every transport shares, so each carrier keeps only its
 * I/O: the handlers, one delivery at a time, the receipt after the handlers,
 * rejections to `onError`.
 *
 *   readonly #queue = new DeliveryQueue(options.onError);
 *   onReceive(handler) { return this.#queue.add(handler); }
 *   carrier.on('message', (m) => this.#queue.enqueue({ envelope: m.payload, topic: m.topic }, () => m.ack()));
 *   close() { return this.#queue.close(); } // after the carrier stopped taking messages
 *
 * `new DeliveryQueue(onError, { ordered: false })` hands each delivery to the
 * handlers at once, without waiting for the ones before it (each still gets its
 * receipt only after its own handlers): for a receiver that keeps the order it
 * needs itself, as the gateway does per device.
 *
 * Limits: the queue is unbounded (a carrier that can outrun its handlers
 * applies its own flow control: MQTT's receive maximum, HTTP's backlog), and
 * nothing enqueued after `close()` is delivered or acknowledged.
 */
import { xlinkError } from '../errors.js';
import type { Awaitable } from '../platform/awaitable.js';
import type { Delivery, DeliveryErrorHandler, DeliveryHandler, DeliveryHints, TransportEnvelope } from './transport.js';

/** What a carrier knows of one received envelope. */
export interface Carried {
  readonly envelope: TransportEnvelope;
  readonly to?: string;
  readonly topic?: string;
  readonly payload?: Uint8Array;
  readonly hints?: DeliveryHints;
}

interface Registration {
  readonly handler: DeliveryHandler;
  /** The call of this handler in progress, for `stop` to wait on. */
  running: Promise<unknown> | undefined;
}

export class DeliveryQueue {
  readonly #onError: DeliveryErrorHandler;
  /** In registration order: a Set iterates in insertion order. */
  readonly #registrations = new Set<Registration>();
  /** The last delivery queued; each waits for the one before it. Never rejects. */
  #tail: Promise<void> = Promise.resolve();
  #closed = false;
  readonly #ordered: boolean;

  constructor(onError: DeliveryErrorHandler = reportToConsole, options: { readonly ordered?: boolean } = {}) {
    this.#onError = onError;
    this.#ordered = options.ordered ?? true;
  }

  /** See `Transport.onReceive`. Throws INVALID_ARGUMENT for a handler that is not a function. */
  add(handler: DeliveryHandler): () => Promise<void> {
    if (typeof handler !== 'function') {
      throw xlinkError('INVALID_ARGUMENT', '"handler" expected a function (delivery) => Promise<void>', {
        field: 'handler',
      });
    }
    const registration: Registration = { handler, running: undefined };
    if (!this.#closed) this.#registrations.add(registration);
    return async () => {
      this.#registrations.delete(registration);
      await registration.running;
    };
  }

  /** Queues one received envelope behind those before it; `ack` is the carrier's receipt. */
  enqueue(carried: Carried, ack: () => Awaitable<void>): void {
    if (this.#closed) return;
    const delivery = createDelivery(carried, ack);
    if (this.#ordered) {
      this.#tail = this.#tail.then(() => this.#dispatch(delivery));
      return;
    }
    // Started now; the tail still covers it, for settled() and close().
    const running = this.#dispatch(delivery);
    this.#tail = Promise.all([this.#tail, running]).then(() => undefined);
  }

  /** Resolves once every delivery queued has been handled, those queued meanwhile (replies) included. */
  async settled(): Promise<void> {
    let tail: Promise<void>;
    do {
      tail = this.#tail;
      await tail;
    } while (tail !== this.#tail);
  }

  /** Takes no new deliveries, lets those queued finish, then drops the handlers. Idempotent. */
  async close(): Promise<void> {
    this.#closed = true;
    await this.settled();
    this.#registrations.clear();
  }

  async #dispatch(delivery: Delivery): Promise<void> {
    let handled = 0;
    let failed = false;
    // A copy: a handler added meanwhile waits for the next delivery, one stopped meanwhile is skipped.
    for (const registration of [...this.#registrations]) {
      if (!this.#registrations.has(registration)) continue;
      const running = this.#call(registration.handler, delivery);
      registration.running = running;
      const resolved = await running;
      registration.running = undefined;
      handled++;
      if (!resolved) failed = true;
    }
    if (handled === 0 || failed) return;
    try {
      await delivery.ack();
    } catch (error) {
      await this.#report(error, delivery);
    }
  }

  /** Runs one handler; false when it threw or rejected (reported). */
  async #call(handler: DeliveryHandler, delivery: Delivery): Promise<boolean> {
    try {
      await handler(delivery);
      return true;
    } catch (error) {
      await this.#report(error, delivery);
      return false;
    }
  }

  async #report(error: unknown, delivery: Delivery): Promise<void> {
    try {
      await this.#onError(error, delivery);
    } catch (failure) {
      reportToConsole(failure); // onError itself failed: the last place left to say so
    }
  }
}

function createDelivery(carried: Carried, ack: () => Awaitable<void>): Delivery {
  let receipt: Promise<void> | undefined;
  return {
    envelope: carried.envelope,
    ...(carried.to === undefined ? {} : { to: carried.to }),
    ...(carried.topic === undefined ? {} : { topic: carried.topic }),
    ...(carried.payload === undefined ? {} : { payload: carried.payload }),
    ...(carried.hints === undefined ? {} : { hints: carried.hints }),
    ack() {
      receipt ??= (async () => ack())();
      return receipt;
    },
  };
}

/** The host's console where it has one; the portable core sees no console type. */
interface HostConsole {
  error(...data: unknown[]): void;
}

/** The default `onError`. Never throws: it runs where nothing else would catch. */
function reportToConsole(error: unknown): void {
  try {
    (globalThis as unknown as { console?: HostConsole }).console?.error(
      'xlink: a delivery failed and was not acknowledged (give the transport an onError):',
      error,
    );
  } catch {
    // A host whose console throws has nowhere else to report to.
  }
}
