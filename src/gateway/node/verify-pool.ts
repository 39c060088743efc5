/**
 * The verification threads (verify-thread.ts on the shared WorkerPool): one
 * per core by default. A device is always sent to the same thread (by its
 * topic's device id), so its messages are verified in arrival order and its
 * key is prepared and cached in one place.
 *
 *   const pool = await VerifyPool.start(settings, 2);
 *   const outcome = await pool.verify(deviceKey, bytes, topic); // VerifyOutcome
 *   await pool.close();
 *
 * A thread that dies fails every request it held (the messages stay
 * unacknowledged and come again) and the pool refuses further work: the
 * daemon's readiness turns off and the supervisor restarts it.
 */
import { isErrorCode, isXlinkError, xlinkError } from '../../errors.js';
import { WorkerPool } from '../../platform/node/worker-pool.js';
import type { VerifyOutcome } from '../verdict.js';
import type { VerifyReply, VerifyRequest, VerifyThreadSettings } from './verify-thread.js';

export class VerifyPool {
  readonly #pool: WorkerPool<Omit<VerifyRequest, 'id'>, VerifyReply>;

  private constructor(pool: WorkerPool<Omit<VerifyRequest, 'id'>, VerifyReply>) {
    this.#pool = pool;
  }

  /** Starts `count` threads and waits until each has opened the registry and built its identity. */
  static async start(settings: VerifyThreadSettings, count: number): Promise<VerifyPool> {
    const pool = await WorkerPool.start<Omit<VerifyRequest, 'id'>, VerifyReply>({
      from: import.meta.url,
      module: './verify-thread',
      workerData: settings,
      count,
      // The thread's own code (REGISTRY_MISSING, IDENTITY_FAILED, …) says what to fix.
      startFailure: (reason) => {
        if (isXlinkError(reason)) return reason;
        const posted = reason as { failed?: unknown; code?: unknown };
        if (typeof posted?.failed === 'string') {
          return xlinkError(isErrorCode(posted.code) ? posted.code : 'GATEWAY_CONFIG_INVALID', posted.failed);
        }
        return xlinkError(
          'GATEWAY_CONFIG_INVALID',
          `a verification thread could not start: ${(reason as Error).message}`,
          { cause: reason },
        );
      },
    });
    return new VerifyPool(pool);
  }

  get size(): number {
    return this.#pool.size;
  }

  get failure(): Error | undefined {
    return this.#pool.failure;
  }

  async verify(deviceKey: string, bytes: Uint8Array, topic: string): Promise<VerifyOutcome> {
    const reply = await this.#pool.request({ bytes, topic }, this.#pool.threadOf(deviceKey));
    if ('failed' in reply) throw new Error(reply.failed);
    return reply;
  }

  close(): Promise<void> {
    return this.#pool.close();
  }
}
