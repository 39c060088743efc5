// serve: an Agent run on its transport, with every promise awaited: what is
// acknowledged when (accepted, refused, no verdict, a failing onMessage),
// close() waiting for the delivery in flight, and two agents on one loopback.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Agent } from '../../src/agent/agent.js';
import type { AgentMessage } from '../../src/agent/message.js';
import { type Receiver, serve } from '../../src/agent/serve.js';
import { utf8Encode } from '../../src/codec/bytes.js';
import { createNodeCrypto } from '../../src/crypto/node/index.js';
import { envelopeToJson } from '../../src/envelope/json-encoding.js';
import { signEnvelope } from '../../src/envelope/sign.js';
import { type ErrorDetail, isXlinkError, refuse, unwrap } from '../../src/errors.js';
import { identityFromSeed } from '../../src/identity/derive.js';
import { MemoryTrustRegistry } from '../../src/registry/memory-trust-registry.js';
import type { NonceStore } from '../../src/replay/nonce-store.js';
import { LoopbackTransport } from '../../src/transport/loopback.js';
import type { Delivery } from '../../src/transport/transport.js';

const crypto = createNodeCrypto();

interface World {
  readonly transport: LoopbackTransport;
  readonly alice: Agent;
  readonly bob: Agent;
  /** What the transport reported to its onError. */
  readonly errors: [unknown, Delivery][];
}

async function world(bobStore?: NonceStore): Promise<World> {
  const errors: [unknown, Delivery][] = [];
  const transport = new LoopbackTransport({ onError: (error, delivery) => void errors.push([error, delivery]) });
  const registry = new MemoryTrustRegistry({ crypto });
  const alice = unwrap(await Agent.fromSeed(new Uint8Array(32).fill(1), { registry, transport, crypto }));
  const bob = unwrap(
    await Agent.create({ registry, transport, crypto, ...(bobStore === undefined ? {} : { nonceStore: bobStore }) }),
  );
  return { transport, alice, bob, errors };
}

function gate(): { readonly opened: Promise<void>; open(): void } {
  let open = (): void => {};
  const opened = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { opened, open };
}

const pause = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

function unexpected(what: string): () => never {
  return () => assert.fail(`unexpected ${what}`);
}

describe('serve', () => {
  it('hands a verified message to onMessage with its delivery, then acknowledges it', async () => {
    const { transport, alice, bob, errors } = await world();
    const messages: [AgentMessage, Delivery][] = [];
    const served = serve(bob, transport, {
      onMessage: (message, delivery) => void messages.push([message, delivery]),
      onRefused: unexpected('refusal'),
    });
    assert.ok((await alice.send({ to: bob.did, payload: { temp: 22.5 }, scope: 'telemetry' })).ok);
    await transport.settled();
    assert.equal(messages.length, 1);
    const [[message, delivery]] = messages as [[AgentMessage, Delivery]];
    assert.equal(message.sender, alice.did);
    assert.deepEqual(message.payload, { temp: 22.5 });
    assert.strictEqual(delivery.envelope, transport.outbox[0]);
    assert.deepEqual(transport.acked, transport.sent);
    assert.deepEqual(errors, []);
    await served.close();
  });

  it('awaits a slow onMessage before acknowledging, and close() waits for it too', async () => {
    const { transport, alice, bob } = await world();
    const held = gate();
    const log: string[] = [];
    const served = serve(bob, transport, {
      onMessage: async () => {
        log.push('onMessage started');
        await held.opened;
        log.push(`onMessage done, acked ${transport.acked.length}`);
      },
      onRefused: unexpected('refusal'),
    });
    assert.ok((await alice.send({ to: bob.did, payload: 1 })).ok);
    while (log.length === 0) await pause(1);
    const closing = served.close().then(() => void log.push(`closed, acked ${transport.acked.length}`));
    await pause(20);
    assert.deepEqual(log, ['onMessage started'], 'neither acknowledged nor closed while onMessage runs');
    assert.deepEqual(transport.acked, []);
    held.open();
    await closing;
    assert.deepEqual(log, ['onMessage started', 'onMessage done, acked 0', 'closed, acked 1']);
  });

  it('acknowledges once onMessage resolved, whatever a later handler on the transport does', async () => {
    // The verdict is serve's: a redelivery caused by another handler would only meet REPLAY_DETECTED.
    const { transport, alice, bob, errors } = await world();
    serve(bob, transport, { onMessage: () => {}, onRefused: unexpected('refusal') });
    const failure = new Error('a metrics handler failed');
    transport.onReceive(async () => {
      throw failure;
    });
    assert.ok((await alice.send({ to: bob.did, payload: 1 })).ok);
    await transport.settled();
    assert.deepEqual(transport.acked, transport.sent);
    assert.deepEqual(
      errors.map(([error]) => error),
      [failure],
    );
  });

  it('does not acknowledge when onMessage throws; the error reaches the transport’s onError', async () => {
    const { transport, alice, bob, errors } = await world();
    const failure = new Error('database down');
    serve(bob, transport, {
      onMessage: () => {
        throw failure;
      },
      onRefused: unexpected('refusal'),
    });
    assert.ok((await alice.send({ to: bob.did, payload: 1 })).ok);
    await transport.settled();
    assert.deepEqual(transport.acked, []);
    assert.equal(errors.length, 1);
    const [[error, delivery]] = errors as [[unknown, Delivery]];
    assert.strictEqual(error, failure);
    assert.strictEqual(delivery.envelope, transport.outbox[0]);
  });

  it('hands a refused envelope to onRefused with its code, then acknowledges it: a verdict', async () => {
    const { transport, alice, bob, errors } = await world();
    const messages: unknown[] = [];
    const refused: [ErrorDetail, Delivery][] = [];
    serve(bob, transport, {
      onMessage: (message) => void messages.push(message.payload),
      onRefused: async (error, delivery) => {
        await pause(5); // awaited like onMessage
        refused.push([error, delivery]);
      },
    });
    const sent = await alice.send({ to: bob.did, payload: 'once' });
    assert.ok(sent.ok && !(sent.value instanceof Uint8Array));
    assert.ok((await transport.send(sent.value, bob.did)).ok, 'the same envelope again');
    assert.ok((await transport.send({ ...sent.value, scope: 'firmware' }, bob.did)).ok, 'a tampered copy');
    await transport.settled();
    assert.deepEqual(messages, ['once']);
    assert.deepEqual(
      refused.map(([error]) => error.code),
      ['REPLAY_DETECTED', 'VERIFICATION_FAILED:SIGNATURE_MISMATCH'],
    );
    assert.strictEqual(refused[0]?.[1].envelope, transport.outbox[1]);
    assert.equal(transport.acked.length, 3);
    assert.deepEqual(errors, []);
  });

  it('leaves a delivery unacknowledged when the receiver reaches no verdict (replay store down)', async () => {
    const down: NonceStore = {
      reserveNonce: async () => refuse('REPLAY_STORE_UNAVAILABLE', 'redis is down'),
      acceptCounter: async () => refuse('REPLAY_STORE_UNAVAILABLE', 'redis is down'),
      close: async () => {},
    };
    const { transport, alice, bob, errors } = await world(down);
    serve(bob, transport, { onMessage: unexpected('message'), onRefused: unexpected('refusal') });
    assert.ok((await alice.send({ to: bob.did, payload: 1 })).ok);
    await transport.settled();
    assert.deepEqual(transport.acked, [], 'a carrier with receipts would redeliver it');
    assert.equal(errors.length, 1);
    const [[error]] = errors as [[unknown, Delivery]];
    assert.ok(isXlinkError(error) && error.code === 'REPLAY_STORE_UNAVAILABLE');
  });

  it('leaves a delivery unacknowledged when receive itself rejects (a receiver with a bug)', async () => {
    const { transport, alice, errors } = await world();
    const bug = new TypeError('registry client crashed');
    const receiver: Receiver = {
      did: 'did:key:z6MkpTHR8VNsBxYAAWHut2Geadd9jSwuBV8xRoAnwWsdvktH',
      receive: () => Promise.reject(bug),
    };
    serve(receiver, transport, { onMessage: unexpected('message'), onRefused: unexpected('refusal') });
    assert.ok((await transport.send(envelopeToJson(await signedEnvelope(alice.did, receiver.did)), receiver.did)).ok);
    await transport.settled();
    assert.deepEqual(transport.acked, []);
    assert.deepEqual(
      errors.map(([error]) => error),
      [bug],
    );
  });

  it('passes the receive options on: a signed-only envelope is refused, then accepted with allowCleartext', async () => {
    const { transport, alice, bob } = await world();
    const outcomes: string[] = [];
    const options = {
      onMessage: (message: AgentMessage) => void outcomes.push(`message ${JSON.stringify(message.payload)}`),
      onRefused: (error: ErrorDetail) => void outcomes.push(error.code),
    };
    const strict = serve(bob, transport, options);
    assert.ok((await transport.send(envelopeToJson(await signedEnvelope(alice.did, bob.did)), bob.did)).ok);
    await transport.settled();
    await strict.close();
    serve(bob, transport, { ...options, receive: { allowCleartext: true } });
    assert.ok((await transport.send(envelopeToJson(await signedEnvelope(alice.did, bob.did)), bob.did)).ok);
    await transport.settled();
    assert.deepEqual(outcomes, ['CLEARTEXT_REFUSED', 'message {"reading":7}']);
  });

  it('runs two agents on one loopback: each skips what is not addressed to it, replies do not deadlock', async () => {
    const { transport, alice, bob, errors } = await world();
    const log: string[] = [];
    serve(bob, transport, {
      onMessage: async (message) => {
        log.push(`bob got ${JSON.stringify(message.payload)}`);
        const reply = await bob.send({ to: message.sender, payload: 'pong' });
        assert.ok(reply.ok);
      },
      onRefused: unexpected('refusal at bob'),
    });
    serve(alice, transport, {
      onMessage: (message) => void log.push(`alice got ${JSON.stringify(message.payload)}`),
      onRefused: unexpected('refusal at alice'),
    });
    assert.ok((await alice.send({ to: bob.did, payload: 'ping' })).ok);
    await transport.settled();
    assert.deepEqual(log, ['bob got "ping"', 'alice got "pong"']);
    assert.equal(transport.acked.length, 2);
    assert.deepEqual(errors, []);
  });

  it('close() stops listening without closing the transport, and is idempotent', async () => {
    const { transport, alice, bob } = await world();
    const messages: unknown[] = [];
    const served = serve(bob, transport, {
      onMessage: (message) => void messages.push(message.payload),
      onRefused: unexpected('refusal'),
    });
    await Promise.all([served.close(), served.close()]);
    await served.close();
    assert.ok((await alice.send({ to: bob.did, payload: 'after close' })).ok, 'the transport still sends');
    await transport.settled();
    assert.deepEqual(messages, []);
    assert.equal((await bob.receive(transport.outbox[0])).ok, true, 'the envelope waits in the outbox');
  });

  it('refuses options without onMessage or onRefused with INVALID_ARGUMENT', async () => {
    const { transport, bob } = await world();
    for (const options of [{ onRefused: () => {} }, { onMessage: () => {} }, undefined]) {
      assert.throws(
        () => serve(bob, transport, options as never),
        (error: unknown) => isXlinkError(error) && error.code === 'INVALID_ARGUMENT',
      );
    }
  });
});

/** A signed-only envelope from the agent of seed 1 (alice in `world`) to `to`, payload {"reading":7}. */
async function signedEnvelope(from: string, to: string) {
  const identity = unwrap(await identityFromSeed(new Uint8Array(32).fill(1), { crypto }));
  assert.equal(identity.did, from);
  return unwrap(
    await signEnvelope(
      { did: from, signer: await crypto.ed25519Signer(identity.ed25519.secretKey) },
      { to, scope: 'telemetry', payload: utf8Encode('{"reading":7}'), contentType: 'json', timestamp: Date.now() },
      { crypto },
    ),
  );
}
