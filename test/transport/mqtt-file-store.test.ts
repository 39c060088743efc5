// FileMqttStore: the mqtt.js Store contract on disk, reopening, the log's
// crash rules (torn tail cut, damage refused), one process at a time,
// compaction, and a writer killed -9 mid-stream losing nothing it confirmed.
import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import type { IPublishPacket, Packet } from 'mqtt';
import { isXlinkError } from '../../src/errors.js';
import { FileMqttStore } from '../../src/transport/node/mqtt-file-store.js';
import { eventually, startChild } from '../helpers/mqtt-child.js';
import { source } from '../helpers/node-child.js';

const dirs: string[] = [];
after(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});
function path(): string {
  const dir = mkdtempSync(join(tmpdir(), 'xlink-mqtt-store-'));
  dirs.push(dir);
  return join(dir, 'nested', 'outgoing.log');
}

function publish(messageId: number, body = `m${messageId}`): IPublishPacket {
  return {
    cmd: 'publish',
    topic: `dt/acme/dev-${messageId}/telemetry`,
    payload: Buffer.from(body),
    qos: 1,
    retain: false,
    dup: false,
    messageId,
    properties: {
      contentType: 'application/cose',
      correlationData: Buffer.from([0, 1, 2, 255]),
      userProperties: { a: 'b', many: ['x', 'y'] },
    },
  };
}

const put = (store: FileMqttStore, packet: Packet) =>
  new Promise<void>((resolve, reject) => store.put(packet, (error) => (error ? reject(error) : resolve())));
const del = (store: FileMqttStore, messageId: number) =>
  new Promise<Packet | undefined>((resolve, reject) =>
    store.del({ messageId }, (error, packet) => (error ? reject(error) : resolve(packet))),
  );
const get = (store: FileMqttStore, messageId: number) =>
  new Promise<Packet | undefined>((resolve) =>
    store.get({ messageId }, (error, packet) => resolve(error ? undefined : packet)),
  );
const close = (store: FileMqttStore) => new Promise<void>((resolve) => store.close(() => resolve()));
async function streamed(store: FileMqttStore): Promise<Packet[]> {
  const out: Packet[] = [];
  for await (const packet of store.createStream() as unknown as AsyncIterable<Packet>) out.push(packet);
  return out;
}

describe('FileMqttStore', () => {
  it('keeps put packets until del, in put order, exactly (bytes and properties included), across a reopen', async () => {
    const file = path();
    const store = await FileMqttStore.open(file);
    for (const id of [5, 1, 9]) await put(store, publish(id));
    assert.deepEqual(await del(store, 1), publish(1), 'del answers the packet it removed');
    await put(store, publish(5, 'replaced')); // same id again: replaces, keeps its place
    assert.deepEqual(await get(store, 9), publish(9));
    assert.equal(await get(store, 1), undefined);
    await assert.rejects(del(store, 1), /missing packet/);
    await close(store);

    const reopened = await FileMqttStore.open(file);
    assert.deepEqual(reopened.messageIds(), [5, 9]);
    assert.deepEqual(await streamed(reopened), [publish(5, 'replaced'), publish(9)]);
    const payload = ((await get(reopened, 9)) as IPublishPacket).payload;
    assert.ok(Buffer.isBuffer(payload), 'bytes come back as a Buffer, as mqtt.js writes them');
    await close(reopened);
  });

  it('cuts a torn last record (a crash mid-write) and refuses a damaged one with MQTT_STORE_CORRUPT', async () => {
    const file = path();
    const store = await FileMqttStore.open(file);
    await put(store, publish(1));
    await put(store, publish(2));
    await close(store);
    const intact = readFileSync(file, 'utf8');
    appendFileSync(file, '0badc0de {"put":{"cmd":"pub'); // no newline: torn
    const afterCrash = await FileMqttStore.open(file);
    assert.deepEqual(afterCrash.messageIds(), [1, 2]);
    await close(afterCrash);
    assert.equal(readFileSync(file, 'utf8'), intact, 'the torn record was cut');

    writeFileSync(file, intact.replace('dev-1', 'dev-7')); // a changed byte the checksum catches
    await assert.rejects(
      FileMqttStore.open(file),
      (error: unknown) => isXlinkError(error) && error.code === 'MQTT_STORE_CORRUPT',
    );
    writeFileSync(file, '');
    await assert.rejects(
      FileMqttStore.open(file),
      (error: unknown) => isXlinkError(error) && error.code === 'STORAGE_FAILED',
    );
  });

  it('is one process’s at a time: a second open is refused with MQTT_STORE_LOCKED', async () => {
    const file = path();
    const store = await FileMqttStore.open(file);
    await assert.rejects(
      FileMqttStore.open(file),
      (error: unknown) => isXlinkError(error) && error.code === 'MQTT_STORE_LOCKED',
    );
    await close(store);
    await close(await FileMqttStore.open(file)); // released by close
  });

  it('compacts to the live packets: 5,000 put/del pairs leave a small file with what is live', async () => {
    const file = path();
    const store = await FileMqttStore.open(file);
    await put(store, publish(60_000, 'kept'));
    for (let i = 0; i < 5000; i++) {
      await put(store, publish(i % 65_000));
      await del(store, i % 65_000);
    }
    await put(store, publish(1, 'last'));
    await close(store);
    const lines = readFileSync(file, 'utf8').trim().split('\n').length;
    assert.ok(lines < 1100, `${lines} lines after 10,002 records`);
    const reopened = await FileMqttStore.open(file);
    assert.deepEqual(reopened.messageIds(), [60_000, 1]);
    await close(reopened);
  });

  it('loses no confirmed put when its writer is killed -9 mid-stream', { timeout: 60_000 }, async () => {
    const file = path();
    const child = startChild(
      `
      import { FileMqttStore } from '${source('transport/node/mqtt-file-store.ts')}';
      const store = await FileMqttStore.open(process.env.STORE);
      let id = 1;
      function next() {
        const messageId = id++;
        store.put({ cmd: 'publish', topic: 't', payload: Buffer.alloc(200, messageId % 256), qos: 1, retain: false, dup: false, messageId }, (error) => {
          if (error) { console.log('error ' + error.message); return; }
          console.log('confirmed ' + messageId);
          if (messageId % 3 === 0) store.del({ messageId: messageId - 1 }, () => console.log('deleted ' + (messageId - 1)));
        });
        if (messageId < 60000) setImmediate(next);
      }
      next();
      `,
      { STORE: file },
    );
    await eventually(
      '300 confirmed puts',
      () => child.lines.filter((l) => l.startsWith('confirmed')).length >= 300,
      30_000,
    );
    await child.kill();
    const confirmed = child.lines.filter((l) => l.startsWith('confirmed')).map((l) => Number(l.split(' ')[1]));
    const deleted = new Set(child.lines.filter((l) => l.startsWith('deleted')).map((l) => Number(l.split(' ')[1])));
    const store = await FileMqttStore.open(file); // takes over the dead writer's lock
    const held = new Set(store.messageIds());
    const deleteAsked = new Set(confirmed.filter((id) => id % 3 === 0).map((id) => id - 1));
    for (const id of confirmed) {
      // A delete asked but not confirmed when the kill came may have reached the disk or not.
      if (!deleteAsked.has(id)) assert.ok(held.has(id), `confirmed packet ${id} survived`);
    }
    for (const id of deleted) assert.ok(!held.has(id), `confirmed delete of ${id} stayed deleted`);
    const sample = (await get(store, confirmed[0] as number)) as IPublishPacket | undefined;
    if (sample !== undefined) assert.equal((sample.payload as Buffer).length, 200);
    await close(store);
  });
});
