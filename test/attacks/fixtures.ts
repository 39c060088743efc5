/**
 * The attack suite's world and an attacker's tools: a trust registry, alice
 * (sender), bob (receiver) and mallory (a registered attacker) on one virtual
 * clock; fresh envelopes in both encodings; field mutation and bit flips; and
 * re-signing a changed envelope as some identity, which an attack needs to
 * get past the signature to a later check (e.g. the sender itself sends a
 * truncated tag).
 *
 *   const world = await createWorld();
 *   const json = await sendJson(world);                           // alice → bob, v2
 *   assert.equal(await receiveCode(world.bob, withFields(json, { ts: 1 })), 'TIMESTAMP_EXPIRED');
 *   const forged = await resign(world, envelopeOf(json), 'alice', { body: cut }); // alice signs the change
 *
 * Identities come from fixed seeds (the same DIDs on every run); nonces, IVs,
 * ephemeral keys and KEM ciphertexts are random. Every agent uses the node
 * backend and the world's clock, which only moves when a test moves it.
 */
import assert from 'node:assert/strict';
import { Agent, type AgentOptions } from '../../src/agent/agent.js';
import { base58btcEncode } from '../../src/codec/base58.js';
import { base64urlEncode, readBase64url } from '../../src/codec/base64url.js';
import { concatBytes, utf8Encode } from '../../src/codec/bytes.js';
import { type CborMap, type CborValue, readCbor } from '../../src/codec/cbor.js';
import { createNodeCrypto } from '../../src/crypto/node/index.js';
import type { CryptoProvider } from '../../src/crypto/provider.js';
import { envelopeFromCompact, envelopeToCompact } from '../../src/envelope/compact-encoding.js';
import { coseSign1SigStructure, encodeCoseSign1 } from '../../src/envelope/cose-sign1.js';
import type { Envelope } from '../../src/envelope/envelope.js';
import { type EnvelopeHeader, encodeHeader } from '../../src/envelope/header.js';
import { type EnvelopeJson, envelopeFromJson, envelopeToJson } from '../../src/envelope/json-encoding.js';
import { type SealedEnvelopeMessage, type SealRecipient, sealEnvelope } from '../../src/envelope/seal.js';
import {
  type EnvelopeSender,
  type SignedEnvelopeMessage,
  signEncodedEnvelope,
  signEnvelope,
} from '../../src/envelope/sign.js';
import type { ErrorCode } from '../../src/errors.js';
import { type Identity, identityFromSeed } from '../../src/identity/derive.js';
import { createIdentityDocument, type EnvelopeVersion } from '../../src/identity/document.js';
import { VirtualClock } from '../../src/platform/virtual-clock.js';
import { MemoryTrustRegistry } from '../../src/registry/memory-trust-registry.js';
import type { TrustRegistry } from '../../src/registry/trust-registry.js';
import { MemoryNonceStore } from '../../src/replay/memory-nonce-store.js';
import type { NonceStore } from '../../src/replay/nonce-store.js';
import { LoopbackTransport } from '../../src/transport/loopback.js';
import { ed25519Sign } from '../helpers/one-shot.js';

/** The world's start: every clock reads this until a test moves it. */
export const T0 = 1_790_000_000_000;
/** The receivers' default timestamp window. */
export const WINDOW_MS = 30_000;

export const crypto: CryptoProvider = createNodeCrypto();

export { VirtualClock };

export type Name = 'alice' | 'bob' | 'mallory' | 'carol';

/** carol is never registered by createWorld: tests use her as an unknown sender or a custom one. */
const SEEDS: Readonly<Record<Name, Uint8Array>> = {
  alice: new Uint8Array(32).fill(0xa1),
  bob: new Uint8Array(32).fill(0xb0),
  mallory: new Uint8Array(32).fill(0x3a),
  carol: new Uint8Array(32).fill(0xc0),
};

function seedOf(name: Name): Uint8Array {
  return SEEDS[name].slice();
}

const identities = new Map<Name, Identity>();

/** The keys of a named identity (derived once per process). */
export async function identityOf(name: Name): Promise<Identity> {
  const cached = identities.get(name);
  if (cached !== undefined) return cached;
  const derived = await identityFromSeed(seedOf(name), { crypto });
  assert.ok(derived.ok, derived.ok ? '' : derived.error.message);
  identities.set(name, derived.value);
  return derived.value;
}

type AgentTweaks = Partial<
  Pick<AgentOptions, 'nonceStore' | 'maxEnvelopeBytes' | 'timestampWindowMs' | 'encoding' | 'scopes' | 'postQuantumSig'>
>;

export interface WorldOptions {
  /** postQuantumSig for all three agents (v3 between them); default false (v2). */
  readonly postQuantum?: boolean;
  /** Default: a MemoryTrustRegistry on the world's clock. */
  readonly registry?: TrustRegistry;
  readonly alice?: AgentTweaks;
  readonly bob?: AgentTweaks;
  readonly mallory?: AgentTweaks;
}

export interface World {
  readonly clock: VirtualClock;
  readonly registry: TrustRegistry;
  readonly transport: LoopbackTransport;
  readonly alice: Agent;
  readonly bob: Agent;
  readonly mallory: Agent;
  readonly ids: Readonly<Record<Name, Identity>>;
  readonly postQuantum: boolean;
}

export async function createWorld(options: WorldOptions = {}): Promise<World> {
  const clock = new VirtualClock(T0);
  const registry = options.registry ?? new MemoryTrustRegistry({ crypto, clock });
  const transport = new LoopbackTransport();
  const postQuantum = options.postQuantum === true;
  const partial = { clock, registry, transport, postQuantum };
  return {
    ...partial,
    alice: await startAgent(partial, 'alice', options.alice),
    bob: await startAgent(partial, 'bob', options.bob),
    mallory: await startAgent(partial, 'mallory', options.mallory),
    ids: {
      alice: await identityOf('alice'),
      bob: await identityOf('bob'),
      mallory: await identityOf('mallory'),
      carol: await identityOf('carol'),
    },
  };
}

/**
 * An agent for `name` in the world: registers it unless registered already,
 * so calling it again for a registered name is a restart of that agent.
 */
export async function startAgent(
  world: Pick<World, 'clock' | 'registry' | 'transport' | 'postQuantum'>,
  name: Name,
  tweaks: AgentTweaks & { readonly register?: boolean } = {},
): Promise<Agent> {
  const started = await Agent.fromSeed(seedOf(name), {
    name,
    crypto,
    clock: world.clock,
    registry: world.registry,
    transport: world.transport,
    postQuantumSig: world.postQuantum,
    ...tweaks,
  });
  assert.ok(started.ok, started.ok ? '' : `${started.error.code}: ${started.error.message}`);
  return started.value;
}

/**
 * An agent that sends and accepts only `versions`, with a document saying so
 * (Agent's factories always list v1 and v2): a v1-only peer, for example.
 */
export async function limitedAgent(
  world: World,
  name: Name,
  versions: readonly EnvelopeVersion[],
  nonceStore: NonceStore = new MemoryNonceStore({ windowMs: WINDOW_MS, clock: world.clock }),
): Promise<Agent> {
  const identity = await identityOf(name);
  const document = await createIdentityDocument(identity, {
    crypto,
    versions,
    sequence: 1,
    issuedAt: world.clock.now(),
  });
  const registered = await world.registry.register({ document, scopes: ['*'], name });
  assert.ok(registered.ok, registered.ok ? '' : registered.error.message);
  return new Agent({
    name,
    identity,
    signer: await crypto.ed25519Signer(identity.ed25519.secretKey),
    x25519: await crypto.x25519PrivateKey(identity.x25519.secretKey),
    versions,
    registry: world.registry,
    transport: world.transport,
    nonceStore,
    crypto,
    clock: world.clock,
    timestampWindowMs: WINDOW_MS,
    maxEnvelopeBytes: 262144,
    encoding: 'json',
  });
}

export interface SendOptions {
  readonly from?: 'alice' | 'bob' | 'mallory';
  /** A DID; default bob's. */
  readonly to?: string;
  readonly payload?: unknown;
  readonly scope?: string;
}

/** What `from` sends through Agent.send, in JSON form (default alice → bob, scope "chat"). */
export async function sendJson(world: World, options: SendOptions = {}): Promise<EnvelopeJson> {
  const sent = await world[options.from ?? 'alice'].send({
    to: options.to ?? world.bob.did,
    // `null` is a payload too: only a missing one takes the default.
    payload: Object.hasOwn(options, 'payload') ? options.payload : { text: 'Hello Bob!', n: 1 },
    scope: options.scope ?? 'chat',
  });
  assert.ok(sent.ok, sent.ok ? '' : `${sent.error.code}: ${sent.error.message}`);
  assert.ok(!(sent.value instanceof Uint8Array), 'the agent was expected to send JSON');
  return sent.value;
}

export function envelopeOf(input: EnvelopeJson | Uint8Array): Envelope {
  return input instanceof Uint8Array ? envelopeFromCompact(input, 262144) : envelopeFromJson(input);
}

export function toCompact(json: EnvelopeJson): Uint8Array {
  return envelopeToCompact(envelopeFromJson(json));
}

/** A copy of a JSON envelope with fields replaced; a field given as `undefined` is removed. */
export function withFields(
  json: EnvelopeJson | Record<string, unknown>,
  changes: Record<string, unknown>,
): Record<string, unknown> {
  const copy: Record<string, unknown> = { ...json };
  for (const [key, value] of Object.entries(changes)) {
    if (value === undefined) delete copy[key];
    else copy[key] = value;
  }
  return copy;
}

/** A copy of `bytes` with bit `bit` (0 = least significant bit of byte 0) flipped. */
export function flipBit(bytes: Uint8Array, bit: number): Uint8Array {
  const copy = bytes.slice();
  copy[bit >> 3] = (copy[bit >> 3] as number) ^ (1 << (bit & 7));
  return copy;
}

/** Flips bit `bit` of the bytes a base64url text encodes, and re-encodes them. */
export function flipBase64Bit(text: string, bit: number): string {
  return base64urlEncode(flipBit(readBase64url(text), bit));
}

/** Flips bit `bit` of the UTF-16 code unit at `index` (ASCII text: of that byte). */
export function flipCharBit(text: string, index: number, bit: number): string {
  const flipped = String.fromCharCode(text.charCodeAt(index) ^ (1 << bit));
  return text.slice(0, index) + flipped + text.slice(index + 1);
}

/** Where `needle` starts in `haystack`; fails unless it occurs exactly once. */
export function locate(haystack: Uint8Array, needle: Uint8Array): number {
  const found: number[] = [];
  outer: for (let i = 0; i + needle.length <= haystack.length; i++) {
    for (let j = 0; j < needle.length; j++) if (haystack[i + j] !== needle[j]) continue outer;
    found.push(i);
  }
  assert.equal(found.length, 1, `expected the needle exactly once, found it at ${found.join(', ') || 'no offset'}`);
  return found[0] as number;
}

/** `name` as an envelope sender; with ML-DSA-65 when `postQuantum`. */
export async function senderOf(name: Name, postQuantum: boolean): Promise<EnvelopeSender> {
  const identity = await identityOf(name);
  const signer = await crypto.ed25519Signer(identity.ed25519.secretKey);
  return postQuantum
    ? { did: identity.did, signer, mlDsa65SecretKey: identity.mlDsa65.secretKey }
    : { did: identity.did, signer };
}

/**
 * A signed-only envelope of a JSON reading from `name` to bob, dated now;
 * `changes` override the message (another recipient, scope or payload).
 */
export async function signedOnlyAs(
  world: World,
  name: 'alice' | 'bob' | 'mallory',
  options: { readonly postQuantum?: boolean; readonly changes?: Partial<SignedEnvelopeMessage> } = {},
): Promise<Envelope> {
  const created = await signEnvelope(
    await senderOf(name, options.postQuantum === true),
    {
      to: world.bob.did,
      scope: 'telemetry',
      payload: utf8Encode('{"temp":21}'),
      contentType: 'json',
      timestamp: world.clock.now(),
      supportedVersions: world[name].versions,
      ...options.changes,
    },
    { crypto },
  );
  assert.ok(created.ok, created.ok ? '' : created.error.message);
  return created.value;
}

export interface Resign {
  /** Header fields to replace (the result must still be a valid header: encodeHeader checks it). */
  readonly header?: Partial<EnvelopeHeader>;
  readonly body?: Uint8Array;
  /** Sign with ML-DSA-65 too; default: exactly when the header is v3. */
  readonly postQuantum?: boolean;
}

/** `envelope` with `changes`, signed by `as` over the new header and body; JSON form. */
export async function resign(envelope: Envelope, as: Name, changes: Resign = {}): Promise<EnvelopeJson> {
  const header: EnvelopeHeader = { ...envelope.header, ...changes.header };
  // The sender of record stays the header's `from`: an attacker re-signs as itself under someone else's name.
  const sender = { ...(await senderOf(as, changes.postQuantum ?? header.version === 'v3')) };
  const signed = await signEncodedEnvelope(
    header,
    encodeHeader(header),
    changes.body ?? envelope.body,
    { ...sender, did: (await identityOf(as)).did },
    crypto,
  );
  return envelopeToJson(signed);
}

/** An Ed25519 signature by `as` over raw protected bytes and body: signs headers encodeHeader would refuse. */
export async function signRaw(as: Name, protectedBytes: Uint8Array, body: Uint8Array): Promise<Uint8Array> {
  const identity = await identityOf(as);
  return ed25519Sign(crypto, identity.ed25519.secretKey, coseSign1SigStructure(protectedBytes, body));
}

export interface CompactParts {
  readonly protectedBytes: Uint8Array;
  readonly body: Uint8Array;
  readonly signature: Uint8Array;
  readonly mlDsaSignature?: Uint8Array;
  /** Unprotected header entries instead of the default (pqsig when given, else none). */
  readonly unprotected?: Map<number | string, CborValue>;
}

/** COSE_Sign1 bytes from raw parts, with no header validation: what an attacker can put on the wire. */
export function compactOf(parts: CompactParts): Uint8Array {
  const unprotectedHeader = parts.unprotected ?? new Map<number | string, CborValue>();
  if (parts.unprotected === undefined && parts.mlDsaSignature !== undefined)
    unprotectedHeader.set('pqsig', parts.mlDsaSignature);
  return encodeCoseSign1({
    protectedBytes: parts.protectedBytes,
    unprotectedHeader,
    payload: parts.body,
    signature: parts.signature,
  });
}

/** The protected header map of an envelope, as a mutable copy. */
export function headerMapOf(envelope: Envelope): Map<number | string, CborValue> {
  return new Map(readCbor(envelope.protectedBytes) as CborMap);
}

export type Outcome = ErrorCode | 'ok';

/** 'ok', or the code `agent.receive` refused `input` with. */
export async function receiveCode(
  agent: Agent,
  input: unknown,
  options: { readonly allowCleartext?: boolean } = {},
): Promise<Outcome> {
  const received = await agent.receive(input, options);
  return received.ok ? 'ok' : received.error.code;
}

/** The payload `agent` accepted; fails with the refusal code otherwise. */
export async function receivePayload(
  agent: Agent,
  input: unknown,
  options: { readonly allowCleartext?: boolean } = {},
): Promise<unknown> {
  const received = await agent.receive(input, options);
  assert.ok(received.ok, received.ok ? '' : `${received.error.code}: ${received.error.message}`);
  return received.value.payload;
}

/** `name`'s verified keys as the registry holds them: what a sender encrypts to. */
async function recipientOf(world: World, name: Name): Promise<SealRecipient> {
  const did = (await identityOf(name)).did;
  const entry = await world.registry.resolve(did);
  assert.ok(entry.ok, entry.ok ? '' : entry.error.message);
  assert.ok(entry.value.identity, 'a resolved entry carries its verified document');
  return entry.value.identity;
}

/**
 * An envelope sealed by `from` with sealEnvelope directly, so a test controls
 * what Agent.send decides: the version, the nonce, the timestamp. Defaults:
 * to bob, scope "chat", now, the sender's agent versions, payload {"n":1}.
 */
export async function sealAs(
  world: World,
  from: Name,
  input: Partial<SealedEnvelopeMessage> & { readonly to?: Name } = {},
): Promise<Envelope> {
  const { to, ...rest } = input;
  const version = rest.version ?? (world.postQuantum ? 'v3' : 'v2');
  const sealed = await sealEnvelope(
    await senderOf(from, version === 'v3'),
    await recipientOf(world, to ?? 'bob'),
    {
      version,
      scope: 'chat',
      supportedVersions: world.postQuantum ? ['signed', 'v1', 'v2', 'v3'] : ['signed', 'v1', 'v2'],
      payload: new TextEncoder().encode('{"n":1}'),
      contentType: 'json',
      timestamp: world.clock.now(),
      ...rest,
    },
    { crypto },
  );
  assert.ok(sealed.ok, sealed.ok ? '' : `${sealed.error.code}: ${sealed.error.message}`);
  return sealed.value;
}

/** A did:key of arbitrary multicodec prefix and key bytes (valid or not). */
export function didKey(multicodec: readonly number[], key: Uint8Array): string {
  return `did:key:z${base58btcEncode(concatBytes(Uint8Array.from(multicodec), key))}`;
}

export const BASE58_ALPHABET = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz';

/**
 * The DID with one bit of its last character flipped so that it stays base58:
 * another well-formed did:key (a different key) that nobody registered.
 */
export function neighbourDid(did: string): string {
  const last = did.length - 1;
  for (let bit = 0; bit < 7; bit++) {
    const candidate = flipCharBit(did, last, bit);
    if (BASE58_ALPHABET.includes(candidate.charAt(last))) return candidate;
  }
  throw new Error(`no one-bit base58 neighbour for the last character of ${did}`);
}
