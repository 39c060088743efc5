/**
 * Where verified messages go. A sink resolves once the message is durably
 * taken (PUBACK, fdatasync, XADD reply, 2xx), and rejects with FORWARD_FAILED
 * otherwise; the gateway acknowledges a message only once every sink took it,
 * retrying the ones that failed. Calls for one device come in order, each
 * after the previous one resolved; calls for different devices overlap.
 *
 * `since` is set for a resumed message (`record.resumed`): a claim made at
 * that time (ms since the epoch) was not marked forwarded before a crash, so
 * the sink may hold the record already. A sink that can tell (the JSONL file,
 * the Redis Stream) skips a copy it holds; one that cannot (republish,
 * webhook) forwards it again: at least once, with the same `id`.
 */
import type { Result } from '../errors.js';
import type { VerifiedRecord } from './verified-record.js';

export interface Sink {
  /** For logs and the `sink` label of the forward-failure metric. */
  readonly name: string;
  forward(record: VerifiedRecord, text: string, since?: number): Promise<Result<void>>;
  close(): Promise<void>;
}

/** The raw publish of the MQTT transport (xlink/transport/mqtt), as the republish and dead-letter sinks use it. */
export interface Publisher {
  publish(
    topic: string,
    payload: Uint8Array,
    options?: {
      readonly qos?: 0 | 1;
      readonly retain?: boolean;
      readonly contentType?: string;
      readonly userProperties?: Record<string, string>;
    },
  ): Promise<Result<void>>;
}
