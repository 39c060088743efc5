import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as portable from '../../src/index.js';
import * as onNode from '../../src/index.node.js';
import { MemoryTrustRegistry } from '../../src/registry/index.js';
import { codeOf, crypto, documentOf, newIdentity, runTrustRegistryContract, value } from './trust-registry-contract.js';

runTrustRegistryContract(
  'MemoryTrustRegistry',
  (context) => new MemoryTrustRegistry({ crypto: context.crypto ?? crypto, clock: context.clock }),
);

describe('MemoryTrustRegistry', () => {
  it('needs a backend: the class of xlink/registry picks none', () => {
    assert.throws(() => new MemoryTrustRegistry({} as never), { code: 'INVALID_ARGUMENT' });
  });

  for (const [entry, Registry] of [
    ['xlink (portable: noble)', portable.MemoryTrustRegistry],
    ['xlink on Node (node:crypto)', onNode.MemoryTrustRegistry],
  ] as const) {
    it(`${entry}: works with no arguments, as the white paper calls it`, async () => {
      await worksWithoutArguments(new Registry());
    });
  }

  async function worksWithoutArguments(registry: MemoryTrustRegistry): Promise<void> {
    const identity = await newIdentity();
    const before = Date.now();
    const entry = value(await registry.register({ document: await documentOf(identity), scopes: ['telemetry'] }));
    assert.ok(entry.registeredAt >= before && entry.registeredAt <= Date.now());
    const forged = { ...(await documentOf(identity, 2)), signature: new Uint8Array(64) };
    assert.equal(codeOf(await registry.updateDocument(forged)), 'IDENTITY_DOCUMENT_INVALID:SIGNATURE');
    await registry.close();
  }

  it('refuses an object that is not a crypto provider when constructed', () => {
    assert.throws(() => new MemoryTrustRegistry({ crypto: {} as never }), { code: 'INVALID_ARGUMENT' });
  });
});
