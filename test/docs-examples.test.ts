// The worked envelope examples in docs/architecture.md, regenerated here from
// the same fixed inputs and compared with the page: hex and annotations both,
// so neither the bytes nor what the page says about them can drift from the
// code. The page's own bytes are then decoded, verified and decrypted with the
// known keys, so a failure tells "the bytes moved" (paste the block the
// failure prints) from "the page shows an envelope that does not open".
// Also checked: the overhead totals in docs/protocol.md and the README's
// telemetry example, which test/readme.test.ts does not run.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { bytesToHex, readHex, utf8Encode } from '../src/codec/bytes.js';
import { createNobleCrypto } from '../src/crypto/noble/index.js';
import { decodeEnvelope } from '../src/envelope/decode.js';
import { decryptEnvelope } from '../src/envelope/decrypt.js';
import { encodeEnvelope } from '../src/envelope/encode.js';
import { sealEnvelope } from '../src/envelope/seal.js';
import { signEnvelope } from '../src/envelope/sign.js';
import { decodeTelemetry, sealTelemetry, verifyTelemetry } from '../src/envelope/telemetry.js';
import { verifyEnvelope } from '../src/envelope/verify.js';
import { type Result, unwrap } from '../src/errors.js';
import { identityFromSeed, signingKeyFromSeed } from '../src/identity/derive.js';

const root = new URL('..', import.meta.url).pathname;
const read = (path: string): string => readFileSync(join(root, path), 'utf8');

// ---------------------------------------------------------------- the fixed inputs (docs/architecture.md lists them)

const DEVICE_SEED = new Uint8Array(32).fill(0x11);
const GATEWAY_SEED = new Uint8Array(32).fill(0x22);
/** 2026-12-01T08:00:00Z: a whole second, so the telemetry iat loses nothing. */
const TIMESTAMP = Date.UTC(2026, 11, 1, 8);
const NONCE = readHex('a0a1a2a3a4a5a6a7a8a9aaabacadaeaf');
const COUNTER = 1_000_000;
const PAYLOAD = utf8Encode('{"t":21.5,"rh":40.1}'); // 20 bytes
const SCOPE = 'telemetry';
const AUDIENCE = 'acme-fleet';

/**
 * Not random: a request for n bytes gets 00 01 02 … (n-1). The noble backend
 * draws every IV, ephemeral key and blinding value from the source it is
 * given, so this makes an encrypted envelope reproducible. Never outside a test.
 */
const countingBytes = (length: number): Uint8Array => Uint8Array.from({ length }, (_, i) => i & 0xff);
const crypto = createNobleCrypto({ random: countingBytes });

async function parties() {
  const device = unwrap(await identityFromSeed(DEVICE_SEED, { crypto }));
  const gateway = unwrap(await identityFromSeed(GATEWAY_SEED, { crypto }));
  const key = unwrap(await signingKeyFromSeed(DEVICE_SEED, { crypto }));
  return { device, gateway, key, sender: { did: device.did, signer: key.signer } };
}

/** The three envelope forms, each built by the public function a program would call. */
async function examples(): Promise<Record<string, Uint8Array>> {
  const { gateway, key, sender } = await parties();
  const signed = await signEnvelope(
    sender,
    { to: gateway.did, scope: SCOPE, payload: PAYLOAD, timestamp: TIMESTAMP, nonce: NONCE },
    { crypto },
  );
  const v1 = await sealEnvelope(
    sender,
    { did: gateway.did, x25519PublicKey: gateway.x25519.publicKey },
    {
      version: 'v1',
      scope: SCOPE,
      payload: PAYLOAD,
      contentType: 'json',
      timestamp: TIMESTAMP,
      nonce: NONCE,
      supportedVersions: ['signed', 'v1'],
    },
    { crypto },
  );
  return {
    'signed-compact': encodeEnvelope(unwrap(signed), 'compact'),
    'v1-compact': encodeEnvelope(unwrap(v1), 'compact'),
    telemetry: await sealTelemetry(key, {
      audience: AUDIENCE,
      scope: SCOPE,
      counter: COUNTER,
      timestamp: TIMESTAMP,
      payload: PAYLOAD,
    }),
  };
}

// ---------------------------------------------------------------- the annotated listing

/** One CBOR item as the page shows it: its head, and its content or children. */
interface Item {
  readonly major: number;
  /** The head bytes: initial byte and argument. */
  readonly head: Uint8Array;
  readonly argument: number;
  /** Byte and text strings: the content. */
  readonly content?: Uint8Array;
  readonly children?: readonly Item[];
  readonly size: number;
}

/** Reads the deterministic CBOR xlink writes (no floats, no indefinite lengths): enough to list an envelope. */
function parseItem(bytes: Uint8Array, at: number): Item {
  const initial = bytes[at] as number;
  const major = initial >> 5;
  const info = initial & 31;
  const width = info < 24 ? 0 : 2 ** (info - 24);
  let argument = info < 24 ? info : 0;
  for (let i = 1; i <= width; i++) argument = argument * 256 + (bytes[at + i] as number);
  const headEnd = at + 1 + width;
  const head = bytes.subarray(at, headEnd);
  if (major === 2 || major === 3) {
    const content = bytes.subarray(headEnd, headEnd + argument);
    return { major, head, argument, content, size: headEnd + argument - at };
  }
  const count = major === 4 ? argument : major === 5 ? 2 * argument : major === 6 ? 1 : 0;
  const children: Item[] = [];
  let next = headEnd;
  for (let i = 0; i < count; i++) {
    const child = parseItem(bytes, next);
    children.push(child);
    next += child.size;
  }
  return { major, head, argument, children, size: next - at };
}

/** CBOR diagnostic notation (RFC 8949 §8) of a short item. */
function edn(item: Item): string {
  const { major, argument, content, children = [] } = item;
  if (major === 0) return String(argument);
  if (major === 1) return String(-1 - argument);
  if (major === 2) return `h'${bytesToHex(content as Uint8Array)}'`;
  if (major === 3) return JSON.stringify(new TextDecoder().decode(content));
  if (major === 4) return `[${children.map(edn).join(', ')}]`;
  if (major === 5) {
    const pairs: string[] = [];
    for (let i = 0; i < children.length; i += 2) {
      pairs.push(`${edn(children[i] as Item)}: ${edn(children[i + 1] as Item)}`);
    }
    return `{${pairs.join(', ')}}`;
  }
  return `${argument}(${edn(children[0] as Item)})`;
}

function headHex(item: Item): string {
  const hex = bytesToHex(item.head);
  return hex.length <= 2 ? hex : `${hex.slice(0, 2)} ${hex.slice(2)}`;
}

/** An item short enough for one line of the listing: head and content together, at most 16 bytes. */
function oneLine(item: Item): string | undefined {
  if (item.size > 16 || item.major === 5) return undefined;
  if (item.major === 4) {
    const parts = (item.children ?? []).map(oneLine);
    return parts.every((part) => part !== undefined) ? [headHex(item), ...parts].join(' ') : undefined;
  }
  return item.content === undefined ? headHex(item) : `${headHex(item)} ${bytesToHex(item.content)}`;
}

const iso = (ms: number): string => new Date(ms).toISOString().replace('.000Z', 'Z');

/** What each header label and claim is, for the listing's comments. */
const LABELS: Readonly<Record<string, (value: Item) => string>> = {
  '1': (v) => (edn(v) === '-8' ? 'alg: EdDSA' : 'alg'),
  '3': (v) => `content type: ${v.argument === 50 ? 'application/json' : 'application/cbor'}`,
  '4': () => 'kid: SHA-256 thumbprint of the COSE_Key, first 6 bytes',
  '15': () => 'CWT claims',
  '6': (v) => `iat, seconds: ${iso(v.argument * 1000)}`,
  '7': (v) => `cti: the counter, ${counterOf(v)}`,
  '9': () => 'scope',
  '"v"': () => 'version',
  '"from"': () => 'sender',
  '"to"': () => 'recipient',
  '"scope"': () => 'scope',
  '"ts"': (v) => `ms since the epoch: ${iso(v.argument)}`,
  '"nonce"': () => 'replay token, 16 bytes',
  '"ctr"': () => 'replay token: the counter',
  '"sv"': () => 'versions the sender supports',
  '"epk"': () => 'ephemeral X25519 public key',
  '"iv"': () => 'AES-GCM IV',
  '"kem"': () => 'ML-KEM-768 ciphertext',
};

function counterOf(item: Item): number {
  let counter = 0;
  for (const byte of item.content ?? []) counter = counter * 256 + byte;
  return counter;
}

interface Line {
  readonly depth: number;
  readonly hex: string;
  readonly note: string;
}

/**
 * Content split into lines of 16 bytes. Printable ASCII shows beside its bytes:
 * text strings as "…", byte strings as '…' (diagnostic notation for bytes given as text).
 */
function chunks(content: Uint8Array, depth: number, text: boolean): Line[] {
  const lines: Line[] = [];
  const printable = content.every((byte) => byte >= 0x20 && byte < 0x7f && byte !== 0x27);
  for (let at = 0; at < content.length; at += 16) {
    const part = content.subarray(at, at + 16);
    const ascii = new TextDecoder().decode(part);
    const note = text ? JSON.stringify(ascii) : printable ? `'${ascii}'` : '';
    lines.push({ depth, hex: bytesToHex(part), note });
  }
  return lines;
}

/** The lines of one item; `note` names it, `embedded` lists a byte string's content as the CBOR it holds. */
function lines(item: Item, depth: number, note: string, embedded = false): Line[] {
  const single = embedded ? undefined : oneLine(item);
  if (single !== undefined) return [{ depth, hex: single, note: note === '' ? edn(item) : `${edn(item)}  (${note})` }];
  const { major, content, children = [] } = item;
  const what = ['', '', 'bytes', 'text', 'array', 'map', 'tag'][major];
  const head = { depth, hex: headHex(item), note: `${what}(${item.argument})${note === '' ? '' : `: ${note}`}` };
  if (embedded && content !== undefined) return [head, ...lines(parseItem(content, 0), depth + 1, '')];
  if (content !== undefined) return [head, ...chunks(content, depth + 1, major === 3)];
  if (major !== 5) return [head, ...children.flatMap((child) => lines(child, depth + 1, ''))];
  const entries: Line[] = [head];
  for (let i = 0; i < children.length; i += 2) {
    const key = children[i] as Item;
    const value = children[i + 1] as Item;
    const label = LABELS[edn(key)]?.(value) ?? '';
    const keyHex = oneLine(key) as string;
    const valueHex = oneLine(value);
    const isMap = value.major === 5;
    if (valueHex !== undefined && !isMap && keyHex.length + valueHex.length <= 40) {
      const note = `${edn(key)}: ${edn(value)}${label === '' ? '' : `  (${label})`}`;
      entries.push({ depth: depth + 1, hex: `${keyHex} ${valueHex}`, note });
    } else {
      entries.push({ depth: depth + 1, hex: keyHex, note: `${edn(key)}:${label === '' ? '' : `  (${label})`}` });
      entries.push(...lines(value, depth + 2, ''));
    }
  }
  return entries;
}

/** The annotated listing of a COSE_Sign1 message, as the page prints it. */
function listing(bytes: Uint8Array, parts: { payload: string; signature: string }): string {
  const top = parseItem(bytes, 0);
  assert.equal(top.size, bytes.length, 'one item, nothing after it');
  const tagged = top.major === 6;
  const array = tagged ? (top.children?.[0] as Item) : top;
  const [protectedItem, unprotectedItem, payload, signature] = array.children as [Item, Item, Item, Item];
  const depth = tagged ? 1 : 0;
  const out: Line[] = [];
  if (tagged) out.push({ depth: 0, hex: headHex(top), note: 'tag(18): COSE_Sign1, a full envelope' });
  out.push({
    depth,
    hex: headHex(array),
    note: `array(4): [protected, unprotected, payload, signature]${tagged ? '' : ', untagged: the telemetry profile'}`,
  });
  out.push(...lines(protectedItem, depth + 1, 'protected header, << map >>, signed', true));
  out.push(...lines(unprotectedItem, depth + 1, 'unprotected header, not signed'));
  out.push(...lines(payload, depth + 1, parts.payload));
  out.push(...lines(signature, depth + 1, parts.signature));
  const width = Math.max(...out.map((line) => 2 * line.depth + line.hex.length)) + 2;
  return out
    .map((line) => `${'  '.repeat(line.depth)}${line.hex}`.padEnd(width) + (line.note === '' ? '' : `# ${line.note}`))
    .map((line) => line.trimEnd())
    .join('\n');
}

const PARTS: Record<string, { payload: string; signature: string }> = {
  'signed-compact': { payload: 'payload, in clear', signature: 'Ed25519 signature' },
  'v1-compact': { payload: 'AES-256-GCM ciphertext (20) and tag (16)', signature: 'Ed25519 signature' },
  telemetry: { payload: 'payload, in clear', signature: 'Ed25519 signature, external_aad = "acme-fleet"' },
};

/** Every `<!-- docs-example: name -->` block of the page, by name. */
function pageBlocks(page: string): Map<string, string> {
  const blocks = new Map<string, string>();
  for (const match of page.matchAll(/<!-- docs-example: ([a-z0-9-]+) -->\n```text\n([\s\S]*?)\n```/g)) {
    blocks.set(match[1] as string, match[2] as string);
  }
  return blocks;
}

/** The bytes of a listing: every line's text before its `#`. */
function bytesOf(block: string): Uint8Array {
  const hex = block
    .split('\n')
    .map((line) => line.replace(/#.*$/, '').replace(/\s+/g, ''))
    .join('');
  assert.match(hex, /^([0-9a-f]{2})+$/, 'a listing holds hex bytes before its comments');
  return readHex(hex);
}

function okCode(result: Result<unknown>): string {
  return result.ok ? 'ok' : result.error.code;
}

// ---------------------------------------------------------------- the checks

describe('docs/architecture.md: worked examples', () => {
  const page = read('docs/architecture.md');
  const blocks = pageBlocks(page);

  it('has one listing per envelope form, each regenerated byte for byte and comment for comment', async () => {
    const generated = await examples();
    assert.deepEqual([...blocks.keys()].sort(), Object.keys(generated).sort());
    for (const [name, bytes] of Object.entries(generated)) {
      const expected = listing(bytes, PARTS[name] as { payload: string; signature: string });
      assert.equal(
        blocks.get(name),
        expected,
        `${name}: the page differs from the code; the block is now:\n${expected}`,
      );
      assert.match(page, new RegExp(`${name}: ${bytes.length} bytes`), `${name}: the page states its size`);
    }
  });

  it("the signed-only listing decodes as a full envelope and verifies under the device's key", async () => {
    const { device, gateway, key } = await parties();
    const decoded = unwrap(decodeEnvelope(bytesOf(blocks.get('signed-compact') ?? '')));
    assert.equal(decoded.encoding, 'compact');
    const { header, body } = decoded.envelope;
    assert.deepEqual(
      [header.version, header.from, header.to, header.scope, header.timestamp, header.contentType],
      ['signed', device.did, gateway.did, SCOPE, TIMESTAMP, 'bytes'],
    );
    assert.deepEqual(header.nonce, NONCE);
    assert.deepEqual(body, PAYLOAD);
    const verifier = crypto.ed25519Verifier(key.signer.publicKey);
    assert.equal(okCode(await verifyEnvelope({ did: device.did, verifier }, decoded.envelope, { crypto })), 'ok');
    assert.equal(okCode(decodeTelemetry(bytesOf(blocks.get('signed-compact') ?? ''))), 'PARSE_FAILED:COSE');
  });

  it("the v1 listing verifies and decrypts with the gateway's keys to the payload", async () => {
    const { device, gateway, key } = await parties();
    const { envelope } = unwrap(decodeEnvelope(bytesOf(blocks.get('v1-compact') ?? '')));
    assert.equal(envelope.header.version, 'v1');
    assert.equal(envelope.header.contentType, 'json');
    const verifier = crypto.ed25519Verifier(key.signer.publicKey);
    assert.equal(okCode(await verifyEnvelope({ did: device.did, verifier }, envelope, { crypto })), 'ok');
    const recipient = {
      did: gateway.did,
      x25519: crypto.x25519PrivateKey(gateway.x25519.secretKey),
      mlKem768: gateway.mlKem768,
    };
    const plaintext = await decryptEnvelope(recipient, envelope, { crypto });
    assert.deepEqual(unwrap(plaintext), PAYLOAD);
  });

  it('the telemetry listing verifies for its audience only, and is no full envelope', async () => {
    const { key } = await parties();
    const bytes = bytesOf(blocks.get('telemetry') ?? '');
    const envelope = unwrap(decodeTelemetry(bytes));
    assert.deepEqual(envelope.kid, key.kid);
    assert.deepEqual(envelope.header, { scope: SCOPE, counter: COUNTER, timestamp: TIMESTAMP, contentType: 'bytes' });
    assert.deepEqual(envelope.payload, PAYLOAD);
    const verifier = crypto.ed25519Verifier(key.signer.publicKey);
    assert.equal(okCode(await verifyTelemetry(verifier, envelope, AUDIENCE)), 'ok');
    assert.equal(
      okCode(await verifyTelemetry(verifier, envelope, 'other-fleet')),
      'VERIFICATION_FAILED:SIGNATURE_MISMATCH',
    );
    assert.equal(okCode(decodeEnvelope(bytes)), 'PARSE_FAILED:COSE');
  });

  it('lists the inputs the examples are built from', () => {
    for (const input of ['0x11', '0x22', 'Date.UTC(2026, 11, 1, 8)', bytesToHex(NONCE), '1_000_000', AUDIENCE]) {
      assert.ok(page.includes(input), `the page names the input ${input}`);
    }
  });
});

describe('docs/protocol.md: the telemetry overhead table', () => {
  it('states the overhead the code produces for a 20-byte payload, with and without a timestamp', async () => {
    const { key } = await parties();
    const base = { audience: AUDIENCE, scope: SCOPE, counter: COUNTER, payload: PAYLOAD };
    const counterOnly = (await sealTelemetry(key, base)).length - PAYLOAD.length;
    const withTime = (await sealTelemetry(key, { ...base, timestamp: TIMESTAMP })).length - PAYLOAD.length;
    const page = read('docs/protocol.md');
    const total = /^\| \*\*overhead\*\* \| \| \*\*(\d+)\*\* \| \*\*(\d+)\*\* \|$/m.exec(page);
    assert.ok(total, 'protocol.md has the **overhead** row of the table');
    assert.deepEqual([Number(total[1]), Number(total[2])], [counterOnly, withTime]);
  });
});

describe('README.md: the telemetry example', () => {
  it('runs and prints what the README says', () => {
    const readme = read('README.md');
    const example = /## Telemetry from a sensor[\s\S]*?```ts\n([\s\S]*?)```/.exec(readme)?.[1];
    assert.ok(example, 'a ts block under "## Telemetry from a sensor"');
    const targets: Record<string, string> = {
      xlink: 'src/index.node.ts',
      'xlink/crypto/noble': 'src/crypto/noble/index.ts',
      'xlink/platform': 'src/platform/index.ts',
    };
    const code = example.replace(/from '(xlink[^']*)'/g, (_, specifier: string) => {
      const target = targets[specifier];
      assert.ok(target, `the example imports ${specifier}, which this test does not map`);
      return `from '${join(root, target)}'`;
    });
    const dir = mkdtempSync(join(tmpdir(), 'xlink-readme-telemetry-'));
    try {
      const file = join(dir, 'example.mts');
      writeFileSync(file, code);
      const run = spawnSync(process.execPath, ['--import', 'tsx', file], { cwd: root, encoding: 'utf8' });
      assert.equal(run.status, 0, run.stderr);
      const printed = run.stdout.trimEnd();
      assert.ok(readme.includes(`It prints \`${printed.replaceAll('\n', '`, then `')}\``), `README says: ${printed}`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
