/**
 * `xlink simulate` flags → a checked configuration; every bad flag is a
 * INVALID_ARGUMENT:SIMULATOR_CONFIG naming it (node:util parseArgs' own errors are
 * turned into that code too).
 *
 *   parseSimulateFlags(['--embedded', '--devices', '100', '--rate', '2', '--duration', '20', '--faults', 'every'])
 */
import { parseArgs } from 'node:util';
import { quote, xlinkError } from 'xlink/errors';
import { type FaultMix, parseFaultMix } from './faults.js';

export const SIMULATE_HELP = `Usage: xlink simulate (--embedded | --broker URL --gateway-health URL[,URL…]) [options]

Target
  --embedded                 start an embedded broker and the gateway in this process (temp folder, file registry)
  --broker URL               the broker the gateways read (mqtt://host:1883)
  --gateway-health URLS      the gateways' health endpoints, comma-separated (http://127.0.0.1:9464): duplicates are counted there
  --app NAME                 the gateway's app (topics dt/{app}/…, verified/{app}/…, dlq/{app}/…); default acme
Fleet (one of)
  --devices N                provision N devices now (xlink provision) and import them (xlink registry import); default 10
  --manifest FILE --artifacts DIR   a provisioned batch: its manifest.jsonl and artifact folder
  --registry FILE --operator-key FILE   the gateway's registry and its operator key (external target: where --devices are
                             imported and where the revoked fault revokes)
  --runtime xs=N,quickjs=N   run N devices in another engine (the rest on Node)
Connections
  --multiplex M              devices per MQTT connection; default 1 (each device its own connection)
  --connect-concurrency C    connects in flight during the ramp; default 200
Schedule
  --rate R                   readings per second per device; default 1
  --jitter J                 each interval varies by ±J (0 to 1); default 0.1
  --warmup S                 seconds of valid readings before the measured window; default 0
  --duration S | --count N   the measured window in seconds, or N readings per device; default --duration 10
  --virtual-clock            run on a virtual clock (needs --embedded: the gateway shares it)
  --seed N                   the schedule's jitter seed; default 1
  --inflight N               sends in flight at once (real clock); default 20000
Payload
  --payload-bytes B          pad each JSON reading to B bytes; default no padding
Faults
  --faults SPEC              kind=percent,… of ${'replay, tampered, stale, future, counter-rollback, unknown-device,'}
                             revoked, wrong-scope, topic-spoof, oversize, garbage; or a mix: none, every, attacks, clocks
  --skew-ms MS               how far stale/future readings are dated off; default 3600000
  --max-envelope-bytes B     the gateway's envelope limit (oversize sends one byte more); default 65536
  --drain-ms MS              longest wait for outstanding outcomes at the end; default 10000
Output (the summary table on stdout, progress lines on stderr)
  --json | --csv             the summary as JSON or CSV instead
  --report FILE              write the single-file HTML report
  --metrics-port P           serve Prometheus /metrics on 127.0.0.1:P while running
  --help
Exit codes: 0 passed, 1 a valid reading was lost or duplicated or a fault slipped through or was misclassified,
2 a bad flag (INVALID_ARGUMENT:SIMULATOR_CONFIG) or the run could not start.`;

export interface SimulateConfig {
  readonly embedded: boolean;
  readonly brokerUrl?: string;
  readonly healthUrls: readonly string[];
  readonly app: string;
  readonly devices: number;
  readonly manifest?: string;
  readonly artifacts?: string;
  readonly registry?: string;
  readonly operatorKey?: string;
  readonly runtimes: Readonly<{ xs?: number; quickjs?: number }>;
  readonly multiplex: number;
  readonly connectConcurrency: number;
  readonly rate: number;
  readonly jitter: number;
  readonly warmupMs: number;
  readonly durationMs?: number;
  readonly count?: number;
  readonly virtualClock: boolean;
  readonly seed: number;
  readonly inflight: number;
  readonly payloadBytes: number;
  readonly faults: FaultMix;
  readonly skewMs: number;
  readonly maxEnvelopeBytes: number;
  readonly drainMs: number;
  readonly output: 'table' | 'json' | 'csv';
  readonly report?: string;
  readonly metricsPort?: number;
  readonly help: boolean;
}

const OPTIONS = {
  embedded: { type: 'boolean' },
  broker: { type: 'string' },
  'gateway-health': { type: 'string' },
  app: { type: 'string' },
  devices: { type: 'string' },
  manifest: { type: 'string' },
  artifacts: { type: 'string' },
  registry: { type: 'string' },
  'operator-key': { type: 'string' },
  runtime: { type: 'string' },
  multiplex: { type: 'string' },
  'connect-concurrency': { type: 'string' },
  rate: { type: 'string' },
  jitter: { type: 'string' },
  warmup: { type: 'string' },
  duration: { type: 'string' },
  count: { type: 'string' },
  'virtual-clock': { type: 'boolean' },
  seed: { type: 'string' },
  inflight: { type: 'string' },
  'payload-bytes': { type: 'string' },
  faults: { type: 'string' },
  'skew-ms': { type: 'string' },
  'max-envelope-bytes': { type: 'string' },
  'drain-ms': { type: 'string' },
  json: { type: 'boolean' },
  csv: { type: 'boolean' },
  report: { type: 'string' },
  'metrics-port': { type: 'string' },
  help: { type: 'boolean' },
} as const;

export function parseSimulateFlags(argv: readonly string[]): SimulateConfig {
  let values: Partial<Record<keyof typeof OPTIONS, string | boolean>>;
  try {
    values = parseArgs({ args: [...argv], options: OPTIONS, strict: true, allowPositionals: false }).values;
  } catch (error) {
    throw invalid('flags', (error as Error).message);
  }
  const text = (name: keyof typeof OPTIONS): string | undefined => values[name] as string | undefined;
  const flag = (name: keyof typeof OPTIONS): boolean => values[name] === true;
  const number = (name: keyof typeof OPTIONS, min: number, max: number, integer: boolean): number | undefined => {
    const raw = text(name);
    if (raw === undefined) return undefined;
    const value = Number(raw);
    if (
      raw.trim() === '' ||
      !Number.isFinite(value) ||
      value < min ||
      value > max ||
      (integer && !Number.isInteger(value))
    ) {
      throw invalid(
        name,
        `--${name} expected ${integer ? 'a whole number' : 'a number'} from ${min} to ${max}, got ${quote(raw)}`,
      );
    }
    return value;
  };
  if (flag('help')) return { ...defaults(), help: true };

  const embedded = flag('embedded');
  const brokerUrl = text('broker');
  if (embedded === (brokerUrl !== undefined))
    throw invalid('broker', 'give exactly one of --embedded and --broker URL');
  if (brokerUrl !== undefined && !/^(mqtts?|wss?):\/\/[^\s]+$/.test(brokerUrl)) {
    throw invalid('broker', `--broker expected mqtt://, mqtts://, ws:// or wss:// URL, got ${quote(brokerUrl)}`);
  }
  const healthUrls = (text('gateway-health') ?? '').split(',').filter((url) => url.trim() !== '');
  for (const url of healthUrls) {
    if (!/^https?:\/\/[^\s]+$/.test(url))
      throw invalid('gateway-health', `--gateway-health expected http:// URLs, got ${quote(url)}`);
  }
  if (embedded && healthUrls.length > 0)
    throw invalid('gateway-health', '--gateway-health is for an external gateway, not --embedded');
  const manifest = text('manifest');
  const artifacts = text('artifacts');
  if ((manifest === undefined) !== (artifacts === undefined))
    throw invalid('manifest', '--manifest and --artifacts go together');
  if (manifest !== undefined && text('devices') !== undefined)
    throw invalid('devices', 'give --devices or --manifest, not both');
  const registry = text('registry');
  const operatorKey = text('operator-key');
  if ((registry === undefined) !== (operatorKey === undefined))
    throw invalid('registry', '--registry and --operator-key go together');
  if (embedded && registry !== undefined)
    throw invalid('registry', '--embedded makes its own registry; --registry is for an external gateway');
  if (!embedded && manifest === undefined && registry === undefined) {
    throw invalid(
      'registry',
      'an external gateway needs --registry and --operator-key to import generated --devices into (or a --manifest already imported)',
    );
  }
  const duration = number('duration', 0.001, 86_400, false);
  const count = number('count', 1, 1e9, true);
  if (duration !== undefined && count !== undefined) throw invalid('duration', 'give --duration or --count, not both');
  const virtualClock = flag('virtual-clock');
  if (virtualClock && !embedded)
    throw invalid('virtual-clock', '--virtual-clock needs --embedded: the gateway must run on the same clock');
  if (flag('json') && flag('csv')) throw invalid('json', 'give --json or --csv, not both');
  const base = defaults();
  return {
    ...base,
    embedded,
    ...(brokerUrl === undefined ? {} : { brokerUrl }),
    healthUrls,
    app: parseApp(text('app') ?? base.app),
    devices: number('devices', 1, 1_000_000, true) ?? base.devices,
    ...(manifest === undefined ? {} : { manifest }),
    ...(artifacts === undefined ? {} : { artifacts }),
    ...(registry === undefined ? {} : { registry }),
    ...(operatorKey === undefined ? {} : { operatorKey }),
    runtimes: parseRuntimes(text('runtime')),
    multiplex: number('multiplex', 1, 1_000_000, true) ?? base.multiplex,
    connectConcurrency: number('connect-concurrency', 1, 100_000, true) ?? base.connectConcurrency,
    rate: number('rate', 0.001, 100_000, false) ?? base.rate,
    jitter: number('jitter', 0, 1, false) ?? base.jitter,
    warmupMs: (number('warmup', 0, 86_400, false) ?? 0) * 1000,
    ...(count === undefined ? { durationMs: (duration ?? 10) * 1000 } : { count }),
    virtualClock,
    seed: number('seed', 0, 2 ** 32 - 1, true) ?? base.seed,
    inflight: number('inflight', 1, 10_000_000, true) ?? base.inflight,
    payloadBytes: number('payload-bytes', 0, 268_435_455, true) ?? 0,
    faults: parseFaultMix(text('faults') ?? 'none'),
    skewMs: number('skew-ms', 1, 3_153_600_000_000, true) ?? base.skewMs,
    maxEnvelopeBytes: number('max-envelope-bytes', 128, 268_435_455, true) ?? base.maxEnvelopeBytes,
    drainMs: number('drain-ms', 0, 3_600_000, true) ?? base.drainMs,
    output: flag('json') ? 'json' : flag('csv') ? 'csv' : 'table',
    ...(text('report') === undefined ? {} : { report: text('report') as string }),
    ...(text('metrics-port') === undefined ? {} : { metricsPort: number('metrics-port', 0, 65_535, true) as number }),
    help: false,
  };
}

function defaults(): SimulateConfig {
  return {
    embedded: false,
    healthUrls: [],
    app: 'acme',
    devices: 10,
    runtimes: {},
    multiplex: 1,
    connectConcurrency: 200,
    rate: 1,
    jitter: 0.1,
    warmupMs: 0,
    durationMs: 10_000,
    virtualClock: false,
    seed: 1,
    inflight: 20_000,
    payloadBytes: 0,
    faults: {},
    skewMs: 3_600_000,
    maxEnvelopeBytes: 65_536,
    drainMs: 10_000,
    output: 'table',
    help: false,
  };
}

function parseApp(app: string): string {
  if (!/^[A-Za-z0-9._-]{1,64}$/.test(app)) throw invalid('app', `--app expected a topic-safe name, got ${quote(app)}`);
  return app;
}

function parseRuntimes(text: string | undefined): { xs?: number; quickjs?: number } {
  const out: { xs?: number; quickjs?: number } = {};
  for (const part of (text ?? '').split(',')) {
    if (part.trim() === '') continue;
    const [name, value] = part.split('=');
    const count = Number(value);
    if ((name !== 'xs' && name !== 'quickjs') || !Number.isInteger(count) || count < 0) {
      throw invalid('runtime', `--runtime expected xs=N,quickjs=N, got ${quote(part)}`);
    }
    out[name] = count;
  }
  return out;
}

function invalid(field: string, message: string): Error {
  return xlinkError('INVALID_ARGUMENT:SIMULATOR_CONFIG', message, { field });
}
