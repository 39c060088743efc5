// The simulator's live Prometheus counters (simulator/metrics.ts), scraped
// over HTTP from the endpoint it serves on 127.0.0.1, as Prometheus would.
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { createSimulatorMetrics, MAX_REASONS, OTHER_REASONS, REASON_LABEL_LENGTH } from '../../simulator/metrics.js';

const servers: { close(): Promise<void> }[] = [];
after(async () => {
  for (const server of servers) await server.close();
});

async function scrape(port: number): Promise<{ status: number; type: string; body: string }> {
  const response = await fetch(`http://127.0.0.1:${port}/metrics`);
  return { status: response.status, type: response.headers.get('content-type') ?? '', body: await response.text() };
}

/** The value of one sample line (`name{labels} value`), or undefined. */
function sample(body: string, series: string): number | undefined {
  const line = body.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('createSimulatorMetrics', () => {
  it('serves the counters and the latency histogram (in seconds) on /metrics', async () => {
    const metrics = createSimulatorMetrics();
    const server = await metrics.serve(0);
    servers.push(server);
    assert.ok(server.port > 0);
    metrics.sent();
    metrics.sent(9);
    metrics.verified(7);
    metrics.rejected('scope-denied');
    metrics.rejected('scope-denied');
    metrics.rejected('timestamp-expired.future');
    metrics.lost(2);
    for (const ms of [0.5, 3, 40, 40, 2000]) metrics.latency(ms);
    const { status, type, body } = await scrape(server.port);
    assert.equal(status, 200);
    assert.match(type, /^text\/plain; version=0\.0\.4/);
    assert.equal(sample(body, 'xlink_simulator_sent_total'), 10);
    assert.equal(sample(body, 'xlink_simulator_verified_total'), 7);
    assert.equal(sample(body, 'xlink_simulator_rejected_total{reason="scope-denied"}'), 2);
    assert.equal(sample(body, 'xlink_simulator_rejected_total{reason="timestamp-expired.future"}'), 1);
    assert.equal(sample(body, 'xlink_simulator_lost_total'), 2);
    assert.equal(sample(body, 'xlink_simulator_latency_seconds_count'), 5);
    assert.ok(Math.abs((sample(body, 'xlink_simulator_latency_seconds_sum') ?? 0) - 2.0835) < 1e-9);
    assert.equal(sample(body, 'xlink_simulator_latency_seconds_bucket{le="0.001"}'), 1);
    assert.equal(sample(body, 'xlink_simulator_latency_seconds_bucket{le="0.005"}'), 2);
    assert.equal(sample(body, 'xlink_simulator_latency_seconds_bucket{le="0.05"}'), 4);
    assert.equal(sample(body, 'xlink_simulator_latency_seconds_bucket{le="+Inf"}'), 5);
    // Process figures beside them, to tell a saturated simulator from a slow gateway.
    assert.ok((sample(body, 'xlink_simulator_process_cpu_seconds_total') ?? -1) >= 0);
    // Counters only go up: a second scrape after more sends shows the sum.
    metrics.sent(5);
    assert.equal(sample((await scrape(server.port)).body, 'xlink_simulator_sent_total'), 15);
  });

  it('carries no per-device label: every series is named by reason or nothing', async () => {
    const metrics = createSimulatorMetrics();
    const server = await metrics.serve(0);
    servers.push(server);
    metrics.rejected('scope-denied');
    metrics.latency(1);
    const { body } = await scrape(server.port);
    const labels = new Set(
      body
        .split('\n')
        .filter(
          (line) =>
            line.startsWith('xlink_simulator_') &&
            !line.startsWith('xlink_simulator_process_') &&
            !line.startsWith('xlink_simulator_nodejs_'),
        )
        .flatMap((line) => [...line.matchAll(/([a-z_]+)="/g)].map((m) => m[1])),
    );
    assert.deepEqual([...labels].sort(), ['le', 'reason']);
  });

  it('two in one process keep their own registries (a gateway and a simulator side by side)', async () => {
    const a = createSimulatorMetrics();
    const b = createSimulatorMetrics();
    const [sa, sb] = [await a.serve(0), await b.serve(0)];
    servers.push(sa, sb);
    a.sent(3);
    b.sent(1);
    assert.equal(sample((await scrape(sa.port)).body, 'xlink_simulator_sent_total'), 3);
    assert.equal(sample((await scrape(sb.port)).body, 'xlink_simulator_sent_total'), 1);
  });

  it('bounds the reason label: cut to 120 characters, past 64 reasons the rest count as (other)', async () => {
    const metrics = createSimulatorMetrics();
    const server = await metrics.serve(0);
    servers.push(server);
    const long = `x${'y'.repeat(500)}`;
    metrics.rejected(long);
    metrics.rejected(`${long}z`); // the same label once cut
    for (let i = 0; i < MAX_REASONS + 6; i++) metrics.rejected(`reason-${i}`);
    metrics.rejected('reason-0'); // already known: keeps its own series
    const { body } = await scrape(server.port);
    const series = body.split('\n').filter((line) => line.startsWith('xlink_simulator_rejected_total{'));
    assert.equal(series.length, MAX_REASONS + 1);
    assert.equal(
      sample(body, `xlink_simulator_rejected_total{reason="${long.slice(0, REASON_LABEL_LENGTH - 1)}…"}`),
      2,
    );
    assert.equal(sample(body, 'xlink_simulator_rejected_total{reason="reason-0"}'), 2);
    assert.equal(sample(body, `xlink_simulator_rejected_total{reason="${OTHER_REASONS}"}`), 7);
  });

  it('a reason with quotes, a backslash and a newline stays one sample line', async () => {
    const metrics = createSimulatorMetrics();
    const server = await metrics.serve(0);
    servers.push(server);
    metrics.rejected('a"b\\c\nxlink_simulator_sent_total 1e9');
    const { body } = await scrape(server.port);
    // The newline arrives as printable's \u000a (its backslash escaped), the quote and backslash escaped by prom-client.
    assert.equal(
      sample(body, 'xlink_simulator_rejected_total{reason="a\\"b\\\\c\\\\u000axlink_simulator_sent_total 1e9"}'),
      1,
    );
    assert.equal(sample(body, 'xlink_simulator_sent_total'), 0, 'no injected sample line');
  });

  it('answers only GET on /metrics (and the health paths), and stops listening at close', async () => {
    const metrics = createSimulatorMetrics();
    const server = await metrics.serve(0);
    assert.equal((await fetch(`http://127.0.0.1:${server.port}/other`)).status, 404);
    assert.equal((await fetch(`http://127.0.0.1:${server.port}/metrics`, { method: 'POST' })).status, 405);
    assert.equal((await fetch(`http://127.0.0.1:${server.port}/livez`)).status, 200);
    await server.close();
    await assert.rejects(fetch(`http://127.0.0.1:${server.port}/metrics`));
  });
});
