/**
 * A provisioned fleet for the simulator's tests, made the way `xlink simulate`
 * makes one: `xlink provision` + `xlink registry import` into a registry with
 * an operator key, plus the devices faults need (one to revoke, one to reset,
 * one never registered).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  createOperatorKey,
  type FleetMember,
  provisionFleet,
  type RegistryAccess,
} from '../../simulator/fleet-source.js';

export interface TestFleet {
  readonly dir: string;
  readonly registry: RegistryAccess;
  readonly members: FleetMember[];
  readonly victim: FleetMember;
  readonly rollback: FleetMember;
  readonly stranger: FleetMember;
  remove(): void;
}

export async function testFleet(count: number): Promise<TestFleet> {
  const dir = mkdtempSync(join(tmpdir(), 'xlink-sim-test-'));
  const registry = { registryPath: join(dir, 'trust.log'), operatorKeyPath: join(dir, 'operator.key') };
  await createOperatorKey(registry.operatorKeyPath);
  const members = await provisionFleet({ dir, count, batch: 'T', registry });
  const [victim, rollback] = (await provisionFleet({ dir, count: 2, batch: 'H', registry })) as [
    FleetMember,
    FleetMember,
  ];
  const [stranger] = (await provisionFleet({ dir, count: 1, batch: 'U' })) as [FleetMember];
  return {
    dir,
    registry,
    members,
    victim,
    rollback,
    stranger,
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}
