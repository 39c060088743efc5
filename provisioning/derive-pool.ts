/**
 * Derivation threads for a batch: per device derivation (ML-KEM-768 key
 * generation, Ed25519 and X25519 keys, the signed document) is most of a
 * batch's CPU time, so it runs on every core while the batch's own thread
 * seals, journals and writes the group before.
 *
 *   const pool = await DerivePool.start(spec, availableParallelism());
 *   const { devices, ms } = await pool.derive(jobs); // in job order
 *   await pool.close();
 *
 * A group is cut into one contiguous share per thread; the answers come back
 * in job order. A thread that fails fails the group with the thread's error
 * code (a derivation error is a bug or a broken seed, never a retryable I/O).
 */
import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { toXlinkError, xlinkError } from 'xlink/errors';
import type { DeriveReply, DeriveRequest } from './derive-thread.js';
import type { DerivedDevice, DeviceJob, DeviceSpec } from './device.js';

export class DerivePool {
  readonly #workers: readonly Worker[];
  readonly #waiting = new Map<number, { resolve: (reply: DeriveReply) => void; reject: (error: Error) => void }>();
  #next = 0;
  #failure: Error | undefined;

  private constructor(workers: readonly Worker[]) {
    this.#workers = workers;
    for (const worker of workers) {
      worker.on('message', (reply: DeriveReply) => {
        this.#waiting.get(reply.id)?.resolve(reply);
        this.#waiting.delete(reply.id);
      });
      worker.on('error', (error) => this.#fail(error));
      worker.on('exit', (code) => this.#fail(new Error(`a derivation thread exited (${code})`)));
    }
  }

  /** Starts `count` threads and waits until each has loaded. */
  static async start(spec: DeviceSpec, count: number): Promise<DerivePool> {
    const extension = extname(fileURLToPath(import.meta.url));
    const url = new URL(`./derive-thread${extension}`, import.meta.url);
    // From source a thread registers tsx first (a .ts Worker entry skips --import hooks on Node 20),
    // as src/gateway/node/verify-pool.ts does; built, it starts the .js file.
    const start = (): Worker =>
      extension === '.ts'
        ? new Worker(
            `import('tsx/esm/api').then((tsx) => tsx.register()).then(() => import(${JSON.stringify(url.href)}))`,
            { eval: true, workerData: spec },
          )
        : new Worker(url, { workerData: spec });
    const workers = Array.from({ length: Math.max(1, count) }, start);
    try {
      await Promise.all(
        workers.map(
          (worker) =>
            new Promise<void>((resolve, reject) => {
              worker.once('message', () => resolve());
              worker.once('error', reject);
              worker.once('exit', (code) => reject(new Error(`exited (${code}) while starting`)));
            }),
        ),
      );
    } catch (error) {
      await Promise.all(workers.map((worker) => worker.terminate()));
      throw xlinkError('PROVISION_IO_FAILED', `a derivation thread could not start: ${(error as Error).message}`, {
        cause: error,
      });
    }
    return new DerivePool(workers);
  }

  /** Derives `jobs` across the threads; resolves in job order, with the threads' summed busy time (ms). */
  async derive(jobs: readonly DeviceJob[]): Promise<{ devices: DerivedDevice[]; ms: number }> {
    const share = Math.ceil(jobs.length / this.#workers.length);
    const replies = await Promise.all(
      this.#workers.map((worker, index) => this.#ask(worker, jobs.slice(index * share, (index + 1) * share))),
    );
    const devices: DerivedDevice[] = [];
    let ms = 0;
    for (const reply of replies) {
      if ('failure' in reply) throw toXlinkError(reply.failure);
      devices.push(...reply.devices);
      ms += reply.ms;
    }
    return { devices, ms };
  }

  #ask(worker: Worker, jobs: readonly DeviceJob[]): Promise<DeriveReply> {
    if (this.#failure !== undefined) return Promise.reject(this.#failure);
    const id = this.#next++;
    return new Promise((resolve, reject) => {
      this.#waiting.set(id, { resolve, reject });
      worker.postMessage({ id, jobs } satisfies DeriveRequest);
    });
  }

  #fail(error: Error): void {
    this.#failure ??= xlinkError('PROVISION_IO_FAILED', `a derivation thread failed: ${error.message}`, {
      cause: error,
    });
    for (const { reject } of this.#waiting.values()) reject(this.#failure);
    this.#waiting.clear();
  }

  async close(): Promise<void> {
    this.#failure ??= new Error('the derivation pool is closed');
    await Promise.all(
      this.#workers.map(
        (worker) =>
          new Promise<void>((resolve) => {
            worker.once('exit', () => resolve());
            worker.postMessage('close');
            setTimeout(() => void worker.terminate(), 2000).unref();
          }),
      ),
    );
  }
}
