/**
 * The crash test of the provisioning journal: a real `xlink provision`
 * process is killed with SIGKILL at random points of a batch, again and
 * again, then the same command is run to the end; every time the final
 * manifest must hold each input serial exactly once, each with the DID its
 * artifact derives, no artifact without a manifest line, and every device a
 * killed run had acknowledged (streamed with --jsonl) kept with its DID.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { decodeArtifact } from '../../provisioning/artifacts.js';
import { parseManifest } from '../../provisioning/manifest.js';
import { createNodeCrypto } from '../../src/crypto/node/index.js';
import { signingKeyFromSeed } from '../../src/identity/derive.js';
import { didFromEd25519PublicKey } from '../../src/identity/did.js';

const root = new URL('../..', import.meta.url).pathname;
const main = join(root, 'src/cli/main.ts');
const crypto = createNodeCrypto();
const scratch = mkdtempSync(join(tmpdir(), 'xlink-crash-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

interface Run {
  readonly status: number | null;
  readonly signal: NodeJS.Signals | null;
  /** serial → DID of every device the run acknowledged. */
  readonly acknowledged: Map<string, string>;
}

/**
 * Runs the command; with `killAfter`, SIGKILLs it once it acknowledged that many
 * devices (plus a random few ms), or with 0 at a random moment from start-up on.
 */
function provision(args: readonly string[], killAfter?: number): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', main, 'provision', ...args, '--jsonl'], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const acknowledged = new Map<string, string>();
    let buffer = '';
    let stderr = '';
    let killing = false;
    const kill = (): void => {
      if (killing) return;
      killing = true;
      setTimeout(() => child.kill('SIGKILL'), Math.floor(Math.random() * 40));
    };
    if (killAfter === 0) setTimeout(kill, 150 + Math.floor(Math.random() * 900));
    child.stdout.on('data', (chunk: Buffer) => {
      buffer += chunk.toString('utf8');
      let newline = buffer.indexOf('\n');
      while (newline >= 0) {
        const line = buffer.slice(0, newline);
        buffer = buffer.slice(newline + 1);
        const record = JSON.parse(line) as { serial?: string; did?: string };
        if (record.serial !== undefined && record.did !== undefined) acknowledged.set(record.serial, record.did);
        newline = buffer.indexOf('\n');
      }
      if (killAfter !== undefined && killAfter > 0 && acknowledged.size >= killAfter) kill();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString('utf8');
    });
    child.on('error', reject);
    child.on('close', (status, signal) => {
      if (signal === null && status !== 0) reject(new Error(`provision exited ${status}: ${stderr}`));
      else resolve({ status, signal, acknowledged });
    });
  });
}

async function didOf(path: string): Promise<string> {
  const key = await signingKeyFromSeed(decodeArtifact(new Uint8Array(readFileSync(path))).seed, { crypto });
  assert.ok(key.ok);
  return didFromEd25519PublicKey(key.value.signer.publicKey);
}

const COUNT = 500;

for (const [name, extra] of [
  ['random seeds, hex artifacts, groups of 16', ['--format', 'hex', '--group-size', '16']],
  ['random seeds, raw artifacts, groups of 7', ['--format', 'bin', '--group-size', '7']],
] as const) {
  describe(`crash and resume (${name})`, () => {
    it('keeps every acknowledged device, loses none, duplicates none, however often it is killed', async () => {
      const out = join(scratch, name.replace(/\W+/g, '-'));
      const args = ['--product', 'thermo', '--batch', 'K9', '--count', String(COUNT), '--out', out, ...extra];
      const everAcknowledged = new Map<string, string>();
      let kills = 0;
      for (let attempt = 0; attempt < 10; attempt += 1) {
        // The first kills land anywhere from start-up on; later ones a random few devices further each time.
        const target = attempt < 2 ? 0 : 1 + Math.floor(Math.random() * 40);
        const run = await provision(args, target);
        for (const [serial, did] of run.acknowledged) {
          const earlier = everAcknowledged.get(serial);
          assert.ok(earlier === undefined || earlier === did, `${serial} was acknowledged with two DIDs`);
          everAcknowledged.set(serial, did);
        }
        if (run.signal === 'SIGKILL') kills += 1;
        else break;
      }
      const final = await provision(args);
      assert.equal(final.status, 0);
      assert.ok(kills >= 8, `only ${kills} runs were killed`);

      const manifest = parseManifest(readFileSync(join(out, 'manifest.jsonl'), 'utf8'));
      const expected = Array.from({ length: COUNT }, (_, i) => `K9-${String(i + 1).padStart(6, '0')}`);
      assert.deepEqual(
        manifest.map((entry) => entry.serial),
        expected,
        'each serial exactly once, in input order',
      );
      assert.equal(new Set(manifest.map((entry) => entry.did)).size, COUNT, 'no DID twice');
      const extension = extra[1] === 'hex' ? '.hex' : '.bin';
      assert.deepEqual(
        readdirSync(join(out, 'artifacts')).sort(),
        expected.map((serial) => `${serial}${extension}`),
      );
      for (const entry of manifest) {
        assert.equal(await didOf(join(out, 'artifacts', `${entry.serial}${extension}`)), entry.did, entry.serial);
        const acknowledged = everAcknowledged.get(entry.serial);
        if (acknowledged !== undefined)
          assert.equal(entry.did, acknowledged, `${entry.serial} changed its DID after a crash`);
      }
      // What the journal abandoned never reached the manifest.
      const journal = readFileSync(join(out, 'journal.log'), 'utf8');
      const abandoned = [...journal.matchAll(/"type":"abandon","serial":"[^"]+","did":"([^"]+)"/g)].map((m) => m[1]);
      const dids = new Set(manifest.map((entry) => entry.did));
      for (const did of abandoned) assert.equal(dids.has(did as string), false);
      console.log(
        `# ${name}: ${kills} kills, ${everAcknowledged.size} acknowledged before the last run, ${abandoned.length} abandoned`,
      );
    });
  });
}
