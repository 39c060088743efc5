/**
 * A throwaway redis-server for tests and benchmarks: a free port, a temporary
 * directory, no persistence unless asked (`appendonly: true`: AOF, fsync every
 * second unless `appendfsync: 'always'`), and the faults a server has (kill -9, restart on the same port
 * and data).
 *
 *   const server = await startRedisServer({ appendonly: true });
 *   if (server === undefined) console.log('not run: redis-server not installed');
 *   else { const redis = new Redis(server.port, '127.0.0.1'); …; await server.kill(); await server.restart(); await server.stop(); }
 *
 * Returns undefined only when the binary is absent (`which redis-server`
 * fails) and XLINK_REQUIRE_REDIS is unset; CI sets it (.ci/run), so there a
 * missing binary fails the suite instead of skipping it. A server that is
 * installed but will not start throws, with its output.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './free-port.js';

export interface RedisServerOptions {
  /** AOF persistence (`appendonly yes`, `appendfsync everysec`); default false. */
  readonly appendonly?: boolean;
  /**
   * With `appendonly`: `always` fsyncs before each reply, the one setting under which a kill -9 loses nothing
   * acknowledged (`everysec` may postpone a write up to 2 s while a slow fsync runs, and reply anyway).
   */
  readonly appendfsync?: 'everysec' | 'always';
  /** More redis-server arguments, e.g. ['--cluster-enabled', 'yes']. */
  readonly args?: readonly string[];
  /** Default: a free port. */
  readonly port?: number;
}

export interface RedisServer {
  readonly port: number;
  readonly url: string;
  /** Its working directory (AOF, nodes.conf). */
  readonly dir: string;
  /** SIGKILL: no last write. */
  kill(): Promise<void>;
  /** Starts it again on the same port, arguments and directory (after kill). */
  restart(): Promise<void>;
  /** Kills the server (SIGTERM, then SIGKILL after 2 s) and removes its directory. Idempotent. */
  stop(): Promise<void>;
}

export function redisServerInstalled(): boolean {
  return spawnSync('which', ['redis-server'], { stdio: 'ignore' }).status === 0;
}

/** Undefined when the binary is absent, unless XLINK_REQUIRE_REDIS=1 (then it throws). */
export function redisAvailable(): boolean {
  if (redisServerInstalled()) return true;
  if (process.env.XLINK_REQUIRE_REDIS === '1') {
    throw new Error('XLINK_REQUIRE_REDIS=1 but redis-server is not installed (apt-get install redis-server)');
  }
  return false;
}

export async function startRedisServer(options: RedisServerOptions = {}): Promise<RedisServer | undefined> {
  if (!redisAvailable()) return undefined;
  // Another process may take the free port between our probe and redis binding it: try a few.
  let lastError: unknown;
  for (let attempt = 0; attempt < 3; attempt++) {
    const server = new RedisProcess(options.port ?? (await freePort()), options);
    try {
      await server.restart();
      return server;
    } catch (error) {
      lastError = error;
      await server.stop();
      if (options.port !== undefined) break;
    }
  }
  throw lastError;
}

class RedisProcess implements RedisServer {
  readonly port: number;
  readonly url: string;
  readonly dir: string;
  readonly #args: string[];
  #child: ChildProcess | undefined;
  #exited: Promise<void> = Promise.resolve();
  #output = '';
  #stopped = false;

  constructor(port: number, options: RedisServerOptions) {
    this.port = port;
    this.url = `redis://127.0.0.1:${port}`;
    this.dir = mkdtempSync(join(tmpdir(), 'xlink-redis-'));
    const persistence = options.appendonly
      ? ['--appendonly', 'yes', '--appendfsync', options.appendfsync ?? 'everysec']
      : ['--appendonly', 'no'];
    this.#args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', ...persistence, '--dir', this.dir];
    this.#args.push(...(options.args ?? []));
  }

  async restart(): Promise<void> {
    if (this.#running()) throw new Error('redis-server is running; kill it first');
    const child = spawn('redis-server', this.#args, { stdio: ['ignore', 'pipe', 'pipe'] });
    this.#child = child;
    this.#exited = new Promise((resolve) => child.once('exit', () => resolve()));
    const keep = (chunk: Buffer): void => {
      this.#output = (this.#output + chunk.toString()).slice(-20_000);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    const deadline = Date.now() + 5000;
    while (!(await answersPing(this.port))) {
      if (child.exitCode !== null || Date.now() > deadline) {
        child.kill('SIGKILL');
        await this.#exited;
        throw new Error(`redis-server did not answer PING on port ${this.port}:\n${this.#output}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  async kill(): Promise<void> {
    if (!this.#running()) return;
    this.#child?.kill('SIGKILL');
    await this.#exited;
  }

  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    if (this.#running()) {
      this.#child?.kill('SIGTERM');
      const timer = setTimeout(() => this.#child?.kill('SIGKILL'), 2000);
      await this.#exited;
      clearTimeout(timer);
    }
    rmSync(this.dir, { recursive: true, force: true });
  }

  #running(): boolean {
    const child = this.#child;
    return child !== undefined && child.exitCode === null && child.signalCode === null;
  }
}

/** Whether a server on `port` answers PING (a cluster node answers before the cluster is formed). */
export function answersPing(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    let reply = '';
    const finish = (answer: boolean): void => {
      socket.destroy();
      resolve(answer);
    };
    socket.setTimeout(500, () => finish(false));
    socket.once('error', () => finish(false));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.on('data', (chunk) => {
      reply += chunk;
      if (reply.includes('\r\n')) finish(reply.startsWith('+PONG'));
    });
  });
}
