/**
 * One fleet run against a gateway: devices built (each with its own
 * identity, storage and counter), connected, driven on a schedule with
 * faults mixed in, and everything the gateway put out matched back to what
 * was sent (tracker.ts). The result is a FleetRunResult.
 *
 *   const result = await runFleet({ brokerUrl, healthUrls, app: 'acme', members, rate: 2, durationMs: 10_000, faults });
 *   result.passed;   // no valid reading lost or duplicated, every fault under its expected outcome
 *
 * Phases: connect (bounded concurrency); prepare (the devices that faults
 * need: the one to revoke sends a reading, the one to factory-reset sends as
 * many as its rollback will re-use; both verified; then the revocation, with
 * the gateway's documented second to apply it, and the reset); warm-up
 * (valid readings only, not measured); the measured window (`durationMs`, or
 * `count` readings per device); the drain (bounded), waiting for every
 * outcome still due. On a VirtualClock each send completes before time
 * moves on, so a run is exactly reproducible; on the real clock sends
 * overlap, one device's in order, at most `inflight` in all.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { utf8Encode } from 'xlink/codec';
import { xlinkError } from 'xlink/errors';
import type { VirtualClock } from 'xlink/platform';
import { type Connections, openConnections } from './connections.js';
import { type FaultMix, FaultPlan } from './faults.js';
import type { DeviceRuntime, FleetDevice, FleetDeviceFactory } from './fleet-device.js';
import { type FleetMember, type RegistryAccess, revokeInRegistry } from './fleet-source.js';
import { createNodeFleetDevice } from './node-device.js';
import { Observer } from './observer.js';
import { readingPayload } from './payload.js';
import { progressLine } from './progress.js';
import type { FaultKind, FleetRunResult } from './run-result.js';
import { Schedule } from './schedule.js';
import { type RunMetrics, RunTracker } from './tracker.js';

export interface FleetRunOptions {
  readonly brokerUrl: string;
  /** The gateways' health endpoints (`http://127.0.0.1:9464`): their /metrics count duplicates. */
  readonly healthUrls: readonly string[];
  readonly app: string;
  /** The fleet: registered devices that send valid readings and most faults. */
  readonly members: readonly FleetMember[];
  /** Devices run in another runtime, taken from the front of `members`; the rest run on Node. */
  readonly runtimes?: Readonly<Partial<Record<Exclude<DeviceRuntime, 'node'>, number>>>;
  readonly factories?: Readonly<Partial<Record<DeviceRuntime, FleetDeviceFactory>>>;
  /** Registered; revoked during the run (fault `revoked`). */
  readonly victim?: FleetMember;
  /** Registered; factory-reset during the run (fault `counter-rollback`). */
  readonly rollback?: FleetMember;
  /** Never registered (fault `unknown-device`). */
  readonly stranger?: FleetMember;
  /** Where `revoked` revokes the victim. */
  readonly registry?: RegistryAccess;
  /** A virtual clock for tests (the in-process gateway must share it); absent: the real clock. */
  readonly clock?: VirtualClock;
  /** Readings per second per device. */
  readonly rate: number;
  readonly jitter?: number;
  readonly warmupMs?: number;
  /** The measured window; or `count` readings per device. */
  readonly durationMs?: number;
  readonly count?: number;
  readonly faults?: FaultMix;
  /** Devices per MQTT connection; default 1. */
  readonly multiplex?: number;
  readonly connectConcurrency?: number;
  /** Sends in flight at once (real clock). */
  readonly inflight?: number;
  readonly payloadBytes?: number;
  /** The gateway's envelope limit: an `oversize` fault is one byte more. */
  readonly maxEnvelopeBytes?: number;
  /** How far a `stale` / `future` reading is dated from now; default one hour. */
  readonly skewMs?: number;
  /** Longest wait for outstanding outcomes after the last send (real ms). */
  readonly drainMs?: number;
  /** How long the gateway is given to apply a revocation (real ms); default 1,000 plus one registry poll. */
  readonly revocationMs?: number;
  readonly seed?: number;
  /** Gateway instances behind `healthUrls`, for the result. */
  readonly instances?: number;
  /** Live counters (the CLI's --metrics-port). */
  readonly metrics?: RunMetrics;
  /** Progress lines (stderr in the CLI), one per second of the run. */
  readonly progress?: (line: string) => void;
}

const DEFAULTS = {
  jitter: 0.1,
  warmupMs: 0,
  multiplex: 1,
  connectConcurrency: 200,
  inflight: 20_000,
  payloadBytes: 0,
  maxEnvelopeBytes: 65_536,
  skewMs: 3_600_000,
  drainMs: 10_000,
  revocationMs: 1_250,
  seed: 1,
};

/** A scope the simulator's devices are never granted (SIMULATOR_SCOPES is ['telemetry']). */
const DENIED_SCOPE = 'firmware';
const SCOPE = 'telemetry';

interface Member {
  readonly device: FleetDevice;
  readonly connection: number;
  readonly topic: string;
  seq: number;
  last?: { readonly seq: number; readonly bytes: Promise<Uint8Array> };
  chain: Promise<void>;
}

export async function runFleet(options: FleetRunOptions): Promise<FleetRunResult> {
  const o = { ...DEFAULTS, ...stripUndefined(options) };
  const faults = o.faults ?? {};
  checkOptions(o, faults);
  const virtual = options.clock;
  const now = virtual === undefined ? () => performance.timeOrigin + performance.now() : () => virtual.now();
  const until = async (at: number): Promise<void> => {
    const wait = at - now();
    if (wait <= 0) return;
    if (virtual === undefined) await sleep(wait);
    else virtual.advance(wait);
  };
  const clock = { now };
  // Devices read whole milliseconds, as a device clock gives them.
  const deviceClock = { now: () => Math.floor(now()) };
  const factories: Partial<Record<DeviceRuntime, FleetDeviceFactory>> = { node: createNodeFleetDevice, ...o.factories };

  // Devices: the fleet first, then the special ones; connection i holds devices i·multiplex … .
  const runtimeOf = runtimeAssignment(o.members.length, o.runtimes ?? {});
  const specials = [o.victim, o.rollback, o.stranger];
  const all = [...o.members, ...specials.filter((m): m is FleetMember => m !== undefined)];
  const devices = await mapBounded(all, 64, (member, i) => {
    const runtime = i < o.members.length ? (runtimeOf[i] as DeviceRuntime) : 'node';
    const factory = factories[runtime];
    if (factory === undefined) {
      throw xlinkError('INVALID_ARGUMENT:SIMULATOR_CONFIG', `no device factory for the ${runtime} runtime`, {
        field: 'runtime',
      });
    }
    return factory(member, { audience: o.app, clock: deviceClock });
  });
  const members: Member[] = devices.map((device, i) => ({
    device,
    connection: Math.floor(i / o.multiplex),
    topic: `dt/${o.app}/${device.deviceId}/telemetry`,
    seq: 0,
    chain: Promise.resolve(),
  }));
  const fleetSize = o.members.length;
  let cursor = fleetSize;
  const victim = o.victim === undefined ? undefined : (members[cursor++] as Member);
  const rollback = o.rollback === undefined ? undefined : (members[cursor++] as Member);
  const stranger = o.stranger === undefined ? undefined : (members[cursor++] as Member);
  const indexOf = new Map(members.map((m, i) => [m, i]));

  let connections: Connections | undefined;
  let observer: Observer | undefined;
  const startedAt = now();
  const tracker = new RunTracker(
    members.map((m) => ({ deviceId: m.device.deviceId, did: m.device.did })),
    startedAt,
    o.metrics,
  );
  const problems: string[] = [];
  let sendFailures = 0;
  try {
    connections = await openConnections({
      url: o.brokerUrl,
      count: Math.ceil(members.length / o.multiplex),
      concurrency: o.connectConcurrency,
      prefix: `xlink-sim-${process.pid}-${Math.floor(startedAt).toString(36)}`,
    });
    const links = connections;
    observer = await Observer.start({
      url: o.brokerUrl,
      app: o.app,
      tracker,
      clock,
      healthUrls: o.healthUrls,
      clientId: `xlink-sim-observer-${process.pid}-${Math.floor(startedAt).toString(36)}`,
    });
    const watcher = observer;
    const duplicatesAtStart = o.healthUrls.length > 0 ? await watcher.duplicates() : 0;

    const publish = async (member: Member, topic: string, bytes: Uint8Array): Promise<void> => {
      try {
        await links.publish(member.connection, topic, bytes);
      } catch {
        sendFailures++;
      }
    };
    const sendValid = async (member: Member, measured: boolean): Promise<void> => {
      const seq = member.seq++;
      const sentAt = now();
      const bytes = member.device.telemetry(readingPayload(seq, sentAt, o.payloadBytes), { scope: SCOPE });
      member.last = { seq, bytes };
      tracker.sentValid(indexOf.get(member) as number, seq, sentAt, measured);
      await publish(member, member.topic, await bytes);
    };

    // Prepare: the victim's reading and the rollback device's counters, verified before they matter.
    const rollbacksPlanned = planned(faults['counter-rollback'], fleetSize, o);
    if (victim !== undefined) await sendValid(victim, false);
    if (rollback !== undefined) for (let i = 0; i < rollbacksPlanned; i++) await sendValid(rollback, false);
    if (victim !== undefined || rollback !== undefined) {
      await waitFor(() => tracker.outstanding === 0, o.drainMs);
    }
    if (victim !== undefined && o.registry !== undefined) {
      await revokeInRegistry(o.registry, victim.device.did);
      await sleep(o.revocationMs); // the gateway follows the registry file; docs/gateway.md: within a second
      virtual?.advance(o.revocationMs);
    }
    await rollback?.device.resetCounter();
    let rollbacksLeft = rollback === undefined ? 0 : rollbacksPlanned;

    // The schedule.
    const start = now();
    const warmupEnd = start + o.warmupMs;
    const end = o.durationMs === undefined ? Number.POSITIVE_INFINITY : warmupEnd + o.durationMs;
    const schedule = new Schedule({ devices: fleetSize, rate: o.rate, jitter: o.jitter, start, seed: o.seed });
    const plan = new FaultPlan(faults);
    const sentPerDevice = new Uint32Array(fleetSize);
    let finished = 0;
    let inflight = 0;
    let released: (() => void) | undefined;
    let measuredSent = 0;
    let nextProgress = start + 1000;
    let lastLine = { at: start, total: 0 };
    const line = (at: number): void => {
      const seconds = Math.max(0.001, (at - lastLine.at) / 1000);
      const counts = { total: tracker.sent, verified: tracker.verifiedCount, rejected: tracker.rejected };
      o.progress?.(progressLine(at - start, { ...counts, rate: (tracker.sent - lastLine.total) / seconds }));
      lastLine = { at, total: tracker.sent };
    };
    const progress = (at: number): void => {
      while (at >= nextProgress) {
        line(nextProgress);
        nextProgress += 1000;
      }
    };
    const ticker =
      virtual === undefined && o.progress !== undefined ? setInterval(() => progress(now()), 250) : undefined;
    const possible =
      (member: Member) =>
      (kind: FaultKind): boolean => {
        switch (kind) {
          case 'replay':
            return member.last !== undefined;
          case 'topic-spoof':
            return fleetSize > 1;
          case 'revoked':
            return victim !== undefined && o.registry !== undefined;
          case 'counter-rollback':
            return rollbacksLeft > 0;
          case 'unknown-device':
            return stranger !== undefined;
          default:
            return true;
        }
      };

    try {
      while (fleetSize > 0 && finished < fleetSize) {
        const slot = schedule.next();
        if (slot.at >= end) break;
        if (o.count !== undefined) {
          if ((sentPerDevice[slot.device] as number) >= o.count) continue;
          sentPerDevice[slot.device] = (sentPerDevice[slot.device] as number) + 1;
          if (sentPerDevice[slot.device] === o.count) finished++;
        }
        await until(slot.at);
        if (virtual !== undefined) progress(slot.at);
        const member = members[slot.device] as Member;
        const measured = slot.at >= warmupEnd;
        if (measured) measuredSent++;
        const kind = measured ? plan.next(possible(member)) : undefined;
        if (kind === 'counter-rollback') rollbacksLeft--;
        const job = fault(kind, member);
        // One device's sends in order; on the real clock, devices overlap up to `inflight`.
        const sender =
          kind === 'revoked'
            ? victim
            : kind === 'counter-rollback'
              ? rollback
              : kind === 'unknown-device'
                ? stranger
                : member;
        const target = sender as Member;
        const run = target.chain.then(job);
        target.chain = run.catch(() => undefined);
        if (virtual !== undefined) {
          await run;
          continue;
        }
        inflight++;
        void run.finally(() => {
          inflight--;
          released?.();
        });
        while (inflight >= o.inflight) await new Promise<void>((resolve) => (released = resolve));
      }
      // Bounded: a send whose PUBACK never comes is not waited for forever (its reading counts as lost).
      await Promise.race([Promise.all(members.map((m) => m.chain)), sleep(o.drainMs, undefined, { ref: false })]);
    } finally {
      if (ticker !== undefined) clearInterval(ticker);
    }
    const sendingEnded = now();

    // The drain: every valid reading verified, every fault's outcome seen (duplicates: on the gateways' counters).
    await waitFor(async () => {
      const open = tracker.unresolvedFaults;
      if (tracker.outstanding > 0 || open.observable > 0) return false;
      if (open.duplicates === 0) return true;
      return (await watcher.duplicates()) - duplicatesAtStart >= open.duplicates;
    }, o.drainMs);
    if (o.healthUrls.length > 0) tracker.settleDuplicates((await watcher.duplicates()) - duplicatesAtStart);
    const drained = now();
    line(drained);

    function fault(kind: FaultKind | undefined, member: Member): () => Promise<void> {
      const index = indexOf.get(member) as number;
      const at = now();
      const signed = async (
        who: Member,
        seal: { readonly scope?: string; readonly timestamp?: number; readonly bytes?: number },
      ): Promise<{ bytes: Uint8Array; seq: number }> => {
        const seq = who.seq++;
        const payload = readingPayload(seq, now(), seal.bytes ?? o.payloadBytes);
        const options = {
          scope: seal.scope ?? SCOPE,
          ...(seal.timestamp === undefined ? {} : { timestamp: seal.timestamp }),
        };
        return { bytes: await who.device.telemetry(payload, options), seq };
      };
      const injected = async (
        kind: FaultKind,
        who: Member,
        sealed: { bytes: Uint8Array; seq?: number },
        topic = who.topic,
      ) => {
        tracker.sentFault(kind, sealed.bytes, at, indexOf.get(who), sealed.seq);
        await publish(who, topic, sealed.bytes);
      };
      switch (kind) {
        case undefined:
          return () => sendValid(member, at >= warmupEnd);
        case 'replay': {
          const last = member.last as { seq: number; bytes: Promise<Uint8Array> };
          return async () => injected('replay', member, { bytes: await last.bytes, seq: last.seq });
        }
        case 'tampered':
          return async () => {
            const sealed = await signed(member, {});
            const bytes = sealed.bytes.slice();
            bytes[bytes.length - 1] = (bytes[bytes.length - 1] as number) ^ 0x01; // a bit of the signature
            await injected('tampered', member, { bytes, seq: sealed.seq });
          };
        case 'stale':
          return async () =>
            injected('stale', member, await signed(member, { timestamp: deviceClock.now() - o.skewMs }));
        case 'future':
          return async () =>
            injected('future', member, await signed(member, { timestamp: deviceClock.now() + o.skewMs }));
        case 'wrong-scope':
          return async () => injected('wrong-scope', member, await signed(member, { scope: DENIED_SCOPE }));
        case 'topic-spoof': {
          const other = members[(index + 1) % fleetSize] as Member;
          return async () => injected('topic-spoof', member, await signed(member, {}), other.topic);
        }
        case 'oversize':
          return async () => injected('oversize', member, await signed(member, { bytes: o.maxEnvelopeBytes + 1 }));
        case 'garbage':
          return async () =>
            injected('garbage', member, {
              // Not an envelope, and unique per injection so its dead letter is matched exactly.
              bytes: utf8Encode(`{"not":"an envelope","device":"${member.device.deviceId}","n":${member.seq++}`),
            });
        case 'revoked':
        case 'counter-rollback':
        case 'unknown-device': {
          const who = (kind === 'revoked' ? victim : kind === 'counter-rollback' ? rollback : stranger) as Member;
          return async () => injected(kind, who, await signed(who, {}));
        }
      }
    }

    const window = Math.max(1, (o.durationMs ?? sendingEnded - warmupEnd) / 1000);
    return result({
      o,
      tracker,
      startedAt,
      durationMs: Math.max(0, sendingEnded - warmupEnd) + (drained - sendingEnded),
      virtual: virtual !== undefined,
      connections: links.size,
      runtimes: countRuntimes(devices.slice(0, fleetSize)),
      measuredSent,
      window,
      verifiedWindow: Number.isNaN(tracker.lastMeasuredVerifiedAt)
        ? Number.POSITIVE_INFINITY
        : Math.max(0.001, (tracker.lastMeasuredVerifiedAt - warmupEnd) / 1000),
      problems,
      sendFailures,
      dropped: links.dropped,
    });
  } finally {
    await observer?.close();
    await connections?.close();
    await Promise.all(devices.map((device) => device.close().catch(() => undefined)));
  }
}

function result(r: {
  o: FleetRunOptions & typeof DEFAULTS;
  tracker: RunTracker;
  startedAt: number;
  durationMs: number;
  virtual: boolean;
  connections: number;
  runtimes: Partial<Record<DeviceRuntime, number>>;
  measuredSent: number;
  window: number;
  verifiedWindow: number;
  problems: string[];
  sendFailures: number;
  dropped: number;
}): FleetRunResult {
  const { tracker, problems } = r;
  const faults = tracker.faultOutcomes();
  const slipped = faults.reduce((sum, f) => sum + (f.observed.verified ?? 0), 0);
  const misclassified = faults.reduce(
    (sum, f) => sum + f.injected - (f.observed[f.expected] ?? 0) - (f.observed.verified ?? 0),
    0,
  );
  const lost = tracker.valid - tracker.verifiedCount;
  if (lost > 0) {
    const refused = Object.entries(tracker.refusedValid).map(([reason, n]) => `${reason}=${n}`);
    problems.push(
      `lost: ${lost} of ${tracker.valid} valid readings never verified${refused.length > 0 ? ` (dead-lettered: ${refused.join(', ')})` : ''}`,
    );
  }
  if (tracker.duplicates > 0)
    problems.push(`duplicates: ${tracker.duplicates} extra copies of valid readings forwarded`);
  for (const f of faults) {
    if (f.ok) continue;
    const seen = Object.entries(f.observed).map(([outcome, n]) => `${outcome}=${n}`);
    problems.push(`fault ${f.fault}: ${f.injected} injected, expected ${f.expected}, observed ${seen.join(', ')}`);
  }
  if (r.sendFailures > 0) problems.push(`publish failed: ${r.sendFailures} (the connection was lost)`);
  if (r.dropped > 0) problems.push(`connections dropped: ${r.dropped}`);
  const o = r.o;
  return {
    startedAt: Math.floor(r.startedAt),
    durationMs: r.durationMs,
    clock: r.virtual ? 'virtual' : 'real',
    fleet: { devices: o.members.length, connections: r.connections, runtimes: r.runtimes },
    gateway: { brokerUrl: o.brokerUrl, instances: o.instances ?? o.healthUrls.length },
    totals: {
      sent: tracker.sent,
      valid: tracker.valid,
      verified: tracker.verifiedCount,
      duplicates: tracker.duplicates,
      lost,
      injected: tracker.injected,
      rejected: tracker.rejected,
      slipped,
      misclassified,
    },
    faults,
    rejections: { ...tracker.rejections },
    latency: tracker.latency.summary(),
    latencyHistogram: tracker.latency.buckets(),
    series: tracker.series(),
    rate: { sentPerSecond: r.measuredSent / r.window, verifiedPerSecond: tracker.measuredVerified / r.verifiedWindow },
    passed: problems.length === 0,
    problems,
  };
}

/** The counters the special devices need: as many as the rollback will re-use, one spare. */
function planned(percent: number | undefined, devices: number, o: FleetRunOptions & typeof DEFAULTS): number {
  if (percent === undefined || percent <= 0) return 0;
  const perDevice = o.count ?? Math.ceil(((o.durationMs ?? 0) / 1000) * o.rate * (1 + o.jitter)) + 1;
  return FaultPlan.owed(percent, devices * perDevice) + 1;
}

function runtimeAssignment(size: number, runtimes: Readonly<Partial<Record<string, number>>>): DeviceRuntime[] {
  const out: DeviceRuntime[] = [];
  for (const runtime of ['xs', 'quickjs'] as const)
    for (let i = 0; i < (runtimes[runtime] ?? 0); i++) out.push(runtime);
  if (out.length > size) {
    throw xlinkError(
      'INVALID_ARGUMENT:SIMULATOR_CONFIG',
      `--runtime asks for ${out.length} devices; the fleet has ${size}`,
      {
        field: 'runtime',
      },
    );
  }
  while (out.length < size) out.push('node');
  return out;
}

function countRuntimes(devices: readonly FleetDevice[]): Partial<Record<DeviceRuntime, number>> {
  const counts: Partial<Record<DeviceRuntime, number>> = {};
  for (const device of devices) counts[device.runtime] = (counts[device.runtime] ?? 0) + 1;
  return counts;
}

function checkOptions(o: FleetRunOptions & typeof DEFAULTS, faults: FaultMix): void {
  const bad = (field: string, message: string): never => {
    throw xlinkError('INVALID_ARGUMENT:SIMULATOR_CONFIG', message, { field });
  };
  if (!(o.rate > 0)) bad('rate', `--rate expected readings per second above 0, got ${o.rate}`);
  if ((o.durationMs === undefined) === (o.count === undefined))
    bad('duration', 'give exactly one of --duration and --count');
  if ((faults.revoked ?? 0) > 0 && (o.victim === undefined || o.registry === undefined)) {
    bad('faults', 'fault revoked needs a registry to revoke in (--registry and --operator-key, or --embedded)');
  }
  if ((faults['counter-rollback'] ?? 0) > 0 && o.rollback === undefined)
    bad('faults', 'fault counter-rollback needs a device to reset');
  if ((faults['unknown-device'] ?? 0) > 0 && o.stranger === undefined)
    bad('faults', 'fault unknown-device needs an unregistered device');
  if (((faults.replay ?? 0) > 0 || (faults['counter-rollback'] ?? 0) > 0) && o.healthUrls.length === 0) {
    bad(
      'faults',
      "faults replay and counter-rollback need the gateways' /metrics (--gateway-health) to see duplicates",
    );
  }
  if (!Number.isInteger(o.multiplex) || o.multiplex < 1)
    bad('multiplex', `--multiplex expected a whole number ≥ 1, got ${o.multiplex}`);
}

async function waitFor(done: () => boolean | Promise<boolean>, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await done()) return true;
    if (Date.now() >= deadline) return false;
    await sleep(50);
  }
}

async function mapBounded<T, R>(
  items: readonly T[],
  limit: number,
  work: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const index = next++;
      out[index] = await work(items[index] as T, index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

function stripUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
