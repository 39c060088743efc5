/**
 * A second Node process running an MqttTransport, for the tests that kill
 * one (kill -9 before the receipt, a publisher dying with a queue), and the
 * small waits those tests share.
 *
 *   const child = startChild(script, { URL: broker.url });
 *   await child.line('connected');   // waits for that stdout line (fails with stderr if it exits)
 *   child.kill();                    // SIGKILL, and waits for the exit
 */
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { spawnNode } from './node-child.js';

export interface Child {
  readonly process: ChildProcess;
  /** Every stdout line so far. */
  readonly lines: readonly string[];
  /** Resolves once a line equal to `expected` (or matching it) was printed. */
  line(expected: string | RegExp, timeoutMs?: number): Promise<string>;
  /** Writes one line to its stdin. */
  tell(line: string): void;
  /** SIGKILL, then waits until it exited and everything it printed was read. */
  kill(): Promise<void>;
}

export function startChild(script: string, env: Record<string, string>): Child {
  const child = spawnNode(script, env);
  const lines: string[] = [];
  let stderr = '';
  let buffered = '';
  const waiters = new Set<() => void>();
  child.stdout?.on('data', (chunk: Buffer) => {
    buffered += chunk.toString();
    let newline = buffered.indexOf('\n');
    while (newline >= 0) {
      lines.push(buffered.slice(0, newline));
      buffered = buffered.slice(newline + 1);
      newline = buffered.indexOf('\n');
    }
    for (const waiter of waiters) waiter();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  // 'close', not 'exit': it comes once stdout is drained, so `lines` then holds all the child printed.
  const exited = once(child, 'close');
  exited.then(() => {
    for (const waiter of waiters) waiter();
  });
  const matches = (line: string, expected: string | RegExp) =>
    typeof expected === 'string' ? line === expected : expected.test(line);
  return {
    process: child,
    lines,
    line(expected, timeoutMs = 20_000) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(
            new Error(
              `no line ${String(expected)} within ${timeoutMs} ms; stdout ${JSON.stringify(lines)}; stderr ${stderr}`,
            ),
          );
        }, timeoutMs);
        function check(): void {
          const found = lines.find((line) => matches(line, expected));
          if (found !== undefined) {
            clearTimeout(timer);
            waiters.delete(check);
            resolve(found);
          } else if (child.exitCode !== null || child.signalCode !== null) {
            clearTimeout(timer);
            waiters.delete(check);
            reject(new Error(`the child exited before printing ${String(expected)}: ${stderr}`));
          }
        }
        waiters.add(check);
        check();
      });
    },
    tell(line) {
      child.stdin?.write(`${line}\n`);
    },
    async kill() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGKILL');
      await exited;
    },
  };
}

/** Polls `condition` every 10 ms until it holds; fails with `what` after `timeoutMs`. */
export async function eventually(what: string, condition: () => boolean | Promise<boolean>, timeoutMs = 15_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    assert.ok(Date.now() < deadline, `timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
