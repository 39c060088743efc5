// Split-channel mode and Xchange end to end: an Agent sends n share envelopes
// over separate transports, the receiver, served on each of them, reassembles
// whatever arrives (any Transport works: the receiver only sees deliveries).
// Dropped, tampered, replayed and mixed shares, channels that never deliver,
// warnings and progress events.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Agent, type AgentOptions } from '../../src/agent/agent.js';
import type { AgentMessage } from '../../src/agent/message.js';
import type { ProgressEvent } from '../../src/agent/progress.js';
import { serve } from '../../src/agent/serve.js';
import { encodeSplitFrame } from '../../src/agent/split-frame.js';
import type { SplitSent } from '../../src/agent/split-send.js';
import type { AgentWarning } from '../../src/agent/warnings.js';
import { utf8Encode } from '../../src/codec/bytes.js';
import { createNodeCrypto } from '../../src/crypto/node/index.js';
import { decodeEnvelope } from '../../src/envelope/decode.js';
import { type EnvelopeJson, envelopeToJson } from '../../src/envelope/json-encoding.js';
import { signEnvelope } from '../../src/envelope/sign.js';
import { type ErrorDetail, ok, type Result, refuse, unwrap } from '../../src/errors.js';
import { identityFromSeed } from '../../src/identity/derive.js';
import { VirtualClock } from '../../src/platform/virtual-clock.js';
import { MemoryTrustRegistry } from '../../src/registry/memory-trust-registry.js';
import { TWO_OF_THREE } from '../../src/split/parameters.js';
import { splitSecret } from '../../src/split/secret-sharing.js';
import { LoopbackTransport } from '../../src/transport/loopback.js';
import type { DeliveryHandler, Transport, TransportEnvelope } from '../../src/transport/transport.js';

const crypto = createNodeCrypto();

/** A channel that takes every envelope and delivers none. */
class BlackHole implements Transport {
  taken = 0;
  async send(): Promise<Result<void>> {
    this.taken++;
    return ok(undefined);
  }
  onReceive(_handler: DeliveryHandler): () => Promise<void> {
    return async () => {};
  }
  async close(): Promise<void> {}
}

/** A channel whose carrier refuses everything. */
class Refusing implements Transport {
  async send(): Promise<Result<void>> {
    return refuse('SEND_FAILED', 'the carrier is down');
  }
  onReceive(_handler: DeliveryHandler): () => Promise<void> {
    return async () => {};
  }
  async close(): Promise<void> {}
}

interface World {
  readonly channels: LoopbackTransport[];
  readonly alice: Agent;
  readonly bob: Agent;
  readonly registry: MemoryTrustRegistry;
  readonly warnings: AgentWarning[];
}

async function world(
  count = 3,
  options: Partial<AgentOptions> = {},
  bobOptions: Partial<AgentOptions> = {},
): Promise<World> {
  const registry = new MemoryTrustRegistry({ crypto });
  const channels = Array.from({ length: count }, () => new LoopbackTransport());
  const warnings: AgentWarning[] = [];
  const alice = unwrap(
    await Agent.create({
      registry,
      crypto,
      transport: channels,
      onWarning: (w) => void warnings.push(w),
      ...options,
    }),
  );
  const bob = unwrap(await Agent.create({ registry, crypto, transport: channels, ...bobOptions }));
  return { channels, alice, bob, registry, warnings };
}

/** Bob served on the given channels; what he accepted and refused. */
function served(bob: Agent, channels: readonly LoopbackTransport[]) {
  const messages: AgentMessage[] = [];
  const refused: ErrorDetail[] = [];
  const handles = channels.map((channel) =>
    serve(bob, channel, {
      onMessage: (message) => void messages.push(message),
      onRefused: (error) => void refused.push(error),
    }),
  );
  return {
    messages,
    refused,
    settled: () => Promise.all(channels.map((channel) => channel.settled())),
    close: () => Promise.all(handles.map((handle) => handle.close())),
  };
}

function splitSent(result: Result<EnvelopeJson | Uint8Array | SplitSent>): SplitSent {
  assert.ok(result.ok, result.ok ? '' : `${result.error.code}: ${result.error.message}`);
  assert.ok('groupId' in result.value, 'a split send reports its shares');
  return result.value as SplitSent;
}

const PAYLOAD = { patient: 'A. Example', diagnosis: 'none', amount: 12 };

describe('split-channel end to end over three loopback transports', () => {
  it("security: 'high' sends 2-of-3, one share per channel; the receiver reassembles once", async () => {
    const { channels, alice, bob } = await world();
    const bobServed = served(bob, channels);
    const sent = splitSent(await alice.send({ to: bob.did, payload: PAYLOAD, scope: 'medical', security: 'high' }));
    assert.equal(sent.k, 2);
    assert.equal(sent.n, 3);
    assert.equal(sent.delivered, 3);
    await bobServed.settled();
    assert.deepEqual(
      channels.map((c) => c.outbox.length),
      [1, 1, 1],
    );
    assert.equal(bobServed.messages.length, 1, 'delivered once, not once per share');
    assert.deepEqual(bobServed.messages[0]?.payload, PAYLOAD);
    assert.equal(bobServed.messages[0]?.sender, alice.did);
    assert.equal(bobServed.messages[0]?.scope, 'medical');
    assert.equal(bobServed.messages[0]?.contentType, 'json');
    assert.deepEqual(bobServed.refused, [], 'the spare share is not a refusal');
    assert.deepEqual(
      channels.map((c) => c.acked.length),
      [1, 1, 1],
      'every share acknowledged',
    );
  });

  it('each share envelope is encrypted on its own (v3 when both sign with ML-DSA-65); none holds the payload', async () => {
    const { channels, alice, bob } = await world(3, { postQuantumSig: true }, { postQuantumSig: true });
    const secret = new TextEncoder().encode('the launch code is 0000'.repeat(4));
    splitSent(await alice.send({ to: bob.did, payload: secret, security: 'high' }));
    const epks = new Set<string>();
    for (const channel of channels) {
      const envelope = channel.outbox[0] as EnvelopeJson;
      assert.equal(envelope.v, 'v3');
      assert.ok(envelope.kem !== undefined && envelope.pqsig !== undefined, 'a KEM ciphertext and ML-DSA-65 per share');
      epks.add(envelope.epk as string);
      assert.equal(envelope.payload, undefined);
    }
    assert.equal(epks.size, 3, 'an ephemeral X25519 key per share');
    const message = await receiveAll(bob, [channels[2]?.outbox[0], channels[0]?.outbox[0]]);
    assert.deepEqual(message.payload, secret);
    assert.equal(message.version, 'v3');
  });

  it("security: 'critical' sends 3-of-5 over five channels", async () => {
    const { channels, alice, bob } = await world(5);
    const bobServed = served(bob, channels);
    const sent = splitSent(await alice.send({ to: bob.did, payload: 'classified', security: 'critical' }));
    assert.deepEqual([sent.k, sent.n], [3, 5]);
    await bobServed.settled();
    assert.deepEqual(
      bobServed.messages.map((m) => m.payload),
      ['classified'],
    );
  });

  it('a share dropped: k of n still deliver the message', async () => {
    const { channels, alice, bob } = await world();
    const bobServed = served(bob, [channels[0], channels[2]] as LoopbackTransport[]);
    splitSent(await alice.send({ to: bob.did, payload: PAYLOAD, security: 'high' }));
    await bobServed.settled();
    assert.deepEqual(
      bobServed.messages.map((m) => m.payload),
      [PAYLOAD],
    );
  });

  it('one share only: held, never delivered, and the buffer lets it go after the window', async () => {
    const { channels, alice, bob } = await world();
    const bobServed = served(bob, [channels[1]] as LoopbackTransport[]);
    splitSent(await alice.send({ to: bob.did, payload: PAYLOAD, security: 'high' }));
    await bobServed.settled();
    assert.deepEqual(bobServed.messages, []);
    assert.deepEqual(bobServed.refused, []);
    assert.equal(channels[1]?.acked.length, 1, 'held shares are acknowledged');
  });

  it('a tampered share is refused by its signature; the other two still deliver', async () => {
    const { channels, alice, bob } = await world();
    splitSent(await alice.send({ to: bob.did, payload: PAYLOAD, security: 'high' }));
    const envelope = channels[0]?.outbox[0] as EnvelopeJson;
    const ct = envelope.ct as string;
    const tampered = { ...envelope, ct: `${ct.slice(0, 10)}${ct[10] === 'A' ? 'B' : 'A'}${ct.slice(11)}` };
    const first = await bob.receive(tampered);
    assert.ok(!first.ok && first.error.code === 'VERIFICATION_FAILED:SIGNATURE_MISMATCH');
    const message = await receiveAll(bob, [channels[1]?.outbox[0], channels[2]?.outbox[0]]);
    assert.deepEqual(message.payload, PAYLOAD);
  });

  it('a replayed share is refused (REPLAY_DETECTED) and does not count twice', async () => {
    const { channels, alice, bob } = await world(3, {}, {});
    splitSent(await alice.send({ to: bob.did, payload: PAYLOAD, security: 'critical' }));
    const share = channels[0]?.outbox[0];
    const held = await bob.receive(share);
    assert.ok(!held.ok && held.error.code === 'INSUFFICIENT_SHARES:PENDING');
    const again = await bob.receive(share);
    assert.ok(!again.ok && again.error.code === 'REPLAY_DETECTED', again.ok ? '' : again.error.code);
    const second = await bob.receive(channels[1]?.outbox[0]);
    assert.ok(!second.ok && second.error.code === 'INSUFFICIENT_SHARES:PENDING', '2 of 3 only');
    const third = await bob.receive(channels[2]?.outbox[0]);
    assert.ok(third.ok);
    assert.deepEqual(third.value.payload, PAYLOAD);
  });

  it('shares of two messages mixed across channels: each message from its own shares', async () => {
    const { channels, alice, bob } = await world();
    splitSent(await alice.send({ to: bob.did, payload: 'first', security: 'high' }));
    splitSent(await alice.send({ to: bob.did, payload: 'second', security: 'high' }));
    const order = [channels[0]?.outbox[0], channels[1]?.outbox[1], channels[2]?.outbox[1], channels[2]?.outbox[0]];
    const results = [];
    for (const envelope of order) results.push(await bob.receive(envelope));
    assert.deepEqual(
      results.map((r) => (r.ok ? r.value.payload : r.error.code)),
      ['INSUFFICIENT_SHARES:PENDING', 'INSUFFICIENT_SHARES:PENDING', 'second', 'first'],
    );
  });

  it('a share relabelled to another message of the same sender cannot join it (HMAC, group id)', async () => {
    const { channels, alice, bob } = await world();
    // The sender is honest; the attacker holds only what the channels carry, encrypted and signed.
    // What the receiver sees of a share it cannot change, so mixing is only ever by whole envelopes.
    splitSent(await alice.send({ to: bob.did, payload: 'one', security: 'high' }));
    splitSent(await alice.send({ to: bob.did, payload: 'two', security: 'high' }));
    const a = await bob.receive(channels[0]?.outbox[0]);
    const b = await bob.receive(channels[1]?.outbox[1]);
    assert.ok(!a.ok && !b.ok, 'two shares of two messages complete neither');
  });

  it('a channel that never delivers: the message arrives over the other two', async () => {
    const registry = new MemoryTrustRegistry({ crypto });
    const live = [new LoopbackTransport(), new LoopbackTransport()];
    const hole = new BlackHole();
    const alice = unwrap(
      await Agent.create({ registry, crypto, transport: [live[0] as Transport, hole, live[1] as Transport] }),
    );
    const bob = unwrap(await Agent.create({ registry, crypto, transport: live[0] as Transport }));
    const bobServed = served(bob, live);
    const sent = splitSent(await alice.send({ to: bob.did, payload: PAYLOAD, security: 'high' }));
    assert.equal(sent.delivered, 3, 'the black hole took its share');
    assert.equal(hole.taken, 1);
    await bobServed.settled();
    assert.deepEqual(
      bobServed.messages.map((m) => m.payload),
      [PAYLOAD],
    );
  });

  it('a transport whose send never settles: that share times out (SEND_FAILED:TIMEOUT), the others go', async () => {
    const registry = new MemoryTrustRegistry({ crypto });
    const live = [new LoopbackTransport(), new LoopbackTransport()];
    const stuck: Transport = {
      send: () => new Promise<Result<void>>(() => {}),
      onReceive: () => async () => {},
      close: async () => {},
    };
    const clock = new VirtualClock(Date.now());
    const alice = unwrap(
      await Agent.create({
        registry,
        crypto,
        transport: [live[0] as Transport, stuck, live[1] as Transport],
        timer: clock,
        splitSendTimeoutMs: 5000,
      }),
    );
    const bob = unwrap(await Agent.create({ registry, crypto, transport: live[0] as Transport }));
    const bobServed = served(bob, live);
    let settled = false;
    const sending = alice.send({ to: bob.did, payload: PAYLOAD, security: 'high' }).finally(() => {
      settled = true;
    });
    // Wait until the live channels took their shares (their timers cleared) and only the stuck one waits.
    for (let turn = 0; turn < 1000 && !(clock.pendingTimers === 1 && live.every((c) => c.sent.length === 1)); turn++) {
      await new Promise((resolve) => setImmediate(resolve));
    }
    assert.equal(clock.pendingTimers, 1);
    clock.advance(4999);
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(settled, false, 'still waiting for the stuck channel');
    clock.advance(1);
    const sent = splitSent(await sending);
    assert.equal(sent.delivered, 2);
    assert.deepEqual(
      sent.failures.map((f) => [f.index, f.error.code]),
      [[2, 'SEND_FAILED:TIMEOUT']],
    );
    assert.equal(clock.pendingTimers, 0, 'the timers of the shares taken were cleared');
    await bobServed.settled();
    assert.deepEqual(
      bobServed.messages.map((m) => m.payload),
      [PAYLOAD],
    );
  });

  it('fewer than k shares taken by their transports: SEND_FAILED:BELOW_THRESHOLD; k taken is a partial success', async () => {
    const registry = new MemoryTrustRegistry({ crypto });
    const live = new LoopbackTransport();
    const bob = unwrap(await Agent.create({ registry, crypto, transport: live }));
    const twoDown = unwrap(await Agent.create({ registry, crypto, transport: [live, new Refusing(), new Refusing()] }));
    const failed = await twoDown.send({ to: bob.did, payload: 1, security: 'high' });
    assert.ok(!failed.ok && failed.error.code === 'SEND_FAILED:BELOW_THRESHOLD', failed.ok ? '' : failed.error.message);
    assert.match(failed.error.message, /1 of 3 shares.*SEND_FAILED/);
    const oneDown = unwrap(await Agent.create({ registry, crypto, transport: [live, new Refusing(), live] }));
    const partial = splitSent(await oneDown.send({ to: bob.did, payload: 1, security: 'high' }));
    assert.equal(partial.delivered, 2);
    assert.deepEqual(
      partial.failures.map((f) => [f.index, f.error.code]),
      [[2, 'SEND_FAILED']],
    );
  });
});

/** Receives each envelope in turn and returns the message the last one completes. */
async function receiveAll(bob: Agent, envelopes: readonly (TransportEnvelope | undefined)[]): Promise<AgentMessage> {
  let last: Result<AgentMessage> | undefined;
  for (const [i, envelope] of envelopes.entries()) {
    last = await bob.receive(envelope);
    if (i < envelopes.length - 1) assert.ok(!last.ok && last.error.code === 'INSUFFICIENT_SHARES:PENDING');
  }
  assert.ok(last?.ok, last?.ok === false ? `${last.error.code}: ${last.error.message}` : '');
  return last.value;
}

describe('Xchange', () => {
  it('xchange on both agents and the send: the key is split, the payload encrypted once, shares signed-only', async () => {
    const { channels, alice, bob } = await world(3, { xchange: true }, { xchange: true });
    const bobServed = served(bob, channels);
    const reading = { t: 21.5, rh: 40 };
    const sent = splitSent(
      await alice.send({ to: bob.did, payload: reading, scope: 'telemetry', security: 'high', xchange: true }),
    );
    assert.equal(sent.mode, 'xchange');
    for (const channel of channels) {
      const envelope = channel.outbox[0] as EnvelopeJson;
      assert.equal(envelope.v, 'signed');
      assert.equal(envelope.kem, undefined, 'no KEM');
      assert.ok(!JSON.stringify(envelope).includes('21.5'), 'the reading is not in clear');
    }
    await bobServed.settled();
    assert.deepEqual(
      bobServed.messages.map((m) => m.payload),
      [reading],
    );
    assert.deepEqual(bobServed.refused, []);
  });

  it('a receiver without xchange refuses Xchange shares (CLEARTEXT_REFUSED); a sender without it cannot send them', async () => {
    const { channels, alice, bob } = await world(3, { xchange: true });
    splitSent(await alice.send({ to: bob.did, payload: 1, security: 'high', xchange: true }));
    const refused = await bob.receive(channels[0]?.outbox[0]);
    assert.ok(!refused.ok && refused.error.code === 'CLEARTEXT_REFUSED');
    const notOptedIn = await bob.send({ to: alice.did, payload: 1, security: 'high', xchange: true });
    assert.ok(!notOptedIn.ok && notOptedIn.error.code === 'INVALID_ARGUMENT' && notOptedIn.error.field === 'xchange');
    const contradiction = await alice.send({ to: bob.did, payload: 1, security: 'standard', xchange: true });
    assert.ok(
      !contradiction.ok && contradiction.error.field === 'xchange',
      'xchange with no split is refused, not ignored',
    );
    const alone = splitSent(await alice.send({ to: bob.did, payload: 1, xchange: true }));
    assert.deepEqual([alone.k, alone.n, alone.mode], [2, 3, 'xchange']);
  });

  it('an xchange agent refuses other signed-only envelopes, and split-channel shares sent in clear', async () => {
    const registry = new MemoryTrustRegistry({ crypto });
    const seed = new Uint8Array(32).fill(5);
    const alice = unwrap(await Agent.fromSeed(seed, { registry, crypto, transport: new LoopbackTransport() }));
    const bob = unwrap(await Agent.create({ registry, crypto, transport: new LoopbackTransport(), xchange: true }));
    const identity = unwrap(await identityFromSeed(seed, { crypto }));
    const sender = { did: alice.did, signer: await crypto.ed25519Signer(identity.ed25519.secretKey) };
    const signed = async (payload: Uint8Array, contentType: 'json' | 'share') =>
      envelopeToJson(
        unwrap(
          await signEnvelope(
            sender,
            { to: bob.did, scope: 'chat', payload, contentType, timestamp: Date.now() },
            { crypto },
          ),
        ),
      );
    const plain = await signed(utf8Encode('{"reading":7}'), 'json');
    const refused = await bob.receive(plain);
    assert.ok(!refused.ok && refused.error.code === 'CLEARTEXT_REFUSED');
    assert.ok((await bob.receive(await signed(utf8Encode('{"reading":8}'), 'json'), { allowCleartext: true })).ok);
    // A split-channel share (mode 0) must be encrypted: in clear, k channels would hand over the payload.
    const { shares, hmacKey } = await splitSecret(utf8Encode('"secret"'), TWO_OF_THREE, { crypto });
    const frame = encodeSplitFrame({ mode: 'split', contentType: 'json', hmacKey, share: shares[0] as Uint8Array });
    const clearShare = await bob.receive(await signed(frame, 'share'), { allowCleartext: true });
    assert.ok(
      !clearShare.ok && clearShare.error.code === 'CLEARTEXT_REFUSED',
      clearShare.ok ? '' : clearShare.error.code,
    );
  });
});

describe('the policy, deprecated options, warnings, progress', () => {
  it("security: 'auto' splits a high-value amount, a sensitive scope, a critical action; not a reading", async () => {
    const { channels, alice, bob } = await world();
    const cases: [Parameters<Agent['send']>[0], boolean][] = [
      [{ to: bob.did, payload: { amount: 500000, action: 'transfer' }, security: 'auto' }, true],
      [{ to: bob.did, payload: { note: 'x' }, scope: 'custody', security: 'auto' }, true],
      [{ to: bob.did, payload: { note: 'x' }, scope: 'payment:notify', security: 'auto' }, true],
      [{ to: bob.did, payload: { note: 'x' }, action: 'execute', security: 'auto' }, true],
      [{ to: bob.did, payload: { t: 21.5 }, scope: 'telemetry', security: 'auto' }, false],
      [{ to: bob.did, payload: { amount: 500000 } }, false],
    ];
    let splits = 0;
    for (const [input, split] of cases) {
      const before = channels[0]?.outbox.length as number;
      const sent = await alice.send(input);
      assert.ok(sent.ok);
      assert.equal('groupId' in (sent.value as object), split, JSON.stringify(input));
      assert.equal((channels[0]?.outbox.length as number) - before, 1, 'one envelope on the first channel either way');
      if (split) splits++;
      assert.equal(channels[1]?.outbox.length, splits, 'a share on the second channel only when split');
    }
  });

  it('the policy is configurable: a lower amount, other scopes, escalation to 3-of-5', async () => {
    const { alice, bob } = await world(5, {
      securityPolicy: { highValueAmount: 100, sensitiveScopes: ['lab'], criticalActions: [], escalateTo: 'critical' },
    });
    const sent = splitSent(await alice.send({ to: bob.did, payload: { amount: 150 }, security: 'auto' }));
    assert.deepEqual([sent.k, sent.n], [3, 5]);
    const scoped = splitSent(await alice.send({ to: bob.did, payload: 1, scope: 'lab', security: 'auto' }));
    assert.equal(scoped.n, 5);
    const plain = await alice.send({ to: bob.did, payload: { action: 'execute' }, scope: 'custody', security: 'auto' });
    assert.ok(plain.ok && !('groupId' in (plain.value as object)));
  });

  it('splitChannel: true and splitChannelConfig still work and warn once that they are deprecated', async () => {
    const { channels, alice, bob, warnings } = await world(5);
    const bobServed = served(bob, channels);
    const old = splitSent(await alice.send({ to: bob.did, payload: 'a', splitChannel: true }));
    assert.deepEqual([old.k, old.n], [2, 3]);
    const configured = splitSent(
      await alice.send({ to: bob.did, payload: 'b', splitChannelConfig: { threshold: 3, totalShares: 5 } }),
    );
    assert.deepEqual([configured.k, configured.n], [3, 5]);
    splitSent(await alice.send({ to: bob.did, payload: 'c', splitChannel: true }));
    await bobServed.settled();
    assert.deepEqual(bobServed.messages.map((m) => m.payload).sort(), ['a', 'b', 'c']);
    const deprecated = warnings.filter((w) => w.code === 'DEPRECATED_OPTION');
    assert.equal(deprecated.length, 1, 'once per agent');
    assert.match(deprecated[0]?.message ?? '', /security: 'high'/);
    const bad = await alice.send({ to: bob.did, payload: 'd', splitChannelConfig: { threshold: 1, totalShares: 3 } });
    assert.ok(!bad.ok && bad.error.code === 'SPLIT_PARAMETERS_INVALID');
  });

  it('fewer transports than shares: shares wrap (i % length), with one warning per share count', async () => {
    const { channels, alice, bob, warnings } = await world(2);
    const bobServed = served(bob, channels);
    splitSent(await alice.send({ to: bob.did, payload: 'x', security: 'high' }));
    splitSent(await alice.send({ to: bob.did, payload: 'y', security: 'high' }));
    splitSent(await alice.send({ to: bob.did, payload: 'z', security: 'critical' }));
    assert.deepEqual(
      channels.map((c) => c.outbox.length),
      [2 + 2 + 3, 1 + 1 + 2],
      '0→0, 1→1, 2→0 (and 3→1, 4→0)',
    );
    const fewer = warnings.filter((w) => w.code === 'FEWER_TRANSPORTS_THAN_SHARES');
    assert.equal(fewer.length, 2, 'once for 3 shares, once for 5');
    assert.match(fewer[0]?.message ?? '', /3 shares over 2 transport/);
    await bobServed.settled();
    assert.deepEqual(
      bobServed.messages.map((m) => m.payload),
      ['x', 'y', 'z'],
    );
  });

  it('progress: sending i/n per share; reconstructing held/k on receive', async () => {
    const { channels, alice, bob } = await world();
    const sendEvents: ProgressEvent<string>[] = [];
    splitSent(
      await alice.send({
        to: bob.did,
        payload: 'p',
        security: 'high',
        onProgress: (e) => void sendEvents.push(e),
      }),
    );
    const sending = sendEvents.filter((e) => e.stage === 'sending').map((e) => `${e.current}/${e.total}`);
    assert.deepEqual(sending, ['1/3', '2/3', '3/3']);
    assert.equal(sendEvents.at(-1)?.stage, 'complete');
    const receiveEvents: string[] = [];
    for (const channel of [channels[0], channels[1]]) {
      await bob.receive(channel?.outbox[0], {
        onProgress: (e) =>
          void receiveEvents.push(`${e.stage}${e.stage === 'reconstructing' ? ` ${e.current}/${e.total}` : ''}`),
      });
    }
    assert.deepEqual(
      receiveEvents.filter((s) => s.startsWith('reconstructing')),
      ['reconstructing 1/2', 'reconstructing 2/2'],
    );
    assert.equal(receiveEvents.at(-1), 'complete');
  });

  it('a plain send keeps its type and goes to the first transport only', async () => {
    const { channels, alice, bob } = await world();
    const sent = await alice.send({ to: bob.did, payload: 1 });
    assert.ok(sent.ok && !(sent.value instanceof Uint8Array));
    assert.equal(sent.value.v, 'v2');
    assert.deepEqual(
      channels.map((c) => c.outbox.length),
      [1, 0, 0],
    );
    const decoded = decodeEnvelope(channels[0]?.outbox[0]);
    assert.ok(decoded.ok);
  });
});
