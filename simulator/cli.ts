/**
 * `xlink simulate`: a fleet against a gateway, then the verdict (docs/simulator.md).
 * The bin loads this module by path (src/cli/external-commands.ts).
 *
 *   xlink simulate --embedded --devices 100 --rate 2 --duration 20 --faults every
 *   xlink simulate --broker mqtt://127.0.0.1:1883 --gateway-health http://127.0.0.1:9464 \
 *     --registry trust.log --operator-key operator.key --devices 1000 --rate 1 --duration 60
 *
 * The summary formats, the HTML report, live Prometheus metrics and the XS /
 * QuickJS devices are other modules' (simulator/summary.ts, report/,
 * metrics.ts, engines/); they reach this command through `SimulatorWiring`.
 * A flag whose module is not wired is refused, never faked.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isXlinkError, xlinkError } from 'xlink/errors';
import { errorHint } from 'xlink/errors/hints';
import { VirtualClock } from 'xlink/platform';
import { type EmbeddedTarget, startEmbeddedTarget } from './embedded-target.js';
import { parseSimulateFlags, SIMULATE_HELP, type SimulateConfig } from './flags.js';
import type { DeviceRuntime, FleetDeviceFactory } from './fleet-device.js';
import {
  createOperatorKey,
  type FleetMember,
  importManifest,
  loadManifestFleet,
  provisionFleet,
  type RegistryAccess,
} from './fleet-source.js';
import { runFleet } from './run-fleet.js';
import type { FleetRunResult } from './run-result.js';
import type { RunMetrics } from './tracker.js';

/** What other modules give this command; the integrator fills `WIRING` from them. */
export interface SimulatorWiring {
  readonly factories?: Readonly<Partial<Record<DeviceRuntime, FleetDeviceFactory>>>;
  readonly summaryTable?: (result: FleetRunResult) => string;
  readonly summaryJson?: (result: FleetRunResult) => string;
  readonly summaryCsv?: (result: FleetRunResult) => string;
  readonly renderHtmlReport?: (result: FleetRunResult, options?: { readonly title?: string }) => string;
  readonly createSimulatorMetrics?: () => RunMetrics & {
    lost(count: number): void;
    serve(port: number): Promise<{ readonly port: number; close(): Promise<void> }>;
  };
}

export const WIRING: SimulatorWiring = {};

export interface SimulateStreams {
  readonly stdout: { write(text: string): unknown };
  readonly stderr: { write(text: string): unknown };
}

export async function main(
  argv: readonly string[],
  streams: SimulateStreams = process,
  wiring: SimulatorWiring = WIRING,
): Promise<number> {
  const args = argv[0] === 'simulate' ? argv.slice(1) : argv;
  try {
    const config = parseSimulateFlags(args);
    if (config.help) {
      streams.stdout.write(`${SIMULATE_HELP}\n`);
      return 0;
    }
    requireWiring(config, wiring);
    const result = await simulate(config, wiring, (line) => streams.stderr.write(`${line}\n`));
    streams.stdout.write(`${formatResult(config, result.result, wiring)}\n`);
    if (result.report !== undefined) streams.stderr.write(`report     ${result.report}\n`);
    return result.result.passed ? 0 : 1;
  } catch (error) {
    if (!isXlinkError(error)) throw error;
    const usage = error.code === 'INVALID_ARGUMENT:SIMULATOR_CONFIG' ? `\n\n${SIMULATE_HELP}` : '';
    streams.stderr.write(`xlink: ${error.code}: ${error.message}\n${errorHint(error.code)}${usage}\n`);
    return 2;
  }
}

/** Sets up the fleet and the target, runs, tears everything down; the result and the report's path. */
export async function simulate(
  config: SimulateConfig,
  wiring: SimulatorWiring,
  progress: (line: string) => void,
): Promise<{ readonly result: FleetRunResult; readonly report?: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'xlink-simulate-'));
  let target: EmbeddedTarget | undefined;
  let server: { close(): Promise<void> } | undefined;
  try {
    let registry: RegistryAccess | undefined;
    if (config.embedded) {
      registry = { registryPath: join(dir, 'trust.log'), operatorKeyPath: join(dir, 'operator.key') };
      await createOperatorKey(registry.operatorKeyPath);
    } else if (config.registry !== undefined && config.operatorKey !== undefined) {
      registry = { registryPath: config.registry, operatorKeyPath: config.operatorKey };
    }
    const members = await fleetOf(config, dir, registry);
    const needs = (kind: 'revoked' | 'counter-rollback' | 'unknown-device'): boolean => (config.faults[kind] ?? 0) > 0;
    const helpers =
      registry !== undefined && (needs('revoked') || needs('counter-rollback'))
        ? await provisionFleet({ dir, count: 2, batch: 'SIM-HELPERS', registry })
        : [];
    const [stranger] = needs('unknown-device') ? await provisionFleet({ dir, count: 1, batch: 'SIM-UNKNOWN' }) : [];
    const clock = config.virtualClock ? new VirtualClock(Date.now()) : undefined;
    if (config.embedded) {
      target = await startEmbeddedTarget({
        dir,
        app: config.app,
        registryPath: (registry as RegistryAccess).registryPath,
        gateway: { maxEnvelopeBytes: config.maxEnvelopeBytes },
        ...(clock === undefined ? {} : { now: () => clock.now() }),
      });
      progress(`gateway    ${target.gateway.clientId} on the embedded broker ${target.brokerUrl}`);
    }
    const metrics = wiring.createSimulatorMetrics?.();
    if (metrics !== undefined && config.metricsPort !== undefined) {
      const served = await metrics.serve(config.metricsPort);
      server = served;
      progress(`metrics    http://127.0.0.1:${served.port}/metrics`);
    }
    const result = await runFleet({
      brokerUrl: target?.brokerUrl ?? (config.brokerUrl as string),
      healthUrls: target?.healthUrls ?? config.healthUrls,
      app: config.app,
      members,
      runtimes: config.runtimes,
      ...(wiring.factories === undefined ? {} : { factories: wiring.factories }),
      ...(needs('revoked') && helpers[0] !== undefined ? { victim: helpers[0] } : {}),
      ...(needs('counter-rollback') && helpers[1] !== undefined ? { rollback: helpers[1] } : {}),
      ...(stranger === undefined ? {} : { stranger }),
      ...(registry === undefined ? {} : { registry }),
      ...(clock === undefined ? {} : { clock }),
      rate: config.rate,
      jitter: config.jitter,
      warmupMs: config.warmupMs,
      ...(config.count === undefined ? { durationMs: config.durationMs as number } : { count: config.count }),
      faults: config.faults,
      multiplex: config.multiplex,
      connectConcurrency: config.connectConcurrency,
      inflight: config.inflight,
      payloadBytes: config.payloadBytes,
      maxEnvelopeBytes: config.maxEnvelopeBytes,
      skewMs: config.skewMs,
      drainMs: config.drainMs,
      seed: config.seed,
      ...(metrics === undefined ? {} : { metrics }),
      progress,
    });
    metrics?.lost(result.totals.lost);
    if (config.report !== undefined && wiring.renderHtmlReport !== undefined) {
      await writeFile(config.report, wiring.renderHtmlReport(result, { title: `xlink simulate: ${config.app}` }));
      return { result, report: config.report };
    }
    return { result };
  } finally {
    await server?.close();
    await target?.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

async function fleetOf(
  config: SimulateConfig,
  dir: string,
  registry: RegistryAccess | undefined,
): Promise<FleetMember[]> {
  if (config.manifest !== undefined && config.artifacts !== undefined) {
    // The embedded gateway's registry is new: the batch is imported into it, as an operator would.
    if (config.embedded && registry !== undefined) await importManifest(registry, config.manifest);
    return loadManifestFleet(config.manifest, config.artifacts);
  }
  return provisionFleet({ dir, count: config.devices, batch: 'SIM', ...(registry === undefined ? {} : { registry }) });
}

function requireWiring(config: SimulateConfig, wiring: SimulatorWiring): void {
  const missing = (flag: string, module: string): never => {
    throw xlinkError(
      'INVALID_ARGUMENT:SIMULATOR_CONFIG',
      `${flag} needs ${module}, which this build does not include`,
      {
        field: flag.slice(2),
      },
    );
  };
  if (config.output === 'json' && wiring.summaryJson === undefined) missing('--json', 'simulator/summary.ts');
  if (config.output === 'csv' && wiring.summaryCsv === undefined) missing('--csv', 'simulator/summary.ts');
  if (config.report !== undefined && wiring.renderHtmlReport === undefined) missing('--report', 'simulator/report/');
  if (config.metricsPort !== undefined && wiring.createSimulatorMetrics === undefined) {
    missing('--metrics-port', 'simulator/metrics.ts');
  }
}

function formatResult(config: SimulateConfig, result: FleetRunResult, wiring: SimulatorWiring): string {
  if (config.output === 'json' && wiring.summaryJson !== undefined) return wiring.summaryJson(result);
  if (config.output === 'csv' && wiring.summaryCsv !== undefined) return wiring.summaryCsv(result);
  return (wiring.summaryTable ?? plainSummary)(result);
}

/** The verdict in a few lines, until simulator/summary.ts's table is wired in its place. */
function plainSummary(result: FleetRunResult): string {
  const t = result.totals;
  const l = result.latency;
  const ms = (value: number): string => value.toFixed(2);
  const lines = [
    `${result.passed ? 'passed' : 'FAILED'}     sent=${t.sent} valid=${t.valid} verified=${t.verified} lost=${t.lost} duplicates=${t.duplicates} injected=${t.injected} rejected=${t.rejected} slipped=${t.slipped} misclassified=${t.misclassified}`,
    ...result.faults.map(
      (f) =>
        `fault      ${f.fault} injected=${f.injected} expected=${f.expected} observed=${Object.entries(f.observed)
          .map(([k, v]) => `${k}:${v}`)
          .join(',')}${f.ok ? '' : ' MISMATCH'}`,
    ),
    `latency    p50=${ms(l.p50)} p90=${ms(l.p90)} p95=${ms(l.p95)} p99=${ms(l.p99)} p99.9=${ms(l.p999)} max=${ms(l.max)} ms (${result.clock} clock)`,
    `rate       sent=${result.rate.sentPerSecond.toFixed(1)}/s verified=${result.rate.verifiedPerSecond.toFixed(1)}/s; ${result.fleet.devices} devices on ${result.fleet.connections} connections`,
    ...result.problems.map((problem) => `problem    ${problem}`),
  ];
  return lines.join('\n');
}
