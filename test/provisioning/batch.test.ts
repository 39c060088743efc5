import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { decodeArtifact } from '../../provisioning/artifacts.js';
import { type BatchOptions, runBatch } from '../../provisioning/batch.js';
import { parseManifest } from '../../provisioning/manifest.js';
import { serialsFromCount, serialsFromList } from '../../provisioning/serials.js';
import { createNodeCrypto } from '../../src/crypto/node/index.js';
import { signingKeyFromSeed } from '../../src/identity/derive.js';
import { didFromEd25519PublicKey } from '../../src/identity/did.js';
import { logLine } from '../../src/platform/node/append-log.js';

const crypto = createNodeCrypto();
const scratch = mkdtempSync(join(tmpdir(), 'xlink-batch-'));
after(() => rmSync(scratch, { recursive: true, force: true }));
let folders = 0;

function options(overrides: Partial<BatchOptions> = {}): BatchOptions {
  return {
    out: join(scratch, `batch-${++folders}`),
    product: 'thermo',
    batch: 'B7',
    scopes: ['telemetry'],
    serials: serialsFromCount('B7', 12),
    seeds: { kind: 'random' },
    format: 'bin',
    crypto,
    groupSize: 5,
    ...overrides,
  };
}

async function didOfArtifact(path: string): Promise<string> {
  const key = await signingKeyFromSeed(decodeArtifact(new Uint8Array(readFileSync(path))).seed, { crypto });
  assert.ok(key.ok);
  return didFromEd25519PublicKey(key.value.signer.publicKey);
}

describe('a provisioning batch', () => {
  it('writes one artifact per serial (0600 in 0700 folders) and a manifest of public data that matches them', async () => {
    const batch = options();
    const streamed: string[] = [];
    const result = await runBatch({ ...batch, csv: true, onDevice: (entry) => streamed.push(entry.serial) });
    assert.equal(result.devices, 12);
    assert.equal(result.complete, true);
    assert.deepEqual(streamed, batch.serials);
    assert.equal(statSync(batch.out).mode & 0o777, 0o700);
    assert.equal(statSync(join(batch.out, 'artifacts')).mode & 0o777, 0o700);
    const files = readdirSync(join(batch.out, 'artifacts')).sort();
    assert.deepEqual(
      files,
      batch.serials.map((serial) => `${serial}.bin`),
    );
    for (const file of files) assert.equal(statSync(join(batch.out, 'artifacts', file)).mode & 0o777, 0o600, file);
    const manifest = parseManifest(readFileSync(result.manifest, 'utf8'));
    assert.deepEqual(
      manifest.map((entry) => entry.serial),
      batch.serials,
    );
    for (const entry of manifest) {
      assert.equal(await didOfArtifact(join(batch.out, 'artifacts', `${entry.serial}.bin`)), entry.did);
      assert.deepEqual(Object.keys(entry), [
        'serial',
        'did',
        'kid',
        'document',
        'product',
        'batch',
        'scopes',
        'createdAt',
      ]);
    }
    const text = readFileSync(result.manifest, 'utf8') + readFileSync(join(batch.out, 'journal.log'), 'utf8');
    for (const file of files) {
      const seedHex = Buffer.from(readFileSync(join(batch.out, 'artifacts', file))).toString('hex');
      assert.equal(text.includes(seedHex), false, 'no seed in the manifest or journal');
    }
    assert.match(
      readFileSync(join(batch.out, 'manifest.csv'), 'utf8'),
      /^serial,did,kid,product,batch,scopes,createdAt\nB7-000001,did:key:z6Mk/,
    );
  });

  it('refuses duplicate and case-colliding serials before anything is written', async () => {
    for (const serials of [
      ['A-1', 'A-2', 'A-1'],
      ['sn-7', 'SN-7'],
    ]) {
      const batch = options({ serials });
      await assert.rejects(runBatch(batch), { code: 'PROVISION_DUPLICATE_SERIAL' });
      assert.equal(existsSync(batch.out), false);
    }
    assert.throws(() => serialsFromList('serial\nA-1\n../etc\n', 'csv'), {
      code: 'PROVISION_INPUT_INVALID',
      message: /line 3/,
    });
    assert.deepEqual(serialsFromList('{"serial":"A-1"}\n"A-2"\n\n', 'jsonl'), ['A-1', 'A-2']);
    assert.deepEqual(serialsFromList('id,serial,colour\n1,A-1,red\n2,A-2,blue\n', 'csv'), ['A-1', 'A-2']);
  });

  it('refuses serials already provisioned under another DID, but not its own devices on a re-run', async () => {
    const batch = options({ serials: ['X-1', 'X-2'] });
    await assert.rejects(runBatch({ ...batch, alreadyProvisioned: new Map([['X-2', 'did:key:z6Mkother']]) }), {
      code: 'PROVISION_DUPLICATE_SERIAL',
    });
    assert.equal(existsSync(batch.out), false);
    const first = await runBatch(batch);
    const entries = parseManifest(readFileSync(first.manifest, 'utf8'));
    const known = new Map(entries.map((entry) => [entry.serial, entry.did]));
    const again = await runBatch({ ...batch, alreadyProvisioned: known });
    assert.equal(again.resumed, 2);
    assert.deepEqual(parseManifest(readFileSync(again.manifest, 'utf8')), entries);
  });

  it('a re-run with other parameters is refused (PROVISION_BATCH_MISMATCH), naming what differs', async () => {
    const batch = options({ serials: ['M-1'] });
    await runBatch(batch);
    await assert.rejects(runBatch({ ...batch, scopes: ['*'] }), {
      code: 'PROVISION_BATCH_MISMATCH',
      message: /scopes/,
    });
    await assert.rejects(runBatch({ ...batch, serials: ['M-1', 'M-2'] }), { code: 'PROVISION_BATCH_MISMATCH' });
    await assert.rejects(runBatch({ ...batch, seeds: { kind: 'master', secret: new Uint8Array(32) } }), {
      code: 'PROVISION_BATCH_MISMATCH',
      message: /seeds/,
    });
  });

  it('a master secret gives the same DIDs in another folder; a random batch does not', async () => {
    const master = { kind: 'master', secret: Uint8Array.from({ length: 32 }, (_, i) => 255 - i) } as const;
    const one = await runBatch(options({ seeds: master }));
    const two = await runBatch(options({ seeds: master }));
    const three = await runBatch(options());
    const dids = (path: string) => parseManifest(readFileSync(path, 'utf8')).map((entry) => entry.did);
    assert.deepEqual(dids(one.manifest), dids(two.manifest));
    assert.notDeepEqual(dids(one.manifest), dids(three.manifest));
  });

  it('derivation threads give byte for byte the artifacts, manifest and journal of the batch thread', async () => {
    const master = { kind: 'master', secret: Uint8Array.from({ length: 32 }, (_, i) => i * 7) } as const;
    const fixed = { seeds: master, now: () => 1_780_000_000_000, format: 'moddable' } as const;
    const here = await runBatch(options({ ...fixed, threads: 0 }));
    const threaded = await runBatch(options({ ...fixed, threads: 2 }));
    assert.equal(threaded.devices, 12);
    assert.equal(readFileSync(threaded.manifest, 'utf8'), readFileSync(here.manifest, 'utf8'));
    // The hash chain covers every record in order: equal heads, equal journals.
    assert.equal(threaded.journalHead, here.journalHead);
    const artifacts = (manifest: string) => join(manifest, '..', 'artifacts');
    const names = readdirSync(artifacts(here.manifest)).sort();
    assert.deepEqual(readdirSync(artifacts(threaded.manifest)).sort(), names);
    for (const name of names) {
      assert.deepEqual(
        readFileSync(join(artifacts(threaded.manifest), name)),
        readFileSync(join(artifacts(here.manifest), name)),
        name,
      );
    }
  });

  it('an edited journal is refused with PROVISION_JOURNAL_CORRUPT, even with valid CRCs', async () => {
    const batch = options({ serials: ['J-1', 'J-2'] });
    await runBatch(batch);
    const path = join(batch.out, 'journal.log');
    const lines = readFileSync(path, 'utf8')
      .slice(0, -1)
      .split('\n')
      .map((line) => line.slice(9));
    const done = lines.findIndex((line) => line.includes('"type":"done"'));
    const edited = JSON.parse(lines[done] as string);
    edited.scopes = ['*'];
    lines[done] = JSON.stringify(edited);
    writeFileSync(path, lines.map((line) => logLine(line)).join(''));
    await assert.rejects(runBatch(batch), { code: 'PROVISION_JOURNAL_CORRUPT', message: /chain/ });
    // A record dropped from the middle breaks the chain too.
    writeFileSync(
      path,
      lines
        .filter((_, index) => index !== done)
        .map((line) => logLine(line))
        .join(''),
    );
    await assert.rejects(runBatch(batch), { code: 'PROVISION_JOURNAL_CORRUPT' });
  });

  it('a device whose artifact cannot be written fails alone; the batch goes on and a re-run finishes it', async () => {
    const batch = options({ serials: ['F-1', 'F-2', 'F-3'] });
    // Something else already holds F-2's file: the tool never overwrites it.
    const { mkdirSync } = await import('node:fs');
    mkdirSync(join(batch.out, 'artifacts'), { recursive: true, mode: 0o700 });
    writeFileSync(join(batch.out, 'artifacts', 'F-2.bin'), 'not ours');
    const first = await runBatch(batch);
    assert.deepEqual(
      first.failed.map((failure) => [failure.serial, failure.code]),
      [['F-2', 'PROVISION_IO_FAILED']],
    );
    assert.equal(first.complete, false);
    assert.deepEqual(
      parseManifest(readFileSync(first.manifest, 'utf8')).map((entry) => entry.serial),
      ['F-1', 'F-3'],
    );
    assert.equal(readFileSync(join(batch.out, 'artifacts', 'F-2.bin'), 'utf8'), 'not ours');
    rmSync(join(batch.out, 'artifacts', 'F-2.bin'));
    const second = await runBatch(batch);
    assert.equal(second.complete, true);
    assert.equal(second.resumed, 2);
    const entries = parseManifest(readFileSync(second.manifest, 'utf8'));
    assert.deepEqual(
      entries.map((entry) => entry.serial),
      ['F-1', 'F-2', 'F-3'],
    );
    assert.equal(await didOfArtifact(join(batch.out, 'artifacts', 'F-2.bin')), entries[1]?.did);
  });

  it('an artifact changed or lost after the journal acknowledged it stops the re-run (PROVISION_IO_FAILED)', async () => {
    const batch = options({ serials: ['L-1', 'L-2'] });
    await runBatch(batch);
    writeFileSync(join(batch.out, 'artifacts', 'L-1.bin'), new Uint8Array(32));
    await assert.rejects(runBatch(batch), { code: 'PROVISION_IO_FAILED', message: /changed/ });
    rmSync(join(batch.out, 'artifacts', 'L-1.bin'));
    await assert.rejects(runBatch(batch), { code: 'PROVISION_IO_FAILED', message: /cannot be read/ });
  });

  it('a second run on the folder while the first works is refused (PROVISION_LOCKED) and changes nothing', async () => {
    const batch = options({ serials: serialsFromCount('K', 40) });
    let second: Promise<unknown> | undefined;
    const first = await runBatch({
      ...batch,
      onProgress: (done) => {
        if (done > 0 && second === undefined) second = runBatch(batch).catch((error: unknown) => error);
      },
    });
    assert.equal(first.complete, true);
    assert.equal(((await second) as { code?: string }).code, 'PROVISION_LOCKED');
    assert.equal(parseManifest(readFileSync(first.manifest, 'utf8')).length, 40);
  });
});
