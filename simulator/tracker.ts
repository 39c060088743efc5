/**
 * The run's bookkeeping: what was sent, and what the gateway's outputs say
 * became of it. Valid readings are matched by (device, seq) from the
 * forwarded record's payload; faults by the exact bytes sent (a SHA-256 of
 * them, for this bookkeeping only), or by the header inside a dead-lettered
 * envelope that still decodes. Nothing is inferred from what was meant:
 * an outcome counts only when it is observed.
 *
 *   tracker.sentValid(device, seq, sentAt, measured);
 *   tracker.sentFault('stale', bytes, device, seq);
 *   tracker.verified(record, now);        // from verified/{app}/#
 *   tracker.deadLettered(reason, bytes);  // from dlq/{app}/{reason}/…
 *   tracker.settleDuplicates(n);          // the gateways' duplicate counter, at the end
 */
import { createHash } from 'node:crypto';
import { bytesToHex } from 'xlink/codec';
import { decodeTelemetry } from 'xlink/envelope/telemetry';
import { EXPECTED_OUTCOME } from './faults.js';
import { readingHeader } from './payload.js';
import type { FaultKind, FaultOutcome, SecondSample } from './run-result.js';
import { FAULT_KINDS } from './run-result.js';
import { LatencyHistogram } from './stats.js';

/** Live counters fed as outcomes arrive (simulator/metrics.ts's SimulatorMetrics has this shape). */
export interface RunMetrics {
  sent(count?: number): void;
  verified(count?: number): void;
  rejected(reason: string): void;
  latency(ms: number): void;
}

interface Injection {
  readonly kind: FaultKind;
  outcome?: string;
}

interface DeviceBook {
  /** Valid readings sent and not yet verified: seq → send time on the run clock (NaN: warm-up, not measured). */
  readonly outstanding: Map<number, number>;
  /** Bit per seq: verified once already. */
  verified: Uint8Array;
}

export class RunTracker {
  readonly latency: LatencyHistogram = new LatencyHistogram();
  readonly rejections: Record<string, number> = {};
  readonly #books: DeviceBook[];
  readonly #byDevice = new Map<string, number>();
  readonly #byDid = new Map<string, number>();
  readonly #byDigest = new Map<string, Injection[]>();
  readonly #bySeq = new Map<string, Injection>();
  /** Replays, by the (device, seq) of the reading they copy: their copies seen verified once more are slips. */
  readonly #replays = new Map<string, Injection[]>();
  readonly #injections: Injection[] = [];
  readonly #series: { sent: number; verified: number; rejected: number }[] = [];
  readonly #start: number;
  readonly #metrics: RunMetrics | undefined;
  sent = 0;
  valid = 0;
  verifiedCount = 0;
  measuredVerified = 0;
  lastMeasuredVerifiedAt = Number.NaN;
  duplicates = 0;
  rejected = 0;
  /** Valid readings dead-lettered, by reason: lost, and why. */
  readonly refusedValid: Record<string, number> = {};
  /** Outputs that match nothing this run sent (another publisher, or a corrupted record). */
  unmatched = 0;

  constructor(
    devices: readonly { readonly deviceId: string; readonly did: string }[],
    start: number,
    metrics?: RunMetrics,
  ) {
    this.#start = start;
    this.#metrics = metrics;
    this.#books = devices.map(() => ({ outstanding: new Map(), verified: new Uint8Array(64) }));
    devices.forEach((device, index) => {
      this.#byDevice.set(device.deviceId, index);
      this.#byDid.set(device.did, index);
    });
  }

  sentValid(device: number, seq: number, sentAt: number, measured: boolean): void {
    (this.#books[device] as DeviceBook).outstanding.set(seq, measured ? sentAt : Number.NaN);
    this.sent++;
    this.valid++;
    this.#sample(sentAt).sent++;
    this.#metrics?.sent();
  }

  /** A fault; `seq` when its bytes carry this device's header (so a decodable dead letter or a slip finds it). */
  sentFault(kind: FaultKind, bytes: Uint8Array, at: number, device?: number, seq?: number): void {
    const injection: Injection = { kind };
    this.#injections.push(injection);
    const digest = digestOf(bytes);
    this.#byDigest.set(digest, [...(this.#byDigest.get(digest) ?? []), injection]);
    if (kind === 'replay' && device !== undefined && seq !== undefined) {
      const key = `${device}:${seq}`;
      this.#replays.set(key, [...(this.#replays.get(key) ?? []), injection]);
    } else if (device !== undefined && seq !== undefined) {
      this.#bySeq.set(`${device}:${seq}`, injection);
    }
    this.sent++;
    this.#sample(at).sent++;
    this.#metrics?.sent();
  }

  /** A record from the verified sink. */
  verified(record: unknown, now: number): void {
    const { deviceId, sender, payload } = (record ?? {}) as { deviceId?: unknown; sender?: unknown; payload?: unknown };
    const device = this.#byDid.get(String(sender)) ?? this.#byDevice.get(String(deviceId));
    const header = readingHeader(typeof payload === 'string' ? base64urlJson(payload) : payload);
    if (device === undefined || header === undefined) {
      this.unmatched++;
      return;
    }
    this.#sample(now).verified++;
    const key = `${device}:${header.seq}`;
    const fault = this.#bySeq.get(key);
    if (fault !== undefined) {
      this.#resolve(fault, 'verified');
      return;
    }
    const book = this.#books[device] as DeviceBook;
    const sentAt = book.outstanding.get(header.seq);
    if (sentAt !== undefined) {
      book.outstanding.delete(header.seq);
      markVerified(book, header.seq);
      this.verifiedCount++;
      this.#metrics?.verified();
      if (!Number.isNaN(sentAt)) {
        this.latency.record(now - sentAt);
        this.#metrics?.latency(now - sentAt);
        this.measuredVerified++;
        this.lastMeasuredVerifiedAt = now;
      }
      return;
    }
    if (isVerified(book, header.seq)) {
      const replay = this.#replays.get(key)?.find((injection) => injection.outcome === undefined);
      if (replay !== undefined) this.#resolve(replay, 'verified');
      else this.duplicates++;
      return;
    }
    this.unmatched++;
  }

  /** A message from the dead-letter topic: `reason` is its topic level. */
  deadLettered(reason: string, bytes: Uint8Array, now: number): void {
    this.rejected++;
    this.rejections[reason] = (this.rejections[reason] ?? 0) + 1;
    this.#sample(now).rejected++;
    this.#metrics?.rejected(reason);
    const injection = this.#byDigest.get(digestOf(bytes))?.find((candidate) => candidate.outcome === undefined);
    if (injection !== undefined) {
      this.#resolve(injection, reason);
      return;
    }
    // Not bytes this run sent as a fault: a valid reading refused? Its envelope still names it.
    const envelope = decodeTelemetry(bytes, { maxEnvelopeBytes: Number.MAX_SAFE_INTEGER });
    if (envelope.ok) {
      const device = this.#byDevice.get(bytesToHex(envelope.value.kid));
      const header = readingHeader(envelope.value.payload);
      const book = device === undefined ? undefined : this.#books[device];
      if (book !== undefined && header !== undefined && book.outstanding.has(header.seq)) {
        book.outstanding.delete(header.seq);
        this.refusedValid[reason] = (this.refusedValid[reason] ?? 0) + 1;
        return;
      }
    }
    this.unmatched++;
  }

  /**
   * The gateways' duplicate counter (its increase over the run): faults that
   * expect 'duplicate' and saw nothing else take it first; any left over goes
   * to faults still without an outcome, as what they became.
   */
  settleDuplicates(count: number): void {
    let left = count;
    const open = this.#injections.filter((injection) => injection.outcome === undefined);
    const expecting = open.filter((injection) => EXPECTED_OUTCOME[injection.kind] === 'duplicate');
    for (const injection of [...expecting, ...open.filter((i) => !expecting.includes(i))]) {
      if (left === 0) break;
      injection.outcome = 'duplicate';
      left--;
    }
  }

  /** Valid readings not verified (and not refused) yet. */
  get outstanding(): number {
    return this.#books.reduce((sum, book) => sum + book.outstanding.size, 0);
  }

  /** Faults still without an outcome, those expecting 'duplicate' apart (only the gateways' counter can tell). */
  get unresolvedFaults(): { readonly observable: number; readonly duplicates: number } {
    let observable = 0;
    let duplicates = 0;
    for (const injection of this.#injections) {
      if (injection.outcome !== undefined) continue;
      if (EXPECTED_OUTCOME[injection.kind] === 'duplicate') duplicates++;
      else observable++;
    }
    return { observable, duplicates };
  }

  get injected(): number {
    return this.#injections.length;
  }

  faultOutcomes(): FaultOutcome[] {
    return FAULT_KINDS.flatMap((kind) => {
      const mine = this.#injections.filter((injection) => injection.kind === kind);
      if (mine.length === 0) return [];
      const observed: Record<string, number> = {};
      for (const injection of mine) {
        const outcome = injection.outcome ?? 'missing';
        observed[outcome] = (observed[outcome] ?? 0) + 1;
      }
      const expected = EXPECTED_OUTCOME[kind];
      return [{ fault: kind, injected: mine.length, expected, observed, ok: observed[expected] === mine.length }];
    });
  }

  series(): SecondSample[] {
    return Array.from(this.#series, (sample, second) => ({
      second,
      ...(sample ?? { sent: 0, verified: 0, rejected: 0 }),
    }));
  }

  #resolve(injection: Injection, outcome: string): void {
    if (injection.outcome === undefined) injection.outcome = outcome;
  }

  #sample(at: number): { sent: number; verified: number; rejected: number } {
    const second = Math.max(0, Math.floor((at - this.#start) / 1000));
    for (let i = this.#series.length; i <= second; i++) this.#series[i] = { sent: 0, verified: 0, rejected: 0 };
    return this.#series[second] as { sent: number; verified: number; rejected: number };
  }
}

function digestOf(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('base64');
}

function base64urlJson(text: string): Uint8Array {
  return new Uint8Array(Buffer.from(text, 'base64url'));
}

function markVerified(book: DeviceBook, seq: number): void {
  const byte = seq >>> 3;
  if (byte >= book.verified.length) {
    const grown = new Uint8Array(Math.max(book.verified.length * 2, byte + 1));
    grown.set(book.verified);
    book.verified = grown;
  }
  book.verified[byte] = (book.verified[byte] as number) | (1 << (seq & 7));
}

function isVerified(book: DeviceBook, seq: number): boolean {
  const byte = seq >>> 3;
  return byte < book.verified.length && ((book.verified[byte] as number) & (1 << (seq & 7))) !== 0;
}
