// Attacks on split-channel mode and Xchange through the Agent, one finding
// each: another registered sender injecting a share under a victim's group
// id, a peer filling the reassembly buffer with messages it never completes,
// an Xchange share whose ciphertext was swapped, and a share relabelled to
// another scope.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Agent } from '../../src/agent/agent.js';
import { encodeSplitFrame, readSplitFrame } from '../../src/agent/split-frame.js';
import { base64urlDecode } from '../../src/codec/base64url.js';
import { createNodeCrypto } from '../../src/crypto/node/index.js';
import { type EnvelopeJson, envelopeToJson } from '../../src/envelope/json-encoding.js';
import { signEnvelope } from '../../src/envelope/sign.js';
import { unwrap } from '../../src/errors.js';
import { identityFromSeed } from '../../src/identity/derive.js';
import { MemoryTrustRegistry } from '../../src/registry/memory-trust-registry.js';
import { LoopbackTransport } from '../../src/transport/loopback.js';

const crypto = createNodeCrypto();
const MALLORY_SEED = new Uint8Array(32).fill(0x4d);

async function xchangeWorld() {
  const registry = new MemoryTrustRegistry({ crypto });
  const channels = [new LoopbackTransport(), new LoopbackTransport(), new LoopbackTransport()];
  const alice = unwrap(await Agent.create({ registry, crypto, transport: channels, xchange: true }));
  const bob = unwrap(
    await Agent.create({
      registry,
      crypto,
      transport: channels,
      xchange: true,
      splitReassembly: { maxGroups: 64, maxGroupsPerOrigin: 8 },
    }),
  );
  const mallory = unwrap(
    await Agent.fromSeed(MALLORY_SEED, { registry, crypto, transport: channels[0] as LoopbackTransport }),
  );
  const identity = unwrap(await identityFromSeed(MALLORY_SEED, { crypto }));
  const signer = { did: mallory.did, signer: await crypto.ed25519Signer(identity.ed25519.secretKey) };
  /** Mallory signs any payload to Bob, under his own name. */
  const signedByMallory = async (payload: Uint8Array, scope = 'default') =>
    envelopeToJson(
      unwrap(
        await signEnvelope(
          signer,
          { to: bob.did, scope, payload, contentType: 'share', timestamp: Date.now() },
          { crypto },
        ),
      ),
    );
  return { channels, alice, bob, mallory, signedByMallory };
}

/** The split frame an Xchange share envelope carries in clear. */
function frameOf(envelope: EnvelopeJson) {
  assert.equal(envelope.cty, 'share');
  return readSplitFrame(unwrap(base64urlDecode(envelope.payload as string)));
}

test("another sender's share under the victim's group id (re-tagged with the key Xchange carries in clear) joins only its own group", async () => {
  const { channels, alice, bob, signedByMallory } = await xchangeWorld();
  unwrap(await alice.send({ to: bob.did, payload: { pay: 10 }, security: 'high', xchange: true }));
  const first = channels[0]?.outbox[0] as EnvelopeJson;
  const held = await bob.receive(first);
  assert.ok(!held.ok && held.error.code === 'INSUFFICIENT_SHARES:PENDING');
  // Mallory copies share 2 off the wire, alters it and re-tags it: the HMAC key is in the clear frame.
  const frame = frameOf(channels[1]?.outbox[0] as EnvelopeJson);
  const share = Uint8Array.from(frame.share);
  share[30] = (share[30] as number) ^ 0xff;
  share.set(crypto.hmacSha256(frame.hmacKey, share.subarray(0, share.length - 32)) as Uint8Array, share.length - 32);
  const injected = await bob.receive(await signedByMallory(encodeSplitFrame({ ...frame, share })));
  assert.ok(!injected.ok && injected.error.code === 'INSUFFICIENT_SHARES:PENDING', 'held in mallory’s own group');
  const completed = await bob.receive(channels[2]?.outbox[0]);
  assert.ok(completed.ok, completed.ok ? '' : completed.error.code);
  assert.deepEqual(completed.value.payload, { pay: 10 });
  assert.equal(completed.value.sender, alice.did);
});

test('a peer that opens split messages and never completes them fills only its own quota: SPLIT_BUFFER_FULL', async () => {
  const { alice, bob, signedByMallory, channels } = await xchangeWorld();
  const { splitSecret } = await import('../../src/split/secret-sharing.js');
  const codes: string[] = [];
  for (let i = 0; i < 20; i++) {
    const split = await splitSecret(crypto.randomBytes(32), { k: 2, n: 3 }, { crypto });
    const frame = encodeSplitFrame({
      mode: 'xchange',
      contentType: 'json',
      hmacKey: split.hmacKey,
      share: split.shares[0] as Uint8Array,
      iv: crypto.randomBytes(12),
      ciphertext: crypto.randomBytes(40),
    });
    const result = await bob.receive(await signedByMallory(frame));
    codes.push(result.ok ? 'ok' : result.error.code);
  }
  assert.deepEqual(codes.slice(0, 8), Array(8).fill('INSUFFICIENT_SHARES:PENDING'));
  assert.deepEqual(codes.slice(8), Array(12).fill('SPLIT_BUFFER_FULL'));
  // Alice, another sender, is not starved.
  unwrap(await alice.send({ to: bob.did, payload: 'still works', security: 'high', xchange: true }));
  await bob.receive(channels[0]?.outbox[0]);
  const done = await bob.receive(channels[1]?.outbox[0]);
  assert.ok(done.ok && done.value.payload === 'still works');
});

test('an Xchange ciphertext swapped in one share (by its own signer) fails AES-GCM: DECRYPT_FAILED:DECRYPTION', async () => {
  // Only the sender can produce a share envelope in its name; a faulty or hostile sender is what remains.
  const { bob, signedByMallory } = await xchangeWorld();
  const { splitSecret } = await import('../../src/split/secret-sharing.js');
  const key = crypto.randomBytes(32);
  const split = await splitSecret(key, { k: 2, n: 3 }, { crypto });
  const iv = crypto.randomBytes(12);
  const frames = [0, 1].map((i) =>
    encodeSplitFrame({
      mode: 'xchange',
      contentType: 'json',
      hmacKey: split.hmacKey,
      share: split.shares[i] as Uint8Array,
      iv,
      ciphertext: crypto.randomBytes(30), // not under this key with this message's additional data
    }),
  );
  await bob.receive(await signedByMallory(frames[0] as Uint8Array));
  const done = await bob.receive(await signedByMallory(frames[1] as Uint8Array));
  assert.ok(!done.ok && done.error.code === 'DECRYPT_FAILED:DECRYPTION');
});

test('shares of one split sent under two scopes do not combine (INCONSISTENT_SHARES)', async () => {
  const { bob, signedByMallory } = await xchangeWorld();
  const { splitSecret } = await import('../../src/split/secret-sharing.js');
  const split = await splitSecret(crypto.randomBytes(32), { k: 2, n: 3 }, { crypto });
  const iv = crypto.randomBytes(12);
  const frame = (i: number) =>
    encodeSplitFrame({
      mode: 'xchange',
      contentType: 'json',
      hmacKey: split.hmacKey,
      share: split.shares[i] as Uint8Array,
      iv,
      ciphertext: crypto.randomBytes(30),
    });
  await bob.receive(await signedByMallory(frame(0), 'chat'));
  const relabelled = await bob.receive(await signedByMallory(frame(1), 'firmware'));
  assert.ok(
    !relabelled.ok && relabelled.error.code === 'INCONSISTENT_SHARES',
    relabelled.ok ? '' : relabelled.error.code,
  );
});
