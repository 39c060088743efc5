import assert from 'node:assert/strict';
import { test } from 'node:test';
import { EXPECTED_OUTCOME, FAULT_MIXES, FaultPlan, parseFaultMix } from '../../simulator/faults.js';
import { FAULT_KINDS, type FaultKind } from '../../simulator/run-result.js';

test('parseFaultMix reads kind=percent lists and named mixes', () => {
  assert.deepEqual(parseFaultMix('replay=1,stale=0.5'), { replay: 1, stale: 0.5 });
  assert.deepEqual(parseFaultMix(''), {});
  assert.deepEqual(parseFaultMix('every'), Object.fromEntries(FAULT_KINDS.map((k) => [k, 1])));
  assert.deepEqual(parseFaultMix('none'), {});
  assert.equal(parseFaultMix('clocks'), FAULT_MIXES.clocks);
});

test('parseFaultMix refuses what it cannot mean, with INVALID_ARGUMENT:SIMULATOR_CONFIG', () => {
  for (const bad of [
    'replay',
    'replay=',
    'replay=x',
    'replay=-1',
    'nosuch=1',
    'replay=1=2',
    'replay=1,replay=2',
    'stale=60,future=41',
    'toString',
  ]) {
    assert.throws(() => parseFaultMix(bad), { code: 'INVALID_ARGUMENT:SIMULATOR_CONFIG', field: 'faults' }, bad);
  }
});

test('every fault kind has an expected outcome', () => {
  assert.deepEqual(Object.keys(EXPECTED_OUTCOME).sort(), [...FAULT_KINDS].sort());
});

test('the plan is exact: round(n·p/100) per kind, spread out, none overlapping', () => {
  const plan = new FaultPlan({ replay: 1, stale: 0.5, garbage: 10 });
  const positions: Record<string, number[]> = {};
  for (let slot = 1; slot <= 1000; slot++) {
    const kind = plan.next(() => true);
    if (kind !== undefined) positions[kind] = [...(positions[kind] ?? []), slot];
  }
  assert.equal(positions.replay?.length, 10);
  assert.equal(positions.stale?.length, 5);
  assert.equal(positions.garbage?.length, 100);
  // Evenly spread: consecutive replays ~100 slots apart (give or take the queue behind garbage).
  const replays = positions.replay as number[];
  const gaps = replays.slice(1).map((at, i) => at - (replays[i] as number));
  assert.ok(
    gaps.every((gap) => gap >= 95 && gap <= 105),
    gaps.join(','),
  );
});

test('a kind that cannot go now is owed and taken at the next slot where it can', () => {
  const plan = new FaultPlan({ replay: 50 });
  const taken: (FaultKind | undefined)[] = [];
  for (let slot = 1; slot <= 10; slot++) taken.push(plan.next(() => slot > 6));
  // Owed 1 at slot 1 (round(0.5)), … 5 by slot 10; nothing possible before slot 7, then one per slot.
  assert.deepEqual(taken, [
    undefined,
    undefined,
    undefined,
    undefined,
    undefined,
    undefined,
    'replay',
    'replay',
    'replay',
    'replay',
  ]);
  assert.equal(plan.taken.get('replay'), 4);
});
