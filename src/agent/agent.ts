/**
 * The Agent: an identity that signs and encrypts what it sends and verifies
 * everything it receives (white paper, "Multi-Agent Communication").
 *
 *   const registry = new MemoryTrustRegistry({ crypto });
 *   const transport = new LoopbackTransport();
 *   const alice = await Agent.quickstart({ name: 'Alice', registry, transport, crypto });
 *   const bob = await Agent.quickstart({ name: 'Bob', registry, transport, crypto });
 *   await alice.send({ to: bob.did, payload: { text: 'Hello Bob!' }, scope: 'chat' });
 *   const received = await bob.receive(transport.outbox[0]); // Result<AgentMessage>
 *
 * Factories: `create` (new identity, registered; Result), `quickstart`
 * (zero-config: memory registry and loopback transport unless given; throws),
 * `fromSeed` (a factory-burned 32-byte seed; the same DID on every boot),
 * `fromPKCS8` (keys from `exportPKCS8`, no registration), and the synchronous
 * constructor from prepared parts. `send` and `receive` return Results and
 * never throw for bad input.
 *
 * Registration: an agent registers its own signed identity document with the
 * scopes it is given, by default `*` (any scope: fine for a demo and for one
 * team's services, not for a fleet: there an operator provisions the registry
 * with explicit scopes and agents join with `register: false`).
 *
 * Crypto: pass `crypto`. This class picks no backend; the `Agent` the `xlink`
 * entry exports is this class with `defaults` set (node:crypto on Node, the
 * pure-JS backend elsewhere), so the white paper's `Agent.quickstart()` works
 * there without options.
 */
import type { CryptoProvider, Ed25519Signer, KeyPair, X25519PrivateKey } from '../crypto/provider.js';
import { type ContentType, encodePayload, type PayloadContentType } from '../envelope/content-type.js';
import { DEFAULT_MAX_ENVELOPE_BYTES } from '../envelope/decode.js';
import { encodeEnvelope } from '../envelope/encode.js';
import type { EnvelopeJson } from '../envelope/json-encoding.js';
import { negotiateVersion } from '../envelope/negotiate.js';
import { encryptEnvelopeBody } from '../envelope/seal.js';
import { type EnvelopeSender, signEncodedEnvelope, signEnvelope } from '../envelope/sign.js';
import {
  attempt,
  attemptSync,
  type ErrorDetail,
  ok,
  quote,
  type Result,
  refuse,
  unwrap,
  xlinkError,
} from '../errors.js';
import { generateIdentity, type Identity, identityFromSeed } from '../identity/derive.js';
import {
  createIdentityDocument,
  type EnvelopeVersion,
  type SignedIdentityDocument,
  verifyIdentityDocument,
} from '../identity/document.js';
import { exportPKCS8 as exportIdentityPKCS8, type IdentityPKCS8, importPKCS8 } from '../identity/pkcs8.js';
import { type Clock, systemClock } from '../platform/clock.js';
import { systemTimer, type Timer } from '../platform/timer.js';
import { MemoryTrustRegistry } from '../registry/memory-trust-registry.js';
import { ANY_SCOPE, type TrustRegistry } from '../registry/trust-registry.js';
import { MemoryNonceStore } from '../replay/memory-nonce-store.js';
import type { NonceStore } from '../replay/nonce-store.js';
import { type Threshold, TWO_OF_THREE } from '../split/parameters.js';
import { type ReassemblyOptions, ShareReassembly } from '../split/reassembly.js';
import { LoopbackTransport } from '../transport/loopback.js';
import type { Transport, TransportEnvelope } from '../transport/transport.js';
import type { AgentMessage } from './message.js';
import { type ProgressHandler, report, type SendStage } from './progress.js';
import { type PeerKeys, PeerKeysCache, type ReceiveContext, type ReceiveOptions, receiveEnvelope } from './receive.js';
import {
  type SecurityLevel,
  type SecurityPolicy,
  type SplitChannelConfig,
  thresholdFor,
  usesDeprecatedSplitOptions,
} from './security-policy.js';
import { type SplitSent, sendSplit } from './split-send.js';
import { OnceWarnings, type WarningHandler } from './warnings.js';

/** Default accepted clock difference between sender and receiver, both ways. */
export const DEFAULT_TIMESTAMP_WINDOW_MS = 30_000;
/** How long one transport may take to accept one share of a split send. */
export const DEFAULT_SPLIT_SEND_TIMEOUT_MS = 10_000;
const DEFAULT_SCOPE = 'default';

export interface AgentOptions {
  readonly name?: string;
  readonly registry: TrustRegistry;
  /** One transport, or one per channel: share i of a split message goes to `transport[i % length]`. */
  readonly transport: Transport | readonly Transport[];
  /** The backend; required unless the Agent class has `defaults` (the one the `xlink` entry exports has). */
  readonly crypto?: CryptoProvider;
  /** Default: a MemoryNonceStore with the same window and clock. */
  readonly nonceStore?: NonceStore;
  /** Sign with ML-DSA-65 too and accept v3 envelopes. */
  readonly postQuantumSig?: boolean;
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
  /** Accept telemetry-profile envelopes signed for this audience (the application or fleet this agent serves). */
  readonly audience?: string;
  /** Send and accept Xchange messages (split key, signed-only shares); both agents and the send must opt in. */
  readonly xchange?: boolean;
  /** What `security: 'auto'` escalates (docs/split-channel.md, "Split-channel sends in the Agent"). */
  readonly securityPolicy?: SecurityPolicy;
  /** Limits of the buffer that holds shares until k arrive; the window defaults to `timestampWindowMs`. */
  readonly splitReassembly?: Omit<ReassemblyOptions, 'clock'>;
  /** Deprecated options and too few transports are reported here; default `console.warn`. */
  readonly onWarning?: WarningHandler;
  /** How long a transport may take to accept one share of a split send; default 10 000 ms. */
  readonly splitSendTimeoutMs?: number;
  /** Runs that timeout; default the host's timers (a VirtualClock in tests). */
  readonly timer?: Timer;
}

export type QuickstartOptions = Partial<AgentOptions>;

/** What an entry point fills in for options its caller leaves out. */
export interface AgentDefaults {
  readonly crypto?: () => CryptoProvider;
}

/** The keys of an agent, as `exportPKCS8` gives them and `fromPKCS8` takes them. */
export interface AgentKeyExport extends IdentityPKCS8 {
  /** FIPS 203 key pair (PKCS#8 has no ML-KEM form used here). */
  readonly mlKem768: KeyPair;
  /** FIPS 204 key pair. */
  readonly mlDsa65: KeyPair;
}

export interface SendInput<Payload> {
  /** The recipient's DID; it must be in the registry. */
  readonly to: string;
  /** A Uint8Array is sent as opaque bytes, anything else as JSON unless `contentType` says CBOR. */
  readonly payload: Payload;
  /** What the payload is sent as; `share` is not one an application sends (INVALID_ARGUMENT). */
  readonly contentType?: PayloadContentType;
  /** Default "default". */
  readonly scope?: string;
  readonly onProgress?: ProgressHandler<SendStage>;
  /** `high` splits 2-of-3, `critical` 3-of-5, `auto` asks the agent's risk policy; default `standard` (one envelope). */
  readonly security?: SecurityLevel;
  /** What the message does, for the `auto` policy's critical actions (else the payload's `action`). */
  readonly action?: string;
  /** Split the key instead of the payload (white paper, "Xchange Mode"); needs `xchange: true` on the agent. */
  readonly xchange?: boolean;
  /** @deprecated use `security: 'high'`; warns once. */
  readonly splitChannel?: boolean;
  /** @deprecated use `security: 'high' | 'critical'`; warns once. */
  readonly splitChannelConfig?: SplitChannelConfig;
}

/** A send that asks for no split: `send` returns the one envelope it sent. */
export type PlainSendInput<Payload> = SendInput<Payload> & {
  readonly security?: 'standard';
  readonly splitChannel?: false;
  readonly splitChannelConfig?: undefined;
  readonly xchange?: false;
};

/** Everything the synchronous constructor needs, keys prepared; the factories build it. */
export interface AgentParts {
  readonly name?: string;
  readonly identity: Identity;
  /** The identity's Ed25519 key, prepared. */
  readonly signer: Ed25519Signer;
  /** The identity's X25519 key, prepared. */
  readonly x25519: X25519PrivateKey;
  readonly versions: readonly EnvelopeVersion[];
  readonly registry: TrustRegistry;
  readonly transport: Transport;
  /** The channels of split messages; default `[transport]`. */
  readonly transports?: readonly Transport[];
  readonly nonceStore: NonceStore;
  readonly crypto: CryptoProvider;
  readonly clock: Clock;
  readonly timestampWindowMs: number;
  readonly maxEnvelopeBytes: number;
  readonly encoding: 'json' | 'compact';
  readonly counter?: { next(): Promise<number> };
  readonly audience?: string;
  readonly xchange?: boolean;
  readonly securityPolicy?: SecurityPolicy;
  readonly splitReassembly?: Omit<ReassemblyOptions, 'clock'>;
  readonly onWarning?: WarningHandler;
  readonly splitSendTimeoutMs?: number;
  readonly timer?: Timer;
}

type AgentClass = typeof Agent;

export class Agent {
  /** Options an entry point fills in; none here, so `crypto` must be passed. */
  static readonly defaults: AgentDefaults = {};

  readonly did: string;
  readonly name: string | undefined;
  /** Envelope versions this agent sends and accepts, as its identity document lists them. */
  readonly versions: readonly EnvelopeVersion[];
  readonly registry: TrustRegistry;
  /** The first channel; plain envelopes go here. */
  readonly transport: Transport;
  /** Every channel; share i of a split message goes to `transports[i % transports.length]`. */
  readonly transports: readonly Transport[];
  /** The crypto backend this agent signs, encrypts and verifies with. */
  readonly crypto: CryptoProvider;
  readonly #parts: AgentParts;
  readonly #sender: EnvelopeSender;
  readonly #receiving: ReceiveContext;
  readonly #warnings: OnceWarnings;

  /** Throws INVALID_ARGUMENT for a window or size limit that is not a positive integer. */
  constructor(parts: AgentParts) {
    assertPositiveInteger(parts.timestampWindowMs, 'timestampWindowMs');
    assertPositiveInteger(parts.maxEnvelopeBytes, 'maxEnvelopeBytes');
    if (parts.splitSendTimeoutMs !== undefined) assertPositiveInteger(parts.splitSendTimeoutMs, 'splitSendTimeoutMs');
    this.#parts = parts;
    this.did = parts.identity.did;
    this.name = parts.name;
    this.versions = parts.versions;
    this.registry = parts.registry;
    this.transport = parts.transport;
    this.transports = parts.transports ?? [parts.transport];
    this.crypto = parts.crypto;
    this.#warnings = new OnceWarnings(parts.onWarning);
    this.#sender = {
      did: parts.identity.did,
      signer: parts.signer,
      ...(parts.versions.includes('v3') ? { mlDsa65SecretKey: parts.identity.mlDsa65.secretKey } : {}),
    };
    this.#receiving = {
      recipient: { did: this.did, x25519: parts.x25519, mlKem768: parts.identity.mlKem768 },
      versions: this.versions,
      registry: this.registry,
      nonceStore: parts.nonceStore,
      peers: new PeerKeysCache(parts.crypto),
      crypto: parts.crypto,
      clock: parts.clock,
      timestampWindowMs: parts.timestampWindowMs,
      maxEnvelopeBytes: parts.maxEnvelopeBytes,
      ...(parts.audience === undefined ? {} : { audience: parts.audience }),
      split: {
        reassembly: new ShareReassembly({
          ttlMs: parts.timestampWindowMs,
          ...parts.splitReassembly,
          clock: parts.clock,
        }),
        xchange: parts.xchange === true,
        crypto: parts.crypto,
      },
    };
  }

  /** A new identity, registered. */
  static async create(this: AgentClass, options: AgentOptions): Promise<Result<Agent>> {
    const crypto = cryptoOf(this, options);
    if (!crypto.ok) return crypto;
    const identity = await generateIdentity({ crypto: crypto.value });
    if (!identity.ok) return identityFailed(identity.error);
    return assemble(this, identity.value, { ...options, crypto: crypto.value });
  }

  /** Zero-config: a new identity, a memory registry and a loopback transport unless given. Throws XlinkError. */
  static async quickstart(this: AgentClass, options: QuickstartOptions = {}): Promise<Agent> {
    const crypto = unwrap(cryptoOf(this, options));
    const registry = options.registry ?? new MemoryTrustRegistry({ crypto, ...clockOption(options.clock) });
    const transport = options.transport ?? new LoopbackTransport();
    return unwrap(await this.create({ ...options, crypto, registry, transport }));
  }

  /** The identity a 32-byte seed names (the same DID on every boot), registered unless already. */
  static async fromSeed(this: AgentClass, seed: Uint8Array, options: AgentOptions): Promise<Result<Agent>> {
    const crypto = cryptoOf(this, options);
    if (!crypto.ok) return crypto;
    const identity = await identityFromSeed(seed, { crypto: crypto.value });
    if (!identity.ok) return identityFailed(identity.error);
    return assemble(this, identity.value, { ...options, crypto: crypto.value });
  }

  /** Keys from `exportPKCS8`; skips key generation and registration (the DID is registered already). */
  static async fromPKCS8(
    this: AgentClass,
    keys: AgentKeyExport,
    options: Omit<AgentOptions, 'register' | 'scopes'>,
  ): Promise<Result<Agent>> {
    const crypto = cryptoOf(this, options);
    if (!crypto.ok) return crypto;
    const classical = await importPKCS8(keys, { crypto: crypto.value });
    if (!classical.ok) return identityFailed(classical.error);
    const identity: Identity = { ...classical.value, mlKem768: keys.mlKem768, mlDsa65: keys.mlDsa65 };
    return assemble(this, identity, { ...options, crypto: crypto.value, register: false });
  }

  /**
   * Registers this agent's document; if the DID is registered already (a
   * device rebooting), keeps that entry, updating the document only when the
   * versions it lists changed.
   */
  async registerSelf(scopes: readonly string[]): Promise<Result<void>> {
    return attempt(async () => {
      const document = await this.#signDocument(1);
      const registered = await this.registry.register({
        document,
        scopes,
        ...(this.name === undefined ? {} : { name: this.name }),
      });
      if (registered.ok) return;
      if (registered.error.code !== 'REGISTRATION_FAILED:ALREADY_REGISTERED')
        throw registrationFailed(registered.error);
      const entry = await this.registry.resolve(this.did);
      if (!entry.ok) throw registrationFailed(entry.error);
      const current = await verifyIdentityDocument(entry.value.document, { crypto: this.crypto, did: this.did });
      if (!current.ok) throw registrationFailed(current.error);
      if (current.value.versions.join() === this.versions.join()) return;
      const updated = await this.registry.updateDocument(await this.#signDocument(current.value.sequence + 1));
      if (!updated.ok) throw registrationFailed(updated.error);
    });
  }

  #signDocument(sequence: number): Promise<SignedIdentityDocument> {
    const { crypto, clock, identity } = this.#parts;
    return createIdentityDocument(identity, {
      crypto,
      versions: this.versions,
      sequence,
      issuedAt: clock.now(),
      postQuantumSig: this.versions.includes('v3'),
    });
  }

  /** This agent's keys: Ed25519 and X25519 as PKCS#8 DER, the post-quantum pairs raw; copies, never the agent's own arrays. */
  exportPKCS8(): AgentKeyExport {
    const { identity } = this.#parts;
    return {
      ...exportIdentityPKCS8(identity),
      mlKem768: copyKeyPair(identity.mlKem768),
      mlDsa65: copyKeyPair(identity.mlDsa65),
    };
  }

  /**
   * Encrypts `payload` to `to` with the highest version both support, signs,
   * and hands the envelope to the transport. Returns what was sent. With
   * `security` (or the deprecated split options) asking for a split, sends n
   * share envelopes over `transports` instead and returns a `SplitSent`.
   */
  send<Payload>(input: PlainSendInput<Payload>): Promise<Result<EnvelopeJson | Uint8Array>>;
  send<Payload>(input: SendInput<Payload>): Promise<Result<EnvelopeJson | Uint8Array | SplitSent>>;
  async send<Payload>(input: SendInput<Payload>): Promise<Result<EnvelopeJson | Uint8Array | SplitSent>> {
    const { onProgress } = input;
    const scope = input.scope ?? DEFAULT_SCOPE;
    const threshold = attemptSync(() => this.#thresholdOf(input, scope));
    if (!threshold.ok) return threshold;
    await report(onProgress, 'resolving');
    const recipient = await this.#recipient(input.to);
    if (!recipient.ok) return recipient;
    const payload = attemptSync(() => encodePayload(input.payload, input.contentType));
    if (!payload.ok) return payload;
    const { to } = input;
    if (threshold.value !== undefined) {
      const keys = recipient.value;
      return sendSplit(
        {
          did: this.did,
          crypto: this.crypto,
          transports: this.transports,
          warnings: this.#warnings,
          timer: this.#parts.timer ?? systemTimer,
          sendTimeoutMs: this.#parts.splitSendTimeoutMs ?? DEFAULT_SPLIT_SEND_TIMEOUT_MS,
          seal: (frame) => this.#seal(keys, { scope, payload: frame, contentType: 'share' }),
          sign: (frame) => this.#signOnly(to, { scope, payload: frame, contentType: 'share' }),
        },
        {
          to,
          scope,
          payload: payload.value.bytes,
          contentType: payload.value.contentType,
          threshold: threshold.value,
          mode: input.xchange === true ? 'xchange' : 'split',
          onProgress,
        },
      );
    }
    await report(onProgress, 'encrypting');
    const wire = await this.#seal(
      recipient.value,
      { scope, payload: payload.value.bytes, contentType: payload.value.contentType },
      onProgress,
    );
    if (!wire.ok) return wire;
    await report(onProgress, 'sending');
    const sent = await this.transport.send(wire.value, to);
    if (!sent.ok) return sent;
    await report(onProgress, 'complete');
    return ok(wire.value as EnvelopeJson | Uint8Array);
  }

  /** The split a send asks for; warns about deprecated options; throws for contradictory ones. */
  #thresholdOf(input: SendInput<unknown>, scope: string): Threshold | undefined {
    if (usesDeprecatedSplitOptions(input)) {
      this.#warnings.warn('deprecated-split', {
        code: 'DEPRECATED_OPTION',
        message:
          "splitChannel and splitChannelConfig are deprecated: use security: 'high' (2-of-3) or 'critical' (3-of-5)",
      });
    }
    const threshold = thresholdFor({ ...input, scope }, this.#parts.securityPolicy);
    if (input.xchange === true && this.#parts.xchange !== true) {
      throw xlinkError('INVALID_ARGUMENT', 'xchange: true on a send needs an agent created with xchange: true', {
        field: 'xchange',
      });
    }
    if (input.xchange !== true || threshold !== undefined) return threshold;
    // Xchange is a way to split: alone it means 2-of-3; with a level that asks for no split it is a contradiction.
    if (input.security === undefined) return TWO_OF_THREE;
    throw xlinkError(
      'INVALID_ARGUMENT',
      `xchange: true splits, but security ${quote(input.security)} sends one envelope`,
      {
        field: 'xchange',
      },
    );
  }

  /** The recipient's checked keys, refusing a revoked one. */
  async #recipient(to: string): Promise<Result<PeerKeys>> {
    const entry = await this.registry.resolve(to);
    if (!entry.ok) return entry;
    if (entry.value.revoked !== undefined) {
      return refuse('VERIFICATION_FAILED:REVOKED', `${to} was revoked: ${quote(entry.value.revoked.reason)}`, 'to');
    }
    return attempt(async () => this.#receiving.peers.keysOf(to, entry.value));
  }

  /** One envelope encrypted to the recipient with the highest common version, signed, encoded for the wire. */
  async #seal(
    keys: PeerKeys,
    message: { readonly scope: string; readonly payload: Uint8Array; readonly contentType: ContentType },
    onProgress?: ProgressHandler<SendStage>,
  ): Promise<Result<TransportEnvelope>> {
    const { crypto, clock } = this.#parts;
    const recipient = keys.identity;
    const version = negotiateVersion(this.versions, recipient.versions);
    if (version === undefined) {
      return refuse(
        'NEGOTIATION_FAILED:NO_COMMON_VERSION',
        `${recipient.did} accepts ${recipient.versions.join(', ')}; this agent sends ${this.versions.join(', ')}`,
      );
    }
    const next = await this.#nextCounter();
    if (next !== undefined && !next.ok) return next;
    const encrypted = await encryptEnvelopeBody(
      this.did,
      recipient,
      {
        version,
        scope: message.scope,
        payload: message.payload,
        contentType: message.contentType,
        supportedVersions: this.versions,
        timestamp: clock.now(),
        ...(next === undefined ? {} : { counter: next.value }),
      },
      { crypto },
    );
    if (!encrypted.ok) return encrypted;
    await report(onProgress, 'signing');
    const { header, protectedBytes, body } = encrypted.value;
    const signed = await attempt(() => signEncodedEnvelope(header, protectedBytes, body, this.#sender, crypto));
    if (!signed.ok) return signed;
    return ok(encodeEnvelope(signed.value, this.#parts.encoding));
  }

  /** One signed-only envelope (an Xchange share), encoded for the wire. */
  async #signOnly(
    to: string,
    message: { readonly scope: string; readonly payload: Uint8Array; readonly contentType: ContentType },
  ): Promise<Result<TransportEnvelope>> {
    const next = await this.#nextCounter();
    if (next !== undefined && !next.ok) return next;
    const signed = await signEnvelope(
      this.#sender,
      {
        to,
        ...message,
        supportedVersions: this.versions,
        timestamp: this.#parts.clock.now(),
        ...(next === undefined ? {} : { counter: next.value }),
      },
      { crypto: this.crypto },
    );
    if (!signed.ok) return signed;
    return ok(encodeEnvelope(signed.value, this.#parts.encoding));
  }

  /** The next counter in counter mode; a CounterSequence throws COUNTER_EXHAUSTED or STORAGE_FAILED, reported as a Result. */
  #nextCounter(): Promise<Result<number>> | undefined {
    const { counter } = this.#parts;
    return counter === undefined ? undefined : attempt(() => counter.next());
  }

  /** Runs the full receive pipeline (docs/protocol.md, "Receiving, in this order"). */
  async receive<Payload = unknown>(
    envelope: unknown,
    options: ReceiveOptions = {},
  ): Promise<Result<AgentMessage<Payload>>> {
    return receiveEnvelope<Payload>(envelope, this.#receiving, options);
  }
}

/** Prepares the identity's keys, builds the agent and registers it unless told not to. */
async function assemble(
  AgentType: AgentClass,
  identity: Identity,
  options: AgentOptions & { readonly crypto: CryptoProvider },
): Promise<Result<Agent>> {
  return attempt(async () => {
    const { crypto } = options;
    const clock = options.clock ?? systemClock;
    const timestampWindowMs = options.timestampWindowMs ?? DEFAULT_TIMESTAMP_WINDOW_MS;
    assertPositiveInteger(timestampWindowMs, 'timestampWindowMs'); // before the default store takes it as its window
    const versions: EnvelopeVersion[] = ['signed', 'v1', 'v2'];
    if (options.postQuantumSig === true) versions.push('v3');
    const agent = new AgentType({
      identity,
      signer: await crypto.ed25519Signer(identity.ed25519.secretKey),
      x25519: await crypto.x25519PrivateKey(identity.x25519.secretKey),
      versions,
      registry: options.registry,
      ...transportsOf(options.transport),
      nonceStore: options.nonceStore ?? new MemoryNonceStore({ windowMs: timestampWindowMs, clock }),
      crypto,
      clock,
      timestampWindowMs,
      maxEnvelopeBytes: options.maxEnvelopeBytes ?? DEFAULT_MAX_ENVELOPE_BYTES,
      encoding: options.encoding ?? 'json',
      ...(options.name === undefined ? {} : { name: options.name }),
      ...(options.counter === undefined ? {} : { counter: options.counter }),
      ...(options.audience === undefined ? {} : { audience: options.audience }),
      ...(options.xchange === undefined ? {} : { xchange: options.xchange }),
      ...(options.securityPolicy === undefined ? {} : { securityPolicy: options.securityPolicy }),
      ...(options.splitReassembly === undefined ? {} : { splitReassembly: options.splitReassembly }),
      ...(options.onWarning === undefined ? {} : { onWarning: options.onWarning }),
      ...(options.splitSendTimeoutMs === undefined ? {} : { splitSendTimeoutMs: options.splitSendTimeoutMs }),
      ...(options.timer === undefined ? {} : { timer: options.timer }),
    });
    if (options.register !== false) unwrap(await agent.registerSelf(options.scopes ?? [ANY_SCOPE]));
    return agent;
  });
}

/** The backend the options name, else the class's default; INVALID_ARGUMENT when there is neither. */
function cryptoOf(
  AgentType: AgentClass,
  options: { readonly crypto?: CryptoProvider } | undefined,
): Result<CryptoProvider> {
  const crypto = options?.crypto ?? AgentType?.defaults?.crypto?.();
  if (crypto !== undefined) return ok(crypto);
  return refuse(
    'INVALID_ARGUMENT',
    '"crypto" is required: pass a backend (createNodeCrypto(), createNobleCrypto({ random }), …) or use the Agent of the xlink entry',
    'crypto',
  );
}

/** `transport` as given: one, or the channels of split messages (the first also carries plain envelopes). */
function transportsOf(given: Transport | readonly Transport[]): {
  transport: Transport;
  transports: readonly Transport[];
} {
  const transports: readonly Transport[] = Array.isArray(given) ? [...given] : [given as Transport];
  const first = transports[0];
  if (first === undefined)
    throw xlinkError('INVALID_ARGUMENT', '"transport" expected a transport or a non-empty array', {
      field: 'transport',
    });
  return { transport: first, transports };
}

function copyKeyPair(pair: KeyPair): KeyPair {
  return { publicKey: new Uint8Array(pair.publicKey), secretKey: new Uint8Array(pair.secretKey) };
}

/** NaN or Infinity would silently switch a check off; refuse them where they are given. */
function assertPositiveInteger(value: number, field: string): void {
  if (!Number.isSafeInteger(value) || value < 1) {
    throw xlinkError('INVALID_ARGUMENT', `"${field}" expected a positive integer, got ${quote(value)}`, { field });
  }
}

/** The white paper's IDENTITY_FAILED, its message naming the code underneath (INVALID_SEED:LENGTH, …). */
function identityFailed(cause: ErrorDetail): Result<never> {
  return refuse('IDENTITY_FAILED', `${cause.code}: ${cause.message}`, cause.field);
}

function registrationFailed(detail: { code: Parameters<typeof xlinkError>[0]; message: string }): Error {
  return xlinkError(detail.code, `registering the agent failed: ${detail.message}`);
}

function clockOption(clock: Clock | undefined): { clock?: Clock } {
  return clock === undefined ? {} : { clock };
}
