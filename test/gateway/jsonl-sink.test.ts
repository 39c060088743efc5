/**
 * The JSONL sink's crash recovery on a real file: a torn last line is cut at
 * open, and a resumed record (Sink `since`) whose line the file holds already
 * is skipped, one it does not hold is appended; lines longer than the sink's
 * read chunk included.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { JsonlSink } from '../../src/gateway/sinks/node/jsonl-sink.js';
import type { VerifiedRecord } from '../../src/gateway/verified-record.js';

function record(id: string, receivedAt: number, payload: unknown = {}): VerifiedRecord {
  return {
    id,
    sender: 'did:key:z6MkTest',
    deviceId: '0a0b0c0d0e0f',
    scope: 'telemetry',
    receivedAt,
    contentType: 'json',
    payload,
    encoding: 'telemetry',
    version: 'signed',
  };
}

const lines = (path: string) => readFileSync(path, 'utf8').split('\n').filter(Boolean);

test('a torn last line is cut at open; a resumed record the file holds is skipped, another one appended', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'xlink-jsonl-'));
  const path = join(dir, 'verified.jsonl');
  const now = Date.now();
  const old = JSON.stringify(record('did:key:z6MkTest#c1', now - 3_600_000));
  const big = JSON.stringify(record('did:key:z6MkTest#c2', now - 1000, { pad: 'x'.repeat(200_000) }));
  const recent = JSON.stringify(record('did:key:z6MkTest#c3', now - 500));
  writeFileSync(path, `${old}\n${big}\n${recent}\n{"id":"did:key:z6MkTest#c4","rece`);
  const sink = await JsonlSink.open(path);
  try {
    assert.equal(lines(path).length, 3, 'the torn line is gone');
    const since = now - 2000; // the claims were made then
    for (const id of ['did:key:z6MkTest#c2', 'did:key:z6MkTest#c3']) {
      const r = record(id, now);
      assert.ok((await sink.forward(r, JSON.stringify(r), since)).ok);
    }
    assert.equal(lines(path).length, 3, 'both resumed records were held already: skipped');
    const torn = record('did:key:z6MkTest#c4', now, { again: true });
    assert.ok((await sink.forward(torn, JSON.stringify(torn), since)).ok);
    const ids = lines(path).map((line) => JSON.parse(line).id);
    assert.deepEqual(
      ids,
      ['c1', 'c2', 'c3', 'c4'].map((c) => `did:key:z6MkTest#${c}`),
    );
  } finally {
    await sink.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
