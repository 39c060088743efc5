/** Republishes each verified record to `verified/{app}/{deviceId}/{kind}` (or the configured template), QoS 1. */
import { utf8Encode } from '../../codec/bytes.js';
import { err, errorDetail, ok, type Result } from '../../errors.js';
import type { Publisher, Sink } from '../sink.js';
import type { TelemetryTopics } from '../topic.js';
import type { VerifiedRecord } from '../verified-record.js';

export class RepublishSink implements Sink {
  readonly name = 'republish';
  readonly #publisher: Publisher;
  readonly #topics: TelemetryTopics;
  readonly #template: string;

  constructor(publisher: Publisher, topics: TelemetryTopics, template: string) {
    this.#publisher = publisher;
    this.#topics = topics;
    this.#template = template;
  }

  async forward(record: VerifiedRecord, text: string): Promise<Result<void>> {
    const topic = this.#topics.format(
      this.#template,
      record.kind === undefined ? { deviceId: record.deviceId } : { deviceId: record.deviceId, kind: record.kind },
    );
    const sent = await this.#publisher.publish(topic, utf8Encode(text), { qos: 1, contentType: 'application/json' });
    if (sent.ok) return ok(undefined);
    return err(errorDetail('FORWARD_FAILED', `republish to ${topic} failed: ${sent.error.code} ${sent.error.message}`));
  }

  async close(): Promise<void> {}
}
