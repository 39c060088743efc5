/**
 * The simulator's live counters for Prometheus, served on 127.0.0.1 while a
 * run goes, beside the per-second progress lines:
 *
 *   const metrics = createSimulatorMetrics();
 *   const server = await metrics.serve(9465);   // 0: any free port (server.port)
 *   metrics.sent(); metrics.verified(); metrics.latency(3.2); metrics.rejected('scope-denied');
 *   await server.close();
 *
 * Its own prom-client Registry, so a gateway in the same process (`npm start`)
 * keeps its own. No per-device label: one series per device would grow with
 * the fleet. The one label, `reason`, is a DLQ topic segment that anyone who
 * may publish under `dlq/` chooses, so it is bounded too: shown through
 * `printable` (controls visible, cut to REASON_LABEL_LENGTH characters), and
 * past MAX_REASONS distinct reasons the rest count under `(other)`.
 */

import { Counter, collectDefaultMetrics, Histogram, Registry } from 'prom-client';
import { startHealthServer } from 'xlink/gateway/node';
import { printable } from './printable.js';

export const MAX_REASONS = 64;
export const REASON_LABEL_LENGTH = 120;
export const OTHER_REASONS = '(other)';

export interface SimulatorMetrics {
  sent(count?: number): void;
  verified(count?: number): void;
  rejected(reason: string): void;
  lost(count: number): void;
  /** Publish to forwarded record, in milliseconds (the run result's unit); exported in seconds. */
  latency(ms: number): void;
  serve(port: number): Promise<{ readonly port: number; close(): Promise<void> }>;
}

export function createSimulatorMetrics(): SimulatorMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'xlink_simulator_' });
  const registers = [registry];
  const sent = new Counter({
    name: 'xlink_simulator_sent_total',
    help: 'Messages the simulated devices published (valid and injected faults)',
    registers,
  });
  const verified = new Counter({
    name: 'xlink_simulator_verified_total',
    help: 'Records observed on the gateway verified sink',
    registers,
  });
  const rejected = new Counter({
    name: 'xlink_simulator_rejected_total',
    help: 'Messages observed on the gateway dead-letter topic, by its reason segment',
    labelNames: ['reason'],
    registers,
  });
  const lost = new Counter({
    name: 'xlink_simulator_lost_total',
    help: 'Valid messages never verified by the end of the drain',
    registers,
  });
  const latency = new Histogram({
    name: 'xlink_simulator_latency_seconds',
    help: 'Time from a device publish to its record on the verified sink',
    buckets: [0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers,
  });
  const reasons = new Set<string>();
  const reasonLabel = (reason: string): string => {
    const label = printable(reason, REASON_LABEL_LENGTH);
    if (reasons.has(label)) return label;
    if (reasons.size >= MAX_REASONS) return OTHER_REASONS;
    reasons.add(label);
    return label;
  };
  return {
    sent: (count = 1) => sent.inc(count),
    verified: (count = 1) => verified.inc(count),
    rejected: (reason) => rejected.inc({ reason: reasonLabel(reason) }),
    lost: (count) => lost.inc(count),
    latency: (ms) => latency.observe(ms / 1000),
    // The gateway's endpoint: /metrics, plus /livez and /readyz, which answer 200 while the run goes.
    serve: (port) => startHealthServer('127.0.0.1', port, registry, () => undefined),
  };
}
