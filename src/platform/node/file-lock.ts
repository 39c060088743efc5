/**
 * An exclusive lock on a file between processes (Node): `<path>.lock`,
 * created atomically, saying who holds it.
 *
 *   const lock = await acquireFileLock('/var/lib/xlink/replay.log', { what: 'replay log', fail });
 *   …                        // a second acquire, from any process, throws fail('locked', …) naming this one
 *   await lock.release();
 *
 * The lock file is one line of JSON, { pid, hostname, since, bootId?, token },
 * written to a temporary file and hard-linked into place: link() fails when
 * the name exists, so taking the lock is atomic and the file is never seen
 * half-written. A lock is taken over only when its holder is provably dead:
 * it names this host and either another boot of it (Linux boot_id) or a pid
 * that no longer exists (kill(pid, 0) answers ESRCH). Anything else (a live
 * process, this one included, another host sharing the disk, an unreadable
 * lock file) refuses with fail('locked'), naming the holder. A takeover
 * first renames the stale file aside and checks it is the one it judged, so
 * of two processes finding the same stale lock only one takes it.
 *
 * Limits: advisory, like every lock here (a program that ignores it is not
 * stopped); a dead holder's pid reused by a live process keeps the lock in
 * place (fail closed: delete the lock file once no process uses the store);
 * needs hard links, which some network and FAT filesystems lack.
 */
import { randomUUID } from 'node:crypto';
import { link, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { quote } from '../../errors.js';
import type { LogFailure } from './append-log.js';

export interface FileLockOptions {
  /** What is locked, for messages: "trust registry", "replay log". */
  readonly what: string;
  /** Builds the owner's error: `locked` when another process holds the lock, `io` when the lock file fails. */
  readonly fail: LogFailure;
}

/** Who holds a lock, as its lock file says. */
export interface LockHolder {
  readonly pid: number;
  readonly hostname: string;
  /** When it was taken, ISO 8601. */
  readonly since: string;
  /** The Linux boot it was taken in, when known. */
  readonly bootId?: string;
}

export interface FileLock {
  /** The lock file. */
  readonly path: string;
  readonly holder: LockHolder;
  /** Removes the lock file if it is still this lock's. */
  release(): Promise<void>;
}

interface LockFile extends LockHolder {
  readonly token: string;
}

export async function acquireFileLock(target: string, options: FileLockOptions): Promise<FileLock> {
  const path = `${target}.lock`;
  const bootId = await currentBootId();
  const mine: LockFile = {
    pid: process.pid,
    hostname: hostname(),
    since: new Date().toISOString(),
    ...(bootId === undefined ? {} : { bootId }),
    token: randomUUID(),
  };
  const text = `${JSON.stringify(mine)}\n`;
  // A second round only after a stale lock was removed, or the holder's file vanished as we read it.
  for (let round = 0; round < 3; round++) {
    if (await tryLink(path, text, mine.token, options)) {
      const { token: _, ...holder } = mine;
      return { path, holder, release: () => release(path, mine.token) };
    }
    const found = await readLockFile(path, options);
    if (found === undefined) continue;
    if (found.holder === undefined || !isStale(found.holder, bootId)) throw lockedError(target, path, found, options);
    if (!(await takeOver(path, found.text, mine.token))) throw lockedError(target, path, found, options);
  }
  throw options.fail('locked', `${options.what} ${target}: another process keeps taking ${path}; retry`);
}

async function tryLink(path: string, text: string, token: string, options: FileLockOptions): Promise<boolean> {
  const temporary = `${path}.${token}`;
  try {
    await writeFile(temporary, text, { flag: 'wx' });
    await link(temporary, path);
    return true;
  } catch (cause) {
    if ((cause as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw options.fail('io', `cannot create the lock file ${path}: ${reason(cause)}`, cause);
  } finally {
    await rm(temporary, { force: true }).catch(() => {});
  }
}

interface Found {
  readonly text: string;
  /** Undefined when the file does not hold a lock this module wrote. */
  readonly holder: LockHolder | undefined;
}

async function readLockFile(path: string, options: FileLockOptions): Promise<Found | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (cause) {
    if ((cause as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw options.fail('io', `cannot read the lock file ${path}: ${reason(cause)}`, cause);
  }
  return { text, holder: parseHolder(text) };
}

function parseHolder(text: string): LockHolder | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const { pid, hostname, since, bootId } = value as Record<string, unknown>;
  if (!Number.isSafeInteger(pid) || (pid as number) <= 0) return undefined;
  if (typeof hostname !== 'string' || typeof since !== 'string') return undefined;
  if (bootId !== undefined && typeof bootId !== 'string') return undefined;
  return { pid: pid as number, hostname, since, ...(bootId === undefined ? {} : { bootId }) };
}

/** Dead for certain: this host, and either an earlier boot or a pid that does not exist. */
function isStale(holder: LockHolder, bootId: string | undefined): boolean {
  if (holder.hostname !== hostname()) return false;
  if (bootId !== undefined && holder.bootId !== undefined && holder.bootId !== bootId) return true;
  try {
    process.kill(holder.pid, 0);
    return false;
  } catch (error) {
    // EPERM: the process exists but belongs to another user.
    return (error as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

/** Removes the stale lock whose content is `judged`; false when what was there had changed meanwhile. */
async function takeOver(path: string, judged: string, token: string): Promise<boolean> {
  const aside = `${path}.stale.${token}`;
  try {
    await rename(path, aside);
  } catch (error) {
    // Gone already: someone else removed it; try to take the lock.
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return true;
    throw error;
  }
  try {
    if ((await readFile(aside, 'utf8')) === judged) return true;
    // Another process took the lock between our read and our rename: give it back.
    await link(aside, path).catch(() => {});
    return false;
  } finally {
    await rm(aside, { force: true });
  }
}

async function release(path: string, token: string): Promise<void> {
  const text = await readFile(path, 'utf8').catch(() => undefined);
  if (text === undefined) return;
  let holder: unknown;
  try {
    holder = JSON.parse(text);
  } catch {
    return;
  }
  // A lock that is no longer ours (removed by hand and taken by another) stays.
  if ((holder as { token?: unknown })?.token === token) await rm(path, { force: true });
}

function lockedError(target: string, path: string, found: Found, options: FileLockOptions): Error {
  const { holder } = found;
  const who =
    holder === undefined
      ? `a lock file this xlink cannot read (${quote(found.text)})`
      : `pid ${holder.pid} on ${quote(holder.hostname)} since ${quote(holder.since)}`;
  const self =
    holder?.pid === process.pid && holder.hostname === hostname() ? ' (this process: it is open already)' : '';
  return options.fail(
    'locked',
    `${options.what} ${target} is open for writing in ${who}${self}: one writer per file. Stop that process, or delete ${path} if no process uses the file`,
  );
}

async function currentBootId(): Promise<string | undefined> {
  if (process.platform !== 'linux') return undefined;
  const text = await readFile('/proc/sys/kernel/random/boot_id', 'utf8').catch(() => undefined);
  return text?.trim() || undefined;
}

function reason(cause: unknown): string {
  return quote(cause instanceof Error ? cause.message : String(cause), 200);
}
