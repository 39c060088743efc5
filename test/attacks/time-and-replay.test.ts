// Time and replay (receive steps 4 and 7 of docs/protocol.md) on a virtual
// clock: stale, future and boundary timestamps; replays within a process,
// across encodings and across restarts (memory and file stores); nonces
// being per sender; and nonce pre-emption, which works only if the replay
// store is touched after the signature verified.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { envelopeToJson } from '../../src/envelope/json-encoding.js';
import { MemoryNonceStore } from '../../src/replay/memory-nonce-store.js';
import { FileNonceStore } from '../../src/replay/node/file-nonce-store.js';
import {
  createWorld,
  envelopeOf,
  flipBase64Bit,
  neighbourDid,
  receiveCode,
  resign,
  sealAs,
  sendJson,
  startAgent,
  T0,
  toCompact,
  WINDOW_MS,
  withFields,
} from './fixtures.js';

const directories: string[] = [];

after(async () => {
  await Promise.all(directories.map((directory) => rm(directory, { recursive: true, force: true })));
});

async function temporaryPath(): Promise<string> {
  const directory = await mkdtemp(join(tmpdir(), 'xlink-attacks-'));
  directories.push(directory);
  return join(directory, 'replay.log');
}

test('stale by window + 1 ms → TIMESTAMP_EXPIRED', async () => {
  const world = await createWorld();
  const json = await sendJson(world);
  world.clock.advance(WINDOW_MS + 1);
  assert.equal(await receiveCode(world.bob, json), 'TIMESTAMP_EXPIRED');
});

test('dated window + 1 ms ahead of the receiver → TIMESTAMP_EXPIRED:FUTURE', async () => {
  const world = await createWorld();
  world.clock.set(T0 + WINDOW_MS + 1);
  const json = await sendJson(world);
  world.clock.set(T0);
  assert.equal(await receiveCode(world.bob, json), 'TIMESTAMP_EXPIRED:FUTURE');
});

test('boundary: exactly window ms old → accepted', async () => {
  const world = await createWorld();
  const json = await sendJson(world);
  world.clock.advance(WINDOW_MS);
  assert.equal(await receiveCode(world.bob, json), 'ok');
});

test('boundary: exactly window ms ahead → accepted', async () => {
  const world = await createWorld();
  world.clock.set(T0 + WINDOW_MS);
  const json = await sendJson(world);
  world.clock.set(T0);
  assert.equal(await receiveCode(world.bob, json), 'ok');
});

test('order: a stale envelope with a bad signature fails TIMESTAMP_EXPIRED (time is checked first)', async () => {
  const world = await createWorld();
  const json = await sendJson(world);
  world.clock.advance(WINDOW_MS + 1);
  assert.equal(
    await receiveCode(world.bob, withFields(json, { ct: flipBase64Bit(json.ct as string, 9) })),
    'TIMESTAMP_EXPIRED',
  );
});

test('order: a future envelope from an unknown sender fails TIMESTAMP_EXPIRED:FUTURE (time before the registry)', async () => {
  const world = await createWorld();
  world.clock.set(T0 + WINDOW_MS + 1);
  const json = await sendJson(world);
  world.clock.set(T0);
  assert.equal(
    await receiveCode(world.bob, withFields(json, { from: neighbourDid(json.from) })),
    'TIMESTAMP_EXPIRED:FUTURE',
  );
});

test('replay of an accepted envelope → REPLAY_DETECTED', async () => {
  const world = await createWorld();
  const json = await sendJson(world);
  assert.equal(await receiveCode(world.bob, json), 'ok');
  assert.equal(await receiveCode(world.bob, json), 'REPLAY_DETECTED');
});

test('replay in the other encoding (JSON accepted, then the same envelope as compact) → REPLAY_DETECTED', async () => {
  const world = await createWorld();
  const json = await sendJson(world);
  assert.equal(await receiveCode(world.bob, json), 'ok');
  assert.equal(await receiveCode(world.bob, toCompact(json)), 'REPLAY_DETECTED');
});

test('replay after a restart with a fresh MemoryNonceStore → REPLAY_DETECTED:BEFORE_START; new envelopes still pass', async () => {
  const world = await createWorld();
  const json = await sendJson(world);
  assert.equal(await receiveCode(world.bob, json), 'ok');
  world.clock.advance(1);
  const restarted = await startAgent(world, 'bob', {
    nonceStore: new MemoryNonceStore({ windowMs: WINDOW_MS, clock: world.clock }),
  });
  assert.equal(restarted.did, world.bob.did);
  assert.equal(await receiveCode(restarted, json), 'REPLAY_DETECTED:BEFORE_START');
  assert.equal(await receiveCode(restarted, await sendJson(world)), 'ok');
});

test('replay after a restart with the FileNonceStore reopened on the same file → REPLAY_DETECTED', async () => {
  const path = await temporaryPath();
  const world = await createWorld();
  const first = await FileNonceStore.create({ path, windowMs: WINDOW_MS, clock: world.clock });
  const bob = await startAgent(world, 'bob', { nonceStore: first });
  const json = await sendJson(world);
  const unseen = await sendJson(world);
  assert.equal(await receiveCode(bob, json), 'ok');
  await first.close();
  world.clock.advance(1);
  const reopened = await FileNonceStore.open({ path, windowMs: WINDOW_MS, clock: world.clock });
  try {
    const restarted = await startAgent(world, 'bob', { nonceStore: reopened });
    assert.equal(await receiveCode(restarted, json), 'REPLAY_DETECTED');
    // Unlike a memory store it knows what it saw: an envelope dated before the restart but never received passes.
    assert.equal(await receiveCode(restarted, unseen), 'ok');
  } finally {
    await reopened.close();
  }
});

test('replay under another sender’s nonce: mallory’s own envelope reusing alice’s nonce is accepted, and alice’s still once', async () => {
  const world = await createWorld();
  const json = await sendJson(world);
  const envelope = envelopeOf(json);
  const nonce = envelope.header.nonce as Uint8Array;
  const mallorys = await sealAs(world, 'mallory', { nonce });
  assert.deepEqual(mallorys.header.nonce, nonce);
  assert.equal(await receiveCode(world.bob, envelopeToJson(mallorys)), 'ok');
  assert.equal(await receiveCode(world.bob, json), 'ok');
  assert.equal(await receiveCode(world.bob, json), 'REPLAY_DETECTED');
});

test('nonce pre-emption: garbage carrying alice’s real nonce arrives first → SIGNATURE_MISMATCH, then the real one → ok', async () => {
  const world = await createWorld();
  const real = await sendJson(world);
  // Mallory cannot sign as alice: her copy has the real header and nonce but another ciphertext.
  const garbage = withFields(real, { ct: flipBase64Bit(real.ct as string, 0) });
  assert.equal(await receiveCode(world.bob, garbage), 'VERIFICATION_FAILED:SIGNATURE_MISMATCH');
  assert.equal(await receiveCode(world.bob, real), 'ok');
});

test('nonce pre-emption with a validly formed forgery: mallory signs alice’s header with her own key → SIGNATURE_MISMATCH, then the real one → ok', async () => {
  const world = await createWorld();
  const real = await sendJson(world);
  const forged = await resign(envelopeOf(real), 'mallory', { body: new Uint8Array(40) });
  assert.equal(forged.nonce, real.nonce);
  assert.equal(await receiveCode(world.bob, forged), 'VERIFICATION_FAILED:SIGNATURE_MISMATCH');
  assert.equal(await receiveCode(world.bob, real), 'ok');
});

test('order: a tampered copy of an already accepted envelope fails SIGNATURE_MISMATCH, not REPLAY_DETECTED', async () => {
  const world = await createWorld();
  const json = await sendJson(world);
  assert.equal(await receiveCode(world.bob, json), 'ok');
  assert.equal(
    await receiveCode(world.bob, withFields(json, { sig: flipBase64Bit(json.sig, 100) })),
    'VERIFICATION_FAILED:SIGNATURE_MISMATCH',
  );
});

test('order: an envelope refused for its scope has reserved its nonce; sent again it is a replay (step 7 before 8)', async () => {
  const world = await createWorld({ alice: { scopes: ['telemetry'] } });
  const json = await sendJson(world, { scope: 'telemetry-admin' });
  assert.equal(await receiveCode(world.bob, json), 'SCOPE_DENIED');
  assert.equal(await receiveCode(world.bob, json), 'REPLAY_DETECTED');
});
