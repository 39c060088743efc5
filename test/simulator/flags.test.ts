import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseSimulateFlags, SIMULATE_HELP } from '../../simulator/flags.js';

test('defaults for an embedded run', () => {
  const config = parseSimulateFlags(['--embedded']);
  assert.equal(config.embedded, true);
  assert.equal(config.devices, 10);
  assert.equal(config.rate, 1);
  assert.equal(config.durationMs, 10_000);
  assert.equal(config.count, undefined);
  assert.equal(config.multiplex, 1);
  assert.deepEqual(config.faults, {});
  assert.equal(config.output, 'table');
});

test('every flag is read', () => {
  const config = parseSimulateFlags([
    '--broker',
    'mqtt://127.0.0.1:1883',
    '--gateway-health',
    'http://127.0.0.1:9464,http://127.0.0.1:9465',
    '--app',
    'plant-7',
    '--devices',
    '500',
    '--registry',
    'trust.log',
    '--operator-key',
    'op.key',
    '--runtime',
    'xs=2,quickjs=3',
    '--multiplex',
    '10',
    '--connect-concurrency',
    '50',
    '--rate',
    '0.5',
    '--jitter',
    '0.3',
    '--warmup',
    '2',
    '--count',
    '7',
    '--seed',
    '42',
    '--inflight',
    '100',
    '--payload-bytes',
    '256',
    '--faults',
    'replay=1,garbage=0.5',
    '--skew-ms',
    '60000',
    '--max-envelope-bytes',
    '4096',
    '--drain-ms',
    '2000',
    '--csv',
    '--report',
    'r.html',
    '--metrics-port',
    '9000',
  ]);
  assert.deepEqual(config, {
    embedded: false,
    brokerUrl: 'mqtt://127.0.0.1:1883',
    healthUrls: ['http://127.0.0.1:9464', 'http://127.0.0.1:9465'],
    app: 'plant-7',
    devices: 500,
    registry: 'trust.log',
    operatorKey: 'op.key',
    runtimes: { xs: 2, quickjs: 3 },
    multiplex: 10,
    connectConcurrency: 50,
    rate: 0.5,
    jitter: 0.3,
    warmupMs: 2000,
    count: 7,
    durationMs: 10_000,
    virtualClock: false,
    seed: 42,
    inflight: 100,
    payloadBytes: 256,
    faults: { replay: 1, garbage: 0.5 },
    skewMs: 60_000,
    maxEnvelopeBytes: 4096,
    drainMs: 2000,
    output: 'csv',
    report: 'r.html',
    metricsPort: 9000,
    help: false,
  });
});

test('bad flags are INVALID_ARGUMENT:SIMULATOR_CONFIG naming the flag', () => {
  const cases: [string[], string][] = [
    [[], 'broker'],
    [['--embedded', '--broker', 'mqtt://x'], 'broker'],
    [['--broker', 'http://x', '--registry', 'a', '--operator-key', 'b'], 'broker'],
    [['--broker', 'mqtt://x'], 'registry'],
    [['--embedded', '--rate', '0'], 'rate'],
    [['--embedded', '--rate', 'fast'], 'rate'],
    [['--embedded', '--devices', '1.5'], 'devices'],
    [['--embedded', '--jitter', '2'], 'jitter'],
    [['--embedded', '--duration', '5', '--count', '3'], 'duration'],
    [['--embedded', '--manifest', 'm.jsonl'], 'manifest'],
    [['--embedded', '--manifest', 'm', '--artifacts', 'a', '--devices', '3'], 'devices'],
    [['--embedded', '--registry', 'r', '--operator-key', 'k'], 'registry'],
    [['--broker', 'mqtt://x', '--registry', 'r'], 'registry'],
    [['--broker', 'mqtt://x', '--manifest', 'm', '--artifacts', 'a', '--virtual-clock'], 'virtual-clock'],
    [['--embedded', '--gateway-health', 'http://x'], 'gateway-health'],
    [['--embedded', '--runtime', 'duktape=1'], 'runtime'],
    [['--embedded', '--faults', 'replay=x'], 'faults'],
    [['--embedded', '--app', 'a/b'], 'app'],
    [['--embedded', '--json', '--csv'], 'json'],
    [['--embedded', '--nosuch'], 'flags'],
    [['--embedded', '--rate'], 'flags'],
  ];
  for (const [argv, field] of cases) {
    assert.throws(() => parseSimulateFlags(argv), { code: 'INVALID_ARGUMENT:SIMULATOR_CONFIG', field }, argv.join(' '));
  }
});

test('--help names every flag the parser takes', () => {
  assert.equal(parseSimulateFlags(['--help']).help, true);
  const source = parseSimulateFlags.toString();
  const names = new Set([...source.matchAll(/(?:text|number|flag)\(['"]([a-z-]+)['"]/g)].map((m) => m[1]));
  assert.ok(names.size >= 28, `only ${names.size} flags found in the parser`);
  for (const name of names) {
    assert.ok(SIMULATE_HELP.includes(`--${name}`), `--${name} missing from the help`);
  }
});
