// `npm start`, the README's main job, exactly as a newcomer runs it (only the report's path moved to a
// temporary folder): the embedded broker, the gateway, 100 provisioned devices of which two run in
// Moddable XS and two in QuickJS, every fault kind, about 20 seconds. It must pass, print the live
// lines, the summary and the report's path, and leave no process and no listening port behind.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { FAULT_KINDS } from '../../simulator/run-result.js';

const root = new URL('../..', import.meta.url).pathname;

/** Live processes of a process group, from /proc (a zombie is not live: its reaping is init's, and some sandboxes' init never does). */
function liveInGroup(group: number): string[] {
  const live: string[] = [];
  for (const pid of readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
    let stat: string;
    try {
      stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    } catch {
      continue; // gone meanwhile
    }
    // pid (comm) state ppid pgrp …; comm may hold spaces and parentheses, so split after its last ')'.
    const [state, , pgrp] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (Number(pgrp) === group && state !== 'Z') live.push(stat.slice(0, stat.lastIndexOf(')') + 1));
  }
  return live;
}

function refused(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code === 'ECONNREFUSED'));
  });
}

test('npm start: 100 provisioned devices (2 XS, 2 QuickJS) and every fault against the embedded gateway pass, cleanly', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'xlink-start-'));
  try {
    const report = join(dir, 'report.html');
    // Its own process group, so whatever it started can be looked for after it exits.
    const child = spawn('npm', ['start', '--', '--report', report], { cwd: root, detached: true });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (text: string) => (stdout += text));
    child.stderr.setEncoding('utf8').on('data', (text: string) => (stderr += text));
    const timer = setTimeout(() => process.kill(-(child.pid as number), 'SIGKILL'), 180_000);
    const [code] = (await once(child, 'exit')) as [number | null];
    clearTimeout(timer);
    assert.equal(code, 0, `${stdout}\n${stderr}`);

    assert.match(stdout, /^xlink simulate: PASSED$/m);
    assert.match(stdout, /^ {2}devices +100 \((?=.*xs 2)(?=.*quickjs 2)(?=.*node 96).*\)$/m);
    assert.match(stdout, /^ {2}lost +0$/m);
    for (const kind of FAULT_KINDS) assert.match(stdout, new RegExp(`^ {2}${kind} +[1-9]\\d* +.* ok$`, 'm'), kind);
    assert.ok((stderr.match(/^\d+s total=\d+ rate=\d+\/s verified=\d+ rejected=\d+$/gm) ?? []).length >= 15, stderr);
    assert.ok(stderr.includes(`report     ${report}`), stderr);
    const html = readFileSync(report, 'utf8');
    assert.equal((html.match(/<svg\b/g) ?? []).length, 3);

    assert.deepEqual(liveInGroup(child.pid as number), [], 'no process of the run is left');
    const port = Number(/on the embedded broker mqtt:\/\/127\.0\.0\.1:(\d+)/.exec(stderr)?.[1]);
    assert.ok(port > 0, stderr);
    assert.equal(await refused(port), true, `port ${port} still listens`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
