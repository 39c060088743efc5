/**
 * `xlink simulate`: a fleet against a gateway, then the verdict (docs/simulator.md).
 * The bin loads this module by path (src/cli/external-commands.ts).
 *
 *   xlink simulate --embedded --devices 100 --rate 2 --duration 20 --faults every
 *   xlink simulate --broker mqtt://127.0.0.1:1883 --gateway-health http://127.0.0.1:9464 \
 *     --registry trust.log --operator-key operator.key --devices 1000 --rate 1 --duration 60
 *
 * The summary formats are simulator/summary.ts's, the HTML report
 * report/html.ts's, live Prometheus metrics metrics.ts's, the XS and QuickJS
 * devices engines/'s.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { isXlinkError } from 'xlink/errors';
import { errorHint } from 'xlink/errors/hints';
import { VirtualClock } from 'xlink/platform';
import { type EmbeddedTarget, startEmbeddedTarget } from './embedded-target.js';
import { createQuickJsFleetDevice, createXsFleetDevice } from './engines/index.js';
import { parseSimulateFlags, SIMULATE_HELP, type SimulateConfig } from './flags.js';
import {
  createOperatorKey,
  type FleetMember,
  importManifest,
  loadManifestFleet,
  provisionFleet,
  type RegistryAccess,
} from './fleet-source.js';
import { createSimulatorMetrics } from './metrics.js';
import { renderHtmlReport } from './report/html.js';
import { runFleet } from './run-fleet.js';
import type { FleetRunResult } from './run-result.js';
import { summaryCsv, summaryJson, summaryTable } from './summary.js';

/** The devices that run inside a real engine; every other device runs on Node. */
const ENGINE_FACTORIES = { xs: createXsFleetDevice, quickjs: createQuickJsFleetDevice } as const;

export interface SimulateStreams {
  readonly stdout: { write(text: string): unknown };
  readonly stderr: { write(text: string): unknown };
}

export async function main(argv: readonly string[], streams: SimulateStreams = process): Promise<number> {
  const args = argv[0] === 'simulate' ? argv.slice(1) : argv;
  try {
    const config = parseSimulateFlags(args);
    if (config.help) {
      streams.stdout.write(`${SIMULATE_HELP}\n`);
      return 0;
    }
    const result = await simulate(config, (line) => streams.stderr.write(`${line}\n`));
    streams.stdout.write(formatResult(config, result.result));
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
    const metrics = config.metricsPort === undefined ? undefined : createSimulatorMetrics();
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
      factories: ENGINE_FACTORIES,
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
    if (config.report !== undefined) {
      // The full path is printed, so the report can be opened from wherever the run was started.
      const report = resolve(config.report);
      await writeFile(report, renderHtmlReport(result, { title: `xlink simulate: ${config.app}` }));
      return { result, report };
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

function formatResult(config: SimulateConfig, result: FleetRunResult): string {
  if (config.output === 'json') return summaryJson(result);
  if (config.output === 'csv') return summaryCsv(result);
  return summaryTable(result);
}
