/**
 * The transport seam (white paper, "Transport Adapters"): something that
 * carries envelopes towards a DID and hands each one it receives to async
 * handlers, with a receipt to acknowledge. Transports never verify; the
 * receiver does. To run an Agent on a transport, use `serve` (xlink/agent).
 *
 *   const transport = new LoopbackTransport({ onError: (error, delivery) => log(error, delivery.topic) });
 *   const stop = transport.onReceive(async (delivery) => {
 *     await store(delivery.envelope); // awaited: nothing else is delivered meanwhile
 *   }); // resolved, so acknowledged; a rejection is not acknowledged and goes to onError
 *   const sent = await transport.send(envelope, recipientDid); // Result<void>
 *   await stop(); // this handler gets nothing new; waits for its running call
 *   await transport.close(); // refuses sends, waits for running handlers; idempotent
 *
 * What every transport guarantees (test/transport/transport-contract.ts):
 * - an envelope arrives as it was given to `send`: the JSON object or the
 *   compact bytes, never re-encoded from one to the other;
 * - one delivery at a time per transport: the handlers of a delivery run one
 *   after another, each awaited, and its receipt is settled before the next
 *   delivery starts; envelopes sent one after another arrive in that order;
 * - a delivery is acknowledged once every handler resolved, or earlier when a
 *   handler calls `ack()`, at most once; a delivery no handler took, or one a
 *   handler rejected without calling `ack()` first, is not acknowledged (a
 *   carrier with receipts redelivers it), and the rejection goes to
 *   `onError`, never to an unhandled rejection;
 * - a handler may `send` on the transport it runs on: delivery never happens
 *   inside `send`, so a reply cannot deadlock;
 * - `close()` refuses sends from its first call (SEND_FAILED:CLOSED), waits for
 *   the handlers already running, and resolves the same way every time.
 *
 * Limits: delivery is at least once on carriers with receipts (a redelivered
 * envelope is refused by the receiver's replay store, not by the transport)
 * and at most once without them. Awaiting `close()` or `stop()` inside a
 * handler of the same transport never resolves: each waits for that handler.
 */
import type { EnvelopeJson } from '../envelope/json-encoding.js';
import type { Result } from '../errors.js';
import type { Awaitable } from '../platform/awaitable.js';

/** A JSON-form envelope object, or compact (COSE_Sign1) bytes. */
export type TransportEnvelope = EnvelopeJson | Uint8Array;

/** One received envelope, with what the carrier knows about it and its receipt. */
export interface Delivery {
  /** The envelope exactly as the sender gave it to `send`. Unverified. */
  readonly envelope: TransportEnvelope;
  /**
   * The address the envelope was sent to, when the carrier says (the loopback:
   * `send`'s `to`). For routing only: the receiver checks the signed header.
   */
  readonly to?: string;
  /** The carrier's topic or path, for carriers that have one (MQTT). */
  readonly topic?: string;
  /** The carrier's bytes, for carriers that carry bytes (MQTT: the payload `envelope` was read from). */
  readonly payload?: Uint8Array;
  /**
   * What the carrier's own metadata claims (MQTT 5 content type, user
   * properties). Unsigned, so hints only: never decide anything on them.
   */
  readonly hints?: DeliveryHints;
  /**
   * The receipt: tells the carrier this envelope is dealt with and must not
   * come again. Call it once the verdict is durable; the transport calls it
   * itself when every handler resolved. Idempotent: later calls return the
   * first call's promise.
   */
  ack(): Promise<void>;
}

/** Carrier metadata beside an envelope: anyone on the path can set or strip it. */
export interface DeliveryHints {
  readonly contentType?: string;
  readonly userProperties?: Readonly<Record<string, string | readonly string[]>>;
}

/** Handles one delivery; the transport awaits the promise before the next delivery. */
export type DeliveryHandler = (delivery: Delivery) => Promise<void>;

/**
 * Told of a handler's rejection, or of a receipt the carrier could not send,
 * with the delivery it concerns (not acknowledged). Awaited like a handler.
 */
export type DeliveryErrorHandler = (error: unknown, delivery: Delivery) => Awaitable<void>;

/** What every transport's constructor takes, besides its carrier's own settings. */
export interface TransportOptions {
  /**
   * Default: `console.error` where the host has a console, nothing elsewhere.
   * Give one in production: it is where a failing handler becomes visible.
   */
  readonly onError?: DeliveryErrorHandler;
}

export interface Transport {
  /**
   * Hands `envelope` to the carrier towards `to` (a DID); resolves once the
   * carrier took it, not once it was handled. `SEND_FAILED:CLOSED` after
   * `close()`, `SEND_FAILED` when the carrier cannot take it, `INVALID_ARGUMENT`
   * for something that is not an envelope.
   */
  send(envelope: TransportEnvelope, to: string): Promise<Result<void>>;
  /**
   * Adds a handler for every delivery from now on. Returns `stop`: the handler
   * gets no new delivery, and `stop()` resolves once its running call settled.
   */
  onReceive(handler: DeliveryHandler): () => Promise<void>;
  /** Refuses further sends, waits for running handlers, then releases the carrier. Idempotent. */
  close(): Promise<void>;
}
