// The one contract every Transport passes (loopback now; MQTT and HTTPS when
// they land): each transport's test file calls describeTransportContract with
// a factory for a connected sender/receiver pair, and adds only what is
// specific to its carrier. The contract reads nothing but the Transport
// interface and what the fixture says the carrier acknowledged, so it holds
// for carriers with network latency: absence is checked behind a barrier (a
// later envelope already acknowledged), never by sleeping alone.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { utf8Encode } from '../../src/codec/bytes.js';
import { createNodeCrypto } from '../../src/crypto/node/index.js';
import { envelopeFromCompact, envelopeToCompact } from '../../src/envelope/compact-encoding.js';
import { type EnvelopeJson, envelopeToJson } from '../../src/envelope/json-encoding.js';
import { signEnvelope } from '../../src/envelope/sign.js';
import { isXlinkError, unwrap } from '../../src/errors.js';
import { didFromEd25519PublicKey } from '../../src/identity/did.js';
import type { Awaitable } from '../../src/platform/awaitable.js';
import type {
  Delivery,
  DeliveryErrorHandler,
  DeliveryHandler,
  Transport,
  TransportEnvelope,
} from '../../src/transport/transport.js';

export interface TransportPair {
  /** Sends towards `to`; may be the same object as `receiver` (a loopback is one bus). */
  readonly sender: Transport;
  /** Receives what is sent to `to`, and can send to `to` itself (replies from a handler). */
  readonly receiver: Transport;
  /** The address (a DID) the receiver receives for. */
  readonly to: string;
  /** The topic deliveries arrive on, for carriers with topics; deliveries must then carry it. */
  readonly topic?: string;
  /** Envelopes whose receipt reached the carrier, in order (loopback: `acked`; MQTT: the broker's PUBACKs). */
  acknowledged(): Awaitable<readonly TransportEnvelope[]>;
  /**
   * For carriers of bytes (MQTT): a JSON envelope arrives as its JSON text in
   * bytes, not as an object (the receiver's decodeEnvelope reads both).
   */
  readonly jsonArrivesAsBytes?: boolean;
  /** Releases what the fixture made besides the transports (a broker, a server); the contract closes both. */
  readonly cleanup?: () => Promise<void>;
}

/** Builds a fresh pair whose receiver reports to `onError`. */
export type TransportFactory = (options: { readonly onError: DeliveryErrorHandler }) => Promise<TransportPair>;

const TIMEOUT = { timeout: 10_000 };
const crypto = createNodeCrypto();
const SENDER_SEED = new Uint8Array(32).fill(7);

interface Sample {
  readonly json: EnvelopeJson;
  readonly compact: Uint8Array;
}

const samplesByRecipient = new Map<string, Promise<Sample[]>>();

/** Real signed envelopes to `to`, told apart by their counter (= index), in both encodings. */
function samples(to: string): Promise<Sample[]> {
  let made = samplesByRecipient.get(to);
  if (made === undefined) {
    made = (async () => {
      const signer = await crypto.ed25519Signer(SENDER_SEED);
      const sender = { did: didFromEd25519PublicKey(signer.publicKey), signer };
      const out: Sample[] = [];
      for (let counter = 0; counter < 60; counter++) {
        const envelope = unwrap(
          await signEnvelope(
            sender,
            {
              to,
              scope: 'contract',
              payload: utf8Encode(JSON.stringify({ n: counter })),
              contentType: 'json',
              counter,
            },
            { crypto },
          ),
        );
        out.push({ json: envelopeToJson(envelope), compact: envelopeToCompact(envelope) });
      }
      return out;
    })();
    samplesByRecipient.set(to, made);
  }
  return made;
}

/** Which encoding an envelope is in: JSON (an object, or JSON text in bytes) or compact bytes. */
function encodingOf(envelope: TransportEnvelope): 'json' | 'compact' {
  return envelope instanceof Uint8Array && envelope[0] !== 0x7b ? 'compact' : 'json';
}

/** A JSON envelope as an object, whether it came as one or as its JSON text. */
function jsonObjectOf(envelope: TransportEnvelope): EnvelopeJson {
  return envelope instanceof Uint8Array ? (JSON.parse(new TextDecoder().decode(envelope)) as EnvelopeJson) : envelope;
}

/** The counter an envelope was made with: which sample it is. */
function counterOf(envelope: TransportEnvelope): number {
  const counter =
    encodingOf(envelope) === 'compact'
      ? envelopeFromCompact(envelope as Uint8Array, 1 << 16).header.counter
      : jsonObjectOf(envelope).ctr;
  assert.equal(typeof counter, 'number', 'a sample envelope carries its counter');
  return counter as number;
}

interface Gate {
  readonly opened: Promise<void>;
  open(): void;
}

function gate(): Gate {
  let open = (): void => {};
  const opened = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { opened, open };
}

/** Records deliveries and lets a test wait for the n-th; `body` runs inside the handler after recording. */
class Recorder {
  readonly deliveries: Delivery[] = [];
  readonly #waiters: { readonly count: number; readonly resolve: () => void }[] = [];
  readonly #body: DeliveryHandler | undefined;

  constructor(body?: DeliveryHandler) {
    this.#body = body;
  }

  readonly handler: DeliveryHandler = async (delivery) => {
    this.deliveries.push(delivery);
    for (const waiter of this.#waiters) if (this.deliveries.length >= waiter.count) waiter.resolve();
    await this.#body?.(delivery);
  };

  until(count: number): Promise<void> {
    if (this.deliveries.length >= count) return Promise.resolve();
    return new Promise((resolve) => this.#waiters.push({ count, resolve }));
  }

  get counters(): number[] {
    return this.deliveries.map((d) => counterOf(d.envelope));
  }
}

function pause(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export function describeTransportContract(name: string, make: TransportFactory): void {
  interface Fixture {
    readonly sender: Transport;
    readonly receiver: Transport;
    readonly to: string;
    readonly topic: string | undefined;
    readonly jsonArrivesAsBytes: boolean;
    readonly samples: Sample[];
    /** Every (error, delivery) the receiver reported, in order. */
    readonly errors: [unknown, Delivery][];
    /** Makes the contract's onError throw after recording (to test that failure too). */
    readonly control: { onErrorThrows: boolean };
    /** How many times `envelope` (by counter and encoding) was acknowledged. */
    timesAcknowledged(envelope: TransportEnvelope): Promise<number>;
    /** Resolves once the carrier has acknowledged `envelope` (polling the fixture). */
    acknowledgedEventually(envelope: TransportEnvelope): Promise<void>;
    /** A gate for a handler to wait on; every gate opens before the pair is closed, so a failed assertion cannot hang close(). */
    gate(): Gate;
  }

  async function withPair(body: (fixture: Fixture) => Promise<void>): Promise<void> {
    const errors: [unknown, Delivery][] = [];
    const control = { onErrorThrows: false };
    const pair = await make({
      onError: (error, delivery) => {
        errors.push([error, delivery]);
        if (control.onErrorThrows) throw new Error('onError failed too');
      },
    });
    const same = (a: TransportEnvelope, b: TransportEnvelope): boolean =>
      encodingOf(a) === encodingOf(b) && counterOf(a) === counterOf(b);
    const timesAcknowledged = async (envelope: TransportEnvelope): Promise<number> =>
      (await pair.acknowledged()).filter((acked) => same(acked, envelope)).length;
    const gates: Gate[] = [];
    const fixture: Fixture = {
      sender: pair.sender,
      receiver: pair.receiver,
      to: pair.to,
      topic: pair.topic,
      jsonArrivesAsBytes: pair.jsonArrivesAsBytes ?? false,
      samples: await samples(pair.to),
      errors,
      control,
      timesAcknowledged,
      async acknowledgedEventually(envelope) {
        for (let waited = 0; (await timesAcknowledged(envelope)) === 0; waited += 5) {
          assert.ok(waited < 5_000, `envelope ${counterOf(envelope)} was never acknowledged`);
          await pause(5);
        }
      },
      gate() {
        const made = gate();
        gates.push(made);
        return made;
      },
    };
    try {
      await body(fixture);
    } finally {
      for (const made of gates) made.open();
      await pair.receiver.close();
      await pair.sender.close();
      await pair.cleanup?.();
    }
  }

  async function sendOk(transport: Transport, envelope: TransportEnvelope, to: string): Promise<void> {
    const sent = await transport.send(envelope, to);
    assert.ok(sent.ok, sent.ok ? '' : `send: ${sent.error.code}: ${sent.error.message}`);
  }

  function sample(fixture: Fixture, index: number): Sample {
    const found = fixture.samples[index];
    assert.ok(found, `sample ${index}`);
    return found;
  }

  describe(`${name}: Transport contract`, () => {
    describe('what arrives', () => {
      it(
        'a JSON envelope arrives as an equal JSON object (a carrier of bytes: its JSON text), not re-encoded',
        TIMEOUT,
        () =>
          withPair(async (f) => {
            const recorder = new Recorder();
            f.receiver.onReceive(recorder.handler);
            await sendOk(f.sender, sample(f, 0).json, f.to);
            await recorder.until(1);
            const [delivery] = recorder.deliveries as [Delivery];
            if (f.jsonArrivesAsBytes) {
              assert.ok(delivery.envelope instanceof Uint8Array, 'as the bytes carried');
              assert.equal(new TextDecoder().decode(delivery.envelope), JSON.stringify(sample(f, 0).json));
            } else {
              assert.ok(!(delivery.envelope instanceof Uint8Array), 'not re-encoded as bytes');
              assert.deepEqual(delivery.envelope, sample(f, 0).json);
            }
          }),
      );

      it('compact bytes arrive as the same bytes, not as JSON', TIMEOUT, () =>
        withPair(async (f) => {
          const recorder = new Recorder();
          f.receiver.onReceive(recorder.handler);
          await sendOk(f.sender, sample(f, 1).compact, f.to);
          await recorder.until(1);
          const [delivery] = recorder.deliveries as [Delivery];
          assert.ok(delivery.envelope instanceof Uint8Array, 'not decoded into JSON');
          assert.deepEqual(Uint8Array.from(delivery.envelope), sample(f, 1).compact);
        }),
      );

      it(
        'a delivery carries what the carrier knows: the address sent to, and the topic where there is one',
        TIMEOUT,
        () =>
          withPair(async (f) => {
            const recorder = new Recorder();
            f.receiver.onReceive(recorder.handler);
            await sendOk(f.sender, sample(f, 2).json, f.to);
            await recorder.until(1);
            const [delivery] = recorder.deliveries as [Delivery];
            if (delivery.to !== undefined) assert.equal(delivery.to, f.to);
            assert.equal(delivery.topic, f.topic);
            assert.equal(typeof delivery.ack, 'function');
          }),
      );

      it('envelopes sent one after another arrive in that order, JSON and bytes alike', TIMEOUT, () =>
        withPair(async (f) => {
          const recorder = new Recorder();
          f.receiver.onReceive(recorder.handler);
          for (let i = 0; i < 20; i++) {
            await sendOk(f.sender, i % 2 === 0 ? sample(f, i).json : sample(f, i).compact, f.to);
          }
          await recorder.until(20);
          assert.deepEqual(
            recorder.counters,
            Array.from({ length: 20 }, (_, i) => i),
          );
          recorder.deliveries.forEach((d, i) => {
            assert.equal(encodingOf(d.envelope), i % 2 === 1 ? 'compact' : 'json', `delivery ${i} keeps its encoding`);
          });
        }),
      );

      it('of 50 concurrent sends each is delivered exactly once, one delivery at a time', TIMEOUT, () =>
        withPair(async (f) => {
          let active = 0;
          let most = 0;
          const recorder = new Recorder(async () => {
            active++;
            most = Math.max(most, active);
            await pause(1);
            active--;
          });
          f.receiver.onReceive(recorder.handler);
          const results = await Promise.all(
            Array.from({ length: 50 }, (_, i) => f.sender.send(sample(f, i).json, f.to)),
          );
          for (const r of results) assert.ok(r.ok);
          await recorder.until(50);
          await pause(20); // a duplicate would show up here
          assert.deepEqual(
            [...recorder.counters].sort((a, b) => a - b),
            Array.from({ length: 50 }, (_, i) => i),
          );
          assert.equal(most, 1, 'handlers never overlap');
        }),
      );

      it('every handler sees every delivery, in the order they were added', TIMEOUT, () =>
        withPair(async (f) => {
          const calls: string[] = [];
          const first = new Recorder(async (d) => void calls.push(`first ${counterOf(d.envelope)}`));
          const second = new Recorder(async (d) => void calls.push(`second ${counterOf(d.envelope)}`));
          f.receiver.onReceive(first.handler);
          f.receiver.onReceive(second.handler);
          await sendOk(f.sender, sample(f, 0).json, f.to);
          await sendOk(f.sender, sample(f, 1).json, f.to);
          await second.until(2);
          assert.deepEqual(calls, ['first 0', 'second 0', 'first 1', 'second 1']);
          assert.strictEqual(first.deliveries[0], second.deliveries[0], 'one delivery, shared');
          await f.acknowledgedEventually(sample(f, 1).json);
          assert.equal(await f.timesAcknowledged(sample(f, 0).json), 1, 'acknowledged once, for both');
        }),
      );

      it('refuses what is not an envelope or an address with INVALID_ARGUMENT, and delivers nothing', TIMEOUT, () =>
        withPair(async (f) => {
          const recorder = new Recorder();
          f.receiver.onReceive(recorder.handler);
          const bad: [unknown, unknown][] = [
            ['{"v":"v2"}', f.to],
            [null, f.to],
            [[1, 2], f.to],
            [sample(f, 0).json, ''],
            [sample(f, 0).json, 42],
          ];
          for (const [envelope, to] of bad) {
            const sent = await f.sender.send(envelope as TransportEnvelope, to as string);
            assert.equal(sent.ok ? 'ok' : sent.error.code, 'INVALID_ARGUMENT', JSON.stringify([envelope, to]));
          }
          await sendOk(f.sender, sample(f, 1).json, f.to);
          await recorder.until(1);
          assert.deepEqual(recorder.counters, [1], 'only the envelope that was one arrived');
        }),
      );
    });

    describe('receipts', () => {
      it('acknowledges a delivery only after its handler resolved', TIMEOUT, () =>
        withPair(async (f) => {
          const held = f.gate();
          const recorder = new Recorder(() => held.opened);
          f.receiver.onReceive(recorder.handler);
          await sendOk(f.sender, sample(f, 0).json, f.to);
          await recorder.until(1);
          await pause(30); // time for a premature receipt to reach the carrier
          assert.equal(await f.timesAcknowledged(sample(f, 0).json), 0, 'not while the handler runs');
          held.open();
          await f.acknowledgedEventually(sample(f, 0).json);
        }),
      );

      it('ack() from the handler acknowledges at once, and only once however often it is called', TIMEOUT, () =>
        withPair(async (f) => {
          const afterAck: number[] = [];
          const recorder = new Recorder(async (d) => {
            if (counterOf(d.envelope) !== 0) return;
            const first = d.ack();
            assert.strictEqual(d.ack(), first, 'a second call returns the first promise');
            await first;
            await f.acknowledgedEventually(d.envelope); // inside the handler: it did not wait for it to return
            afterAck.push(await f.timesAcknowledged(d.envelope));
            await d.ack();
          });
          f.receiver.onReceive(recorder.handler);
          await sendOk(f.sender, sample(f, 0).json, f.to);
          await sendOk(f.sender, sample(f, 1).json, f.to);
          await recorder.until(2);
          await f.acknowledgedEventually(sample(f, 1).json); // barrier: everything before it is settled
          assert.deepEqual(afterAck, [1]);
          assert.equal(await f.timesAcknowledged(sample(f, 0).json), 1, 'the transport did not ack it again');
        }),
      );

      it('does not acknowledge a delivery whose handler rejected, reports it to onError, and goes on', TIMEOUT, () =>
        withPair(async (f) => {
          const failure = new Error('handler failed');
          const recorder = new Recorder(async (d) => {
            if (counterOf(d.envelope) === 0) throw failure;
          });
          f.receiver.onReceive(recorder.handler);
          await sendOk(f.sender, sample(f, 0).compact, f.to);
          await sendOk(f.sender, sample(f, 1).compact, f.to);
          await recorder.until(2);
          await f.acknowledgedEventually(sample(f, 1).compact); // barrier
          assert.equal(await f.timesAcknowledged(sample(f, 0).compact), 0, 'the rejected one is not acknowledged');
          assert.equal(f.errors.length, 1);
          const [error, delivery] = f.errors[0] as [unknown, Delivery];
          assert.strictEqual(error, failure, 'onError gets the rejection itself');
          assert.strictEqual(delivery, recorder.deliveries[0], 'and the delivery it concerns');
        }),
      );

      it('keeps the receipt of a handler that called ack() and then rejected, and reports the rejection', TIMEOUT, () =>
        withPair(async (f) => {
          const failure = new Error('failed after the verdict was durable');
          const recorder = new Recorder(async (d) => {
            await d.ack();
            throw failure;
          });
          f.receiver.onReceive(recorder.handler);
          await sendOk(f.sender, sample(f, 0).json, f.to);
          await f.acknowledgedEventually(sample(f, 0).json);
          await sendOk(f.sender, sample(f, 1).json, f.to);
          await f.acknowledgedEventually(sample(f, 1).json); // barrier
          assert.equal(await f.timesAcknowledged(sample(f, 0).json), 1);
          assert.deepEqual(
            f.errors.map(([error]) => error),
            [failure, failure],
          );
        }),
      );

      it('treats a handler that throws synchronously as one that rejected', TIMEOUT, () =>
        withPair(async (f) => {
          const failure = new TypeError('not async at all');
          const seen: Delivery[] = [];
          const handler = ((delivery: Delivery) => {
            seen.push(delivery);
            if (counterOf(delivery.envelope) === 0) throw failure;
            return Promise.resolve();
          }) as DeliveryHandler;
          f.receiver.onReceive(handler);
          await sendOk(f.sender, sample(f, 0).json, f.to);
          await sendOk(f.sender, sample(f, 1).json, f.to);
          await f.acknowledgedEventually(sample(f, 1).json);
          assert.equal(await f.timesAcknowledged(sample(f, 0).json), 0);
          assert.deepEqual(
            f.errors.map(([error]) => error),
            [failure],
          );
          assert.equal(seen.length, 2);
        }),
      );

      it('does not acknowledge a delivery when any of its handlers rejected', TIMEOUT, () =>
        withPair(async (f) => {
          const first = new Recorder();
          const second = new Recorder(async (d) => {
            if (counterOf(d.envelope) === 0) throw new Error('second handler failed');
          });
          f.receiver.onReceive(first.handler);
          f.receiver.onReceive(second.handler);
          await sendOk(f.sender, sample(f, 0).json, f.to);
          await sendOk(f.sender, sample(f, 1).json, f.to);
          await f.acknowledgedEventually(sample(f, 1).json);
          assert.equal(await f.timesAcknowledged(sample(f, 0).json), 0);
          assert.equal(f.errors.length, 1);
        }),
      );

      it('survives an onError that throws: the failure goes to console.error, delivery goes on', TIMEOUT, () =>
        withPair(async (f) => {
          f.control.onErrorThrows = true;
          const printed: unknown[][] = [];
          const original = console.error;
          console.error = (...data: unknown[]) => void printed.push(data);
          try {
            const recorder = new Recorder(async (d) => {
              if (counterOf(d.envelope) === 0) throw new Error('handler failed');
            });
            f.receiver.onReceive(recorder.handler);
            await sendOk(f.sender, sample(f, 0).json, f.to);
            await sendOk(f.sender, sample(f, 1).json, f.to);
            await f.acknowledgedEventually(sample(f, 1).json);
          } finally {
            console.error = original;
          }
          assert.equal(f.errors.length, 1);
          assert.equal(printed.length, 1, 'the failure of onError was printed');
          assert.ok(
            (printed[0] as unknown[]).some((part) => String(part).includes('onError failed too')),
            'with the error onError threw',
          );
        }),
      );
    });

    describe('replies and stopping', () => {
      it('a handler that sends on its own transport does not deadlock; the reply is delivered after', TIMEOUT, () =>
        withPair(async (f) => {
          const recorder: Recorder = new Recorder(async (d) => {
            if (counterOf(d.envelope) !== 0) return;
            const reply = await f.receiver.send(sample(f, 1).compact, f.to);
            assert.ok(reply.ok, 'the reply was taken');
            assert.equal(recorder.deliveries.length, 1, 'and not delivered inside send');
          });
          f.receiver.onReceive(recorder.handler);
          await sendOk(f.sender, sample(f, 0).json, f.to);
          await recorder.until(2);
          assert.deepEqual(recorder.counters, [0, 1]);
          await f.acknowledgedEventually(sample(f, 1).compact);
          assert.equal(await f.timesAcknowledged(sample(f, 0).json), 1);
          assert.equal(f.errors.length, 0);
        }),
      );

      it('stop() ends one handler: it waits for that handler’s running call, others go on', TIMEOUT, () =>
        withPair(async (f) => {
          const held = f.gate();
          const log: string[] = [];
          const stopped = new Recorder(async (d) => {
            if (counterOf(d.envelope) === 0) await held.opened;
            log.push(`stopped handler done ${counterOf(d.envelope)}`);
          });
          const other = new Recorder();
          const stop = f.receiver.onReceive(stopped.handler);
          f.receiver.onReceive(other.handler);
          await sendOk(f.sender, sample(f, 0).json, f.to);
          await stopped.until(1);
          const stopping = stop().then(() => void log.push('stop resolved'));
          await pause(30);
          assert.deepEqual(log, [], 'stop waits for the running call');
          held.open();
          await stopping;
          assert.deepEqual(log, ['stopped handler done 0', 'stop resolved']);
          await sendOk(f.sender, sample(f, 1).json, f.to);
          await other.until(2);
          assert.deepEqual(stopped.counters, [0], 'nothing reaches a stopped handler');
          assert.deepEqual(other.counters, [0, 1]);
          await stop(); // stopping twice is harmless
        }),
      );

      it('a handler stopped while an earlier handler of the same delivery runs is not called for it', TIMEOUT, () =>
        withPair(async (f) => {
          let stopLater: () => Promise<void> = async () => {};
          const first = new Recorder(async (d) => {
            if (counterOf(d.envelope) === 0) await stopLater();
          });
          const later = new Recorder();
          f.receiver.onReceive(first.handler);
          stopLater = f.receiver.onReceive(later.handler);
          await sendOk(f.sender, sample(f, 0).json, f.to);
          await sendOk(f.sender, sample(f, 1).json, f.to);
          await first.until(2);
          await f.acknowledgedEventually(sample(f, 1).json);
          assert.deepEqual(later.counters, []);
        }),
      );

      it('onReceive refuses a handler that is not a function with INVALID_ARGUMENT', TIMEOUT, () =>
        withPair(async (f) => {
          assert.throws(
            () => f.receiver.onReceive('handler' as unknown as DeliveryHandler),
            (error: unknown) => isXlinkError(error) && error.code === 'INVALID_ARGUMENT',
          );
        }),
      );
    });

    describe('close', () => {
      it('close() waits for the handler in flight, and no handler runs after it resolved', TIMEOUT, () =>
        withPair(async (f) => {
          const held = f.gate();
          const log: string[] = [];
          const recorder = new Recorder(async (d) => {
            log.push(`start ${counterOf(d.envelope)}`);
            if (counterOf(d.envelope) === 0) await held.opened;
            log.push(`end ${counterOf(d.envelope)}`);
          });
          f.receiver.onReceive(recorder.handler);
          await sendOk(f.sender, sample(f, 0).json, f.to);
          await recorder.until(1);
          const closing = f.receiver.close().then(() => void log.push('closed'));
          await pause(30);
          assert.deepEqual(log, ['start 0'], 'close waits for the running handler');
          held.open();
          await closing;
          const closedAt = log.length;
          assert.deepEqual(log.slice(0, 2), ['start 0', 'end 0']);
          assert.equal(log.at(-1), 'closed');
          if (f.sender !== f.receiver) await f.sender.send(sample(f, 1).json, f.to); // may or may not be taken
          await pause(30);
          assert.equal(log.length, closedAt, 'nothing delivered after close resolved');
        }),
      );

      it(
        'send after close() fails with SEND_FAILED:CLOSED; closing again, even concurrently, is harmless',
        TIMEOUT,
        () =>
          withPair(async (f) => {
            await Promise.all([f.sender.close(), f.sender.close()]);
            await f.sender.close();
            for (const envelope of [sample(f, 0).json, sample(f, 0).compact]) {
              const sent = await f.sender.send(envelope, f.to);
              assert.equal(sent.ok ? 'ok' : sent.error.code, 'SEND_FAILED:CLOSED');
            }
            await f.receiver.close();
            const reply = await f.receiver.send(sample(f, 1).json, f.to);
            assert.equal(reply.ok ? 'ok' : reply.error.code, 'SEND_FAILED:CLOSED', 'the receiver refuses too');
          }),
      );

      it('refuses sends from the moment close() is called, before it resolves', TIMEOUT, () =>
        withPair(async (f) => {
          const held = f.gate();
          const recorder = new Recorder(() => held.opened);
          f.receiver.onReceive(recorder.handler);
          await sendOk(f.sender, sample(f, 0).json, f.to);
          await recorder.until(1);
          const closing = f.receiver.close();
          const sent = await f.receiver.send(sample(f, 1).json, f.to);
          assert.equal(sent.ok ? 'ok' : sent.error.code, 'SEND_FAILED:CLOSED');
          held.open();
          await closing;
        }),
      );
    });
  });
}
