import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Schedule } from '../../simulator/schedule.js';

test('slots come in time order, each device at its rate, spread over the period', () => {
  const schedule = new Schedule({ devices: 50, rate: 4, jitter: 0.2, start: 1000, seed: 7 });
  const perDevice = new Map<number, number[]>();
  let last = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < 50 * 40; i++) {
    const slot = schedule.next();
    assert.ok(slot.at >= last, 'time order');
    last = slot.at;
    perDevice.set(slot.device, [...(perDevice.get(slot.device) ?? []), slot.at]);
  }
  assert.equal(perDevice.size, 50);
  for (const [device, times] of perDevice) {
    assert.equal(times[0], 1000 + (250 * device) / 50, 'first sends spread evenly over one period');
    const gaps = times.slice(1).map((t, i) => t - (times[i] as number));
    assert.ok(
      gaps.every((gap) => gap >= 200 - 1e-9 && gap <= 300 + 1e-9),
      `device ${device}: gaps within ±20 %`,
    );
    const mean = gaps.reduce((a, b) => a + b, 0) / gaps.length;
    assert.ok(Math.abs(mean - 250) < 25, `device ${device}: mean interval ${mean}`);
  }
});

test('the same seed gives the same schedule; another seed another', () => {
  const take = (seed: number) => {
    const schedule = new Schedule({ devices: 5, rate: 10, jitter: 0.5, start: 0, seed });
    return Array.from({ length: 30 }, () => schedule.next());
  };
  assert.deepEqual(take(3), take(3));
  assert.notDeepEqual(take(3), take(4));
});

test('no jitter: exact periods', () => {
  const schedule = new Schedule({ devices: 2, rate: 2, jitter: 0, start: 0, seed: 1 });
  assert.deepEqual(
    Array.from({ length: 6 }, () => schedule.next()),
    [
      { device: 0, at: 0 },
      { device: 1, at: 250 },
      { device: 0, at: 500 },
      { device: 1, at: 750 },
      { device: 0, at: 1000 },
      { device: 1, at: 1250 },
    ],
  );
});
