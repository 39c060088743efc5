import type { DeviceRuntime } from './fleet-device.js';

export const FAULT_KINDS = [
  'replay',
  'tampered',
  'stale',
  'future',
  'counter-rollback',
  'unknown-device',
  'revoked',
  'wrong-scope',
  'topic-spoof',
  'oversize',
  'garbage',
] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];
export interface LatencySummary {
  // publish → forwarded record observed on the verified sink, ms
  readonly count: number;
  readonly mean: number;
  readonly p50: number;
  readonly p90: number;
  readonly p95: number;
  readonly p99: number;
  readonly p999: number;
  readonly max: number;
}
export interface FaultOutcome {
  readonly fault: FaultKind;
  readonly injected: number;
  /** The gateway outcome this fault must produce: a DLQ reason segment (e.g. 'timestamp-expired.future') or 'duplicate'. */
  readonly expected: string;
  /** What was observed for these injections, by outcome (DLQ reason, 'duplicate', 'verified', 'missing'). */
  readonly observed: Readonly<Record<string, number>>;
  readonly ok: boolean; // observed[expected] === injected
}
export interface SecondSample {
  readonly second: number;
  readonly sent: number;
  readonly verified: number;
  readonly rejected: number;
}
export interface FleetRunResult {
  readonly startedAt: number; // ms since the epoch, on the run's clock
  readonly durationMs: number; // measured window (after warm-up) + drain
  readonly clock: 'real' | 'virtual';
  readonly fleet: {
    readonly devices: number;
    readonly connections: number;
    readonly runtimes: Readonly<Partial<Record<DeviceRuntime, number>>>;
  };
  readonly gateway: { readonly brokerUrl: string; readonly instances: number };
  readonly totals: {
    readonly sent: number;
    readonly valid: number;
    readonly verified: number;
    readonly duplicates: number; // extra copies of a valid reading on the verified sink
    readonly lost: number; // valid readings never verified by the end of the drain
    readonly injected: number;
    readonly rejected: number;
    readonly slipped: number; // injected faults that came out verified
    readonly misclassified: number; // faults observed under another outcome than expected
  };
  readonly faults: readonly FaultOutcome[];
  readonly rejections: Readonly<Record<string, number>>; // DLQ reason → count, as observed
  readonly latency: LatencySummary;
  readonly latencyHistogram: readonly { readonly upperMs: number; readonly count: number }[]; // log-spaced buckets
  readonly series: readonly SecondSample[]; // per second of the run
  readonly rate: { readonly sentPerSecond: number; readonly verifiedPerSecond: number };
  readonly passed: boolean; // lost, duplicates, slipped, misclassified all 0
  readonly problems: readonly string[]; // one line per reason it did not pass
}
