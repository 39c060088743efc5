/**
 * The verification threads: one per core by default. A device is always sent
 * to the same thread (by a hash of its topic's device id), so its messages are
 * verified in arrival order and its key is prepared and cached in one place.
 *
 *   const pool = await VerifyPool.start(settings, 2);
 *   const outcome = await pool.verify(deviceKey, bytes, topic); // VerifyOutcome
 *   await pool.close();
 *
 * A thread that dies fails every request it held (the messages stay
 * unacknowledged and come again) and the pool refuses further work: the
 * daemon's readiness turns off and the supervisor restarts it.
 */
import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { isErrorCode, isXlinkError, xlinkError } from '../../errors.js';
import type { VerifyOutcome } from '../verdict.js';
import type { VerifyReply, VerifyRequest, VerifyThreadSettings } from './verify-thread.js';

interface Waiting {
  readonly resolve: (outcome: VerifyOutcome) => void;
  readonly reject: (error: Error) => void;
}

/** FNV-1a: cheap, stable, spreads short ids well. */
function hash(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

export class VerifyPool {
  readonly size: number;
  readonly #workers: Worker[];
  readonly #waiting = new Map<number, Waiting>();
  #next = 0;
  #failure: Error | undefined;

  private constructor(workers: Worker[]) {
    this.#workers = workers;
    this.size = workers.length;
    for (const worker of workers) {
      worker.on('message', (reply: VerifyReply) => {
        const waiting = this.#waiting.get(reply.id);
        if (waiting === undefined) return;
        this.#waiting.delete(reply.id);
        if ('failed' in reply) waiting.reject(new Error(reply.failed));
        else waiting.resolve(reply);
      });
      worker.on('error', (error) => this.#fail(error));
      worker.on('exit', (code) => this.#fail(new Error(`a verification thread exited (${code})`)));
    }
  }

  /** Starts `count` threads and waits until each has opened the registry and built its identity. */
  static async start(settings: VerifyThreadSettings, count: number): Promise<VerifyPool> {
    const extension = extname(fileURLToPath(import.meta.url));
    const url = new URL(`./verify-thread${extension}`, import.meta.url);
    // Run from source, a thread registers tsx's loader before importing TypeScript (a .ts Worker entry
    // is not loaded through --import hooks on Node 20); the built package starts the .js file directly.
    const start = (): Worker =>
      extension === '.ts'
        ? new Worker(
            `import('tsx/esm/api').then((tsx) => tsx.register()).then(() => import(${JSON.stringify(url.href)}))`,
            { eval: true, workerData: settings },
          )
        : new Worker(url, { workerData: settings });
    const workers = Array.from({ length: count }, start);
    try {
      await Promise.all(
        workers.map(
          (worker) =>
            new Promise<void>((resolve, reject) => {
              worker.once('message', (first: 'ready' | { failed: string; code?: unknown }) =>
                first === 'ready'
                  ? resolve()
                  : reject(xlinkError(isErrorCode(first.code) ? first.code : 'GATEWAY_CONFIG_INVALID', first.failed)),
              );
              worker.once('error', reject);
            }),
        ),
      );
    } catch (error) {
      await Promise.all(workers.map((w) => w.terminate()));
      // The thread's own code (REGISTRY_MISSING, IDENTITY_FAILED, …) says what to fix.
      throw isXlinkError(error)
        ? error
        : xlinkError('GATEWAY_CONFIG_INVALID', `a verification thread could not start: ${(error as Error).message}`, {
            cause: error,
          });
    }
    return new VerifyPool(workers);
  }

  get failure(): Error | undefined {
    return this.#failure;
  }

  verify(deviceKey: string, bytes: Uint8Array, topic: string): Promise<VerifyOutcome> {
    if (this.#failure !== undefined) return Promise.reject(this.#failure);
    const id = this.#next++;
    const worker = this.#workers[hash(deviceKey) % this.#workers.length] as Worker;
    return new Promise((resolve, reject) => {
      this.#waiting.set(id, { resolve, reject });
      const request: VerifyRequest = { id, bytes, topic };
      worker.postMessage(request);
    });
  }

  async close(): Promise<void> {
    this.#failure ??= new Error('the verification pool is closed');
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

  #fail(error: Error): void {
    this.#failure ??= error;
    for (const waiting of this.#waiting.values()) waiting.reject(error);
    this.#waiting.clear();
  }
}
