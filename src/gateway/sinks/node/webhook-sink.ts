/**
 * POSTs each verified record as JSON to a webhook, with an `Idempotency-Key`
 * header (the record's id) so the receiver can drop a redelivery. A 2xx is
 * success; a network error, 408, 429 or 5xx is retried `retries` times with
 * exponential backoff (100 ms doubling, at most 5 s); another 4xx fails at
 * once, since sending the same body again cannot change the answer.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { err, errorDetail, ok, type Result } from '../../../errors.js';
import type { Sink } from '../../sink.js';
import type { VerifiedRecord } from '../../verified-record.js';

export interface WebhookSinkOptions {
  readonly url: string;
  readonly retries: number;
  /** Per attempt; default 10 000 ms. */
  readonly timeoutMs?: number;
}

export class WebhookSink implements Sink {
  readonly name = 'webhook';
  readonly #options: WebhookSinkOptions;

  constructor(options: WebhookSinkOptions) {
    this.#options = options;
  }

  async forward(record: VerifiedRecord, text: string): Promise<Result<void>> {
    let last = '';
    for (let attempt = 0; attempt <= this.#options.retries; attempt++) {
      if (attempt > 0) await sleep(Math.min(5000, 100 * 2 ** (attempt - 1)));
      try {
        const response = await fetch(this.#options.url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'idempotency-key': record.id },
          body: text,
          signal: AbortSignal.timeout(this.#options.timeoutMs ?? 10_000),
        });
        await response.arrayBuffer().catch(() => undefined);
        if (response.ok) return ok(undefined);
        last = `HTTP ${response.status}`;
        if (response.status < 500 && response.status !== 408 && response.status !== 429) break;
      } catch (error) {
        last = (error as Error).message.slice(0, 200);
      }
    }
    return err(
      errorDetail(
        'FORWARD_FAILED',
        `the webhook ${new URL(this.#options.url).origin} did not take the message: ${last}`,
      ),
    );
  }

  async close(): Promise<void> {}
}
