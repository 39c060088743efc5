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
import { toXlinkError, xlinkError } from 'xlink/errors';
import { WorkerPool } from 'xlink/platform/node/worker-pool';
import type { DeriveReply, DeriveRequest } from './derive-thread.js';
import type { DerivedDevice, DeviceJob, DeviceSpec } from './device.js';

export class DerivePool {
  readonly #pool: WorkerPool<Omit<DeriveRequest, 'id'>, DeriveReply>;

  private constructor(pool: WorkerPool<Omit<DeriveRequest, 'id'>, DeriveReply>) {
    this.#pool = pool;
  }

  /** Starts `count` threads and waits until each has loaded. */
  static async start(spec: DeviceSpec, count: number): Promise<DerivePool> {
    const pool = await WorkerPool.start<Omit<DeriveRequest, 'id'>, DeriveReply>({
      from: import.meta.url,
      module: './derive-thread',
      workerData: spec,
      count,
      startFailure: (reason) =>
        xlinkError('PROVISION_IO_FAILED', `a derivation thread could not start: ${describe(reason)}`, {
          cause: reason,
        }),
      onFailure: (error) =>
        xlinkError('PROVISION_IO_FAILED', `a derivation thread failed: ${error.message}`, { cause: error }),
    });
    return new DerivePool(pool);
  }

  /** Derives `jobs` across the threads; resolves in job order, with the threads' summed busy time (ms). */
  async derive(jobs: readonly DeviceJob[]): Promise<{ devices: DerivedDevice[]; ms: number }> {
    const share = Math.ceil(jobs.length / this.#pool.size);
    const replies = await Promise.all(
      Array.from({ length: this.#pool.size }, (_, index) =>
        this.#pool.request({ jobs: jobs.slice(index * share, (index + 1) * share) }, index),
      ),
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

  close(): Promise<void> {
    return this.#pool.close();
  }
}

function describe(reason: unknown): string {
  return reason instanceof Error ? reason.message : String(reason);
}
