/**
 * Crash-safe file replacement on Node: after a power cut the file holds the
 * old content or the new, never a torn mix, and a write that resolved survives.
 *
 *   await writeFileDurably('/var/lib/xlink/ctr', bytes);
 *
 * Write to `<path>.tmp`, fsync it, rename it over `path`, fsync the directory.
 * Limits: one writer per path (the temporary name is fixed); POSIX rename
 * semantics (on Windows the directory fsync is impossible and skipped).
 */
import { open, rename } from 'node:fs/promises';
import { dirname } from 'node:path';

export async function writeFileDurably(path: string, data: string | Uint8Array): Promise<void> {
  const temporary = `${path}.tmp`;
  const handle = await open(temporary, 'w');
  try {
    await handle.writeFile(data);
    await handle.sync();
  } finally {
    await handle.close();
  }
  await rename(temporary, path);
  await syncDirectory(dirname(path));
}

/** Makes a rename or a file creation in `directory` durable (fsync of the directory). */
export async function syncDirectory(directory: string): Promise<void> {
  // Windows cannot open a directory to fsync it; NTFS journals the rename itself.
  if (process.platform === 'win32') return;
  const handle = await open(directory, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
