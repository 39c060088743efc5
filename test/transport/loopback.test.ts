// LoopbackTransport: the Transport contract, then what only the loopback
// promises (the outbox, settled(), deliveries after send returns, a receipt
// settled before the next delivery, close() delivering what was sent before it).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LoopbackTransport } from '../../src/transport/loopback.js';
import type { Delivery, TransportEnvelope } from '../../src/transport/transport.js';
import { describeTransportContract } from './transport-contract.js';

const BOB = 'did:key:z6MkpTHR8VNsBxYAAWHut2Geadd9jSwuBV8xRoAnwWsdvktH';
const ALICE = 'did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK';

describeTransportContract('LoopbackTransport', async ({ onError }) => {
  const transport = new LoopbackTransport({ onError });
  return {
    sender: transport,
    receiver: transport,
    to: BOB,
    acknowledged: () => transport.acked.map((e) => e.envelope),
  };
});

/** Stand-ins for envelopes: the loopback never looks inside. */
function envelope(n: number): TransportEnvelope {
  return Uint8Array.of(0xd2, n);
}

describe('LoopbackTransport', () => {
  it('keeps every envelope in outbox and sent, as given, with or without a handler', async () => {
    const transport = new LoopbackTransport();
    const json = { v: 'v2' } as unknown as TransportEnvelope;
    const bytes = envelope(1);
    assert.ok((await transport.send(json, BOB)).ok);
    assert.ok((await transport.send(bytes, ALICE)).ok);
    await transport.settled();
    assert.strictEqual(transport.outbox[0], json);
    assert.strictEqual(transport.outbox[1], bytes);
    assert.deepEqual(transport.sent, [
      { envelope: json, to: BOB },
      { envelope: bytes, to: ALICE },
    ]);
    assert.deepEqual(transport.acked, [], 'no handler took them, so nothing was acknowledged');
  });

  it('delivers after send has returned, never inside it, with the `to` it was sent to', async () => {
    const transport = new LoopbackTransport();
    let returned = false;
    const seen: [boolean, Delivery][] = [];
    transport.onReceive(async (delivery) => void seen.push([returned, delivery]));
    const sending = transport.send(envelope(1), BOB);
    returned = true;
    assert.ok((await sending).ok);
    await transport.settled();
    assert.equal(seen.length, 1);
    const [[afterSend, delivery]] = seen as [[boolean, Delivery]];
    assert.equal(afterSend, true);
    assert.equal(delivery.to, BOB);
    assert.equal(delivery.topic, undefined);
  });

  it('settles a receipt before the next delivery starts', async () => {
    const transport = new LoopbackTransport();
    const ackedWhenCalled: number[] = [];
    transport.onReceive(async () => void ackedWhenCalled.push(transport.acked.length));
    await Promise.all([transport.send(envelope(1), BOB), transport.send(envelope(2), BOB)]);
    await transport.settled();
    assert.deepEqual(ackedWhenCalled, [0, 1]);
  });

  it('settled() waits for replies sent from handlers, and resolves at once when idle', async () => {
    const transport = new LoopbackTransport();
    await transport.settled();
    const handled: string[] = [];
    transport.onReceive(async (delivery) => {
      await new Promise((resolve) => setTimeout(resolve, 5)); // settled() is waiting by now
      if (delivery.to === BOB) assert.ok((await transport.send(envelope(2), ALICE)).ok);
      handled.push(delivery.to ?? '');
    });
    assert.ok((await transport.send(envelope(1), BOB)).ok);
    await transport.settled();
    assert.deepEqual(handled, [BOB, ALICE]);
    assert.equal(transport.acked.length, 2);
  });

  it('does not hand an envelope sent before any handler to a handler added later', async () => {
    const transport = new LoopbackTransport();
    assert.ok((await transport.send(envelope(1), BOB)).ok);
    await transport.settled();
    const seen: Delivery[] = [];
    transport.onReceive(async (delivery) => void seen.push(delivery));
    assert.ok((await transport.send(envelope(2), BOB)).ok);
    await transport.settled();
    assert.deepEqual(
      seen.map((d) => d.envelope),
      [envelope(2)],
    );
  });

  it('close() delivers what was sent before it, then nothing; a handler added after close never runs', async () => {
    const transport = new LoopbackTransport();
    const seen: TransportEnvelope[] = [];
    transport.onReceive(async (delivery) => void seen.push(delivery.envelope));
    await Promise.all([transport.send(envelope(1), BOB), transport.send(envelope(2), BOB)]);
    await transport.close();
    assert.deepEqual(seen, [envelope(1), envelope(2)]);
    const late: Delivery[] = [];
    const stop = transport.onReceive(async (delivery) => void late.push(delivery));
    await stop();
    assert.deepEqual(late, []);
  });

  it('without onError, a failing handler is printed with console.error: no unhandled rejection, send still ok', async () => {
    const transport = new LoopbackTransport();
    const failure = new Error('handler failed');
    transport.onReceive(async () => {
      throw failure;
    });
    const printed: unknown[][] = [];
    const original = console.error;
    console.error = (...data: unknown[]) => void printed.push(data);
    try {
      assert.ok((await transport.send(envelope(1), BOB)).ok, 'delivery is asynchronous: send does not fail');
      await transport.settled();
    } finally {
      console.error = original;
    }
    assert.equal(printed.length, 1);
    assert.ok((printed[0] as unknown[]).includes(failure));
    assert.match(String((printed[0] as unknown[])[0]), /not acknowledged/);
    assert.deepEqual(transport.acked, []);
  });
});
