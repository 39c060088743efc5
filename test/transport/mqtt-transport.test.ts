// MqttTransport's own behaviour beyond the contract, on aedes (in process,
// fast): options refused at construction, connecting (timeouts, refusals,
// credentials from files, close while connecting), topics from the template,
// raw publish, lanes, and reconnect() bringing back refused deliveries.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { Aedes } from 'aedes';
import { bytesToHex } from '../../src/codec/bytes.js';
import { createNodeCrypto } from '../../src/crypto/node/index.js';
import { sealTelemetry } from '../../src/envelope/telemetry.js';
import { isXlinkError, unwrap } from '../../src/errors.js';
import { signingKeyFromSeed } from '../../src/identity/derive.js';
import { startEmbeddedBroker } from '../../src/transport/node/embedded-broker.js';
import { MqttTransport, type MqttTransportOptions } from '../../src/transport/node/mqtt-transport.js';
import type { Delivery } from '../../src/transport/transport.js';
import { freePort } from '../helpers/free-port.js';
import { eventually } from '../helpers/mqtt-child.js';
import { runNode, source } from '../helpers/node-child.js';

const TIMEOUT = { timeout: 30_000 };
const DID = 'did:key:z6MkpTHR8VNsBxYAAWHut2Geadd9jSwuBV8xRoAnwWsdvktH';
const broker = await startEmbeddedBroker();
const transports: MqttTransport[] = [];
const dirs: string[] = [];
after(async () => {
  await Promise.all(transports.map((t) => t.close({ drainTimeoutMs: 100 })));
  await broker.close();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

let clients = 0;
function make(options: Partial<MqttTransportOptions> = {}): MqttTransport {
  const transport = new MqttTransport({
    url: broker.url,
    clientId: `unit-${process.pid}-${clients++}`,
    protocolVersion: 4,
    reconnectMinMs: 20,
    reconnectMaxMs: 100,
    ...options,
  });
  transports.push(transport);
  return transport;
}
async function connected(options: Partial<MqttTransportOptions> = {}): Promise<MqttTransport> {
  const transport = make(options);
  const result = await transport.connect();
  assert.ok(result.ok, result.ok ? '' : `${result.error.code}: ${result.error.message}`);
  return transport;
}
const text = (d: Delivery) => new TextDecoder().decode(d.payload);
const bytes = (s: string) => new TextEncoder().encode(s);
function code(result: { ok: boolean; error?: { code: string } }): string {
  return result.ok ? 'ok' : (result.error?.code ?? '?');
}

describe('MqttTransport: options', () => {
  it('refuses what cannot work at construction, with the field named', () => {
    const cases: [Partial<MqttTransportOptions>, string, string][] = [
      [{ url: 'http://x' }, 'INVALID_ARGUMENT', 'url'],
      [{ clientId: '' }, 'INVALID_ARGUMENT', 'clientId'],
      [{ protocolVersion: 3 as 4 }, 'INVALID_ARGUMENT', 'protocolVersion'],
      [{ sessionExpiryInterval: 0 }, 'INVALID_ARGUMENT', 'sessionExpiryInterval'],
      [{ concurrency: 0 }, 'INVALID_ARGUMENT', 'concurrency'],
      [{ concurrency: 5000 }, 'INVALID_ARGUMENT', 'concurrency'],
      [{ reconnectMinMs: 500, reconnectMaxMs: 100 }, 'INVALID_ARGUMENT', 'reconnectMinMs'],
      [{ receiveMaximum: 70_000 }, 'INVALID_ARGUMENT', 'receiveMaximum'],
      [{ subscriptions: ['dt/a+/#'] }, 'INVALID_TOPIC:WILDCARD', 'subscriptions'],
      [{ subscriptions: ['dt/#/x'] }, 'INVALID_TOPIC:WILDCARD', 'subscriptions'],
      [{ subscriptions: [''] }, 'INVALID_ARGUMENT', 'subscriptions'],
      [{ topic: '/dt/{app}' }, 'INVALID_TOPIC:TEMPLATE', 'topic'],
      [{ app: 'Acme' }, 'INVALID_TOPIC:SEGMENT', 'app'],
      [{ deviceId: 'dev+1' }, 'INVALID_TOPIC:WILDCARD', 'deviceId'],
      [{ kind: '$sys' }, 'INVALID_TOPIC:RESERVED', 'kind'],
    ];
    for (const [options, expected, field] of cases) {
      assert.throws(
        () => new MqttTransport({ url: broker.url, clientId: 'x', ...options }),
        (error: unknown) => isXlinkError(error) && error.code === expected && error.field === field,
        JSON.stringify(options),
      );
    }
    assert.ok(new MqttTransport({ url: broker.url, clientId: 'x', subscriptions: ['$share/g/dt/+/+', '#'] }));
  });
});

describe('MqttTransport: connecting', () => {
  it('refuses sends before connect() with SEND_FAILED:NOT_CONNECTED', async () => {
    const transport = make({ app: 'acme', deviceId: 'dev' });
    assert.equal(code(await transport.send(bytes('x'), DID)), 'SEND_FAILED:NOT_CONNECTED');
    assert.equal(code(await transport.publish('dt/a/b/c', bytes('x'))), 'SEND_FAILED:NOT_CONNECTED');
  });

  it(
    'fails with SEND_FAILED:CONNECT after connectTimeoutMs when nothing listens, and can be retried',
    TIMEOUT,
    async () => {
      const port = await freePort();
      const transport = make({ url: `mqtt://127.0.0.1:${port}`, connectTimeoutMs: 400 });
      const result = await transport.connect();
      assert.equal(code(result), 'SEND_FAILED:CONNECT');
      if (!result.ok) assert.match(result.error.message, /ECONNREFUSED/);
      assert.equal(transport.connected, false);
      // A broker appears on that port: the next connect() succeeds.
      const late = await startEmbeddedBroker({ port });
      try {
        assert.equal(code(await transport.connect()), 'ok');
        await transport.close();
      } finally {
        await late.close();
      }
    },
  );

  it('reads credentials from files, and fails at once when the broker refuses them', TIMEOUT, async () => {
    const aedes = await Aedes.createBroker({
      authenticate: (_client, username, password, done) => {
        const ok = username === 'gateway' && password?.toString() === 's3cret';
        done(ok ? null : Object.assign(new Error('bad credentials'), { returnCode: 4 as const }), ok);
      },
    });
    const server = createServer(aedes.handle);
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const url = `mqtt://127.0.0.1:${(server.address() as { port: number }).port}`;
    const dir = mkdtempSync(join(tmpdir(), 'xlink-mqtt-creds-'));
    dirs.push(dir);
    writeFileSync(join(dir, 'user'), 'gateway\n');
    writeFileSync(join(dir, 'good'), 's3cret\n');
    writeFileSync(join(dir, 'bad'), 'guess\n');
    try {
      const good = make({ url, usernameFile: join(dir, 'user'), passwordFile: join(dir, 'good') });
      assert.equal(code(await good.connect()), 'ok');
      await good.close();
      const bad = make({
        url,
        usernameFile: join(dir, 'user'),
        passwordFile: join(dir, 'bad'),
        connectTimeoutMs: 20_000,
      });
      const started = Date.now();
      const refused = await bad.connect();
      assert.equal(code(refused), 'SEND_FAILED:CONNECT');
      assert.ok(Date.now() - started < 10_000, 'not retried until the timeout');
      if (!refused.ok) assert.doesNotMatch(refused.error.message, /guess/, 'the password is never quoted');
      const missing = make({ url, passwordFile: join(dir, 'nope') });
      assert.equal(code(await missing.connect()), 'SEND_FAILED:CONNECT');
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await new Promise<void>((resolve) => aedes.close(() => resolve()));
    }
  });

  it('close() during a connect() still trying ends it with SEND_FAILED:CLOSED', TIMEOUT, async () => {
    const transport = make({ url: `mqtt://127.0.0.1:${await freePort()}`, connectTimeoutMs: 20_000 });
    const connecting = transport.connect();
    await new Promise((resolve) => setTimeout(resolve, 100));
    await transport.close();
    assert.equal(code(await connecting), 'SEND_FAILED:CLOSED');
    assert.equal(transport.status, 'closed');
    assert.equal(code(await transport.connect()), 'SEND_FAILED:CLOSED');
  });
});

describe('MqttTransport: sending', () => {
  it(
    'sends a telemetry envelope to dt/{app}/<its kid>/telemetry; other envelopes need a deviceId',
    TIMEOUT,
    async () => {
      const crypto = createNodeCrypto();
      const key = unwrap(await signingKeyFromSeed(new Uint8Array(32).fill(9), { crypto }));
      const envelope = await sealTelemetry(key, {
        audience: 'acme',
        scope: 'telemetry',
        counter: 1,
        payload: bytes('{}'),
      });
      const receiver = await connected({ subscriptions: ['dt/acme/+/+'] });
      const seen: Delivery[] = [];
      receiver.onReceive(async (d) => void seen.push(d));
      const device = await connected({ app: 'acme' });
      assert.equal(code(await device.send(envelope, DID)), 'ok');
      assert.equal(code(await device.send({ v: 'v2' } as never, DID)), 'INVALID_ARGUMENT', 'no kid to route by');
      assert.equal(code(await device.send(Uint8Array.of(0xd2, 0x84), DID)), 'INVALID_ARGUMENT', 'not telemetry');
      await eventually('the telemetry', () => seen.length >= 1);
      const [delivery] = seen as [Delivery];
      assert.equal(delivery.topic, `dt/acme/${bytesToHex(key.kid)}/telemetry`);
      assert.deepEqual([...(delivery.envelope as Uint8Array)], [...envelope]);
      // A template without {deviceId} needs none.
      const fleet = await connected({ topic: 'fleet/{app}/{kind}', app: 'acme', kind: 'status' });
      assert.equal(code(await fleet.send({ v: 'v2' } as never, DID)), 'ok');
    },
  );

  it('publishes raw bytes, refusing topics with wildcards or NUL and QoS 2', TIMEOUT, async () => {
    const transport = await connected();
    assert.equal(code(await transport.publish('verified/acme/+', bytes('x'))), 'INVALID_TOPIC:WILDCARD');
    assert.equal(code(await transport.publish('dlq/#', bytes('x'))), 'INVALID_TOPIC:WILDCARD');
    assert.equal(code(await transport.publish('a\u0000b', bytes('x'))), 'INVALID_TOPIC:NUL');
    assert.equal(code(await transport.publish('', bytes('x'))), 'INVALID_ARGUMENT');
    assert.equal(code(await transport.publish('a/b', 'x' as never)), 'INVALID_ARGUMENT');
    assert.equal(code(await transport.publish('a/b', bytes('x'), { qos: 2 as 1 })), 'INVALID_ARGUMENT');
    assert.equal(code(await transport.publish('verified/acme/dev', bytes('x'), { qos: 0 })), 'ok');
    assert.equal(code(await transport.publish('verified/acme/dev', bytes('x'), { retain: true })), 'ok');
  });
});

describe('MqttTransport: closing', () => {
  it(
    'close() gives up on a PUBACK that never comes after drainTimeoutMs: the send resolves SEND_FAILED:CLOSED',
    TIMEOUT,
    async () => {
      const aedes = await Aedes.createBroker({ authorizePublish: () => {} }); // never answers: no PUBACK
      const server = createServer(aedes.handle);
      server.listen(0, '127.0.0.1');
      await once(server, 'listening');
      try {
        const transport = make({ url: `mqtt://127.0.0.1:${(server.address() as { port: number }).port}` });
        assert.ok((await transport.connect()).ok);
        const stuck = transport.publish('verified/acme/x', bytes('x'));
        const started = Date.now();
        await transport.close({ drainTimeoutMs: 200 });
        assert.ok(Date.now() - started < 5_000, 'close did not wait for the PUBACK');
        assert.equal(code(await stuck), 'SEND_FAILED:CLOSED');
      } finally {
        await new Promise<void>((resolve) => server.close(() => resolve()));
        await new Promise<void>((resolve) => aedes.close(() => resolve()));
      }
    },
  );
});

describe('MqttTransport: storeDir across reconnections', () => {
  it('keeps queueing to the file store after reconnecting, so what is sent while away survives', TIMEOUT, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'xlink-mqtt-reconnect-'));
    dirs.push(dir);
    const port = await freePort();
    let own = await startEmbeddedBroker({ port });
    try {
      const statuses: string[] = [];
      const transport = make({ url: own.url, storeDir: dir });
      transport.onStatus((s) => statuses.push(s));
      assert.ok((await transport.connect()).ok);
      transport.reconnect(); // one reconnection while the broker is up
      await eventually('the reconnection', () => statuses.filter((s) => s === 'connected').length >= 2);
      await own.close();
      await eventually('reconnection attempts against no broker', () => transport.lastError !== undefined);
      await new Promise((resolve) => setTimeout(resolve, 300)); // several attempts: each called mqtt.js's reconnect()
      const sending = transport.publish('verified/acme/away', bytes('sent while away'));
      const record = Buffer.from('sent while away').toString('base64url');
      await eventually('the packet on disk', () => readFileSync(join(dir, 'outgoing.log'), 'utf8').includes(record));
      own = await startEmbeddedBroker({ port });
      assert.equal(code(await sending), 'ok', 'sent once the broker was back');
    } finally {
      await own.close();
    }
  });
});

describe('MqttTransport: a full disk under storeDir', () => {
  it('fails the send waiting and every QoS 1 send after with STORAGE_FAILED, instead of hanging', TIMEOUT, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'xlink-mqtt-full-'));
    dirs.push(dir);
    const output = await runNode(
      `
      import { startEmbeddedBroker } from '${source('transport/node/embedded-broker.ts')}';
      import { MqttTransport } from '${source('transport/node/mqtt-transport.ts')}';
      const broker = await startEmbeddedBroker();
      const t = new MqttTransport({ url: broker.url, clientId: 'disk', protocolVersion: 4, storeDir: process.env.STORE });
      const r = await t.connect();
      if (!r.ok) { console.log('connect ' + r.error.code); process.exit(1); }
      let sent = 0, failure;
      while (failure === undefined && sent < 100) {
        const result = await t.publish('verified/acme/x', new Uint8Array(10_000));
        if (result.ok) sent++; else failure = result.error.code;
      }
      console.log('sent ' + sent);
      console.log('failed ' + failure);
      const after = await t.publish('verified/acme/x', new Uint8Array(1));
      console.log('after ' + (after.ok ? 'ok' : after.error.code));
      const qos0 = await t.publish('verified/acme/x', new Uint8Array(1), { qos: 0 });
      console.log('qos0 ' + (qos0.ok ? 'ok' : qos0.error.code));
      await t.close({ drainTimeoutMs: 100 });
      await broker.close();
      process.exit(0);
      `,
      { STORE: dir },
      { fileSizeLimitKiB: 200 },
    );
    const lines = output.trim().split('\n');
    const sent = Number(lines[0]?.split(' ')[1]);
    assert.ok(sent > 0 && sent < 100, output);
    assert.deepEqual(lines.slice(1), ['failed STORAGE_FAILED', 'after STORAGE_FAILED', 'qos0 ok']);
  });
});

describe('MqttTransport: receiving', () => {
  it('reconnect() makes the broker bring back deliveries the handlers refused', TIMEOUT, async () => {
    const topic = `dt/retry/${clients}/telemetry`;
    const errors: unknown[] = [];
    let dependencyUp = false;
    const accepted: string[] = [];
    const receiver = await connected({ subscriptions: [topic], onError: (error) => void errors.push(error) });
    receiver.onReceive(async (d) => {
      if (!dependencyUp) throw new Error('replay store down');
      accepted.push(text(d));
    });
    const publisher = await connected();
    for (const m of ['a', 'b', 'c']) assert.ok((await publisher.publish(topic, bytes(m))).ok);
    await eventually('three refusals', () => errors.length >= 3);
    assert.deepEqual(accepted, []);
    dependencyUp = true;
    receiver.reconnect();
    await eventually('the redeliveries', () => accepted.length >= 3);
    assert.deepEqual(accepted, ['a', 'b', 'c']);
  });

  it('with concurrency > 1 handles topics side by side, and each topic in order', TIMEOUT, async () => {
    const receiver = make({ subscriptions: ['dt/lanes/+/+'], concurrency: 4 });
    let active = 0;
    let most = 0;
    const byTopic = new Map<string, string[]>();
    receiver.onReceive(async (d) => {
      active++;
      most = Math.max(most, active);
      await new Promise((resolve) => setTimeout(resolve, 5));
      byTopic.set(d.topic as string, [...(byTopic.get(d.topic as string) ?? []), text(d)]);
      active--;
    });
    assert.ok((await receiver.connect()).ok);
    const publisher = await connected();
    await Promise.all(
      Array.from({ length: 8 }, async (_, device) => {
        for (let i = 0; i < 5; i++) assert.ok((await publisher.publish(`dt/lanes/d${device}/t`, bytes(`${i}`))).ok);
      }),
    );
    await eventually('40 deliveries', () => [...byTopic.values()].flat().length >= 40);
    assert.ok(most > 1, `at most ${most} at once`);
    for (const [topic, order] of byTopic) assert.deepEqual(order, ['0', '1', '2', '3', '4'], topic);
  });

  it('reports its status to listeners, and closed last', TIMEOUT, async () => {
    const transport = make();
    const statuses: string[] = [];
    const stop = transport.onStatus((s) => statuses.push(s));
    transport.onStatus(() => {
      throw new Error('a failing listener changes nothing');
    });
    assert.ok((await transport.connect()).ok);
    assert.equal(transport.connected, true);
    await transport.close();
    assert.deepEqual(statuses, ['connected', 'closed']);
    stop();
  });
});
