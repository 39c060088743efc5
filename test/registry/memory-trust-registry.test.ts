import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MemoryTrustRegistry } from '../../src/registry/index.js';
import { codeOf, crypto, documentOf, newIdentity, runTrustRegistryContract, value } from './trust-registry-contract.js';

runTrustRegistryContract(
  'MemoryTrustRegistry',
  (context) => new MemoryTrustRegistry({ crypto: context.crypto ?? crypto, clock: context.clock }),
);

describe('MemoryTrustRegistry', () => {
  it('works with no arguments (noble crypto, system clock), as the white paper calls it', async () => {
    const registry = new MemoryTrustRegistry();
    const identity = await newIdentity();
    const before = Date.now();
    const entry = value(await registry.register({ document: await documentOf(identity), scopes: ['telemetry'] }));
    assert.ok(entry.registeredAt >= before && entry.registeredAt <= Date.now());
    const forged = { ...(await documentOf(identity, 2)), signature: new Uint8Array(64) };
    assert.equal(codeOf(await registry.updateDocument(forged)), 'IDENTITY_DOCUMENT_INVALID:SIGNATURE');
    await registry.close();
  });

  it('refuses an object that is not a crypto provider when constructed', () => {
    assert.throws(() => new MemoryTrustRegistry({ crypto: {} as never }), { code: 'INVALID_ARGUMENT' });
  });
});
