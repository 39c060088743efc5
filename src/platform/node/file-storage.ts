/**
 * `KeyValueStorage` as a folder of small files (Node), each written crash-safely.
 *
 *   const storage = new FileKeyValueStorage({ directory: '/var/lib/xlink/device' });
 *   const counters = new CounterSequence({ storage, key: 'ctr' });
 *
 * One file per key, named after it (keys are [a-z0-9._-], so the name is
 * safe); `set` replaces the file by temp + fsync + rename + directory fsync,
 * so a reboot finds the old value or the new one. The directory must exist.
 * Limits: one process per directory (nothing locks it).
 */
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { quote, xlinkError } from '../../errors.js';
import { assertStorageKey, assertStorageValue, type KeyValueStorage } from '../storage.js';
import { writeFileDurably } from './durable-file.js';

export interface FileKeyValueStorageOptions {
  readonly directory: string;
}

export class FileKeyValueStorage implements KeyValueStorage {
  readonly directory: string;

  constructor(options: FileKeyValueStorageOptions) {
    if (typeof options?.directory !== 'string' || options.directory === '') {
      throw xlinkError('INVALID_ARGUMENT', '"directory" expected a non-empty path', { field: 'directory' });
    }
    this.directory = options.directory;
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    assertStorageKey(key);
    try {
      return new Uint8Array(await readFile(this.#path(key)));
    } catch (cause) {
      if ((cause as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw failed('read', key, cause);
    }
  }

  async set(key: string, value: Uint8Array): Promise<void> {
    assertStorageKey(key);
    assertStorageValue(value);
    try {
      await writeFileDurably(this.#path(key), value);
    } catch (cause) {
      throw failed('write', key, cause);
    }
  }

  async delete(key: string): Promise<void> {
    assertStorageKey(key);
    try {
      await rm(this.#path(key), { force: true });
    } catch (cause) {
      throw failed('delete', key, cause);
    }
  }

  #path(key: string): string {
    // A leading dot would hide the file and "." / ".." are no files: prefix every name.
    return join(this.directory, `kv-${key}`);
  }
}

function failed(action: string, key: string, cause: unknown): Error {
  const reason = cause instanceof Error ? cause.message : String(cause);
  return xlinkError('STORAGE_FAILED', `cannot ${action} storage key ${quote(key)}: ${quote(reason, 200)}`, { cause });
}
