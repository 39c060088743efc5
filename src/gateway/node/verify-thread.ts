/**
 * One verification thread of the gateway (a worker_threads Worker). It owns
 * an Agent built from the gateway's seed, a follower of the FileTrustRegistry
 * (re-read on change, so a revocation reaches every thread within
 * `registryPollMs`) and that Agent's per-sender cache of checked documents and
 * prepared Ed25519 keys. Devices are routed to threads by id, so each sender's
 * keys are prepared in one thread only and its messages are answered in order.
 *
 * It runs the Agent's receive pipeline in full (size, decode, addressing,
 * timestamp, registry, revocation, signature, scope, decryption) with a
 * replay store that only records the token: spending it needs state shared by
 * every thread and every gateway, so the main thread does that, after this
 * thread said the signature holds. Then it checks that the topic's device id
 * belongs to the signer, and digests the signed bytes (signed-digest.ts) for
 * the forward ledger. Requests are handled one at a time, in arrival order.
 */
import { readFile } from 'node:fs/promises';
import { parentPort, workerData } from 'node:worker_threads';
import { Agent } from '../../agent/agent.js';
import { bytesToHex } from '../../codec/bytes.js';
import { createNodeCrypto } from '../../crypto/node/index.js';
import { errorDetail, ok, type Result } from '../../errors.js';
import { FileTrustRegistry } from '../../registry/node/file-trust-registry.js';
import type { NonceStore } from '../../replay/nonce-store.js';
import { LoopbackTransport } from '../../transport/loopback.js';
import { telemetryTopics } from '../topic.js';
import type { ReplayToken, VerifyOutcome } from '../verdict.js';
import { signedDigest } from './signed-digest.js';

export interface VerifyThreadSettings {
  readonly registryPath: string;
  readonly seedPath: string;
  readonly audience: string;
  readonly app: string;
  readonly topic: string;
  readonly timestampWindowMs: number;
  readonly maxEnvelopeBytes: number;
  readonly registryPollMs: number;
  /** The operator whose signature every registry entry needs; absent: entries are not checked for one. */
  readonly registryOperator?: string | undefined;
}

export interface VerifyRequest {
  readonly id: number;
  readonly bytes: Uint8Array;
  readonly topic: string;
}

export type VerifyReply = ({ readonly id: number } & VerifyOutcome) | { readonly id: number; readonly failed: string };

/** Records the token the pipeline would spend; spends nothing. */
class TokenRecorder implements NonceStore {
  token: ReplayToken | undefined;

  async reserveNonce(_sender: string, nonce: Uint8Array, timestampMs: number): Promise<Result<void>> {
    this.token = { kind: 'nonce', nonce: bytesToHex(nonce), timestamp: timestampMs };
    return ok(undefined);
  }

  async acceptCounter(_sender: string, counter: number, timestampMs: number | undefined): Promise<Result<void>> {
    this.token =
      timestampMs === undefined ? { kind: 'counter', counter } : { kind: 'counter', counter, timestamp: timestampMs };
    return ok(undefined);
  }

  async close(): Promise<void> {}
}

async function start(settings: VerifyThreadSettings): Promise<void> {
  const port = parentPort;
  if (port === null) throw new Error('verify-thread runs as a worker thread');
  const crypto = createNodeCrypto();
  const registry = await FileTrustRegistry.open({
    path: settings.registryPath,
    crypto,
    readOnly: true,
    pollIntervalMs: settings.registryPollMs,
    ...(settings.registryOperator === undefined ? {} : { operator: { did: settings.registryOperator } }),
  });
  const seed = new Uint8Array(await readFile(settings.seedPath));
  const recorder = new TokenRecorder();
  const built = await Agent.fromSeed(seed, {
    registry,
    transport: new LoopbackTransport(),
    crypto,
    nonceStore: recorder,
    audience: settings.audience,
    register: false,
    timestampWindowMs: settings.timestampWindowMs,
    maxEnvelopeBytes: settings.maxEnvelopeBytes,
  });
  seed.fill(0);
  if (!built.ok) throw new Error(`${built.error.code}: ${built.error.message}`);
  const agent = built.value;
  const topics = telemetryTopics(settings.topic, settings.app);

  const verify = async (request: VerifyRequest): Promise<VerifyOutcome> => {
    const parsed = topics.parse(request.topic);
    if (!parsed.ok) return { ok: false, code: parsed.error.code, message: parsed.error.message, deviceId: 'unknown' };
    const parts = parsed.value;
    recorder.token = undefined;
    const received = await agent.receive(request.bytes, { allowCleartext: true });
    if (!received.ok)
      return { ok: false, code: received.error.code, message: received.error.message, deviceId: parts.deviceId };
    const message = received.value;
    const entry = await registry.resolve(message.sender);
    if (!entry.ok) return { ok: false, code: entry.error.code, message: entry.error.message, deviceId: parts.deviceId };
    if (parts.deviceId !== bytesToHex(entry.value.kid) && parts.deviceId !== entry.value.name) {
      const refused = errorDetail(
        'VERIFICATION_FAILED:TOPIC_MISMATCH',
        `the signer ${message.sender} does not own the topic's device id`,
        'topic',
      );
      return { ok: false, code: refused.code, message: refused.message, deviceId: parts.deviceId };
    }
    const token = recorder.token as ReplayToken | undefined;
    if (token === undefined) throw new Error('the receive pipeline verified a message without a replay token');
    return {
      ok: true,
      message: {
        sender: message.sender,
        deviceId: parts.deviceId,
        ...(parts.kind === undefined ? {} : { kind: parts.kind }),
        scope: message.scope,
        token,
        digest: signedDigest(request.bytes, settings.audience, settings.maxEnvelopeBytes),
        ...(message.timestamp === undefined ? {} : { timestamp: message.timestamp }),
        contentType: message.contentType,
        payload: message.payload,
        encoding: message.encoding,
        version: message.version,
      },
    };
  };

  let chain: Promise<void> = Promise.resolve();
  // Requests come in batches (WorkerPool); the batch's replies go back together, in order.
  port.on('message', (requests: readonly VerifyRequest[] | 'close') => {
    if (requests === 'close') {
      chain = chain.then(() => registry.close()).then(() => port.close());
      return;
    }
    chain = chain.then(async () => {
      const replies: VerifyReply[] = [];
      for (const request of requests) {
        try {
          replies.push({ id: request.id, ...(await verify(request)) });
        } catch (error) {
          // A bug, not a verdict: the main thread leaves the message unacknowledged.
          replies.push({ id: request.id, failed: error instanceof Error ? error.message : String(error) });
        }
      }
      port.postMessage(replies);
    });
  });
  port.postMessage('ready');
}

start(workerData as VerifyThreadSettings).catch((error: unknown) => {
  const code = (error as { code?: unknown }).code;
  parentPort?.postMessage({ failed: error instanceof Error ? error.message : String(error), code });
});
