/**
 * A `CounterStorage` in one small file, written crash-safely.
 *
 *   const counters = new CounterSequence(new FileCounterStorage({ path: '/var/lib/xlink/counter' }));
 *
 * Each save writes `<bound>\n` to `<path>.tmp`, fsyncs it, renames it over
 * `path` and fsyncs the directory, so after a power cut the file holds the old
 * bound or the new one, never a torn mix, and a save that resolved survives.
 *
 * Limits: one writer per path (the temporary name is fixed); POSIX rename
 * semantics (on Windows the directory fsync is not possible and is skipped).
 */
import type { FileHandle } from 'node:fs/promises';
import { open, readFile, rename } from 'node:fs/promises';
import { dirname } from 'node:path';
import { xlinkError } from '../../errors.js';
import type { CounterStorage } from '../counter-sequence.js';

export interface FileCounterStorageOptions {
  readonly path: string;
}

/** The largest bound a `CounterSequence` saves: one past 2^53-1. */
const MAX_BOUND = 2 ** 53;

export class FileCounterStorage implements CounterStorage {
  readonly path: string;

  constructor(options: FileCounterStorageOptions) {
    if (typeof options?.path !== 'string' || options.path === '') {
      throw xlinkError('INVALID_ARGUMENT', '"path" expected a non-empty file path', { field: 'path' });
    }
    this.path = options.path;
  }

  async load(): Promise<number | undefined> {
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch (cause) {
      if ((cause as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw xlinkError('REPLAY_STORE_UNAVAILABLE', `cannot read counter file ${this.path}: ${String(cause)}`, {
        cause,
      });
    }
    const digits = /^(0|[1-9][0-9]{0,15})\n$/.exec(text)?.[1];
    const bound = Number(digits);
    // The round trip refuses digits a double would round (above 2^53).
    if (digits === undefined || bound > MAX_BOUND || String(bound) !== digits) {
      throw xlinkError(
        'REPLAY_STORE_UNAVAILABLE',
        `counter file ${this.path} does not hold one decimal integer from 0 to 2^53 and a newline`,
      );
    }
    return bound;
  }

  async save(reservedUpTo: number): Promise<void> {
    if (!Number.isInteger(reservedUpTo) || reservedUpTo < 0 || reservedUpTo > MAX_BOUND) {
      throw xlinkError('INVALID_ARGUMENT', `"reservedUpTo" expected an integer from 0 to 2^53, got ${reservedUpTo}`, {
        field: 'reservedUpTo',
      });
    }
    try {
      await writeFileDurably(this.path, `${reservedUpTo}\n`);
    } catch (cause) {
      throw xlinkError('REPLAY_STORE_UNAVAILABLE', `cannot write counter file ${this.path}: ${String(cause)}`, {
        cause,
      });
    }
  }
}

/** Replaces `path` with `data` so that a crash leaves the old or the new content: temp file, fsync, rename, fsync dir. */
export async function writeFileDurably(path: string, data: string | Uint8Array): Promise<void> {
  const temp = `${path}.tmp`;
  const handle = await open(temp, 'w');
  try {
    await handle.writeFile(data);
    await handle.sync();
  } finally {
    await handle.close();
  }
  await rename(temp, path);
  await syncDirectory(dirname(path));
}

/** Makes a rename or file creation in `dir` durable (fsync of the directory). */
export async function syncDirectory(dir: string): Promise<void> {
  // Windows cannot open a directory for fsync; NTFS journals the rename itself.
  if (process.platform === 'win32') return;
  const handle: FileHandle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
