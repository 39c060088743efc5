/**
 * A pool of worker threads running one module: starting them (from source
 * under tsx, or built), the start handshake, request ids and replies, failure
 * and closing. The gateway's verification threads and provisioning's
 * derivation threads both run on it (`xlink/platform/node/worker-pool`).
 *
 *   const pool = await WorkerPool.start<Request, Reply>({
 *     from: import.meta.url, module: './verify-thread', workerData: settings, count: 2,
 *     startFailure: (reason) => xlinkError('GATEWAY_CONFIG_INVALID', …),
 *   });
 *   const reply = await pool.request(request, pool.threadOf(deviceId)); // one key, one thread, in order
 *   await pool.close();
 *
 * The thread's side: post `'ready'` once loaded (or anything else to refuse
 * the start: it reaches `startFailure`), then answer each request, which
 * arrives as the caller's object with an `id` added, with a reply carrying
 * the same `id`; `'close'` asks it to finish and close its port. Requests
 * made in one tick reach a thread as one array (one message, one wake-up,
 * instead of one per request: that cost as much as a signature check), and a
 * thread may answer with one reply or an array of them. A thread
 * answers its requests in the order it takes them, so requests sent to one
 * thread (`threadOf` the same key) are answered in order: the per-key order
 * the gateway keeps per device.
 *
 * A thread that dies (error or exit) fails every request waiting and the pool
 * refuses further work (`failure`, through `onFailure` if given): the owner
 * decides (the gateway turns readiness off; a provisioning batch fails).
 */
import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';

export interface WorkerPoolOptions {
  /** The importing module's `import.meta.url`: the thread module is resolved next to it, with its extension. */
  readonly from: string;
  /** The thread module relative to `from`, without extension, e.g. `./verify-thread`. */
  readonly module: string;
  readonly workerData: unknown;
  /** Threads; at least 1. */
  readonly count: number;
  /** The error `start` throws, from what a thread posted instead of `'ready'`, or the error it failed with. */
  readonly startFailure: (reason: unknown) => Error;
  /** The error requests then fail with once a thread died; default the thread's own. */
  readonly onFailure?: (error: Error) => Error;
}

interface Waiting<Reply> {
  readonly resolve: (reply: Reply) => void;
  readonly reject: (error: Error) => void;
}

/** FNV-1a: cheap, stable, spreads short ids well. */
function hash(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

export class WorkerPool<Request extends object, Reply extends { readonly id: number }> {
  readonly size: number;
  readonly #workers: readonly Worker[];
  readonly #waiting = new Map<number, Waiting<Reply>>();
  readonly #onFailure: (error: Error) => Error;
  /** Per thread: the requests of this tick, posted together. */
  readonly #outboxes: object[][];
  #next = 0;
  #failure: Error | undefined;

  private constructor(workers: readonly Worker[], onFailure: (error: Error) => Error) {
    this.#workers = workers;
    this.size = workers.length;
    this.#onFailure = onFailure;
    this.#outboxes = workers.map(() => []);
    for (const worker of workers) {
      worker.on('message', (message: Reply | readonly Reply[]) => {
        for (const reply of Array.isArray(message) ? message : [message]) {
          const waiting = this.#waiting.get(reply.id);
          if (waiting === undefined) continue;
          this.#waiting.delete(reply.id);
          waiting.resolve(reply);
        }
      });
      worker.on('error', (error) => this.#fail(error));
      worker.on('exit', (code) => this.#fail(new Error(`a worker thread exited (${code})`)));
    }
  }

  /** Starts `count` threads and waits until each posted `'ready'`; throws `startFailure`'s error otherwise. */
  static async start<Request extends object, Reply extends { readonly id: number }>(
    options: WorkerPoolOptions,
  ): Promise<WorkerPool<Request, Reply>> {
    const extension = extname(fileURLToPath(options.from));
    const url = new URL(`${options.module}${extension}`, options.from);
    // From source a thread registers tsx's loader before importing TypeScript (a .ts Worker entry is
    // not loaded through --import hooks on Node 20); the built package starts the .js file directly.
    const spawn = (): Worker =>
      extension === '.ts'
        ? new Worker(
            `import('tsx/esm/api').then((tsx) => tsx.register()).then(() => import(${JSON.stringify(url.href)}))`,
            { eval: true, workerData: options.workerData },
          )
        : new Worker(url, { workerData: options.workerData });
    const workers = Array.from({ length: Math.max(1, options.count) }, spawn);
    try {
      await Promise.all(
        workers.map(
          (worker) =>
            new Promise<void>((resolve, reject) => {
              worker.once('message', (first: unknown) => (first === 'ready' ? resolve() : reject(first)));
              worker.once('error', reject);
              worker.once('exit', (code) => reject(new Error(`exited (${code}) while starting`)));
            }),
        ),
      );
    } catch (reason) {
      await Promise.all(workers.map((worker) => worker.terminate()));
      throw options.startFailure(reason);
    }
    return new WorkerPool<Request, Reply>(workers, options.onFailure ?? ((error) => error));
  }

  /** Set once a thread died or the pool closed; every request then fails with it. */
  get failure(): Error | undefined {
    return this.#failure;
  }

  /** The thread for `key`: always the same one, so one key's requests are answered in order. */
  threadOf(key: string): number {
    return hash(key) % this.#workers.length;
  }

  /** Sends `request` (with an `id` added) to thread `thread`, with the others of this tick; resolves with its reply. */
  request(request: Request, thread: number): Promise<Reply> {
    if (this.#failure !== undefined) return Promise.reject(this.#failure);
    const index = thread % this.#workers.length;
    const outbox = this.#outboxes[index] as object[];
    const id = this.#next++;
    return new Promise((resolve, reject) => {
      this.#waiting.set(id, { resolve, reject });
      outbox.push({ ...request, id });
      if (outbox.length === 1) queueMicrotask(() => this.#post(index));
    });
  }

  #post(index: number): void {
    const batch = this.#outboxes[index] as object[];
    this.#outboxes[index] = [];
    if (this.#failure === undefined) (this.#workers[index] as Worker).postMessage(batch);
  }

  /** Asks every thread to close (`'close'`), terminating one that has not exited within 2 s. */
  async close(): Promise<void> {
    this.#failure ??= new Error('the worker pool is closed');
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
    this.#failure ??= this.#onFailure(error);
    for (const waiting of this.#waiting.values()) waiting.reject(this.#failure);
    this.#waiting.clear();
  }
}
