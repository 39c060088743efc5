// FleetRunResult values for the summary and report tests, shaped as runFleet
// reports them: a passing run, a failing run (lost readings, a slipped fault, a
// misclassified one, a hostile DLQ reason) and an empty run with no message.
import { FAULT_KINDS, type FaultOutcome, type FleetRunResult } from '../../simulator/run-result.js';

/** A DLQ reason a publisher under dlq/ could choose: markup, a script, an external image, a terminal escape, a bidi override. */
export const HOSTILE_REASON =
  '</title></text><script>window.pwned=1</script><img src="http://203.0.113.9/x.png" onerror="window.pwned=2">\u001b[2J\u202eko';

export const EXPECTED: Readonly<Record<(typeof FAULT_KINDS)[number], string>> = {
  replay: 'duplicate',
  tampered: 'verification-failed.signature-mismatch',
  stale: 'timestamp-expired',
  future: 'timestamp-expired.future',
  'counter-rollback': 'replay-detected',
  'unknown-device': 'verification-failed.unknown-kid',
  revoked: 'verification-failed.revoked',
  'wrong-scope': 'scope-denied',
  'topic-spoof': 'verification-failed.topic-mismatch',
  oversize: 'envelope-invalid.too-large',
  garbage: 'parse-failed',
};

/** Log-spaced upper bounds, 0.25 ms to 16 s, doubling. */
const UPPER_BOUNDS = Array.from({ length: 17 }, (_, i) => 0.25 * 2 ** i);

/** A ramp over the first three seconds, then a steady rate with a deterministic wobble; verified halves from `lostFrom`. */
function series(seconds: number, perSecond: number, rejectedPerSecond: number, lostFrom = seconds) {
  return Array.from({ length: seconds }, (_, second) => {
    const rate = Math.round(Math.min(1, (second + 1) / 3) * perSecond) + ((second * 7) % 5) * 4;
    const rejected = second % 4 === 0 ? rejectedPerSecond + 2 : rejectedPerSecond;
    return {
      second,
      sent: rate + rejected,
      verified: second >= lostFrom ? Math.floor(rate / 2) : rate,
      rejected,
    };
  });
}

function ok(fault: (typeof FAULT_KINDS)[number], injected: number): FaultOutcome {
  return { fault, injected, expected: EXPECTED[fault], observed: { [EXPECTED[fault]]: injected }, ok: true };
}

function rejections(faults: readonly FaultOutcome[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const fault of faults) {
    for (const [outcome, count] of Object.entries(fault.observed)) {
      if (outcome === 'duplicate' || outcome === 'verified' || outcome === 'missing') continue;
      counts[outcome] = (counts[outcome] ?? 0) + count;
    }
  }
  return counts;
}

export function passingRun(): FleetRunResult {
  const faults = FAULT_KINDS.map((kind) => ok(kind, 10));
  return {
    startedAt: Date.UTC(2026, 11, 1, 14, 0, 0),
    durationMs: 20_400,
    clock: 'real',
    fleet: { devices: 100, connections: 100, runtimes: { node: 96, xs: 2, quickjs: 2 } },
    gateway: { brokerUrl: 'mqtt://127.0.0.1:1883', instances: 2 },
    totals: {
      sent: 11_110,
      valid: 11_000,
      verified: 11_000,
      duplicates: 0,
      lost: 0,
      injected: 110,
      rejected: 100,
      slipped: 0,
      misclassified: 0,
    },
    faults,
    rejections: rejections(faults),
    latency: { count: 11_000, mean: 3.1, p50: 2.4, p90: 5.2, p95: 7.9, p99: 18.5, p999: 61, max: 140 },
    latencyHistogram: UPPER_BOUNDS.map((upperMs, i) => ({
      upperMs,
      count: [0, 0, 150, 900, 3400, 4100, 1600, 500, 240, 80, 20, 8, 2, 0, 0, 0, 0][i] ?? 0,
    })),
    series: series(20, 550, 5),
    rate: { sentPerSecond: 544.6, verifiedPerSecond: 539.2 },
    passed: true,
    problems: [],
  };
}

export function failingRun(): FleetRunResult {
  const faults = FAULT_KINDS.map((kind) => ok(kind, 10)).map((fault): FaultOutcome => {
    if (fault.fault === 'revoked') {
      return { ...fault, observed: { 'verification-failed.revoked': 7, verified: 3 }, ok: false };
    }
    if (fault.fault === 'garbage') {
      return { ...fault, observed: { 'parse-failed': 9, [HOSTILE_REASON]: 1 }, ok: false };
    }
    return fault;
  });
  const passing = passingRun();
  return {
    ...passing,
    gateway: { brokerUrl: 'mqtt://127.0.0.1:1883', instances: 1 },
    totals: { ...passing.totals, verified: 10_958, lost: 42, rejected: 97, slipped: 3, misclassified: 1 },
    faults,
    rejections: { ...rejections(faults), 'not-authorized.acl': 3 },
    series: series(20, 550, 5, 17),
    rate: { sentPerSecond: 544.6, verifiedPerSecond: 537.2 },
    passed: false,
    problems: [
      '42 valid readings lost (never verified by the end of the drain)',
      '3 revoked injections came out verified',
      `1 garbage injection observed as ${HOSTILE_REASON}`,
    ],
  };
}

/** A run that sent nothing: every chart must draw its "no data" state, not divide by zero. */
export function emptyRun(): FleetRunResult {
  return {
    startedAt: 0,
    durationMs: 0,
    clock: 'virtual',
    fleet: { devices: 0, connections: 0, runtimes: {} },
    gateway: { brokerUrl: 'mqtt://127.0.0.1:1883', instances: 1 },
    totals: {
      sent: 0,
      valid: 0,
      verified: 0,
      duplicates: 0,
      lost: 0,
      injected: 0,
      rejected: 0,
      slipped: 0,
      misclassified: 0,
    },
    faults: [],
    rejections: {},
    latency: {
      count: 0,
      mean: Number.NaN,
      p50: Number.NaN,
      p90: Number.NaN,
      p95: Number.NaN,
      p99: Number.NaN,
      p999: Number.NaN,
      max: Number.NaN,
    },
    latencyHistogram: UPPER_BOUNDS.map((upperMs) => ({ upperMs, count: 0 })),
    series: [],
    rate: { sentPerSecond: 0, verifiedPerSecond: 0 },
    passed: true,
    problems: [],
  };
}
