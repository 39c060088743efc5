/**
 * An in-process transport: every envelope sent is kept in `outbox` and
 * delivered, asynchronously and in send order, to the registered handlers.
 * For tests, examples and agents in one process.
 *
 *   const transport = new LoopbackTransport();
 *   await alice.send({ to: bob.did, payload, scope: 'chat' }); // uses transport
 *   await bob.receive(transport.outbox[0]); // the white paper's way: read the outbox
 *
 *   const served = serve(bob, transport, { onMessage }); // or run Bob on it (xlink/agent)
 *   await alice.send({ to: bob.did, payload, scope: 'chat' });
 *   await transport.settled(); // every delivery handled, replies included
 *   transport.acked; // what was acknowledged
 *
 * One loopback is one shared bus: every handler sees every envelope, and
 * `Delivery.to` says whom it was sent to (`serve` skips those not for its agent).
 * Delivery starts after `send` has returned, never inside it, so a handler
 * that fails cannot make `send` fail; it goes to `onError`.
 *
 * Limits: nothing leaves the process; `outbox`, `sent` and `acked` grow until
 * cleared (`outbox.length = 0`). An envelope is delivered to the handlers
 * registered when its turn comes; with none it is only kept in the outbox.
 * A delivery that was not acknowledged is not redelivered. `close()` delivers
 * what was sent before it, then stops.
 */
import { ok, quote, type Result, refuse } from '../errors.js';
import { DeliveryQueue } from './delivery-queue.js';
import type { DeliveryHandler, Transport, TransportEnvelope, TransportOptions } from './transport.js';

export interface SentEnvelope {
  readonly envelope: TransportEnvelope;
  readonly to: string;
}

export class LoopbackTransport implements Transport {
  /** Every envelope sent, oldest first, exactly as given to `send`. */
  readonly outbox: TransportEnvelope[] = [];
  /** The same envelopes with their destination DIDs. */
  readonly sent: SentEnvelope[] = [];
  /** The entries of `sent` whose delivery was acknowledged, in the order of their receipts. */
  readonly acked: SentEnvelope[] = [];
  readonly #queue: DeliveryQueue;
  #closing: Promise<void> | undefined;

  constructor(options: TransportOptions = {}) {
    this.#queue = new DeliveryQueue(options.onError);
  }

  async send(envelope: TransportEnvelope, to: string): Promise<Result<void>> {
    if (this.#closing !== undefined) return refuse('SEND_FAILED:CLOSED', 'the loopback transport is closed');
    if (!isTransportEnvelope(envelope)) {
      return refuse(
        'INVALID_ARGUMENT',
        `"envelope" expected a JSON envelope object or compact bytes, got ${quote(envelope)}`,
        'envelope',
      );
    }
    if (typeof to !== 'string' || to === '') {
      return refuse('INVALID_ARGUMENT', `"to" expected a DID, got ${quote(to)}`, 'to');
    }
    const entry: SentEnvelope = { envelope, to };
    this.outbox.push(envelope);
    this.sent.push(entry);
    this.#queue.enqueue(entry, () => void this.acked.push(entry));
    return ok(undefined);
  }

  onReceive(handler: DeliveryHandler): () => Promise<void> {
    return this.#queue.add(handler);
  }

  /** Resolves once every envelope sent so far has been handled, including what the handlers sent meanwhile. */
  settled(): Promise<void> {
    return this.#queue.settled();
  }

  close(): Promise<void> {
    this.#closing ??= this.#queue.close();
    return this.#closing;
  }
}

function isTransportEnvelope(value: unknown): value is TransportEnvelope {
  return value instanceof Uint8Array || (typeof value === 'object' && value !== null && !Array.isArray(value));
}
