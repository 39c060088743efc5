// The reassembly buffer: completes at k, refuses contradictions without
// changing state, and stays bounded when filled with splits that never
// complete (count, per-sender count, bytes, time).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createNodeCrypto } from '../../src/crypto/node/index.js';
import { isXlinkError } from '../../src/errors.js';
import { VirtualClock } from '../../src/platform/virtual-clock.js';
import { THREE_OF_FIVE, TWO_OF_THREE } from '../../src/split/parameters.js';
import { ShareReassembly } from '../../src/split/reassembly.js';
import { splitSecret } from '../../src/split/secret-sharing.js';
import { readShare, type Share } from '../../src/split/share-format.js';

const crypto = createNodeCrypto();

async function sharesOf(secret: Uint8Array, threshold = TWO_OF_THREE): Promise<Share[]> {
  const { shares } = await splitSecret(secret, threshold, { crypto });
  return shares.map((bytes) => readShare(bytes));
}

function refusedWith(code: string) {
  return (e: unknown) => isXlinkError(e) && e.code === code;
}

describe('ShareReassembly', () => {
  it('pending until k, then the secret; the spare share is late', async () => {
    const buffer = new ShareReassembly();
    const secret = crypto.randomBytes(50);
    const [a, b, c] = await sharesOf(secret, TWO_OF_THREE);
    assert.deepEqual(buffer.add('alice', b as Share, 'x'), { status: 'pending', held: 1, k: 2, n: 3 });
    assert.equal(buffer.pendingGroups, 1);
    const done = buffer.add('alice', c as Share, 'x');
    assert.ok(done.status === 'complete');
    assert.deepEqual(done.secret, secret);
    assert.equal(buffer.pendingGroups, 0);
    assert.equal(buffer.heldBytes, 0);
    assert.deepEqual(buffer.add('alice', a as Share, 'x'), { status: 'late' });
  });

  it('the same group id from two senders is two splits', async () => {
    const buffer = new ShareReassembly();
    const [a, b] = await sharesOf(new Uint8Array(8));
    assert.equal(buffer.add('alice', a as Share, 'x').status, 'pending');
    assert.equal(buffer.add('mallory', b as Share, 'x').status, 'pending');
    assert.equal(buffer.pendingGroups, 2);
  });

  it('a duplicate, a disagreeing binding or header is refused and changes nothing', async () => {
    const buffer = new ShareReassembly();
    const [a, b] = await sharesOf(new Uint8Array(8), THREE_OF_FIVE);
    buffer.add('alice', a as Share, 'x');
    assert.throws(() => buffer.add('alice', a as Share, 'x'), refusedWith('INCONSISTENT_SHARES:DUPLICATE_INDEX'));
    assert.throws(() => buffer.add('alice', b as Share, 'other scope'), refusedWith('INCONSISTENT_SHARES'));
    const forged = { ...(b as Share), k: 2 };
    assert.throws(() => buffer.add('alice', forged, 'x'), refusedWith('INCONSISTENT_SHARES:PARAMETERS'));
    assert.deepEqual(buffer.add('alice', b as Share, 'x'), { status: 'pending', held: 2, k: 3, n: 5 });
  });

  it('filled with splits that never complete: count, per-sender count and bytes stay bounded', async () => {
    const buffer = new ShareReassembly({ maxGroups: 50, maxGroupsPerOrigin: 20, maxBytes: 40 * 1024 });
    const one = async () => (await sharesOf(new Uint8Array(1024)))[0] as Share;
    for (let i = 0; i < 20; i++) buffer.add('mallory', await one(), 'x');
    const more = await one();
    assert.throws(() => buffer.add('mallory', more, 'x'), refusedWith('SPLIT_BUFFER_FULL'), 'per-sender limit');
    // Other senders still get room, until the byte limit: 40 KiB of 1 KiB shares.
    let refused = 0;
    for (let i = 0; i < 200; i++) {
      try {
        buffer.add(`sender-${i}`, await one(), 'x');
      } catch (e) {
        assert.ok(isXlinkError(e) && e.code === 'SPLIT_BUFFER_FULL');
        refused++;
      }
    }
    assert.ok(buffer.pendingGroups <= 50, `${buffer.pendingGroups} groups`);
    assert.ok(buffer.heldBytes <= 40 * 1024, `${buffer.heldBytes} bytes`);
    // The byte limit (40 shares of 1 KiB) binds before the count (50): 20 more senders got in.
    assert.equal(refused, 200 - 20);
  });

  it('a full buffer still completes the splits it holds: the completing share is never held', async () => {
    const buffer = new ShareReassembly({ maxBytes: 1024 });
    const secret = crypto.randomBytes(1024);
    const [a, b] = await sharesOf(secret);
    buffer.add('alice', a as Share, 'x');
    assert.equal(buffer.heldBytes, 1024);
    const done = buffer.add('alice', b as Share, 'x');
    assert.ok(done.status === 'complete' && Buffer.from(done.secret).equals(secret));
  });

  it('a split still incomplete after ttlMs is dropped, and its bytes with it', async () => {
    const clock = new VirtualClock(1_000_000);
    const buffer = new ShareReassembly({ ttlMs: 30_000, maxGroups: 4, clock });
    const [a, b] = await sharesOf(crypto.randomBytes(100));
    for (let i = 0; i < 4; i++) buffer.add('alice', (await sharesOf(new Uint8Array(100)))[0] as Share, 'x');
    assert.throws(() => buffer.add('alice', a as Share, 'x'), refusedWith('SPLIT_BUFFER_FULL'));
    clock.advance(30_000);
    assert.equal(buffer.add('alice', a as Share, 'x').status, 'pending', 'the expired splits made room');
    assert.equal(buffer.pendingGroups, 1);
    assert.equal(buffer.heldBytes, 100);
    clock.advance(29_999);
    assert.equal(buffer.add('alice', b as Share, 'x').status, 'complete', 'within the window');
  });

  it('a late share after the window opens nothing that lasts', async () => {
    const clock = new VirtualClock(0);
    const buffer = new ShareReassembly({ ttlMs: 1000, clock });
    const [a, b, c] = await sharesOf(new Uint8Array(8));
    buffer.add('alice', a as Share, 'x');
    buffer.add('alice', b as Share, 'x');
    clock.advance(1000);
    assert.equal(buffer.add('alice', c as Share, 'x').status, 'pending', 'forgotten: a new split, which expires');
    clock.advance(1000);
    buffer.add('bob', (await sharesOf(new Uint8Array(8)))[0] as Share, 'x');
    assert.equal(buffer.pendingGroups, 1);
  });

  it('limits must be positive integers', () => {
    for (const options of [{ ttlMs: 0 }, { maxGroups: Number.NaN }, { maxBytes: -1 }, { maxGroupsPerOrigin: 1.5 }]) {
      assert.throws(() => new ShareReassembly(options), refusedWith('INVALID_ARGUMENT'));
    }
  });
});
