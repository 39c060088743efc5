/**
 * Tells a reader when a file another process writes may have changed (Node):
 * fs.watch on its directory, which also sees the file replaced by a rename,
 * and a poll every `intervalMs` on the injected timer, as a backstop where
 * watch events get lost (network filesystems, some containers).
 *
 *   const follower = followFile(path, { timer: systemTimer, intervalMs: 1000, onChange: () => void refresh() });
 *   follower.close();
 *
 * Limits: a hint, not a diff. `onChange` may fire when nothing changed, or
 * once for several changes; the caller re-reads. Neither the watcher nor the
 * poll keeps the process alive on its own.
 */
import { type FSWatcher, watch } from 'node:fs';
import { basename, dirname } from 'node:path';
import type { Timer, TimerHandle } from '../timer.js';

export interface FollowFileOptions {
  readonly timer: Timer;
  readonly intervalMs: number;
  readonly onChange: () => void;
}

export interface FileFollower {
  close(): void;
}

export function followFile(path: string, options: FollowFileOptions): FileFollower {
  const { timer, intervalMs, onChange } = options;
  const name = basename(path);
  let watcher: FSWatcher | undefined;
  try {
    watcher = watch(dirname(path), { persistent: false }, (_event, filename) => {
      if (filename === null || filename === name) onChange();
    });
    // A watcher that fails later (directory removed) leaves the poll to notice.
    watcher.on('error', () => watcher?.close());
  } catch {
    watcher = undefined; // watching unsupported here: the poll alone follows the file
  }
  let handle: TimerHandle;
  let closed = false;
  const tick = (): void => {
    if (closed) return;
    onChange();
    schedule();
  };
  const schedule = (): void => {
    handle = timer.setTimeout(tick, intervalMs);
    // Node's timers have unref(); an injected virtual timer does not need it.
    (handle as { unref?: () => void } | undefined)?.unref?.();
  };
  schedule();
  return {
    close() {
      closed = true;
      timer.clearTimeout(handle);
      watcher?.close();
    },
  };
}
