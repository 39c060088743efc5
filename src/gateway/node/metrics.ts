/**
 * The gateway's Prometheus metrics, on their own prom-client registry (so two
 * gateways in one process, as in tests, do not collide). Labels are bounded:
 * `reason` is an error code, `sink` a sink name; never a device id, which
 * would make one series per device.
 */
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

export interface GatewayMetrics {
  readonly registry: Registry;
  readonly received: Counter;
  readonly verified: Counter;
  readonly rejected: Counter<'reason'>;
  readonly duplicates: Counter;
  readonly forwardFailures: Counter<'sink'>;
  readonly retries: Counter<'cause'>;
  readonly verifyDuration: Histogram;
  readonly forwardLatency: Histogram;
  readonly inflight: Gauge;
  readonly ready: Gauge;
}

export function createGatewayMetrics(): GatewayMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'xlink_gateway_' });
  const registers = [registry];
  return {
    registry,
    received: new Counter({
      name: 'xlink_gateway_messages_received_total',
      help: 'Messages taken from MQTT',
      registers,
    }),
    verified: new Counter({
      name: 'xlink_gateway_messages_verified_total',
      help: 'Messages verified and forwarded to every sink',
      registers,
    }),
    rejected: new Counter({
      name: 'xlink_gateway_messages_rejected_total',
      help: 'Messages refused and dead-lettered, by error code',
      labelNames: ['reason'],
      registers,
    }),
    duplicates: new Counter({
      name: 'xlink_gateway_messages_duplicate_total',
      help: 'Redeliveries of messages already forwarded: acknowledged, not forwarded again',
      registers,
    }),
    forwardFailures: new Counter({
      name: 'xlink_gateway_forward_failures_total',
      help: 'Sink attempts that failed (retried)',
      labelNames: ['sink'],
      registers,
    }),
    retries: new Counter({
      name: 'xlink_gateway_retries_total',
      help: 'Messages held back and retried because the gateway could not decide (registry, replay store, sinks)',
      labelNames: ['cause'],
      registers,
    }),
    verifyDuration: new Histogram({
      name: 'xlink_gateway_verify_duration_seconds',
      help: 'Time from a delivery to its verdict from a verification thread',
      buckets: [0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
      registers,
    }),
    forwardLatency: new Histogram({
      name: 'xlink_gateway_forward_duration_seconds',
      help: 'Time from a delivery to its acknowledgement, sinks included',
      buckets: [0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1, 5],
      registers,
    }),
    inflight: new Gauge({ name: 'xlink_gateway_inflight', help: 'Deliveries being handled', registers }),
    ready: new Gauge({ name: 'xlink_gateway_ready', help: '1 while /readyz answers 200', registers }),
  };
}
