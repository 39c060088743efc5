/**
 * The Agent: an identity that signs and encrypts what it sends and verifies
 * everything it receives (white paper, "Multi-Agent Communication").
 *
 *   const registry = new MemoryTrustRegistry();
 *   const transport = new LoopbackTransport();
 *   const alice = await Agent.quickstart({ name: 'Alice', registry, transport });
 *   const bob = await Agent.quickstart({ name: 'Bob', registry, transport });
 *   await alice.send({ to: bob.did, payload: { text: 'Hello Bob!' }, scope: 'chat' });
 *   const received = await bob.receive(transport.outbox[0]); // Result<AgentMessage>
 *
 * Factories: `create` (new identity, registered; Result), `quickstart`
 * (zero-config: memory registry and loopback transport unless given; throws),
 * `fromSeed` (a factory-burned 32-byte seed; the same DID on every boot),
 * `importIdentity` (keys from `exportPKCS8`, no registration), and the
 * synchronous constructor from prepared parts. `send` and `receive` return
 * Results, never throw for bad input.
 *
 * Registration: an agent registers its own signed identity document with the
 * scopes it is given, by default `*` (any scope: fine for a demo and for one
 * team's services, not for a fleet: there an operator provisions the registry
 * with explicit scopes and agents join with `register: false`).
 *
 * Crypto: pass `crypto`; without it this module uses the portable noble
 * backend, and `xlink` on Node uses node:crypto (src/agent/node/agent.ts).
 */
import { utf8Encode } from '../codec/bytes.js';
import { createNobleCrypto } from '../crypto/noble/index.js';
import type { CryptoProvider, KeyPair } from '../crypto/provider.js';
import { envelopeToCompact } from '../envelope/compact-encoding.js';
import { DEFAULT_MAX_ENVELOPE_BYTES } from '../envelope/decode.js';
import type { Envelope } from '../envelope/envelope.js';
import { type EnvelopeJson, envelopeToJson } from '../envelope/json-encoding.js';
import { negotiateVersion } from '../envelope/negotiate.js';
import { encryptEnvelopeBody } from '../envelope/seal.js';
import { signEncodedEnvelope } from '../envelope/sign.js';
import { attempt, err, ok, type Result, xlinkError } from '../errors.js';
import { generateIdentity, type Identity, identityFromSeed } from '../identity/derive.js';
import {
  createIdentityDocument,
  type EnvelopeVersion,
  type SignedIdentityDocument,
  verifyIdentityDocument,
} from '../identity/document.js';
import { exportIdentityPkcs8, type IdentityPkcs8, importIdentityKeysFromPkcs8 } from '../identity/pkcs8.js';
import { type Clock, systemClock } from '../platform/clock.js';
import { MemoryTrustRegistry } from '../registry/memory-trust-registry.js';
import { ANY_SCOPE, type TrustRegistry } from '../registry/trust-registry.js';
import { MemoryNonceStore } from '../replay/memory-nonce-store.js';
import type { NonceStore } from '../replay/nonce-store.js';
import { LoopbackTransport } from '../transport/loopback.js';
import type { Transport } from '../transport/transport.js';
import type { AgentMessage } from './message.js';
import { PeerDocuments } from './peer-documents.js';
import { type ProgressHandler, report, type SendStage } from './progress.js';
import { type ReceiveOptions, receiveEnvelope } from './receive.js';

/** Default accepted clock difference between sender and receiver, both ways. */
export const DEFAULT_TIMESTAMP_WINDOW_MS = 30_000;
const DEFAULT_SCOPE = 'default';

export interface AgentOptions {
  readonly name?: string;
  readonly registry: TrustRegistry;
  readonly transport: Transport;
  /** Default: a MemoryNonceStore with the same window and clock. */
  readonly nonceStore?: NonceStore;
  /** Sign with ML-DSA-65 too and accept v3 envelopes. */
  readonly postQuantumSig?: boolean;
  readonly crypto?: CryptoProvider;
  /** Accepted clock difference, both ways; default 30 000 ms. */
  readonly timestampWindowMs?: number;
  /** Largest envelope `receive` accepts; default 256 KiB. */
  readonly maxEnvelopeBytes?: number;
  readonly clock?: Clock;
  /** Scopes to register this agent with; default ['*'] (any). */
  readonly scopes?: readonly string[];
  /** Register this agent's identity document; default true. */
  readonly register?: boolean;
  /** How `send` hands envelopes to the transport: the JSON object (default) or compact COSE bytes. */
  readonly encoding?: 'json' | 'compact';
  /** Counter mode: replay tokens from this sequence (e.g. a CounterSequence) instead of random nonces. */
  readonly counter?: { next(): Promise<number> };
}

export type QuickstartOptions = Partial<AgentOptions>;

/** The keys of an agent, as `exportPKCS8` gives them and `importIdentity` takes them. */
export interface AgentKeyExport extends IdentityPkcs8 {
  /** FIPS 203 key pair (PKCS#8 has no ML-KEM form used here). */
  readonly mlKem768: KeyPair;
  /** FIPS 204 key pair. */
  readonly mlDsa65: KeyPair;
}

export interface ImportIdentityOptions extends Omit<AgentOptions, 'register' | 'scopes'> {
  readonly pkcs8: AgentKeyExport;
}

export interface SendInput<Payload> {
  /** The recipient's DID; it must be in the registry. */
  readonly to: string;
  /** Serialised as JSON. */
  readonly payload: Payload;
  /** Default "default". */
  readonly scope?: string;
  readonly onProgress?: ProgressHandler<SendStage>;
}

/** Everything the synchronous constructor needs; the factories build it. */
export interface AgentParts {
  readonly name?: string;
  readonly identity: Identity;
  readonly versions: readonly EnvelopeVersion[];
  readonly registry: TrustRegistry;
  readonly transport: Transport;
  readonly nonceStore: NonceStore;
  readonly crypto: CryptoProvider;
  readonly clock: Clock;
  readonly timestampWindowMs: number;
  readonly maxEnvelopeBytes: number;
  readonly encoding: 'json' | 'compact';
  readonly counter?: { next(): Promise<number> };
}

export class Agent {
  readonly did: string;
  readonly name: string | undefined;
  /** Envelope versions this agent sends and accepts, as its identity document lists them. */
  readonly versions: readonly EnvelopeVersion[];
  readonly registry: TrustRegistry;
  readonly transport: Transport;
  /** The crypto backend this agent signs, encrypts and verifies with. */
  readonly crypto: CryptoProvider;
  private readonly parts: AgentParts;
  private readonly peers: PeerDocuments;

  /** Throws INVALID_ARGUMENT for a window or size limit that is not a positive integer. */
  constructor(parts: AgentParts) {
    assertPositiveInteger(parts.timestampWindowMs, 'timestampWindowMs');
    assertPositiveInteger(parts.maxEnvelopeBytes, 'maxEnvelopeBytes');
    this.parts = parts;
    this.did = parts.identity.did;
    this.name = parts.name;
    this.versions = parts.versions;
    this.registry = parts.registry;
    this.transport = parts.transport;
    this.crypto = parts.crypto;
    this.peers = new PeerDocuments(parts.crypto);
  }

  /** A new identity, registered. */
  static async create(options: AgentOptions): Promise<Result<Agent>> {
    const crypto = options.crypto ?? defaultCrypto();
    const identity = await generateIdentity({ crypto });
    if (!identity.ok) return identityFailed(identity.error.message);
    return Agent.assemble(identity.value, { ...options, crypto });
  }

  /** Zero-config: a new identity, a memory registry and a loopback transport unless given. Throws XlinkError. */
  static async quickstart(options: QuickstartOptions = {}): Promise<Agent> {
    const crypto = options.crypto ?? defaultCrypto();
    const registry = options.registry ?? new MemoryTrustRegistry({ crypto, ...clockOption(options.clock) });
    const created = await Agent.create({
      ...options,
      crypto,
      registry,
      transport: options.transport ?? new LoopbackTransport(),
    });
    if (!created.ok) throw xlinkError(created.error.code, created.error.message);
    return created.value;
  }

  /** The identity a 32-byte seed names (the same DID on every boot), registered unless already. */
  static async fromSeed(seed: Uint8Array, options: AgentOptions): Promise<Result<Agent>> {
    const crypto = options.crypto ?? defaultCrypto();
    const identity = await identityFromSeed(seed, { crypto });
    if (!identity.ok) return identityFailed(identity.error.message);
    return Agent.assemble(identity.value, { ...options, crypto });
  }

  /** Keys from `exportPKCS8`; skips key generation and registration (the DID is registered already). */
  static async importIdentity(options: ImportIdentityOptions): Promise<Result<Agent>> {
    const crypto = options.crypto ?? defaultCrypto();
    const { pkcs8 } = options;
    const classical = await importIdentityKeysFromPkcs8(pkcs8, { crypto });
    if (!classical.ok) return identityFailed(classical.error.message);
    const identity: Identity = { ...classical.value, mlKem768: pkcs8.mlKem768, mlDsa65: pkcs8.mlDsa65 };
    return Agent.assemble(identity, { ...options, crypto, register: false });
  }

  private static async assemble(
    identity: Identity,
    options: AgentOptions & { crypto: CryptoProvider },
  ): Promise<Result<Agent>> {
    return attempt(async () => {
      const clock = options.clock ?? systemClock;
      const timestampWindowMs = options.timestampWindowMs ?? DEFAULT_TIMESTAMP_WINDOW_MS;
      assertPositiveInteger(timestampWindowMs, 'timestampWindowMs'); // before the default store takes it as its window
      const versions: EnvelopeVersion[] = ['signed', 'v1', 'v2'];
      if (options.postQuantumSig === true) versions.push('v3');
      const agent = new Agent({
        identity,
        versions,
        registry: options.registry,
        transport: options.transport,
        nonceStore: options.nonceStore ?? new MemoryNonceStore({ windowMs: timestampWindowMs, clock }),
        crypto: options.crypto,
        clock,
        timestampWindowMs,
        maxEnvelopeBytes: options.maxEnvelopeBytes ?? DEFAULT_MAX_ENVELOPE_BYTES,
        encoding: options.encoding ?? 'json',
        ...(options.name === undefined ? {} : { name: options.name }),
        ...(options.counter === undefined ? {} : { counter: options.counter }),
      });
      if (options.register !== false) await agent.registerSelf(options.scopes ?? [ANY_SCOPE]);
      return agent;
    });
  }

  /**
   * Registers this agent's document; if the DID is registered already (a
   * device rebooting), keeps that entry, updating the document only when the
   * versions it lists changed.
   */
  private async registerSelf(scopes: readonly string[]): Promise<void> {
    const { crypto, identity } = this.parts;
    const document = await this.signDocument(1);
    const registered = await this.registry.register({
      document,
      scopes,
      ...(this.name === undefined ? {} : { name: this.name }),
    });
    if (registered.ok) return;
    if (registered.error.code !== 'REGISTRATION_FAILED:ALREADY_REGISTERED') throw registrationFailed(registered.error);
    const entry = await this.registry.resolve(identity.did);
    if (!entry.ok) throw registrationFailed(entry.error);
    const current = await verifyIdentityDocument(entry.value.document, { crypto, did: identity.did });
    if (!current.ok) throw registrationFailed(current.error);
    if (current.value.versions.join() === this.versions.join()) return;
    const updated = await this.registry.updateDocument(await this.signDocument(current.value.sequence + 1));
    if (!updated.ok) throw registrationFailed(updated.error);
  }

  private signDocument(sequence: number): Promise<SignedIdentityDocument> {
    const { crypto, clock, identity } = this.parts;
    return createIdentityDocument(identity, {
      crypto,
      versions: this.versions,
      sequence,
      issuedAt: clock.now(),
      postQuantumSig: this.versions.includes('v3'),
    });
  }

  /** This agent's keys: Ed25519 and X25519 as PKCS#8 DER, the post-quantum pairs raw; copies, never the agent's own arrays. */
  async exportPKCS8(): Promise<AgentKeyExport> {
    const { identity } = this.parts;
    return {
      ...exportIdentityPkcs8(identity),
      mlKem768: copyKeyPair(identity.mlKem768),
      mlDsa65: copyKeyPair(identity.mlDsa65),
    };
  }

  /**
   * Encrypts `payload` to `to` with the highest version both support, signs,
   * and hands the envelope to the transport. Returns what was sent.
   */
  async send<Payload>(input: SendInput<Payload>): Promise<Result<EnvelopeJson | Uint8Array>> {
    const { crypto, identity, clock, transport } = this.parts;
    const { to, onProgress } = input;
    const scope = input.scope ?? DEFAULT_SCOPE;
    await report(onProgress, 'resolving');
    const entry = await this.registry.resolve(to);
    if (!entry.ok) return entry;
    const recipient = await this.peers.verified(to, entry.value.document);
    if (!recipient.ok) return recipient;
    const version = negotiateVersion(this.versions, recipient.value.versions);
    if (version === undefined) {
      return err(
        xlinkError(
          'NEGOTIATION_FAILED:NO_COMMON_VERSION',
          `${to} accepts ${recipient.value.versions.join(', ')}; this agent sends ${this.versions.join(', ')}`,
        ).detail,
      );
    }
    await report(onProgress, 'encrypting');
    const payloadBytes = serialisePayload(input.payload);
    if (!payloadBytes.ok) return payloadBytes;
    const { counter } = this.parts;
    // A CounterSequence throws COUNTER_EXHAUSTED or REPLAY_STORE_UNAVAILABLE; send reports them as a Result.
    const next = counter === undefined ? undefined : await attempt(() => counter.next());
    if (next !== undefined && !next.ok) return next;
    const replay = next === undefined ? {} : { counter: next.value };
    const encrypted = await encryptEnvelopeBody(
      {
        version,
        sender: identity,
        recipient: recipient.value,
        scope,
        supportedVersions: this.versions,
        plaintext: payloadBytes.value,
        timestamp: clock.now(),
        ...replay,
      },
      crypto,
    );
    if (!encrypted.ok) return encrypted;
    await report(onProgress, 'signing');
    const signed = await attempt(() =>
      signEncodedEnvelope(
        encrypted.value.header,
        encrypted.value.protectedBytes,
        encrypted.value.body,
        { ed25519SecretKey: identity.ed25519.secretKey, mlDsa65SecretKey: identity.mlDsa65.secretKey },
        crypto,
      ),
    );
    if (!signed.ok) return signed;
    const wire = this.encode(signed.value);
    await report(onProgress, 'sending');
    const sent = await transport.send(wire, to);
    if (!sent.ok) return sent;
    await report(onProgress, 'complete');
    return ok(wire);
  }

  /** Runs the full receive pipeline (docs/protocol.md, "Receiving, in this order"). */
  async receive<Payload = unknown>(
    envelope: unknown,
    options: ReceiveOptions = {},
  ): Promise<Result<AgentMessage<Payload>>> {
    const { parts } = this;
    return receiveEnvelope<Payload>(
      envelope,
      {
        identity: parts.identity,
        versions: this.versions,
        registry: this.registry,
        nonceStore: parts.nonceStore,
        peers: this.peers,
        crypto: parts.crypto,
        clock: parts.clock,
        timestampWindowMs: parts.timestampWindowMs,
        maxEnvelopeBytes: parts.maxEnvelopeBytes,
      },
      options,
    );
  }

  private encode(envelope: Envelope): EnvelopeJson | Uint8Array {
    return this.parts.encoding === 'compact' ? envelopeToCompact(envelope) : envelopeToJson(envelope);
  }
}

function copyKeyPair(pair: KeyPair): KeyPair {
  return { publicKey: new Uint8Array(pair.publicKey), secretKey: new Uint8Array(pair.secretKey) };
}

/** NaN or Infinity would silently switch a check off; refuse them where they are given. */
function assertPositiveInteger(value: number, field: string): void {
  if (!Number.isSafeInteger(value) || value < 1) {
    throw xlinkError('INVALID_ARGUMENT', `"${field}" expected a positive integer, got ${String(value)}`, { field });
  }
}

/** The backend used when the options name none: pure JS, so this module runs on every engine. */
function defaultCrypto(): CryptoProvider {
  return createNobleCrypto();
}

function serialisePayload(payload: unknown): Result<Uint8Array> {
  let text: string | undefined;
  try {
    text = JSON.stringify(payload);
  } catch (error) {
    return err(xlinkError('INVALID_ARGUMENT', `"payload" cannot be serialised as JSON: ${String(error)}`).detail);
  }
  if (text === undefined) {
    return err(xlinkError('INVALID_ARGUMENT', '"payload" has no JSON form (undefined or a function)').detail);
  }
  return ok(utf8Encode(text));
}

function identityFailed(message: string): Result<never> {
  return err(xlinkError('IDENTITY_FAILED', message).detail);
}

function registrationFailed(detail: { code: Parameters<typeof xlinkError>[0]; message: string }): Error {
  return xlinkError(detail.code, `registering the agent failed: ${detail.message}`);
}

function clockOption(clock: Clock | undefined): { clock?: Clock } {
  return clock === undefined ? {} : { clock };
}
