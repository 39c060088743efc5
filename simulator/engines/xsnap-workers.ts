/**
 * Moddable XS machines for this process: each `openXsnapWorker()` is one
 * @agoric/xsnap worker (its own OS process, its own XS heap), all driven by
 * one shared host process (xsnap-child.mjs) that keeps SES lockdown out of
 * this one. The host starts with the first worker and ends with the last, so
 * a closed session leaves no process behind.
 *
 *   const worker = await openXsnapWorker();
 *   await worker.evaluate(script);                 // defines globalThis.handleCommand
 *   const { reply } = await worker.command('…');   // handleCommand's answer, as a string
 *   await worker.close();
 *
 * Throws ENGINE_UNAVAILABLE when @agoric/xsnap, @endo/init or xsnap's worker
 * binary is missing, ENGINE_FAILED when the host dies or a script throws.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { quote, xlinkError } from 'xlink/errors';

/** What xsnap reports after a crank: currentHeapCount is the XS heap in slots. */
export interface XsnapMeter {
  readonly currentHeapCount?: number;
  readonly compute?: number;
  readonly [name: string]: unknown;
}

export interface XsnapWorker {
  /** The xsnap-worker process, for memory figures. */
  readonly pid: number | undefined;
  evaluate(code: string): Promise<XsnapMeter>;
  command(text: string): Promise<{ readonly reply: string; readonly meter: XsnapMeter }>;
  close(): Promise<void>;
}

interface Reply {
  readonly id: number;
  readonly error?: string;
  readonly worker?: number;
  readonly pid?: number;
  readonly reply?: string;
  readonly meter?: XsnapMeter;
}

const HINT = '@agoric/xsnap (with its install script allowed) and @endo/init';

/** Throws ENGINE_UNAVAILABLE unless xsnap, SES and xsnap's built worker binary are all here. */
export function assertXsnapInstalled(): void {
  let xsnapDir: string;
  try {
    // Resolved as the host's imports will be (through any loader hooks), without loading SES here.
    import.meta.resolve('@endo/init');
    xsnapDir = dirname(new URL(import.meta.resolve('@agoric/xsnap/package.json')).pathname);
  } catch (cause) {
    throw xlinkError('ENGINE_UNAVAILABLE', `Moddable XS needs ${HINT}, which are not installed`, {
      field: 'xs',
      cause,
    });
  }
  const binary = join(xsnapDir, 'xsnap-native/xsnap/build/bin/lin/release/xsnap-worker');
  if (process.platform === 'linux' && !existsSync(binary)) {
    throw xlinkError(
      'ENGINE_UNAVAILABLE',
      `xsnap's worker binary was never built (${binary}): its install script did not run`,
      {
        field: 'xs',
      },
    );
  }
}

class XsnapHost {
  readonly #child: ChildProcess;
  readonly #waiting = new Map<number, { resolve: (reply: Reply) => void; reject: (error: Error) => void }>();
  #nextId = 1;
  #stderr = '';
  #exited: Error | undefined;
  workers = 0;

  constructor() {
    this.#child = spawn(process.execPath, [new URL('./xsnap-child.mjs', import.meta.url).pathname], {
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    this.#child.stderr?.on('data', (chunk: Buffer) => {
      this.#stderr = (this.#stderr + chunk.toString('utf8')).slice(-4000);
    });
    createInterface({ input: this.#child.stdout as NodeJS.ReadableStream }).on('line', (line) => {
      let reply: Reply;
      try {
        reply = JSON.parse(line) as Reply;
      } catch {
        return this.#fail(`the xsnap host wrote ${quote(line, 200)}`);
      }
      const waiting = this.#waiting.get(reply.id);
      this.#waiting.delete(reply.id);
      waiting?.resolve(reply);
    });
    this.#child.on('error', (error) => this.#fail(`the xsnap host did not start: ${error.message}`));
    // A host killed before its exit is seen makes the next request's write fail (EPIPE): that is its death too.
    this.#child.stdin?.on('error', (error) => this.#fail(`the xsnap host stopped reading: ${error.message}`));
    this.#child.on('exit', (code, signal) => this.#fail(`the xsnap host exited (${signal ?? code})`));
  }

  /** True once the host exited or failed: its workers are gone, and new ones need a new host. */
  get dead(): boolean {
    return this.#exited !== undefined;
  }

  #fail(why: string): void {
    this.#exited ??= xlinkError('ENGINE_FAILED', `${why}: ${quote(this.#stderr.trim(), 400)}`, { field: 'xs' });
    for (const { reject } of this.#waiting.values()) reject(this.#exited);
    this.#waiting.clear();
  }

  async request(message: Record<string, unknown>): Promise<Reply> {
    if (this.#exited !== undefined) throw this.#exited;
    const id = this.#nextId++;
    const replied = new Promise<Reply>((resolve, reject) => this.#waiting.set(id, { resolve, reject }));
    this.#child.stdin?.write(`${JSON.stringify({ ...message, id })}\n`);
    const reply = await replied;
    if (reply.error !== undefined) {
      throw xlinkError('ENGINE_FAILED', `XS: ${quote(reply.error, 400)}`, { field: 'xs' });
    }
    return reply;
  }

  /** Ends the host once its last worker closed: stdin's end closes it cleanly. */
  async end(): Promise<void> {
    if (this.#exited !== undefined) return;
    const exited = new Promise<void>((resolve) => this.#child.once('exit', () => resolve()));
    this.#child.stdin?.end();
    await exited;
  }
}

let host: XsnapHost | undefined;

export async function openXsnapWorker(): Promise<XsnapWorker> {
  assertXsnapInstalled();
  if (host === undefined || host.dead) host = new XsnapHost();
  const mine = host;
  mine.workers++;
  let opened: Reply;
  try {
    opened = await mine.request({ op: 'open' });
  } catch (error) {
    await release(mine);
    throw error;
  }
  const worker = opened.worker;
  let closed = false;
  return {
    pid: opened.pid,
    evaluate: async (code) => (await mine.request({ op: 'evaluate', worker, code })).meter ?? {},
    async command(text) {
      const reply = await mine.request({ op: 'command', worker, text });
      return { reply: reply.reply ?? '', meter: reply.meter ?? {} };
    },
    async close() {
      if (closed) return;
      closed = true;
      try {
        await mine.request({ op: 'close', worker });
      } catch {
        // A host that died has closed its workers with it.
      } finally {
        await release(mine);
      }
    },
  };
}

async function release(mine: XsnapHost): Promise<void> {
  mine.workers--;
  if (mine.workers > 0) return;
  if (host === mine) host = undefined;
  await mine.end();
}
