/**
 * The core suite: the 1.0 performance goals, each a ratio between xlink and
 * the primitive it wraps, measured in the same run (issue 7, "Performance").
 *
 *   import { coreSuite } from './core.js';
 *   console.log(await coreSuite.run({ budgetMs: 300, warmupMs: 100, rounds: 5 }));
 *
 * - Gateway: `agent.receive` of telemetry-profile envelopes from a registered
 *   fleet (size, strict parse, time, kid lookup, revocation, signature,
 *   counter, scope) against bare `node:crypto.verify` of the same envelopes'
 *   signed bytes under each device's cached KeyObject.
 * - Sending: `sealTelemetry` and a signed-only full envelope (`signEnvelope`
 *   then `encodeEnvelope(…, 'compact')`) against bare `node:crypto.sign` with
 *   a cached KeyObject.
 * - Roundtrips: send and receive between two Agents (compact COSE on the
 *   loopback) against the sum of the primitives that one roundtrip runs, each
 *   timed bare (node:crypto with cached KeyObjects; @noble/post-quantum for
 *   ML-KEM and ML-DSA, which node:crypto lacks).
 *
 * Each ratio is the median over rounds of the ratio within a round (the
 * contenders run back to back in every round), which a noisy neighbour moves
 * less than a ratio of medians.
 *
 * Limits: node backend only (the gateway's); one message at a time; every
 * envelope is fresh (a replay would time the refusal), so the gateway case
 * seals its whole pool before the clock starts and fails loudly if the budget
 * outruns it. Bundle sizes are not timed here: test/bundle.test.ts measures
 * them and `npm test` prints them.
 */
import {
  createCipheriv,
  createDecipheriv,
  createPrivateKey,
  createPublicKey,
  diffieHellman,
  generateKeyPairSync,
  hkdfSync,
  type KeyObject,
  sign as nodeSign,
  verify as nodeVerify,
} from 'node:crypto';
import { ml_dsa65 } from '@noble/post-quantum/ml-dsa.js';
import { ml_kem768 } from '@noble/post-quantum/ml-kem.js';
import { Agent } from '../src/agent/agent.js';
import { utf8Encode } from '../src/codec/bytes.js';
import { type CborMap, type CborValue, cborHeadLength, encodeCbor } from '../src/codec/cbor.js';
import { createNodeCrypto } from '../src/crypto/node/index.js';
import { ed25519SeedToPkcs8 } from '../src/crypto/pkcs8.js';
import { coseSign1SigStructure, readCoseSign1 } from '../src/envelope/cose-sign1.js';
import { encodeEnvelope } from '../src/envelope/encode.js';
import { signEnvelope } from '../src/envelope/sign.js';
import { sealTelemetry, type TelemetryKey } from '../src/envelope/telemetry.js';
import { unwrap } from '../src/errors.js';
import { identityFromSeed, signingKeyFromSeed } from '../src/identity/derive.js';
import { didFromEd25519PublicKey } from '../src/identity/did.js';
import { createIdentityDocument, type EnvelopeVersion } from '../src/identity/document.js';
import { systemClock } from '../src/platform/clock.js';
import { MemoryTrustRegistry } from '../src/registry/memory-trust-registry.js';
import { LoopbackTransport } from '../src/transport/loopback.js';
import {
  type BenchConfig,
  compare,
  formatDuration,
  formatOpsPerSec,
  markdownTable,
  median,
  type Operation,
  roundSpread,
  type Stats,
  type Suite,
} from './measure.js';
import { openChannel } from './protocol.js';

const crypto = createNodeCrypto();
const AUDIENCE = 'acme-fleet';
const SCOPE = 'telemetry';
/** A sensor reading: the 20-byte payload. */
const READING = Uint8Array.from({ length: 20 }, (_, i) => (i * 37 + 11) & 0xff);
/** Payload of the roundtrip rows, as in the protocol suite's reference size. */
const ROUNDTRIP_PAYLOAD = 256;
/** What the gateway pool is sized for: more envelopes than this rate could take in the run. */
const POOL_RATE_PER_SECOND = 20_000;

interface Goal {
  readonly what: string;
  /** xlink's time over the primitive's; ≤ for "at most", ≥ for "at least" ops ratios. */
  readonly measured: number;
  readonly goal: string;
  readonly holds: boolean;
  readonly detail: string;
}

function check(condition: boolean, what: string): void {
  if (!condition) throw new Error(`benchmark input check failed: ${what}`);
}

function privateKeyObject(seed: Uint8Array): KeyObject {
  return createPrivateKey({ key: Buffer.from(ed25519SeedToPkcs8(seed)), format: 'der', type: 'pkcs8' });
}

function publicKeyObject(publicKey: Uint8Array): KeyObject {
  return createPublicKey({
    key: { kty: 'OKP', crv: 'Ed25519', x: Buffer.from(publicKey).toString('base64url') },
    format: 'jwk',
  });
}

/** Ops the whole run may ask of one contender: warm-up and every round, with room for the last batch's doubling. */
function poolSize(config: BenchConfig): number {
  const seconds = (config.warmupMs + config.budgetMs * config.rounds) / 1000;
  return Math.ceil(seconds * POOL_RATE_PER_SECOND * 2) + 64;
}

/** Hands out `items` in order; running out is a benchmark bug, never a silent replay. */
function cursor<T>(items: readonly T[], what: string): () => T {
  let next = 0;
  return () => {
    const item = items[next++];
    if (item === undefined) throw new Error(`the ${what} pool of ${items.length} ran out: raise POOL_RATE_PER_SECOND`);
    return item;
  };
}

/**
 * `a`'s time per operation over `b`'s, round by round, the median of those:
 * the two ran back to back in each round, so load from a neighbour that
 * slows one round slows both, and a disturbed round does not move the median.
 */
function timeRatio(a: Stats, b: Stats): number {
  const perOp = (sample: { ops: number; ns: number }) => sample.ns / sample.ops;
  return median(a.samples.map((sample, round) => perOp(sample) / perOp(b.samples[round] as typeof sample)));
}

function describe(name: string, stats: Stats): string {
  const spread = stats.samples.length > 1 ? ` (rounds within ${Math.round(100 * roundSpread(stats))}%)` : '';
  return `${name} ${formatDuration(stats.meanNsPerOp)}${spread}`;
}

/** The fleet a gateway serves: registered devices with their keys, and a gateway agent with an audience. */
async function fleet(size: number) {
  const registry = new MemoryTrustRegistry({ crypto });
  const gateway = unwrap(
    await Agent.create({
      registry,
      transport: new LoopbackTransport(),
      crypto,
      audience: AUDIENCE,
    }),
  );
  const devices: { key: TelemetryKey; verifyKey: KeyObject; counter: number }[] = [];
  for (let i = 0; i < size; i++) {
    const seed = crypto.randomBytes(32);
    const identity = unwrap(await identityFromSeed(seed, { crypto }));
    const document = await createIdentityDocument(identity, {
      crypto,
      versions: ['signed', 'v1', 'v2'],
      sequence: 1,
      issuedAt: systemClock.now(),
    });
    unwrap(await registry.register({ document, scopes: [SCOPE] }));
    const key = unwrap(await signingKeyFromSeed(seed, { crypto }));
    devices.push({ key, verifyKey: publicKeyObject(key.signer.publicKey), counter: 0 });
  }
  return { gateway, devices };
}

async function gatewayGoal(config: BenchConfig): Promise<Goal> {
  const size = config.budgetMs >= 100 ? 1000 : 20;
  const { gateway, devices } = await fleet(size);
  // The memory store refuses what is dated before it started (it may have been accepted before a
  // restart); telemetry dates in whole seconds, so seal from the next second on.
  await new Promise((resolve) => setTimeout(resolve, 1000 - (systemClock.now() % 1000) + 5));
  const envelopes: Uint8Array[] = [];
  const bare: { signed: Uint8Array; signature: Uint8Array; key: KeyObject }[] = [];
  const count = poolSize(config);
  for (let i = 0; i < count; i++) {
    const device = devices[i % devices.length] as (typeof devices)[number];
    const bytes = await sealTelemetry(device.key, {
      audience: AUDIENCE,
      scope: SCOPE,
      counter: device.counter++,
      timestamp: systemClock.now(),
      payload: READING,
    });
    const cose = readCoseSign1(bytes);
    envelopes.push(bytes);
    bare.push({
      signed: coseSign1SigStructure(cose.protectedBytes, cose.payload, utf8Encode(AUDIENCE)),
      signature: cose.signature,
      key: device.verifyKey,
    });
  }
  // A running gateway has met its devices: the first reading of each verifies the device's registry
  // document and prepares its key, once. Time the steady state, every device already met.
  for (const envelope of envelopes.slice(0, size)) {
    const first = unwrap(await gateway.receive(envelope, { allowCleartext: true }));
    check(first.encoding === 'telemetry' && first.scope === SCOPE, 'the gateway receives telemetry');
  }
  const nextEnvelope = cursor(envelopes.slice(size), 'telemetry');
  const nextBare = cursor(bare.slice(size), 'signed bytes');
  const stats = await compare(
    {
      raw: () => {
        const { signed, signature, key } = nextBare();
        if (!nodeVerify(null, signed, key, signature)) throw new Error('a fleet signature failed bare verify');
      },
      receive: async () => {
        const received = await gateway.receive(nextEnvelope(), { allowCleartext: true });
        if (!received.ok) throw new Error(`receive refused: ${received.error.code}`);
      },
    },
    config,
  );
  config.progress?.(
    `gateway: ${describe('node:crypto.verify', stats.raw)}, ${describe('agent.receive', stats.receive)}`,
  );
  const ratio = 1 / timeRatio(stats.receive, stats.raw);
  return {
    what: `Gateway: \`agent.receive\` of telemetry from ${size} devices, node backend`,
    measured: ratio,
    goal: '≥ 0.90× the ops/s of bare `node:crypto.verify`',
    holds: ratio >= 0.9,
    detail: `${formatOpsPerSec(stats.receive.medianOpsPerSec)} against ${formatOpsPerSec(stats.raw.medianOpsPerSec)} verifies/s`,
  };
}

async function sendGoals(config: BenchConfig): Promise<Goal[]> {
  const seed = new Uint8Array(32).fill(3);
  const identity = unwrap(await identityFromSeed(seed, { crypto }));
  const key = unwrap(await signingKeyFromSeed(seed, { crypto }));
  const privateKey = privateKeyObject(identity.ed25519.secretKey);
  const sender = { did: didFromEd25519PublicKey(key.signer.publicKey), signer: key.signer };
  const to = identity.did;
  const message = utf8Encode('x'.repeat(90));
  let counter = 0;
  const seal = () =>
    sealTelemetry(key, {
      audience: AUDIENCE,
      scope: SCOPE,
      counter: counter++,
      timestamp: systemClock.now(),
      payload: READING,
    });
  const full = async () =>
    encodeEnvelope(
      unwrap(await signEnvelope(sender, { to, scope: SCOPE, payload: READING, counter: counter++ }, { crypto })),
      'compact',
    );
  check(readCoseSign1(await seal()).signature.length === 64, 'sealTelemetry signs');
  const stats = await compare(
    {
      raw: () => nodeSign(null, message, privateKey),
      telemetry: seal,
      full,
    },
    config,
  );
  config.progress?.(
    `send: ${describe('node:crypto.sign', stats.raw)}, ${describe('sealTelemetry', stats.telemetry)}, ${describe('signEnvelope', stats.full)}`,
  );
  return (
    [
      ['telemetry', '`sealTelemetry` (counter and timestamp)'],
      ['full', 'a signed-only full envelope (`signEnvelope` + compact encoding)'],
    ] as const
  ).map(([name, what]) => {
    const ratio = timeRatio(stats[name], stats.raw);
    return {
      what: `Sending on node: ${what}`,
      measured: ratio,
      goal: '≤ 1.3× the time of bare `node:crypto.sign`',
      holds: ratio <= 1.3,
      detail: `${formatDuration(stats[name].meanNsPerOp)} against ${formatDuration(stats.raw.meanNsPerOp)}`,
    };
  });
}

/** Each primitive one roundtrip runs, bare, with its answer checked once. */
function primitives(): Record<string, Operation> {
  const edPrivate = privateKeyObject(new Uint8Array(32).fill(5));
  const edPublic = createPublicKey(edPrivate);
  const message = new Uint8Array(400).fill(1);
  const signature = nodeSign(null, message, edPrivate);
  check(nodeVerify(null, message, edPublic, signature), 'bare Ed25519');
  const recipient = generateKeyPairSync('x25519');
  const ephemeral = generateKeyPairSync('x25519');
  const key = new Uint8Array(32).fill(9);
  const iv = new Uint8Array(12).fill(4);
  const plaintext = new Uint8Array(ROUNDTRIP_PAYLOAD).fill(2);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  const sealed = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  const tag = cipher.getAuthTag();
  const kem = ml_kem768.keygen(new Uint8Array(64).fill(6));
  const encapsulated = ml_kem768.encapsulate(kem.publicKey);
  check(
    Buffer.from(ml_kem768.decapsulate(encapsulated.cipherText, kem.secretKey)).equals(encapsulated.sharedSecret),
    'bare ML-KEM',
  );
  const dsa = ml_dsa65.keygen(new Uint8Array(32).fill(7));
  const dsaSignature = ml_dsa65.sign(message, dsa.secretKey);
  check(ml_dsa65.verify(dsaSignature, message, dsa.publicKey), 'bare ML-DSA');
  const context = encodeCbor(new Map([['v', 'v2']]));
  const varying = message.slice();
  const counter = new DataView(varying.buffer);
  return {
    'Ed25519 sign': () => nodeSign(null, message, edPrivate),
    'Ed25519 verify': () => nodeVerify(null, message, edPublic, signature),
    // A fresh key, its public half in bytes to send, and the agreement.
    'X25519 ephemeral key and agreement': () => {
      const { privateKey, publicKey } = generateKeyPairSync('x25519');
      return [publicKey.export({ format: 'jwk' }).x, diffieHellman({ privateKey, publicKey: recipient.publicKey })];
    },
    'X25519 agreement': () => diffieHellman({ privateKey: recipient.privateKey, publicKey: ephemeral.publicKey }),
    'HKDF-SHA256': () => hkdfSync('sha256', key, key, context, 32),
    'AES-256-GCM encrypt': () => {
      const c = createCipheriv('aes-256-gcm', key, iv);
      return [c.update(plaintext), c.final(), c.getAuthTag()];
    },
    'AES-256-GCM decrypt': () => {
      const d = createDecipheriv('aes-256-gcm', key, iv);
      d.setAuthTag(tag);
      return [d.update(sealed), d.final()];
    },
    'ML-KEM-768 encapsulate': () => ml_kem768.encapsulate(kem.publicKey),
    'ML-KEM-768 decapsulate': () => ml_kem768.decapsulate(encapsulated.cipherText, kem.secretKey),
    // A new message each time, as in a roundtrip: the rejection loop's length varies with what is signed.
    'ML-DSA-65 sign': () => {
      counter.setUint32(0, counter.getUint32(0) + 1);
      return ml_dsa65.sign(varying, dsa.secretKey);
    },
    'ML-DSA-65 verify': () => ml_dsa65.verify(dsaSignature, message, dsa.publicKey),
  };
}

/** What one roundtrip of each version runs: sender's primitives, then the recipient's. */
const ROUNDTRIP_PRIMITIVES: Readonly<Record<EnvelopeVersion, readonly string[]>> = {
  signed: ['Ed25519 sign', 'Ed25519 verify'],
  v1: [
    'X25519 ephemeral key and agreement',
    'HKDF-SHA256',
    'AES-256-GCM encrypt',
    'Ed25519 sign',
    'Ed25519 verify',
    'X25519 agreement',
    'HKDF-SHA256',
    'AES-256-GCM decrypt',
  ],
  v2: [
    'X25519 ephemeral key and agreement',
    'ML-KEM-768 encapsulate',
    'HKDF-SHA256',
    'AES-256-GCM encrypt',
    'Ed25519 sign',
    'Ed25519 verify',
    'X25519 agreement',
    'ML-KEM-768 decapsulate',
    'HKDF-SHA256',
    'AES-256-GCM decrypt',
  ],
  v3: [
    'X25519 ephemeral key and agreement',
    'ML-KEM-768 encapsulate',
    'HKDF-SHA256',
    'AES-256-GCM encrypt',
    'Ed25519 sign',
    'ML-DSA-65 sign',
    'Ed25519 verify',
    'ML-DSA-65 verify',
    'X25519 agreement',
    'ML-KEM-768 decapsulate',
    'HKDF-SHA256',
    'AES-256-GCM decrypt',
  ],
};

/** The 1.0 bound per version; v1 has none and is shown for completeness. */
const ROUNDTRIP_GOALS: Readonly<Record<EnvelopeVersion, number | undefined>> = {
  signed: 1.3,
  v1: undefined,
  v2: 1.3,
  v3: 1.2,
};

async function roundtripGoals(config: BenchConfig): Promise<Goal[]> {
  // Opaque bytes: what the protocol adds, not what parsing the application's JSON costs.
  const payload = Uint8Array.from({ length: ROUNDTRIP_PAYLOAD }, (_, i) => i & 0xff);
  const contenders: Record<string, Operation> = { ...primitives() };
  for (const version of Object.keys(ROUNDTRIP_PRIMITIVES) as EnvelopeVersion[]) {
    const channel = await openChannel(version, crypto, 'compact');
    const check = await channel.receive(await channel.send(payload));
    if (check.version !== version) throw new Error(`the ${version} channel sent ${check.version}`);
    contenders[`roundtrip ${version}`] = async () => channel.receive(await channel.send(payload));
  }
  const stats = await compare(contenders, config);
  config.progress?.(
    `roundtrips: ${Object.entries(stats)
      .map(([name, own]) => describe(name, own))
      .join(', ')}`,
  );
  return (Object.keys(ROUNDTRIP_PRIMITIVES) as EnvelopeVersion[]).map((version) => {
    const primitivesOf = ROUNDTRIP_PRIMITIVES[version];
    const sum = primitivesOf.reduce((total, name) => total + (stats[name] as Stats).meanNsPerOp, 0);
    const roundtripStats = stats[`roundtrip ${version}`] as Stats;
    const roundtrip = roundtripStats.meanNsPerOp;
    const bound = ROUNDTRIP_GOALS[version];
    // Round by round, as timeRatio does: the roundtrip over the sum of its primitives' times in the same round.
    const ratio = median(
      roundtripStats.samples.map((sample, round) => {
        const primitiveNs = primitivesOf.reduce((total, name) => {
          const own = (stats[name] as Stats).samples[round] as { ops: number; ns: number };
          return total + own.ns / own.ops;
        }, 0);
        return sample.ns / sample.ops / primitiveNs;
      }),
    );
    return {
      what: `Roundtrip ${version} (${ROUNDTRIP_PAYLOAD} B opaque payload, two Agents, compact)`,
      measured: ratio,
      goal: bound === undefined ? 'none (shown for comparison)' : `≤ ${bound}× the sum of its primitives`,
      holds: bound === undefined || ratio <= bound,
      detail: `${formatDuration(roundtrip)} against ${formatDuration(sum)} for ${ROUNDTRIP_PRIMITIVES[version].length} primitives`,
    };
  });
}

function goalsTable(goals: readonly Goal[]): string {
  const rows = goals.map((goal) => [
    goal.what,
    `×${goal.measured.toFixed(2)}`,
    goal.goal,
    goal.holds ? 'holds' : '**misses**',
    goal.detail,
  ]);
  return markdownTable(['Case', 'Measured', 'Goal', 'Verdict', 'Times'], rows, [
    'left',
    'right',
    'left',
    'left',
    'left',
  ]);
}

/** Bytes of `value` encoded as one map entry (label and value, without the map's head). */
function entryBytes(label: number, value: CborValue | undefined): number {
  return value === undefined ? 0 : encodeCbor(new Map([[label, value]])).length - 1;
}

/** The telemetry envelope `bytes`, field by field: each row's bytes, read back from the envelope itself. */
function telemetryFields(bytes: Uint8Array): [string, number][] {
  const cose = readCoseSign1(bytes);
  const claims = cose.protectedHeader.get(15) as CborMap;
  const fields: [string, number][] = [
    ['COSE_Sign1 array head', 1],
    ['protected header: byte-string head', cborHeadLength(cose.protectedBytes.length)],
    ['protected header: map head', 1],
    ['alg: EdDSA (1: -8)', entryBytes(1, cose.protectedHeader.get(1))],
    ['content format (3), absent for opaque bytes', entryBytes(3, cose.protectedHeader.get(3))],
    ['CWT claims: label 15 and map head', 2],
    ['iat: whole seconds (6: uint32), only with a clock', entryBytes(6, claims.get(6))],
    ["cti: counter, minimal bytes (7: h'010203')", entryBytes(7, claims.get(7))],
    ['scope (9: text), absent for the default "telemetry"', entryBytes(9, claims.get(9))],
    ['unprotected header: {4: kid}, 6-byte kid', encodeCbor(cose.unprotectedHeader).length],
    ['payload: byte-string head', cborHeadLength(cose.payload.length)],
    ['signature: head and 64 bytes', cborHeadLength(cose.signature.length) + cose.signature.length],
    ['audience: external_aad, signed but not sent', 0],
  ];
  const overhead = bytes.length - cose.payload.length;
  check(
    fields.reduce((total, [, size]) => total + size, 0) === overhead,
    `the breakdown adds up to the ${overhead} bytes of overhead`,
  );
  return fields;
}

/**
 * The telemetry profile's bytes beyond a 20-byte payload, field by field,
 * from real envelopes; beside them the full compact envelope's overhead today
 * and the 270 B the issue measured before 1.0.
 */
async function overheadTable(): Promise<string> {
  const key = unwrap(await signingKeyFromSeed(new Uint8Array(32).fill(4), { crypto }));
  const base = { audience: AUDIENCE, scope: SCOPE, counter: 0x010203, payload: READING }; // a 3-byte counter
  const timestamp = 1_790_000_000_000;
  const columns = [
    await sealTelemetry(key, base),
    await sealTelemetry(key, { ...base, timestamp }),
    await sealTelemetry(key, { ...base, scope: NAMED_SCOPE }),
    await sealTelemetry(key, { ...base, timestamp, scope: NAMED_SCOPE }),
  ].map(telemetryFields);
  const rows = (columns[0] ?? []).map(([name], row) => [name, ...columns.map((fields) => String(fields[row]?.[1]))]);
  const totals = columns.map((fields) => fields.reduce((total, [, size]) => total + size, 0));
  rows.push(['**total overhead**', ...totals.map((total) => `**${total}**`)]);
  rows.push(['1.0 goal', '≤ 96', '≤ 106', '≤ 96', '≤ 106']);
  const sender = { did: didFromEd25519PublicKey(key.signer.publicKey), signer: key.signer };
  const full = encodeEnvelope(
    unwrap(await signEnvelope(sender, { to: sender.did, scope: SCOPE, payload: READING, timestamp }, { crypto })),
    'compact',
  );
  rows.push([
    'full compact signed-only envelope today (tag 18, two DIDs, nonce, ms timestamp)',
    '—',
    String(full.length - READING.length),
    '—',
    '—',
  ]);
  rows.push(['full compact signed-only envelope before 1.0 (measured in issue 7)', '—', '270', '—', '—']);
  const header = [
    'Field',
    'Counter',
    'Counter and timestamp',
    `Counter, scope "${NAMED_SCOPE}"`,
    `Counter, timestamp, scope "${NAMED_SCOPE}"`,
  ];
  return markdownTable(header, rows, ['left', 'right', 'right', 'right', 'right']);
}

/** A named scope as long as the default, for the column that pays for one. */
const NAMED_SCOPE = 'vibration';

export const coreSuite: Suite = {
  name: 'core',
  async run(config) {
    // The gateway case last: its pool of sealed envelopes is garbage afterwards, and collecting it would
    // fall on whichever case ran next.
    const send = await sendGoals(config);
    const roundtrips = await roundtripGoals(config);
    const goals = [await gatewayGoal(config), ...send, ...roundtrips];
    return [
      goalsTable(goals),
      `Telemetry-profile overhead, bytes beyond a ${READING.length}-byte payload (scope "${SCOPE}", audience "${AUDIENCE}"):`,
      await overheadTable(),
    ].join('\n\n');
  },
};

/** The cases, in table order; the smoke test checks the table against them. */
export const CORE_CASES: readonly string[] = [
  'Gateway',
  'Sending on node: `sealTelemetry`',
  'Sending on node: a signed-only full envelope',
  'Roundtrip signed',
  'Roundtrip v1',
  'Roundtrip v2',
  'Roundtrip v3',
];
