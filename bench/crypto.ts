/**
 * The crypto suite: every `CryptoProvider` backend on the same operations, side
 * by side, with each backend's ops/s as a ratio to the `node` backend; then the
 * run's noise floor, the white paper's figures beside ours, the cost of xlink's
 * strictness checks, and that of the native backends' per-call key decode.
 *
 *   import { cryptoSuite } from './crypto.js';
 *   console.log(await cryptoSuite.run({ budgetMs: 300, warmupMs: 100, rounds: 5 }));
 *
 * Limits: operations run one at a time through the public provider API
 * (argument checks and the async boundary included), on fixed inputs; AES-GCM
 * reuses one key and IV, which is harmless here and forbidden anywhere else.
 */
import {
  createCipheriv,
  createHash,
  createHmac,
  createPrivateKey,
  createPublicKey,
  hkdfSync,
  sign as nodeSign,
} from 'node:crypto';
import { passesEd25519StrictChecks } from '../src/crypto/ed25519-strict.js';
import { createNobleCrypto } from '../src/crypto/noble/index.js';
import { createNodeCrypto } from '../src/crypto/node/index.js';
import { ed25519SeedToPkcs8 } from '../src/crypto/pkcs8.js';
import type { CryptoProvider } from '../src/crypto/provider.js';
import { createWebCrypto } from '../src/crypto/webcrypto/index.js';
import { assertX25519PublicKey } from '../src/crypto/x25519-public-key.js';
import { webRandomSource } from '../src/platform/random.js';
import {
  type BenchConfig,
  compare,
  formatDuration,
  formatOpsPerSec,
  formatRatio,
  markdownTable,
  median,
  type Operation,
  roundSpread,
  type Stats,
  type Suite,
} from './measure.js';

type BackendName = 'node' | 'webcrypto' | 'noble';

/** The backends compared, `node` first: the others are quoted as ratios to it. */
export const BACKENDS: readonly { readonly name: BackendName; readonly create: () => CryptoProvider }[] = [
  { name: 'node', create: () => createNodeCrypto() },
  { name: 'webcrypto', create: () => createWebCrypto(globalThis.crypto) },
  { name: 'noble', create: () => createNobleCrypto({ random: webRandomSource(globalThis.crypto) }) },
];

interface CryptoCase {
  readonly operation: string;
  /**
   * Builds the inputs with `crypto`, checks the answer of one call of the
   * timed operation (equal to node:crypto's where the answer is deterministic,
   * undone by the inverse operation where it is random; a failing verify or
   * decrypt would time the fast rejection path), and returns the operation to time.
   */
  prepare(crypto: CryptoProvider): Promise<Operation>;
  /** Backend-independent code every backend calls: timed once, shown in the node column. */
  readonly shared?: true;
  /** Every backend runs the same code here (post-quantum), so the ratios between them measure noise. */
  readonly control?: true;
}

/** Deterministic filler, different per `salt`, so every run times the same inputs. */
function pattern(length: number, salt: number): Uint8Array {
  return Uint8Array.from({ length }, (_, i) => (i * 31 + salt * 17 + 7) & 0xff);
}

function check(condition: boolean, what: string): void {
  if (!condition) throw new Error(`benchmark input check failed: ${what}`);
}

function equal(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((byte, i) => byte === b[i]);
}

/** node:crypto's Ed25519 public key and signature for a seed: the reference the backends' answers must equal. */
function nodeEd25519(seed: Uint8Array, message: Uint8Array): { publicKey: Uint8Array; signature: Uint8Array } {
  const privateKey = createPrivateKey({ key: Buffer.from(ed25519SeedToPkcs8(seed)), format: 'der', type: 'pkcs8' });
  const jwk = createPublicKey(privateKey).export({ format: 'jwk' });
  return {
    publicKey: new Uint8Array(Buffer.from(jwk.x ?? '', 'base64url')),
    signature: new Uint8Array(nodeSign(null, message, privateKey)),
  };
}

const ED25519_SEED = pattern(32, 1);
const X25519_SECRET = pattern(32, 2);
const X25519_PEER_SECRET = pattern(32, 3);
const MESSAGE_64 = pattern(64, 4);
const AES_KEY = pattern(32, 5);
const AES_IV = pattern(12, 6);
const MAC_KEY = pattern(32, 7);
const KB = 1024;
const ED25519_PRECHECKS = 'Ed25519 strict pre-checks alone (`passesEd25519StrictChecks`)';
const X25519_CURVE_CHECK = 'X25519 on-curve check alone (`assertX25519PublicKey`)';

function aesCases(label: string, size: number): CryptoCase[] {
  const plaintext = pattern(size, size);
  return [
    {
      operation: `AES-256-GCM encrypt (${label})`,
      async prepare(crypto) {
        const sealed = await crypto.aes256GcmEncrypt(AES_KEY, AES_IV, plaintext);
        const cipher = createCipheriv('aes-256-gcm', AES_KEY, AES_IV, { authTagLength: 16 });
        const reference = Buffer.concat([cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]);
        check(equal(sealed, reference), `${crypto.name} AES-GCM equals node:crypto`);
        check(
          equal(await crypto.aes256GcmDecrypt(AES_KEY, AES_IV, sealed), plaintext),
          `${crypto.name} AES-GCM round trip`,
        );
        return () => crypto.aes256GcmEncrypt(AES_KEY, AES_IV, plaintext);
      },
    },
    {
      operation: `AES-256-GCM decrypt (${label})`,
      async prepare(crypto) {
        const sealed = await crypto.aes256GcmEncrypt(AES_KEY, AES_IV, plaintext);
        check(
          equal(await crypto.aes256GcmDecrypt(AES_KEY, AES_IV, sealed), plaintext),
          `${crypto.name} AES-GCM round trip`,
        );
        return () => crypto.aes256GcmDecrypt(AES_KEY, AES_IV, sealed);
      },
    },
  ];
}

const CASES: readonly CryptoCase[] = [
  {
    operation: 'Ed25519 keygen (prepare the signer of a new seed)',
    async prepare(crypto) {
      const signer = await crypto.ed25519Signer(ED25519_SEED.slice());
      check(
        equal(signer.publicKey, nodeEd25519(ED25519_SEED, MESSAGE_64).publicKey),
        `${crypto.name} Ed25519 public key`,
      );
      return () => crypto.ed25519Signer(ED25519_SEED);
    },
  },
  {
    operation: 'Ed25519 sign (64 B, prepared signer)',
    async prepare(crypto) {
      // Ed25519 signatures are deterministic (RFC 8032), so the backend's must equal node:crypto's, and verify.
      const signer = await crypto.ed25519Signer(ED25519_SEED);
      const signature = await signer.sign(MESSAGE_64);
      const reference = nodeEd25519(ED25519_SEED, MESSAGE_64);
      check(equal(signature, reference.signature), `${crypto.name} Ed25519 signature`);
      const verifier = await crypto.ed25519Verifier(reference.publicKey);
      check(await verifier.verify(MESSAGE_64, signature), `${crypto.name} Ed25519 sign-verify`);
      return () => signer.sign(MESSAGE_64);
    },
  },
  {
    operation: 'Ed25519 verify (64 B, prepared verifier)',
    async prepare(crypto) {
      const signer = await crypto.ed25519Signer(ED25519_SEED);
      const verifier = await crypto.ed25519Verifier(signer.publicKey);
      const signature = await signer.sign(MESSAGE_64);
      check(await verifier.verify(MESSAGE_64, signature), `${crypto.name} Ed25519 verify`);
      return () => verifier.verify(MESSAGE_64, signature);
    },
  },
  {
    operation: 'X25519 keygen (prepare the key of a new secret)',
    async prepare(crypto) {
      // A wrong public key would not agree: the peer's secret times it must equal ours times the peer's key.
      const mine = await crypto.x25519PrivateKey(X25519_SECRET.slice());
      const peer = await crypto.x25519PrivateKey(X25519_PEER_SECRET);
      check(
        equal(await peer.sharedSecret(mine.publicKey), await mine.sharedSecret(peer.publicKey)),
        `${crypto.name} X25519 public key agrees`,
      );
      return () => crypto.x25519PrivateKey(X25519_SECRET);
    },
  },
  {
    operation: 'X25519 shared secret (prepared key)',
    async prepare(crypto) {
      const mine = await crypto.x25519PrivateKey(X25519_SECRET);
      const peer = await crypto.x25519PrivateKey(X25519_PEER_SECRET);
      const shared = await mine.sharedSecret(peer.publicKey);
      check(equal(shared, await peer.sharedSecret(mine.publicKey)), `${crypto.name} X25519 agreement`);
      return () => mine.sharedSecret(peer.publicKey);
    },
  },
  {
    operation: 'X25519 ephemeral key agreement (`x25519Ephemeral`, per envelope)',
    async prepare(crypto) {
      const peer = await crypto.x25519PrivateKey(X25519_PEER_SECRET);
      const { ephemeralPublicKey, sharedSecret } = await crypto.x25519Ephemeral(peer.publicKey);
      check(equal(sharedSecret, await peer.sharedSecret(ephemeralPublicKey)), `${crypto.name} ephemeral agreement`);
      return () => crypto.x25519Ephemeral(peer.publicKey);
    },
  },
  ...aesCases('64 B', 64),
  ...aesCases('1 KB', KB),
  ...aesCases('64 KB', 64 * KB),
  {
    operation: 'HKDF-SHA256 (32 B out)',
    async prepare(crypto) {
      const ikm = pattern(32, 8);
      const salt = pattern(32, 9);
      const info = pattern(16, 10);
      const reference = new Uint8Array(hkdfSync('sha256', ikm, salt, info, 32));
      check(equal(await crypto.hkdfSha256(ikm, salt, info, 32), reference), `${crypto.name} HKDF equals node:crypto`);
      return () => crypto.hkdfSha256(ikm, salt, info, 32);
    },
  },
  {
    operation: 'SHA-256 (1 KB)',
    async prepare(crypto) {
      const data = pattern(KB, 11);
      const reference = createHash('sha256').update(data).digest();
      check(equal(await crypto.sha256(data), reference), `${crypto.name} SHA-256 equals node:crypto`);
      return () => crypto.sha256(data);
    },
  },
  {
    operation: 'HMAC-SHA256 (1 KB)',
    async prepare(crypto) {
      const data = pattern(KB, 12);
      const reference = createHmac('sha256', MAC_KEY).update(data).digest();
      check(equal(await crypto.hmacSha256(MAC_KEY, data), reference), `${crypto.name} HMAC equals node:crypto`);
      return () => crypto.hmacSha256(MAC_KEY, data);
    },
  },
  {
    operation: 'ML-KEM-768 encapsulate',
    control: true,
    async prepare(crypto) {
      const { publicKey, secretKey } = await crypto.mlKem768KeyPair(pattern(64, 13));
      const { ciphertext, sharedSecret } = await crypto.mlKem768Encapsulate(publicKey);
      check(equal(await crypto.mlKem768Decapsulate(secretKey, ciphertext), sharedSecret), `${crypto.name} ML-KEM`);
      return () => crypto.mlKem768Encapsulate(publicKey);
    },
  },
  {
    operation: 'ML-KEM-768 decapsulate',
    control: true,
    async prepare(crypto) {
      const { publicKey, secretKey } = await crypto.mlKem768KeyPair(pattern(64, 13));
      const { ciphertext, sharedSecret } = await crypto.mlKem768Encapsulate(publicKey);
      check(equal(await crypto.mlKem768Decapsulate(secretKey, ciphertext), sharedSecret), `${crypto.name} ML-KEM`);
      return () => crypto.mlKem768Decapsulate(secretKey, ciphertext);
    },
  },
  {
    operation: 'ML-DSA-65 sign (64 B)',
    control: true,
    async prepare(crypto) {
      const { publicKey, secretKey } = await crypto.mlDsa65KeyPair(pattern(32, 14));
      const signature = await crypto.mlDsa65Sign(secretKey, MESSAGE_64);
      check(await crypto.mlDsa65Verify(publicKey, MESSAGE_64, signature), `${crypto.name} ML-DSA sign-verify`);
      return () => crypto.mlDsa65Sign(secretKey, MESSAGE_64);
    },
  },
  {
    operation: 'ML-DSA-65 verify (64 B)',
    control: true,
    async prepare(crypto) {
      const { publicKey, secretKey } = await crypto.mlDsa65KeyPair(pattern(32, 14));
      const signature = await crypto.mlDsa65Sign(secretKey, MESSAGE_64);
      check(await crypto.mlDsa65Verify(publicKey, MESSAGE_64, signature), `${crypto.name} ML-DSA verify`);
      return () => crypto.mlDsa65Verify(publicKey, MESSAGE_64, signature);
    },
  },
  {
    operation: ED25519_PRECHECKS,
    shared: true,
    async prepare(crypto) {
      const signer = await crypto.ed25519Signer(ED25519_SEED);
      const publicKey = signer.publicKey;
      const signature = await signer.sign(MESSAGE_64);
      // A valid signature runs every check; a rejected one would stop early.
      check(passesEd25519StrictChecks(publicKey, signature), 'strict checks accept a valid signature');
      return () => passesEd25519StrictChecks(publicKey, signature);
    },
  },
  {
    operation: X25519_CURVE_CHECK,
    shared: true,
    async prepare(crypto) {
      const peer = (await crypto.x25519PrivateKey(X25519_PEER_SECRET)).publicKey;
      // Throws if the key were refused, which would time the refusal path.
      assertX25519PublicKey(peer);
      return () => assertX25519PublicKey(peer);
    },
  },
];

/** One row per operation, in table order; the smoke test checks the table against it. */
export const CRYPTO_OPERATIONS: readonly string[] = CASES.map((c) => c.operation);

type Results = Map<string, Partial<Record<BackendName, Stats>>>;

async function measureAll(config: BenchConfig): Promise<Results> {
  const providers = BACKENDS.map((backend) => ({ name: backend.name, crypto: backend.create() }));
  const results: Results = new Map();
  for (const c of CASES) {
    const contenders = c.shared ? providers.slice(0, 1) : providers;
    const ops: Partial<Record<BackendName, Operation>> = {};
    for (const { name, crypto } of contenders) ops[name] = await c.prepare(crypto);
    const stats = await compare(ops as Record<string, Operation>, config);
    results.set(c.operation, stats);
    const described = contenders.map(({ name }) => {
      const own = stats[name] as Stats;
      const spread = own.samples.length > 1 ? ` (rounds within ${Math.round(100 * roundSpread(own))}%)` : '';
      return `${name} ${formatDuration(own.meanNsPerOp)}${spread}`;
    });
    config.progress?.(`${c.operation}: ${described.join(', ')}`);
  }
  return results;
}

function stat(results: Results, operation: string, backend: BackendName): Stats {
  const found = results.get(operation)?.[backend];
  if (found === undefined) throw new Error(`no measurement for ${backend} "${operation}"`);
  return found;
}

function mainTable(results: Results): string {
  const rows = CASES.map((c) => {
    const node = stat(results, c.operation, 'node');
    const others = BACKENDS.slice(1).map((backend) => {
      if (c.shared) return 'same code';
      const ops = stat(results, c.operation, backend.name).medianOpsPerSec;
      return `${formatOpsPerSec(ops)} (${formatRatio(ops / node.medianOpsPerSec)})`;
    });
    return [c.operation, formatOpsPerSec(node.medianOpsPerSec), ...others, formatDuration(node.meanNsPerOp)];
  });
  const header = ['Operation', 'node ops/s', 'webcrypto ops/s (×node)', 'noble ops/s (×node)', 'node time/op'];
  return markdownTable(header, rows, ['left', 'right', 'right', 'right', 'right']);
}

interface Claim {
  readonly operation: string;
  /** As printed in the white paper's "Benchmarks" table. */
  readonly printed: string;
  readonly ms: number;
  /** `below`: the paper promises an upper bound; `about`: a typical figure. */
  readonly kind: 'below' | 'about';
  /** Our rows whose times add up to the claimed operation. */
  readonly rows: readonly string[];
  /** What the reader should know to compare fairly; no figures, those are computed. */
  readonly note: string;
}

const CLAIMS: readonly Claim[] = [
  {
    operation: 'Ed25519 keygen',
    printed: '<1ms',
    ms: 1,
    kind: 'below',
    rows: ['Ed25519 keygen (prepare the signer of a new seed)'],
    note: 'Ours derives the public key from a given seed, which is the costly part of keygen.',
  },
  {
    operation: 'X25519 keygen',
    printed: '<1ms',
    ms: 1,
    kind: 'below',
    rows: ['X25519 keygen (prepare the key of a new secret)'],
    note: 'Ours derives the public key from a given secret.',
  },
  {
    operation: 'ECDH key agreement (ephemeral + derive)',
    printed: '<1ms',
    ms: 1,
    kind: 'below',
    rows: ['X25519 ephemeral key agreement (`x25519Ephemeral`, per envelope)'],
    note: 'Ours is what every encrypted envelope runs: a fresh key pair and the shared secret, with the on-curve check.',
  },
  {
    operation: 'AES-256-GCM encrypt (1KB)',
    printed: '<0.5ms',
    ms: 0.5,
    kind: 'below',
    rows: ['AES-256-GCM encrypt (1 KB)'],
    note: 'node and webcrypto reach OpenSSL (hardware AES); noble is pure JavaScript.',
  },
  {
    operation: 'Ed25519 sign',
    printed: '<0.5ms',
    ms: 0.5,
    kind: 'below',
    rows: ['Ed25519 sign (64 B, prepared signer)'],
    note: 'Ours signs a 64-byte message.',
  },
  {
    operation: 'ML-KEM-768 encapsulate',
    printed: '~2.7ms',
    ms: 2.7,
    kind: 'about',
    rows: ['ML-KEM-768 encapsulate'],
    note: 'All three backends run the same @noble/post-quantum code, so their columns differ by noise only.',
  },
  {
    operation: 'ML-KEM-768 decapsulate',
    printed: '~2.9ms',
    ms: 2.9,
    kind: 'about',
    rows: ['ML-KEM-768 decapsulate'],
    note: 'Same @noble/post-quantum code in every backend.',
  },
  {
    operation: 'ML-DSA-65 sign',
    printed: '~10ms',
    ms: 10,
    kind: 'about',
    rows: ['ML-DSA-65 sign (64 B)'],
    note: 'Same @noble/post-quantum code in every backend; signing time varies with the rejection-sampling loop.',
  },
  {
    operation: 'ML-DSA-65 verify',
    printed: '~10ms',
    ms: 10,
    kind: 'about',
    rows: ['ML-DSA-65 verify (64 B)'],
    note: 'Same @noble/post-quantum code in every backend.',
  },
];

function percent(part: number, whole: number): string {
  const value = (100 * part) / whole;
  return `${value >= 10 ? Math.round(value) : Number(value.toPrecision(2))}%`;
}

function standing(claim: Claim, times: readonly { name: string; ns: number }[]): string {
  const bound = claim.ms * 1e6;
  const sorted = [...times].sort((a, b) => a.ns - b.ns);
  const fastest = sorted[0] as { name: string; ns: number };
  const slowest = sorted[sorted.length - 1] as { name: string; ns: number };
  if (claim.kind === 'about') {
    const [low, high] = [percent(fastest.ns, bound), percent(slowest.ns, bound)];
    if (low === high) return `Takes ${low} of the paper's figure on all three.`;
    return `Takes ${low} (${fastest.name}) to ${high} (${slowest.name}) of the paper's figure.`;
  }
  const over = sorted.filter((t) => t.ns >= bound);
  if (over.length === 0) {
    return `Holds for all three; the slowest, ${slowest.name}, takes ${percent(slowest.ns, bound)} of the bound.`;
  }
  if (over.length === times.length) {
    return `Over the bound on all three; the fastest, ${fastest.name}, takes ${percent(fastest.ns, bound)} of it.`;
  }
  const within = sorted.filter((t) => t.ns < bound).map((t) => t.name);
  const misses = over.map((t) => `${t.name} takes ${percent(t.ns, bound)} of the bound`);
  return `Holds for ${within.join(' and ')}; ${misses.join(' and ')}.`;
}

function claimsTable(results: Results): string {
  const rows = CLAIMS.map((claim) => {
    const times = BACKENDS.map((backend) => ({
      name: backend.name,
      ns: claim.rows.reduce((sum, row) => sum + stat(results, row, backend.name).meanNsPerOp, 0),
    }));
    return [
      claim.operation,
      claim.printed,
      ...times.map((t) => formatDuration(t.ns)),
      `${standing(claim, times)} ${claim.note}`,
    ];
  });
  const header = ['White paper row', 'Claimed (Node 22, Apple M2)', 'node', 'webcrypto', 'noble', 'Where we stand'];
  return markdownTable(header, rows, ['left', 'right', 'right', 'right', 'right', 'left']);
}

function strictnessCost(results: Results, check: string, against: string, what: string): string {
  const cost = stat(results, check, 'node').meanNsPerOp;
  const shares = BACKENDS.map(
    (backend) => `${percent(cost, stat(results, against, backend.name).meanNsPerOp)} of ${backend.name}'s`,
  );
  const last = shares.pop();
  return `- ${what}: ${formatDuration(cost)} per call, ${shares.join(', ')} and ${last} ${against.replace(/ \(.*\)$/, '')}.`;
}

/**
 * Both native backends take keys as bytes and turn them into key objects when
 * a key is prepared (`ed25519Signer`, `x25519PrivateKey`): a PKCS#8 decode,
 * which OpenSSL 3 does slowly. This times that decode alone.
 */
async function keyImportCost(results: Results, config: BenchConfig): Promise<string> {
  const der = Buffer.from(ed25519SeedToPkcs8(ED25519_SEED));
  const stats = await compare(
    { node: () => createPrivateKey({ key: der, format: 'der', type: 'pkcs8' }) },
    { budgetMs: config.budgetMs, warmupMs: config.warmupMs, rounds: config.rounds },
  );
  const cost = stats.node.meanNsPerOp;
  const sign = stat(results, 'Ed25519 sign (64 B, prepared signer)', 'node').meanNsPerOp;
  return (
    `- Key preparation: node:crypto decodes an Ed25519 PKCS#8 key in ${formatDuration(cost)} ` +
    `(\`createPrivateKey\`, OpenSSL ${process.versions.openssl}), ${percent(cost, sign)} of the node backend's ` +
    'Ed25519 sign; the native backends pay it once per key, when it is prepared (the keygen rows), and never per ' +
    'message: a prepared signer or key holds its key object, as the sign and shared-secret rows use it. ' +
    'Per-envelope ephemeral keys never pay it on node: `x25519Ephemeral` generates them inside OpenSSL.'
  );
}

/** How far apart identical code lands in this run, and how much rounds of one measurement differ. */
function noiseFloor(results: Results, config: BenchConfig): string {
  const ratios = CASES.filter((c) => c.control).flatMap((c) => {
    const node = stat(results, c.operation, 'node').medianOpsPerSec;
    return BACKENDS.slice(1).map((backend) => stat(results, c.operation, backend.name).medianOpsPerSec / node);
  });
  const spreads = [...results.values()].flatMap((byBackend) => Object.values(byBackend).map(roundSpread));
  const rounds =
    config.rounds > 1
      ? `; the fastest and slowest rounds of one case and backend differ by ${percent(median(spreads), 1)} at ` +
        `the median, ${percent(Math.max(...spreads), 1)} at worst`
      : '';
  return (
    'Noise floor of this run: the post-quantum rows run identical code in every backend, yet their ratios to node ' +
    `range from ${formatRatio(Math.min(...ratios))} to ${formatRatio(Math.max(...ratios))}${rounds}. ` +
    'Read smaller differences as ties.'
  );
}

export const cryptoSuite: Suite = {
  name: 'crypto',
  async run(config) {
    const results = await measureAll(config);
    return [
      mainTable(results),
      noiseFloor(results, config),
      'Times per operation beside the white paper\'s "Benchmarks" table (its figures: Node 22 on an Apple M2, method unpublished):',
      claimsTable(results),
      'Cost of the strictness every backend adds before its own arithmetic:',
      [
        strictnessCost(
          results,
          ED25519_PRECHECKS,
          'Ed25519 verify (64 B, prepared verifier)',
          'Ed25519 pre-checks (S < L; A and R canonical and not of small order)',
        ),
        strictnessCost(
          results,
          X25519_CURVE_CHECK,
          'X25519 shared secret (prepared key)',
          'X25519 on-curve check (a BigInt Jacobi symbol)',
        ),
      ].join('\n'),
      'Where the native backends spend their time:',
      await keyImportCost(results, config),
    ].join('\n\n');
  },
};
