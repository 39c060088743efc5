// Properties (fast-check) of the whole send → receive path:
// - for random JSON payloads and every version (signed-only, v1, v2, v3) and
//   both encodings, what the receiver gets back is the payload sent;
// - any single-bit change to an envelope is refused: every bit of a small v1
//   envelope in both encodings, sampled bits of a v3 one. The receiver's
//   replay store is reset before each attempt, so a refusal is never just a
//   replay hit, and no refusal may be REPLAY_DETECTED*.
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import fc from 'fast-check';
import type { Agent } from '../../src/agent/agent.js';
import { utf8Encode } from '../../src/codec/bytes.js';
import { encodeEnvelope } from '../../src/envelope/encode.js';
import type { EnvelopeJson } from '../../src/envelope/json-encoding.js';
import { signEnvelope } from '../../src/envelope/sign.js';
import type { Result } from '../../src/errors.js';
import type { EnvelopeVersion } from '../../src/identity/document.js';
import { MemoryNonceStore } from '../../src/replay/memory-nonce-store.js';
import type { NonceStore } from '../../src/replay/nonce-store.js';
import {
  createWorld,
  crypto,
  flipBit,
  limitedAgent,
  senderOf,
  sendJson,
  startAgent,
  toCompact,
  WINDOW_MS,
  type World,
} from '../attacks/fixtures.js';

/** A replay store that forgets everything on `reset()`: each bit flip meets a receiver that saw nothing. */
class ResettableNonceStore implements NonceStore {
  #store: MemoryNonceStore;

  constructor(private readonly world: World) {
    this.#store = this.fresh();
  }

  reset(): void {
    this.#store = this.fresh();
  }

  reserveNonce(sender: string, nonce: Uint8Array, timestampMs: number): Promise<Result<void>> {
    return this.#store.reserveNonce(sender, nonce, timestampMs);
  }

  acceptCounter(sender: string, counter: number, timestampMs: number | undefined): Promise<Result<void>> {
    return this.#store.acceptCounter(sender, counter, timestampMs);
  }

  close(): Promise<void> {
    return this.#store.close();
  }

  private fresh(): MemoryNonceStore {
    return new MemoryNonceStore({ windowMs: WINDOW_MS, clock: this.world.clock });
  }
}

// alice and bob sign with ML-DSA-65 (v3 between them); mallory does not (v2 from alice); carol takes v1 only.
let world: World;
let v1Store: ResettableNonceStore;
let carol: Agent;

before(async () => {
  world = await createWorld({ postQuantum: true, mallory: { postQuantumSig: false } });
  v1Store = new ResettableNonceStore(world);
  carol = await limitedAgent(world, 'carol', ['signed', 'v1'], v1Store);
});

function receiverOf(version: EnvelopeVersion): Agent {
  return version === 'v1' ? carol : version === 'v2' ? world.mallory : world.bob;
}

/** An envelope of `version` from alice carrying `payload`, in JSON form. */
async function envelopeFor(version: EnvelopeVersion, payload: unknown): Promise<EnvelopeJson> {
  if (version !== 'signed') {
    const json = await sendJson(world, { to: receiverOf(version).did, payload, scope: 'chat' });
    assert.equal(json.v, version);
    return json;
  }
  const created = await signEnvelope(
    await senderOf('alice', true),
    {
      to: world.bob.did,
      scope: 'chat',
      payload: utf8Encode(JSON.stringify(payload)),
      contentType: 'json',
      timestamp: world.clock.now(),
      supportedVersions: world.alice.versions,
    },
    { crypto },
  );
  assert.ok(created.ok);
  return encodeEnvelope(created.value, 'json');
}

/** True when some object in `value` has an own "__proto__" key: strict JSON parsing refuses those payloads. */
function hasProtoKey(value: unknown): boolean {
  if (typeof value !== 'object' || value === null) return false;
  if (!Array.isArray(value) && Object.hasOwn(value, '__proto__')) return true;
  return Object.values(value).some(hasProtoKey);
}

for (const version of ['signed', 'v1', 'v2', 'v3'] as const) {
  test(`${version}: receive(send(payload)) gives back the payload, JSON and compact`, async () => {
    await fc.assert(
      fc.asyncProperty(fc.jsonValue({ maxDepth: 4 }), fc.boolean(), async (payload, compact) => {
        const sent = await envelopeFor(version, payload);
        const wire = compact ? toCompact(sent) : sent;
        const received = await receiverOf(version).receive(wire, { allowCleartext: version === 'signed' });
        // JSON is what travels: -0 arrives as 0, and objects are compared as JSON would rebuild them.
        const expected: unknown = JSON.parse(JSON.stringify(payload));
        if (hasProtoKey(expected)) {
          assert.equal(received.ok ? 'ok' : received.error.code, 'PARSE_FAILED:PAYLOAD');
          return;
        }
        assert.ok(received.ok, received.ok ? '' : `${received.error.code}: ${received.error.message}`);
        assert.deepEqual(received.value.payload, expected);
        assert.equal(received.value.version, version);
      }),
      // The examples pin the edge cases random runs rarely hit: an own "__proto__" key, null, -0.
      {
        numRuns: 40,
        examples: [
          [JSON.parse('{"a":[{"__proto__":1}]}'), false],
          [null, true],
          [-0, false],
        ],
      },
    );
  });
}

/** Refused, and not as a replay (the store was reset before this attempt). */
async function assertRefused(
  receiver: Agent,
  store: ResettableNonceStore | undefined,
  input: unknown,
  bit: number,
): Promise<void> {
  store?.reset();
  const received = await receiver.receive(input);
  assert.ok(!received.ok, `flipping bit ${bit} was accepted`);
  assert.ok(
    !received.error.code.startsWith('REPLAY_DETECTED'),
    `bit ${bit}: refused only as a replay (${received.error.code})`,
  );
}

test('v1, every single-bit flip of a compact envelope and of its JSON text is refused', async () => {
  const json = await sendJson(world, { to: carol.did, payload: 0, scope: 'c' });
  assert.equal(json.v, 'v1');
  const compact = toCompact(json);
  const text = utf8Encode(JSON.stringify(json));
  for (const bytes of [compact, text]) {
    for (let bit = 0; bit < bytes.length * 8; bit++) {
      await assertRefused(carol, v1Store, flipBit(bytes, bit), bit);
    }
  }
  // Control: the unflipped envelope passes, in either form, once.
  v1Store.reset();
  assert.ok((await carol.receive(compact)).ok);
  const replayed = await carol.receive(text);
  assert.equal(replayed.ok ? 'ok' : replayed.error.code, 'REPLAY_DETECTED');
});

test('v3, sampled single-bit flips of a compact envelope and of its JSON text are refused', async () => {
  const json = await sendJson(world, { payload: { sample: true } });
  assert.equal(json.v, 'v3');
  const bobStore = new ResettableNonceStore(world);
  // A bob whose replay store the test controls: same identity and registry, no re-registration.
  const bob = await startAgent(world, 'bob', { register: false, nonceStore: bobStore });
  for (const bytes of [toCompact(json), utf8Encode(JSON.stringify(json))]) {
    await fc.assert(
      fc.asyncProperty(fc.nat({ max: bytes.length * 8 - 1 }), async (bit) => {
        await assertRefused(bob, bobStore, flipBit(bytes, bit), bit);
      }),
      { numRuns: 300 },
    );
  }
  bobStore.reset();
  assert.ok((await bob.receive(json)).ok, 'control: the unflipped envelope passes');
});
