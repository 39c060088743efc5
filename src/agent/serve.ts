/**
 * Runs an Agent on a transport, the white paper's
 * `transport.onReceive((e) => agent.receive(e))` without its dropped promise:
 * each delivery is received, then `onMessage` or `onRefused` is awaited, then
 * the delivery is acknowledged.
 *
 *   const served = serve(gateway, transport, {
 *     onMessage: async (message) => db.insert(message.sender, message.payload), // durable, then acknowledged
 *     onRefused: (error) => audit.warn(error.code), // forged, replayed, expired, denied: acknowledged
 *   });
 *   await served.close(); // stops listening, waits for the delivery in flight; the transport stays open
 *
 * What becomes of a delivery:
 * - accepted: acknowledged once `onMessage` resolved;
 * - refused by the receive pipeline: acknowledged once `onRefused` resolved,
 *   since a redelivery would meet the same verdict;
 * - no verdict, because the receiver's own state failed (REGISTRY_IO_FAILED,
 *   REGISTRY_CORRUPT, REPLAY_STORE_UNAVAILABLE, REPLAY_STORE_FULL,
 *   STORAGE_FAILED), or `onMessage`/`onRefused`/`receive` threw: not acknowledged; the handler rejects, so the transport's `onError`
 *   gets the error (an XlinkError for a code) and a carrier with receipts redelivers;
 * - a share of a split-channel message (INSUFFICIENT_SHARES:PENDING, SPLIT_SHARE_LATE):
 *   acknowledged, neither handler called; the share that completes it comes to `onMessage`;
 * - sent to another DID (`Delivery.to`, as on a loopback several agents share):
 *   skipped, never received; the transport acknowledges it when its other handlers resolve.
 *
 * serve acknowledges itself rather than leave it to the transport, so another
 * handler on the same transport failing later cannot turn an accepted message
 * into a redelivery (which would only meet REPLAY_DETECTED). The receiver is
 * structural (a `did` and `receive`), so anything that receives like an Agent
 * can be served. One delivery at a time, as the transport hands them over.
 *
 * Limits: an accepted envelope's replay token is spent before `onMessage`
 * runs, so if `onMessage` throws, the redelivered envelope is refused as
 * REPLAY_DETECTED: `onError` is where such a message is still visible. Awaiting
 * `close()` inside `onMessage` never resolves (it waits for that very call).
 */
import type { ErrorCode, ErrorDetail, Result } from '../errors.js';
import { toXlinkError, xlinkError } from '../errors.js';
import type { Awaitable } from '../platform/awaitable.js';
import type { Delivery, Transport } from '../transport/transport.js';
import type { AgentMessage } from './message.js';
import type { ReceiveOptions } from './receive.js';

/** What `serve` runs: an Agent, or anything that receives like one. */
export interface Receiver<Payload = unknown> {
  /** Deliveries addressed to another DID are skipped. */
  readonly did: string;
  receive(envelope: unknown, options?: ReceiveOptions): Promise<Result<AgentMessage<Payload>>>;
}

export interface ServeOptions<Payload = unknown> {
  /** A verified message; the delivery is acknowledged once this resolves. Throw to leave it unacknowledged. */
  readonly onMessage: (message: AgentMessage<Payload>, delivery: Delivery) => Awaitable<void>;
  /** An envelope the receive pipeline refused, with its typed error; acknowledged once this resolves. */
  readonly onRefused: (error: ErrorDetail, delivery: Delivery) => Awaitable<void>;
  /** Given to every `receive`, e.g. `{ allowCleartext: true }` for signed-only telemetry. */
  readonly receive?: ReceiveOptions;
}

export interface ServeHandle {
  /** Stops listening and resolves once the delivery in flight is done. Idempotent; does not close the transport. */
  close(): Promise<void>;
}

/**
 * Refusals that are no verdict on the envelope: the receiver could not reach
 * its registry or replay store, so the same envelope may be accepted later.
 */
const NO_VERDICT: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  'REGISTRY_IO_FAILED',
  'REGISTRY_CORRUPT',
  'REPLAY_STORE_UNAVAILABLE',
  'REPLAY_STORE_FULL',
  'STORAGE_FAILED',
]);

/** A share of a split message was taken into the reassembly buffer, or came after its message was complete. */
const HELD: ReadonlySet<ErrorCode> = new Set<ErrorCode>(['INSUFFICIENT_SHARES:PENDING', 'SPLIT_SHARE_LATE']);

/** Throws INVALID_ARGUMENT when `onMessage` or `onRefused` is not a function. */
export function serve<Payload = unknown>(
  receiver: Receiver<Payload>,
  transport: Transport,
  options: ServeOptions<Payload>,
): ServeHandle {
  for (const field of ['onMessage', 'onRefused'] as const) {
    if (typeof options?.[field] !== 'function') {
      throw xlinkError('INVALID_ARGUMENT', `"${field}" expected a function`, { field });
    }
  }
  const { onMessage, onRefused } = options;
  const stop = transport.onReceive(async (delivery) => {
    if (delivery.to !== undefined && delivery.to !== receiver.did) return;
    const received = await receiver.receive(delivery.envelope, options.receive);
    if (received.ok) await onMessage(received.value, delivery);
    else if (NO_VERDICT.has(received.error.code)) throw toXlinkError(received.error);
    else if (!HELD.has(received.error.code)) await onRefused(received.error, delivery);
    await delivery.ack();
  });
  let closing: Promise<void> | undefined;
  return {
    close() {
      closing ??= stop();
      return closing;
    },
  };
}
