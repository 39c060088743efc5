// DeliveryQueue: what the contract cannot reach through the loopback, whose
// own receipt never fails: a carrier's receipt that fails, the carrier's
// topic, and messages a carrier hands over after close().
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DeliveryQueue } from '../../src/transport/delivery-queue.js';
import type { Delivery } from '../../src/transport/transport.js';

const envelope = Uint8Array.of(0xd2, 1);

test('a carrier receipt that throws or rejects goes to onError with its delivery', async () => {
  const reported: [unknown, Delivery][] = [];
  const queue = new DeliveryQueue((error, delivery) => void reported.push([error, delivery]));
  const seen: Delivery[] = [];
  queue.add(async (delivery) => void seen.push(delivery));
  const thrown = new Error('socket gone');
  const rejected = new Error('puback refused');
  queue.enqueue({ envelope, topic: 'xlink/a' }, () => {
    throw thrown;
  });
  queue.enqueue({ envelope, topic: 'xlink/b' }, () => Promise.reject(rejected));
  await queue.settled();
  assert.deepEqual(
    reported.map(([error]) => error),
    [thrown, rejected],
  );
  assert.strictEqual(reported[0]?.[1], seen[0]);
  assert.deepEqual(
    seen.map((d) => d.topic),
    ['xlink/a', 'xlink/b'],
  );
  assert.ok(!('to' in (seen[0] as Delivery)), 'no `to` where the carrier gave none');
});

test('the carrier receipt runs once, however often ack() is called', async () => {
  const queue = new DeliveryQueue();
  let receipts = 0;
  queue.add(async (delivery) => {
    await Promise.all([delivery.ack(), delivery.ack()]);
    await delivery.ack();
  });
  queue.enqueue({ envelope }, () => void receipts++);
  await queue.settled();
  assert.equal(receipts, 1);
});

test('after close() a carrier message is neither delivered nor acknowledged (it comes again on reconnect)', async () => {
  const queue = new DeliveryQueue();
  let calls = 0;
  let receipts = 0;
  queue.add(async () => void calls++);
  await queue.close();
  queue.enqueue({ envelope }, () => void receipts++);
  await queue.settled();
  assert.deepEqual([calls, receipts], [0, 0]);
});

test('ordered: false starts each delivery at once; each is acknowledged after its own handler; settled() waits for all', async () => {
  const queue = new DeliveryQueue(undefined, { ordered: false });
  const gates: (() => void)[] = [];
  const started: string[] = [];
  const acked: string[] = [];
  queue.add(async (delivery) => {
    started.push(delivery.topic as string);
    await new Promise<void>((resolve) => gates.push(resolve));
  });
  queue.enqueue({ envelope, topic: 'a' }, () => void acked.push('a'));
  queue.enqueue({ envelope, topic: 'b' }, () => void acked.push('b'));
  await new Promise((resolve) => setImmediate(resolve));
  assert.deepEqual(started, ['a', 'b'], 'the second started while the first is still running');
  let settled = false;
  const all = queue.settled().then(() => (settled = true));
  gates[1]?.();
  await new Promise((resolve) => setImmediate(resolve));
  assert.deepEqual(acked, ['b'], 'acknowledged after its own handler, not after the first');
  assert.equal(settled, false);
  gates[0]?.();
  await all;
  assert.deepEqual(acked, ['b', 'a']);
});
