/**
 * One provisioning batch: seeds, identities, burn artifacts and the manifest,
 * journaled so that a re-run of the same command after a crash resumes.
 *
 *   const result = await runBatch({ out, product, batch, scopes, serials, seeds: { kind: 'random' }, format: 'bin', crypto });
 *   result.failed; // devices that could not be written; a re-run retries them
 *
 * Order of work, per group of devices (group commit: one fsync serves a group):
 *   1. derive each seed, its keys, DID, key id and signed identity document;
 *   2. journal an `intent` {serial, did} per device (durable before any artifact exists);
 *   3. write each artifact, created exclusively with mode 0600, fdatasync'ed; then fsync the folder;
 *   4. journal a `done` record per device: its public manifest entry and the artifact's SHA-256.
 * The manifest (manifest.jsonl, in input order) is rewritten from the journal
 * at the end of every run, durably; `complete` is journaled once every serial is done.
 *
 * Resume. The journal's `batch` record must match the command (same product,
 * batch, scopes, format, serial list, seed source and sealing station), else
 * PROVISION_BATCH_MISMATCH. A `done` device is kept, after checking its
 * artifact is still there with the journaled hash. An `intent` without
 * `done` was cut off before its artifact was durable: the artifact (whole
 * or partial) is deleted and the DID journaled `abandon`ed, so it never
 * reaches a manifest, and the serial is provisioned anew. With random seeds
 * that gives a new seed, but the abandoned one never existed anywhere
 * anyone could burn it from (its file was never acknowledged); with a
 * master secret the same seed comes back. So: no device twice, none lost,
 * no serial with two seeds on disk or in a manifest.
 *
 * Refused before anything is written: duplicate or case-colliding serials,
 * and serials `alreadyProvisioned` (e.g. named in the registry) under a
 * DID this folder did not give them (PROVISION_DUPLICATE_SERIAL).
 */
import { createHash } from 'node:crypto';
import { chmod, mkdir, open, readFile, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { CryptoProvider, Ed25519Signer } from 'xlink/crypto';
import { isXlinkError, quote, type XlinkError, xlinkError } from 'xlink/errors';
import { syncDirectory, writeFileDurably } from 'xlink/platform/node';
import { assertRegisteredScopes } from 'xlink/registry';
import { ARTIFACT_EXTENSIONS, type ArtifactFormat } from './artifacts.js';
import { DerivePool } from './derive-pool.js';
import { DEVICE_VERSIONS, type DerivedDevice, type DeviceJob, type DeviceSpec, deriveDevice } from './device.js';
import { Journal, type JournalRecord } from './journal.js';
import { type ManifestEntry, manifestCsv, manifestJsonl } from './manifest.js';
import { SEALED_EXTENSION, type SealingStation, sealArtifact } from './sealing.js';
import { derivedSeed, masterSecretId, randomSeed } from './seeds.js';
import { assertDistinctSerials, assertSerial } from './serials.js';

export type SeedSource = { readonly kind: 'random' } | { readonly kind: 'master'; readonly secret: Uint8Array };

export interface BatchOptions {
  /** The batch's folder; created 0700 if missing. */
  readonly out: string;
  readonly product: string;
  readonly batch: string;
  readonly scopes: readonly string[];
  readonly serials: readonly string[];
  readonly seeds: SeedSource;
  readonly format: ArtifactFormat;
  /** Seal every artifact to this burn station, signed by the operator. */
  readonly seal?: { readonly station: SealingStation; readonly operator: { did: string; signer: Ed25519Signer } };
  /** Serials provisioned before (e.g. registry entry names) → their DID. */
  readonly alreadyProvisioned?: ReadonlyMap<string, string>;
  /** Also write manifest.csv. */
  readonly csv?: boolean;
  readonly crypto: CryptoProvider;
  readonly now?: () => number;
  /** Devices per group commit; default 256. */
  readonly groupSize?: number;
  /**
   * Derive in this many worker threads (with the node backend, whatever
   * `crypto` is), pipelined with the group before's writes; default 0: in
   * this thread, with `crypto`. The artifacts are the same bytes either way.
   */
  readonly threads?: number;
  /** Called for each device once its `done` record is durable. */
  readonly onDevice?: (entry: ManifestEntry) => void;
  readonly onProgress?: (done: number, total: number) => void;
  /** Filled with the time spent in each phase, ms (the benchmark reads it). */
  readonly timing?: BatchTiming;
}

export interface BatchTiming {
  /** Summed over the derivation threads: with threads it can exceed the wall time. */
  derive: number;
  seal: number;
  /** Writing artifacts and fsync'ing them and their folder. */
  artifacts: number;
  /** Journal appends, each group's fdatasync included. */
  journal: number;
}

export interface BatchResult {
  readonly devices: number;
  /** Devices found done in the journal at start. */
  readonly resumed: number;
  /** DIDs abandoned at start: devices a crash cut off before their artifact was durable. */
  readonly abandoned: number;
  readonly failed: readonly { readonly serial: string; readonly code: string; readonly message: string }[];
  readonly manifest: string;
  readonly journalHead: string;
  readonly complete: boolean;
}

const NAME = /^[A-Za-z0-9_][A-Za-z0-9._-]{0,63}$/;

interface Prepared {
  readonly entry: ManifestEntry;
  readonly file: string;
  readonly bytes: Uint8Array;
}

export function artifactFileName(serial: string, format: ArtifactFormat, sealed: boolean): string {
  return `${serial}${ARTIFACT_EXTENSIONS[format]}${sealed ? SEALED_EXTENSION : ''}`;
}

export async function runBatch(options: BatchOptions): Promise<BatchResult> {
  const { out, product, batch, scopes, serials, format, crypto } = options;
  const now = options.now ?? Date.now;
  const timing = options.timing ?? { derive: 0, seal: 0, artifacts: 0, journal: 0 };
  for (const [field, value] of [
    ['product', product],
    ['batch', batch],
  ] as const) {
    if (!NAME.test(value)) {
      throw xlinkError('PROVISION_INPUT_INVALID', `"${field}" must be 1 to 64 of A-Za-z0-9._-, got ${quote(value)}`, {
        field,
      });
    }
  }
  assertRegisteredScopes(scopes);
  for (const [index, serial] of serials.entries()) assertSerial(serial, `serial ${index + 1}`);
  assertDistinctSerials(serials);
  const sealed = options.seal !== undefined;
  const batchRecord = {
    type: 'batch',
    product,
    batch,
    scopes: [...scopes],
    format,
    count: serials.length,
    serials: createHash('sha256').update(serials.join('\n')).digest('hex'),
    seeds: options.seeds.kind === 'random' ? 'random' : `master:${await masterSecretId(options.seeds.secret, crypto)}`,
    sealedTo: options.seal?.station.did ?? null,
    versions: [...DEVICE_VERSIONS],
  };

  const artifactsDir = join(out, 'artifacts');
  const journalPath = join(out, 'journal.log');
  const existing = await stat(journalPath).then(
    () => true,
    (error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return false;
      throw ioFailure(`cannot read ${journalPath}`, error);
    },
  );
  const done = new Map<string, JournalRecord>();
  const pending = new Map<string, JournalRecord>();
  let journal: Journal;
  if (existing) {
    const opened = await Journal.open(journalPath);
    journal = opened.journal;
    try {
      // A crash right after the journal was created leaves only its header.
      if (opened.records.length === 0) await journal.append(batchRecord);
      else checkBatchRecord(opened.records[0], batchRecord, journalPath);
      for (const record of opened.records.slice(1)) {
        const serial = record.serial as string;
        if (record.type === 'intent') pending.set(serial, record);
        else if (record.type === 'done') {
          done.set(serial, record);
          pending.delete(serial);
        } else if (record.type === 'abandon') pending.delete(serial);
      }
    } catch (error) {
      await journal.close();
      throw error;
    }
  } else {
    checkNewSerials(serials, options.alreadyProvisioned, done);
    await mkdir(artifactsDir, { recursive: true, mode: 0o700 });
    // Folders that existed keep their mode through mkdir: make sure.
    await chmod(out, 0o700);
    await chmod(artifactsDir, 0o700);
    journal = await Journal.create(journalPath);
    await journal.append(batchRecord);
  }
  try {
    if (existing) checkNewSerials(serials, options.alreadyProvisioned, done);
    const resumed = done.size;
    // Resume: forget what a crash cut off, check what was acknowledged is still there.
    for (const [serial, intent] of pending) {
      await rm(join(artifactsDir, artifactFileName(serial, format, sealed)), { force: true });
      await journal.append({
        type: 'abandon',
        serial,
        did: intent.did,
        reason: 'cut off before its artifact was durable',
      });
    }
    const abandoned = pending.size;
    if (abandoned > 0) await syncDirectory(artifactsDir);
    for (const [serial, record] of done) {
      const file = join(artifactsDir, record.file as string);
      const bytes = await readFile(file).catch((error: unknown) => {
        throw ioFailure(
          `the artifact of ${serial}, ${file}, which the journal says was written, cannot be read`,
          error,
        );
      });
      if (sha256(bytes) !== record.sha256) {
        throw ioFailure(`the artifact of ${serial}, ${file}, changed since it was written (its SHA-256 differs)`);
      }
    }

    const todo = serials.filter((serial) => !done.has(serial));
    const failed: { serial: string; code: string; message: string }[] = [];
    const groupSize = options.groupSize ?? 256;
    options.onProgress?.(done.size, serials.length);
    const spec: DeviceSpec = { product, batch, scopes, format };
    const pool =
      (options.threads ?? 0) > 0 && todo.length > 0 ? await DerivePool.start(spec, options.threads ?? 0) : undefined;
    const commit = async (prepared: readonly Prepared[]): Promise<void> => {
      let begun = performance.now();
      await Promise.all(
        prepared.map(({ entry }) => journal.append({ type: 'intent', serial: entry.serial, did: entry.did })),
      );
      timing.journal += performance.now() - begun;
      begun = performance.now();
      const written = await writeArtifacts(artifactsDir, prepared);
      await syncDirectory(artifactsDir);
      timing.artifacts += performance.now() - begun;
      begun = performance.now();
      const records: Promise<void>[] = [];
      for (const [index, item] of prepared.entries()) {
        const failure = written[index];
        if (failure === undefined) {
          const record = { type: 'done', ...item.entry, file: item.file, sha256: sha256(item.bytes) };
          records.push(journal.append(record));
          done.set(item.entry.serial, record as unknown as JournalRecord);
        } else {
          failed.push({ serial: item.entry.serial, code: failure.code, message: failure.message });
          records.push(
            journal.append({ type: 'abandon', serial: item.entry.serial, did: item.entry.did, reason: failure.code }),
          );
        }
      }
      await Promise.all(records);
      timing.journal += performance.now() - begun;
      for (const item of prepared) if (done.has(item.entry.serial)) options.onDevice?.(item.entry);
      options.onProgress?.(done.size, serials.length);
    };
    const groups: string[][] = [];
    for (let start = 0; start < todo.length; start += groupSize) groups.push(todo.slice(start, start + groupSize));
    // Pipeline: the threads derive group n+1 while this thread seals, journals and writes group n.
    // Only memory work overlaps: each group's intent → artifact → done order, which a re-run reads, stays.
    let next: Promise<Prepared[]> | undefined;
    const derive = (group: readonly string[]): Promise<Prepared[]> => {
      const derived = prepareGroup(group, options, spec, pool, sealed, now, timing);
      // Awaited below; this only keeps a failure from counting as unhandled meanwhile.
      derived.catch(() => {});
      return derived;
    };
    try {
      if (groups[0] !== undefined) next = derive(groups[0]);
      for (let index = 0; index < groups.length; index += 1) {
        const prepared = await (next as Promise<Prepared[]>);
        const following = groups[index + 1];
        // Derivation in this thread would only hold up the writes' callbacks: then it waits its turn.
        next = following === undefined || pool === undefined ? undefined : derive(following);
        await commit(prepared);
        if (following !== undefined && pool === undefined) next = derive(following);
      }
    } finally {
      await next?.catch(() => {});
      await pool?.close();
    }

    const entries = serials.flatMap((serial) => {
      const record = done.get(serial);
      return record === undefined ? [] : [manifestEntryOf(record)];
    });
    const manifest = join(out, 'manifest.jsonl');
    const text = manifestJsonl(entries);
    await writeFileDurably(manifest, text);
    if (options.csv === true) await writeFileDurably(join(out, 'manifest.csv'), manifestCsv(entries));
    const complete = entries.length === serials.length;
    if (complete) {
      await journal.append({
        type: 'complete',
        devices: entries.length,
        manifest: sha256(new TextEncoder().encode(text)),
      });
    }
    return { devices: entries.length, resumed, abandoned, failed, manifest, journalHead: journal.head, complete };
  } finally {
    await journal.close();
  }
}

/** Seeds for a group, derived here or in the pool, then sealed here. */
async function prepareGroup(
  group: readonly string[],
  options: BatchOptions,
  spec: DeviceSpec,
  pool: DerivePool | undefined,
  sealed: boolean,
  now: () => number,
  timing: BatchTiming,
): Promise<Prepared[]> {
  const { crypto, product, batch, format } = options;
  const jobs: DeviceJob[] = [];
  for (const serial of group) {
    const seed =
      options.seeds.kind === 'random'
        ? randomSeed(crypto)
        : await derivedSeed(options.seeds.secret, { product, batch, serial }, crypto);
    jobs.push({ serial, seed, createdAt: now() });
  }
  let devices: DerivedDevice[];
  if (pool === undefined) {
    const begun = performance.now();
    devices = [];
    for (const job of jobs) devices.push(await deriveDevice(job, spec, crypto));
    timing.derive += performance.now() - begun;
  } else {
    try {
      const derived = await pool.derive(jobs);
      timing.derive += derived.ms;
      devices = derived.devices;
    } finally {
      // The threads got copies; this thread's are no longer needed.
      for (const job of jobs) job.seed.fill(0);
    }
  }
  const prepared: Prepared[] = [];
  for (const { entry, artifact } of devices) {
    const file = artifactFileName(entry.serial, format, sealed);
    if (options.seal === undefined) {
      prepared.push({ entry, file, bytes: artifact });
      continue;
    }
    const begun = performance.now();
    const bytes = await sealArtifact(artifact, { ...options.seal, crypto, timestamp: entry.createdAt });
    artifact.fill(0);
    timing.seal += performance.now() - begun;
    prepared.push({ entry, file, bytes });
  }
  return prepared;
}

/** Writes each artifact (exclusive create, 0600, fdatasync); per device the failure, if any. */
async function writeArtifacts(directory: string, prepared: readonly Prepared[]): Promise<(XlinkError | undefined)[]> {
  const results: (XlinkError | undefined)[] = new Array(prepared.length).fill(undefined);
  let next = 0;
  // A few writes in flight: fsyncs of separate files overlap in the file system's journal.
  const worker = async (): Promise<void> => {
    while (next < prepared.length) {
      const index = next++;
      const item = prepared[index] as Prepared;
      const path = join(directory, item.file);
      try {
        const handle = await open(path, 'wx', 0o600);
        try {
          await handle.writeFile(item.bytes);
          await handle.datasync();
        } finally {
          await handle.close();
        }
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') await rm(path, { force: true }).catch(() => {});
        results[index] = ioFailure(`cannot write ${path}: ${(error as Error).message}`, error);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(8, prepared.length) }, worker));
  return results;
}

function checkBatchRecord(first: JournalRecord | undefined, expected: Record<string, unknown>, path: string): void {
  if (first === undefined || first.type !== 'batch') {
    throw xlinkError('PROVISION_JOURNAL_CORRUPT', `${path} does not start with its batch record`);
  }
  for (const [key, value] of Object.entries(expected)) {
    if (JSON.stringify(first[key]) !== JSON.stringify(value)) {
      throw xlinkError(
        'PROVISION_BATCH_MISMATCH',
        `${path} holds another batch: its ${key} is ${quote(JSON.stringify(first[key]), 80)}, this command's ${quote(JSON.stringify(value), 80)}`,
        { field: key },
      );
    }
  }
}

function checkNewSerials(
  serials: readonly string[],
  known: ReadonlyMap<string, string> | undefined,
  done: ReadonlyMap<string, JournalRecord>,
): void {
  if (known === undefined) return;
  for (const serial of serials) {
    const did = known.get(serial);
    if (did !== undefined && done.get(serial)?.did !== did) {
      throw xlinkError(
        'PROVISION_DUPLICATE_SERIAL',
        `serial ${quote(serial)} was already provisioned as ${quote(did)}; nothing was written`,
        { field: 'serials' },
      );
    }
  }
}

function manifestEntryOf(record: JournalRecord): ManifestEntry {
  const { serial, did, kid, document, product, batch, scopes, createdAt } = record as unknown as ManifestEntry;
  return { serial, did, kid, document, product, batch, scopes, createdAt };
}

function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

function ioFailure(message: string, cause?: unknown): XlinkError {
  if (isXlinkError(cause)) return cause;
  return xlinkError('PROVISION_IO_FAILED', message, cause === undefined ? {} : { cause });
}
