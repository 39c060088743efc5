// The hint a read-only registry follows its file by: watch events, and the poll behind them.
import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { followFile } from '../../src/platform/node/follow-file.js';
import { VirtualClock } from '../../src/platform/virtual-clock.js';

const dir = mkdtempSync(join(tmpdir(), 'xlink-follow-'));
after(() => rmSync(dir, { recursive: true, force: true }));

async function eventually(condition: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!condition()) {
    assert.ok(Date.now() < deadline, `timed out waiting for ${what}`);
    await sleep(5);
  }
}

it('calls onChange on every poll of the injected timer, and never after close', () => {
  const path = join(dir, 'polled');
  writeFileSync(path, '');
  const timer = new VirtualClock();
  let calls = 0;
  const follower = followFile(path, { timer, intervalMs: 1000, onChange: () => calls++ });
  timer.advance(999);
  assert.equal(calls, 0);
  timer.advance(1);
  assert.equal(calls, 1);
  timer.advance(3000);
  assert.equal(calls, 4);
  follower.close();
  timer.advance(5000);
  assert.equal(calls, 4);
  assert.equal(timer.pendingTimers, 0);
});

it('calls onChange when the file is appended to, and when another file is renamed over it', async () => {
  const path = join(dir, 'watched');
  writeFileSync(path, 'a');
  writeFileSync(join(dir, 'unrelated'), '');
  let calls = 0;
  const follower = followFile(path, { timer: new VirtualClock(), intervalMs: 1000, onChange: () => calls++ });
  try {
    appendFileSync(join(dir, 'unrelated'), 'x');
    appendFileSync(path, 'b');
    await eventually(() => calls > 0, 'the append');
    const seen = calls;
    writeFileSync(`${path}.tmp`, 'replaced');
    renameSync(`${path}.tmp`, path);
    await eventually(() => calls > seen, 'the rename');
  } finally {
    follower.close();
  }
});
