/**
 * The verification daemon's pipeline, on any transport with raw publish (the
 * MQTT transport, unordered, so deliveries run at once; a loopback with
 * `publish` in unit tests):
 *
 *   const gateway = new Gateway(parts);   // transport, threads, replay store, ledger, sinks, metrics, log
 *   await gateway.start();                // handler attached, then connected
 *   gateway.readiness();                  // undefined when ready, else why not (for /readyz)
 *   await gateway.drain();                // SIGTERM: readiness off, finish in-flight work, disconnect
 *
 * Per delivery: a verification thread checks everything stateless (size,
 * decoding, registry, revocation, signature, scope, decryption, topic owner)
 * and digests the signed bytes; then the gateway claims the message in the
 * forward ledger, spends its replay token, hands it to every sink, marks it
 * forwarded, and only then acknowledges it (PUBACK). Every delivery runs at
 * once (up to the broker's in-flight window), so the stores' group commits
 * and the sinks' publishes serve many messages together; per device, the
 * threads answer in arrival order, and a message spends its token and
 * reaches the sinks only after the device's previous message did (or was
 * refused: device-turns.ts), so the sinks see each device's messages in order.
 * A redelivery of a message still being decided (after a reconnect) waits
 * for that first copy. A refusal goes to the
 * dead-letter topic with the original bytes and its code, then is
 * acknowledged. When the gateway cannot decide (registry unreadable, Redis
 * down, a sink failing) it holds the message unacknowledged, turns readiness
 * off and retries with backoff: it fails closed, never guesses. A redelivered
 * message the ledger knows as forwarded with the same digest is acknowledged
 * as a duplicate; one with the same id but other signed content (a reused
 * counter or nonce) is refused as REPLAY_DETECTED.
 *
 * Time: the threads accept any timestamp so that a redelivery of a known
 * message is still recognised after the window; the window is applied here
 * to messages the ledger has not seen.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { readHex, utf8Encode } from '../../codec/bytes.js';
import type { ErrorCode, ErrorDetail, Result } from '../../errors.js';
import { errorDetail } from '../../errors.js';
import type { NonceStore } from '../../replay/nonce-store.js';
import type { Delivery, Transport } from '../../transport/transport.js';
import type { ForwardLedger } from '../forward-ledger.js';
import type { Publisher, Sink } from '../sink.js';
import type { TelemetryTopics } from '../topic.js';
import { messageId, NO_VERDICT, reasonSegment, type VerifiedMessage, type VerifyOutcome } from '../verdict.js';
import { verifiedRecord } from '../verified-record.js';
import { DeviceTurns, type Turn } from './device-turns.js';
import type { GatewayMetrics } from './metrics.js';

/** The MQTT transport's surface the gateway uses (xlink/transport/mqtt). */
export interface GatewayTransport extends Transport, Publisher {
  connect(): Promise<Result<void>>;
  onStatus(listener: (status: 'connected' | 'offline' | 'reconnecting' | 'closed') => void): () => void;
  readonly connected: boolean;
  close(options?: { readonly sessionExpiry?: 0 }): Promise<void>;
}

export interface Verifier {
  verify(deviceKey: string, bytes: Uint8Array, topic: string): Promise<VerifyOutcome>;
  readonly failure: Error | undefined;
}

/** The pino subset used; logs carry codes, ids and topics, never payloads or secrets. */
export interface GatewayLog {
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
  error(fields: object, message: string): void;
  debug(fields: object, message: string): void;
}

export interface GatewayParts {
  readonly transport: GatewayTransport;
  readonly verifier: Verifier;
  readonly replay: NonceStore;
  readonly ledger: ForwardLedger;
  readonly sinks: readonly Sink[];
  readonly topics: TelemetryTopics;
  /** Dead-letter topic template with {reason} and {deviceId}; undefined: refusals are only counted and logged. */
  readonly dlq: string | undefined;
  readonly metrics: GatewayMetrics;
  readonly log: GatewayLog;
  /** Owner of ledger claims: the stable MQTT client id. */
  readonly owner: string;
  readonly timestampWindowMs: number;
  /** Share the load with other gateways: on drain, disconnect with session expiry 0. */
  readonly shared: boolean;
  readonly drainTimeoutMs: number;
  readonly now?: () => number;
  /** Extra readiness checks (e.g. Redis connected): a reason when not ready. */
  readonly probes?: readonly (() => string | undefined)[];
}

const BACKOFF_MIN_MS = 50;
const BACKOFF_MAX_MS = 2000;

class Held extends Error {}

interface Progress {
  claim?: 'claimed' | 'resume';
  /** A resumed claim: when it was first made. */
  since?: number;
  spent: boolean;
  /** A try to spend failed without an answer: the store may have taken the token. */
  spendUncertain?: boolean;
  forwarded: boolean;
}

export class Gateway {
  readonly #parts: GatewayParts;
  readonly #now: () => number;
  readonly #turns = new DeviceTurns();
  /** Messages being decided, by id: a redelivery (after a reconnect) waits for the first copy, then is its duplicate. */
  readonly #deciding = new Map<string, Promise<void>>();
  #stop: (() => Promise<void>) | undefined;
  #draining = false;
  #holding = 0;
  #holdReason: string | undefined;
  #inflight = 0;
  #idle: (() => void) | undefined;

  constructor(parts: GatewayParts) {
    this.#parts = parts;
    this.#now = parts.now ?? Date.now;
  }

  async start(): Promise<Result<void>> {
    // Attached before connecting: a persistent session's queued messages arrive right after CONNACK.
    this.#stop = this.#parts.transport.onReceive((delivery) => this.#handle(delivery));
    this.#parts.transport.onStatus((status) => {
      this.#parts.log.info({ status }, 'broker connection');
      this.#updateReady();
    });
    const connected = await this.#parts.transport.connect();
    this.#updateReady();
    return connected;
  }

  /** Undefined while the gateway takes and acknowledges messages; otherwise why not. */
  readiness(): string | undefined {
    if (this.#draining) return 'draining';
    if (!this.#parts.transport.connected) return 'broker disconnected';
    if (this.#parts.verifier.failure !== undefined)
      return `verification threads: ${this.#parts.verifier.failure.message}`;
    for (const probe of this.#parts.probes ?? []) {
      const reason = probe();
      if (reason !== undefined) return reason;
    }
    if (this.#holding > 0) return `holding messages: ${this.#holdReason ?? 'retrying'}`;
    return undefined;
  }

  get inflight(): number {
    return this.#inflight;
  }

  /**
   * Readiness off; no new deliveries; in-flight work finishes (at most
   * drainTimeoutMs); then the transport closes, with session expiry 0 when
   * the load is shared so the broker hands this gateway's share to the others.
   * A gateway alone keeps its session, so messages published while it
   * restarts wait for it.
   */
  async drain(): Promise<void> {
    if (this.#draining) return;
    this.#draining = true;
    this.#updateReady();
    this.#parts.log.info({ inflight: this.#inflight }, 'draining');
    const stopped = this.#stop?.();
    const idle = this.#inflight === 0 ? Promise.resolve() : new Promise<void>((resolve) => (this.#idle = resolve));
    await Promise.race([Promise.all([stopped, idle]), sleep(this.#parts.drainTimeoutMs, undefined, { ref: false })]);
    await this.#parts.transport.close(this.#parts.shared ? { sessionExpiry: 0 } : {});
    this.#parts.log.info({ inflight: this.#inflight }, 'drained');
  }

  async #handle(delivery: Delivery): Promise<void> {
    const started = performance.now();
    const { metrics } = this.#parts;
    metrics.received.inc();
    this.#inflight++;
    metrics.inflight.inc();
    try {
      const bytes = payloadOf(delivery);
      const topic = delivery.topic ?? '';
      const parsed = this.#parts.topics.parse(topic);
      const deviceKey = parsed.ok ? parsed.value.deviceId : topic;
      // Verification starts now (threads keep per-device order); the sinks wait for the device's previous message.
      const verifying = this.#verify(deviceKey, bytes, topic, started);
      const turn = this.#turns.take(deviceKey);
      try {
        await this.#settle(await verifying, bytes, topic, delivery, turn);
      } finally {
        turn.done();
      }
      metrics.forwardLatency.observe((performance.now() - started) / 1000);
    } finally {
      this.#inflight--;
      metrics.inflight.dec();
      if (this.#inflight === 0) this.#idle?.();
    }
  }

  async #verify(deviceKey: string, bytes: Uint8Array, topic: string, started: number): Promise<VerifyOutcome> {
    for (let attempt = 0; ; attempt++) {
      const outcome = await this.#parts.verifier.verify(deviceKey, bytes, topic);
      if (outcome.ok || !NO_VERDICT.has(outcome.code)) {
        this.#parts.metrics.verifyDuration.observe((performance.now() - started) / 1000);
        if (attempt > 0) this.#release();
        return outcome;
      }
      await this.#hold(attempt, 'registry', outcome);
    }
  }

  /** `turn`: this message's place in its device's order (device-turns.ts). */
  async #settle(
    outcome: VerifyOutcome,
    bytes: Uint8Array,
    topic: string,
    delivery: Delivery,
    turn: Turn,
  ): Promise<void> {
    if (!outcome.ok) {
      turn.done();
      await this.#refuse(outcome.code, outcome.message, outcome.deviceId, bytes, topic);
      await delivery.ack();
      return;
    }
    const message = outcome.message;
    const id = messageId(message.sender, message.token);
    for (let first = this.#deciding.get(id); first !== undefined; first = this.#deciding.get(id)) await first;
    let decided = (): void => {};
    this.#deciding.set(id, new Promise<void>((resolve) => (decided = resolve)));
    try {
      const progress: Progress = { spent: false, forwarded: false };
      for (let attempt = 0; ; attempt++) {
        const step = await this.#attempt(message, id, bytes, topic, progress, turn);
        if (step === 'held') {
          await this.#hold(attempt, 'state', undefined);
          continue;
        }
        if (attempt > 0) this.#release();
        break;
      }
    } finally {
      this.#deciding.delete(id);
      decided();
    }
    turn.done();
    await delivery.ack();
  }

  /**
   * One try at deciding a verified message; 'held' when it cannot be decided
   * now. `progress` carries the steps done across tries, so a retry after a
   * store failure never forwards a message this process already forwarded.
   */
  async #attempt(
    message: VerifiedMessage,
    id: string,
    bytes: Uint8Array,
    topic: string,
    progress: Progress,
    turn: Turn,
  ): Promise<'done' | 'held'> {
    const { ledger, metrics, log, owner } = this.#parts;
    if (progress.claim === undefined) {
      const now = this.#now();
      const claim = await ledger.claim(id, owner, now, message.digest);
      if (!claim.ok) return this.#noted(claim.error);
      const { state } = claim.value;
      if (state === 'forwarded') {
        metrics.duplicates.inc();
        log.debug({ id, topic }, 'duplicate of a forwarded message: acknowledged, not forwarded again');
        return 'done';
      }
      if (state === 'conflict') {
        // Same sender and counter (or nonce), other signed content: a device that reused its counter
        // (a factory reset, a restored backup) or a clone of it; a redelivery has the same digest.
        // A reused counter gets the replay store's own code, so it reads the same inside and outside the ledger window.
        await this.#refuse(
          message.token.kind === 'counter' ? 'REPLAY_DETECTED:COUNTER' : 'REPLAY_DETECTED',
          `${id} was already taken with other signed content: a reused counter or nonce`,
          message.deviceId,
          bytes,
          topic,
        );
        return 'done';
      }
      if (state === 'busy') {
        return this.#noted(errorDetail('REPLAY_STORE_UNAVAILABLE', `${id} is being forwarded by another gateway`));
      }
      if (state === 'claimed') {
        const stale = this.#outsideWindow(message.timestamp, now);
        if (stale !== undefined) return this.#refuseClaimed(stale, id, message, bytes, topic);
      } else {
        log.info({ id, topic }, 'resuming a message claimed before a restart');
        progress.since = claim.value.since ?? now;
      }
      progress.claim = state;
    }
    if (!progress.spent) {
      await turn.spend.previous;
      const spent = await this.#spend(message);
      if (!spent.ok) {
        if (NO_VERDICT.has(spent.error.code)) {
          progress.spendUncertain = true;
          return this.#noted(spent.error);
        }
        // A resumed claim's token may be spent already, by the try that claimed it; so may one whose
        // earlier try failed without an answer (the store may have taken it). The claim, with this
        // digest, is ours: no other message can have spent this id.
        if (progress.claim === 'claimed' && !progress.spendUncertain) {
          turn.spend.release();
          return this.#refuseClaimed(spent.error, id, message, bytes, topic);
        }
      }
      progress.spent = true;
      turn.spend.release();
    }
    if (!progress.forwarded) {
      await turn.forward.previous;
      await this.#forward(message, progress.since);
      progress.forwarded = true;
      turn.forward.release();
    }
    const marked = await ledger.forwarded(id, message.digest);
    if (!marked.ok) return this.#noted(marked.error);
    metrics.verified.inc();
    return 'done';
  }

  /** Drops this gateway's claim on a message refused after all, then dead-letters it. */
  async #refuseClaimed(
    error: ErrorDetail,
    id: string,
    message: VerifiedMessage,
    bytes: Uint8Array,
    topic: string,
  ): Promise<'done' | 'held'> {
    const released = await this.#parts.ledger.release(id, this.#parts.owner);
    if (!released.ok) return this.#noted(released.error);
    await this.#refuse(error.code, error.message, message.deviceId, bytes, topic);
    return 'done';
  }

  #spend(message: VerifiedMessage): Promise<Result<void>> {
    const { token } = message;
    if (token.kind === 'counter')
      return this.#parts.replay.acceptCounter(message.sender, token.counter, token.timestamp);
    return this.#parts.replay.reserveNonce(message.sender, readHex(token.nonce), token.timestamp);
  }

  #outsideWindow(timestamp: number | undefined, now: number): ErrorDetail | undefined {
    if (timestamp === undefined) return undefined;
    const window = this.#parts.timestampWindowMs;
    if (now - timestamp > window) {
      return errorDetail(
        'TIMESTAMP_EXPIRED',
        `the envelope is ${now - timestamp} ms old; the window is ${window} ms`,
        'ts',
      );
    }
    if (timestamp - now > window) {
      return errorDetail(
        'TIMESTAMP_EXPIRED:FUTURE',
        `the envelope is dated ${timestamp - now} ms ahead; the window is ${window} ms`,
        'ts',
      );
    }
    return undefined;
  }

  /**
   * Hands the record to every sink; retries those that failed until all took
   * it (or the gateway drains). `since`: the message resumes a claim made then.
   */
  async #forward(message: VerifiedMessage, since: number | undefined): Promise<void> {
    const record = verifiedRecord(message, this.#now(), since !== undefined);
    const text = JSON.stringify(record);
    let pending = [...this.#parts.sinks];
    for (let attempt = 0; pending.length > 0; attempt++) {
      const results = await Promise.all(pending.map((sink) => sink.forward(record, text, since)));
      const failed = pending.filter((_, i) => !(results[i] as Result<void>).ok);
      for (const [i, result] of results.entries()) {
        if (!result.ok) {
          this.#parts.metrics.forwardFailures.inc({ sink: (pending[i] as Sink).name });
          this.#parts.log.warn(
            { id: record.id, sink: (pending[i] as Sink).name, code: result.error.code, error: result.error.message },
            'sink failed',
          );
        }
      }
      pending = failed;
      if (pending.length > 0) await this.#hold(attempt, 'sink', undefined);
      else if (attempt > 0) this.#release();
    }
  }

  async #refuse(code: ErrorCode, text: string, deviceId: string, bytes: Uint8Array, topic: string): Promise<void> {
    const { metrics, log, dlq, topics, transport } = this.#parts;
    metrics.rejected.inc({ reason: code });
    log.info({ code, deviceId, topic: topic.slice(0, 128), error: text.slice(0, 200) }, 'refused');
    if (dlq === undefined) return;
    const target = topics.format(dlq, { deviceId }, reasonSegment(code));
    for (let attempt = 0; ; attempt++) {
      const sent = await transport.publish(target, bytes, {
        qos: 1,
        userProperties: { code, message: text.slice(0, 200), topic: topic.slice(0, 256) },
      });
      if (sent.ok) {
        if (attempt > 0) this.#release();
        break;
      }
      log.warn({ code: sent.error.code, error: sent.error.message, dlq: target }, 'dead-letter publish failed');
      await this.#hold(attempt, 'dlq', undefined);
    }
  }

  #noted(error: ErrorDetail): 'held' {
    this.#holdReason = `${error.code}: ${error.message.slice(0, 120)}`;
    this.#parts.log.warn(
      { code: error.code, error: error.message.slice(0, 200) },
      'cannot decide now; holding the message',
    );
    return 'held';
  }

  /** Waits before another try; the first wait of a message turns readiness off until it is released. */
  async #hold(attempt: number, cause: string, outcome: VerifyOutcome | undefined): Promise<void> {
    if (this.#draining) throw new Held(`draining: the message stays unacknowledged (${cause})`);
    if (attempt === 0) {
      this.#holding++;
      if (outcome !== undefined && !outcome.ok) this.#holdReason = `${outcome.code}: ${outcome.message.slice(0, 120)}`;
      this.#updateReady();
    }
    this.#parts.metrics.retries.inc({ cause });
    await sleep(Math.min(BACKOFF_MAX_MS, BACKOFF_MIN_MS * 2 ** Math.min(attempt, 6)));
  }

  #release(): void {
    this.#holding = Math.max(0, this.#holding - 1);
    if (this.#holding === 0) this.#holdReason = undefined;
    this.#updateReady();
  }

  #updateReady(): void {
    this.#parts.metrics.ready.set(this.readiness() === undefined ? 1 : 0);
  }
}

/** The carrier's bytes: the MQTT payload, or the envelope itself (compact bytes, or a JSON object's text). */
function payloadOf(delivery: Delivery): Uint8Array {
  const carried = (delivery as Delivery & { readonly payload?: Uint8Array }).payload;
  if (carried instanceof Uint8Array) return carried;
  if (delivery.envelope instanceof Uint8Array) return delivery.envelope;
  return utf8Encode(JSON.stringify(delivery.envelope));
}
