/**
 * A real Mosquitto for tests and benchmarks: a free port on 127.0.0.1, a
 * generated config, persistence in a temporary folder, and the faults a
 * broker has (kill -9, restart on the same port with the same data).
 *
 *   const broker = await startMosquitto({ maxQueuedMessages: 100_000 });
 *   if (broker === undefined) console.log('not run: mosquitto not installed');
 *   else { …broker.url…; await broker.kill(); await broker.restart(); await broker.stop(); }
 *
 * The config is set deliberately, as docs/transports.md tells operators:
 * - `persistence true` with `autosave_on_changes true` and
 *   `autosave_interval 1`: Mosquitto writes its database after every change,
 *   so a message it has acknowledged (PUBACK) and queued survives kill -9.
 *   With the default (save every 1800 s, or on a clean exit) a kill -9 lost
 *   every acknowledged message (issue 9).
 * - `max_queued_messages` (default here 1,000,000; Mosquitto's own is 1,000):
 *   past it Mosquitto drops QoS 1 messages for an offline or slow subscriber
 *   after it has already sent the publisher its PUBACK.
 * - `max_inflight_messages` (default here 100): QoS 1 messages in flight to
 *   one client; MQTT 5 clients lower it with their receive maximum.
 * Mosquitto started as root drops privileges to the user `mosquitto`, so the
 * data folder is made writable for it.
 *
 * Returns undefined only when the binary is absent and XLINK_REQUIRE_MOSQUITTO
 * is unset; CI sets it (.ci/run), so there a missing binary fails the suite.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { accepts, freePort } from './free-port.js';

export interface MosquittoOptions {
  /** Default 1,000,000. */
  readonly maxQueuedMessages?: number;
  /** Default 100. */
  readonly maxInflightMessages?: number;
  /** Default true: the settings above. False: no persistence (what a kill -9 then loses is the point). */
  readonly persistence?: boolean;
  /**
   * Changes between saves (`autosave_on_changes true`, `autosave_interval N`);
   * default 1, every change. 'mosquitto-default' leaves Mosquitto's own (every
   * 1800 s). Saving costs a full write of the database: see BENCHMARKS.md.
   */
  readonly autosave?: number | 'mosquitto-default';
  /** More config lines, e.g. `max_packet_size 1000`. */
  readonly extraConfig?: readonly string[];
}

export interface Mosquitto {
  readonly port: number;
  readonly url: string;
  /** The persistence folder (mosquitto.db). */
  readonly dataDir: string;
  /** What Mosquitto printed, for a failing test's message. */
  output(): string;
  /**
   * Resolves once Mosquitto's saved database (mosquitto.db, renamed into
   * place) holds `bytes` (a distinctive payload). It saves at the end of an
   * event-loop pass, after it has sent that pass's PUBACKs: a kill -9 in
   * between loses them even with autosave_on_changes (docs/transports.md).
   */
  savedWith(bytes: Uint8Array, timeoutMs?: number): Promise<void>;
  /** SIGSTOP: it reads nothing more, so a PUBLISH written now stays unacknowledged (kill or stop it after). */
  pause(): void;
  /** SIGKILL: no last save, no DISCONNECT to anyone. */
  kill(): Promise<void>;
  /** Starts it again on the same port, config and data (after kill or stop). */
  restart(): Promise<void>;
  /** SIGTERM (Mosquitto saves and exits), then removes the folder. Idempotent. */
  stop(): Promise<void>;
}

/** The mosquitto binary: on PATH, or where Debian puts it (/usr/sbin, not on every user's PATH). */
function mosquittoBinary(): string | undefined {
  const found = spawnSync('which', ['mosquitto'], { encoding: 'utf8' });
  if (found.status === 0) return found.stdout.trim();
  return existsSync('/usr/sbin/mosquitto') ? '/usr/sbin/mosquitto' : undefined;
}

export function mosquittoInstalled(): boolean {
  return mosquittoBinary() !== undefined;
}

/** Whether mosquitto_pub and mosquitto_sub are installed (package mosquitto-clients); required with the broker on CI. */
export function mosquittoClientsInstalled(): boolean {
  const found = spawnSync('which', ['mosquitto_pub'], { stdio: 'ignore' }).status === 0;
  if (!found && process.env.XLINK_REQUIRE_MOSQUITTO === '1') {
    throw new Error('XLINK_REQUIRE_MOSQUITTO=1 but mosquitto_pub is not installed (apt-get install mosquitto-clients)');
  }
  return found;
}

export async function startMosquitto(options: MosquittoOptions = {}): Promise<Mosquitto | undefined> {
  const binary = mosquittoBinary();
  if (binary === undefined) {
    if (process.env.XLINK_REQUIRE_MOSQUITTO === '1') {
      throw new Error('XLINK_REQUIRE_MOSQUITTO=1 but mosquitto is not installed (apt-get install mosquitto)');
    }
    return undefined;
  }
  let lastError: unknown;
  for (let attempt = 0; attempt < 3; attempt++) {
    const broker = new MosquittoProcess(binary, await freePort(), options);
    try {
      await broker.restart();
      return broker;
    } catch (error) {
      lastError = error;
      await broker.stop();
    }
  }
  throw lastError;
}

class MosquittoProcess implements Mosquitto {
  readonly port: number;
  readonly url: string;
  readonly dataDir: string;
  readonly #binary: string;
  readonly #config: string;
  #child: ChildProcess | undefined;
  #exited: Promise<void> = Promise.resolve();
  #output = '';
  #stopped = false;

  constructor(binary: string, port: number, options: MosquittoOptions) {
    this.#binary = binary;
    this.port = port;
    this.url = `mqtt://127.0.0.1:${port}`;
    this.dataDir = mkdtempSync(join(tmpdir(), 'xlink-mosquitto-'));
    // Mosquitto run as root switches to the user mosquitto: it must be able to write here.
    chmodSync(this.dataDir, 0o777);
    const persistence = options.persistence ?? true;
    const lines = [
      `listener ${port} 127.0.0.1`,
      'allow_anonymous true',
      `persistence ${persistence}`,
      `persistence_location ${this.dataDir}/`,
      ...(options.autosave === 'mosquitto-default'
        ? []
        : ['autosave_on_changes true', `autosave_interval ${options.autosave ?? 1}`]),
      `max_queued_messages ${options.maxQueuedMessages ?? 1_000_000}`,
      'max_queued_bytes 0',
      `max_inflight_messages ${options.maxInflightMessages ?? 100}`,
      'log_dest stdout',
      'log_type error',
      'log_type warning',
      'log_type notice',
      ...(options.extraConfig ?? []),
    ];
    this.#config = join(this.dataDir, 'mosquitto.conf');
    writeFileSync(this.#config, `${lines.join('\n')}\n`);
    chmodSync(this.#config, 0o644);
  }

  output(): string {
    return this.#output;
  }

  async restart(): Promise<void> {
    if (this.#child !== undefined && this.#child.exitCode === null && this.#child.signalCode === null) {
      throw new Error('mosquitto is running; kill or stop it first');
    }
    const child = spawn(this.#binary, ['-c', this.#config], { stdio: ['ignore', 'pipe', 'pipe'] });
    this.#child = child;
    this.#exited = new Promise((resolve) => child.once('exit', () => resolve()));
    const keep = (chunk: Buffer): void => {
      this.#output = (this.#output + chunk.toString()).slice(-20_000);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    const deadline = Date.now() + 10_000;
    while (!(await accepts(this.port))) {
      if (child.exitCode !== null || Date.now() > deadline) {
        child.kill('SIGKILL');
        throw new Error(`mosquitto did not listen on port ${this.port}:\n${this.#output}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  async savedWith(bytes: Uint8Array, timeoutMs = 10_000): Promise<void> {
    const db = join(this.dataDir, 'mosquitto.db');
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (existsSync(db) && readFileSync(db).includes(Buffer.from(bytes))) return;
      if (Date.now() > deadline)
        throw new Error(`mosquitto saved no database holding the message within ${timeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }

  pause(): void {
    this.#child?.kill('SIGSTOP');
  }

  async kill(): Promise<void> {
    const child = this.#child;
    if (child === undefined || child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGKILL');
    await this.#exited;
  }

  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    const child = this.#child;
    if (child !== undefined && child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
      await this.#exited;
      clearTimeout(timer);
    }
    rmSync(this.dataDir, { recursive: true, force: true });
  }
}
