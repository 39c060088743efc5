/**
 * A file-backed mqtt.js Store: the packets of an MQTT session that must
 * survive a process restart (QoS 1 publishes not yet acknowledged by the
 * broker; for QoS 2, the incoming half too). mqtt.js keeps them in memory by
 * default, so a publisher killed while the broker was away lost its queue.
 *
 *   const outgoing = await FileMqttStore.open('/var/lib/xlink/mqtt/outgoing.log');
 *   mqtt.connect(url, { outgoingStore: outgoing, clean: false, clientId }); // MqttTransport does this for you
 *
 * On the shared append log (platform/node/append-log.ts): one record per
 * change (`{"put":packet}`, `{"del":messageId}`), each fdatasync'ed before its
 * callback runs (group commit: one sync serves every record queued meanwhile),
 * so mqtt.js writes a PUBLISH to the socket only once it is on disk. A crash
 * leaves at most a torn last record, cut on open; the file is compacted to
 * the live packets once it holds twice as many records as needed. One
 * process at a time: the log's lock refuses a second (`MQTT_STORE_LOCKED`).
 *
 * Replaying records is idempotent (a put overwrites, a del of an absent id is
 * nothing), because a compaction may snapshot a change whose own record is
 * appended after it.
 *
 * Limits: the whole store is held in memory (the session's unacknowledged
 * packets: bounded by what was published while the broker was away); a
 * del that was not yet synced when the process died brings its packet back,
 * so it is sent again (at least once).
 */
import { lstat, mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { Readable } from 'node:stream';
import type { IStore, Packet } from 'mqtt';
import { base64urlDecode, base64urlEncode } from '../../codec/base64url.js';
import { type XlinkError, xlinkError } from '../../errors.js';
import { AppendLog, type AppendLogOptions, type LogFailureKind } from '../../platform/node/append-log.js';

const HEADER = JSON.stringify({ format: 'xlink-mqtt-store', version: 1 });
/** Records a compaction may leave beyond twice the live packets. */
const COMPACTION_SLACK = 1024;

type Callback = (error?: Error, packet?: Packet) => void;
type MessageIdOf = Pick<Packet, 'messageId'>;

export class FileMqttStore implements IStore {
  readonly path: string;
  /** Packets by message id, in the order they were first put (mqtt.js resends in that order). */
  readonly #packets = new Map<number, Packet>();
  readonly #log: AppendLog;
  /** Set when a record could not be made durable: every later put fails with it. */
  #failure: XlinkError | undefined;
  #compacting = false;
  #onFailure: ((error: XlinkError) => void) | undefined;

  private constructor(log: AppendLog) {
    this.path = log.path;
    this.#log = log;
  }

  /**
   * Opens the store at `path`, creating it (and its folder) when absent.
   * Throws `MQTT_STORE_CORRUPT` for a damaged file, `MQTT_STORE_LOCKED` when
   * another process has it open, `STORAGE_FAILED` for I/O (an empty file, which
   * only a truncation makes, included: what it held is gone).
   */
  static async open(path: string): Promise<FileMqttStore> {
    const options: AppendLogOptions = { path, header: HEADER, what: 'MQTT session store', fail: logFailure };
    await mkdir(dirname(path), { recursive: true }).catch((cause) => {
      throw logFailure('io', `cannot create the folder of MQTT session store ${path}`, cause);
    });
    if (!(await exists(path))) return new FileMqttStore(await AppendLog.create(options));
    const packets = new Map<number, Packet>();
    const { log } = await AppendLog.open(options, (payload) => replay(payload, packets));
    const store = new FileMqttStore(log);
    for (const [id, packet] of packets) store.#packets.set(id, packet);
    return store;
  }

  /** Packets held: published, not yet acknowledged. */
  get size(): number {
    return this.#packets.size;
  }

  /** The message ids held, oldest first. */
  messageIds(): number[] {
    return [...this.#packets.keys()];
  }

  /** Tells the owner once a record could not be made durable (the store refuses every put after). */
  onFailure(listener: (error: XlinkError) => void): void {
    this.#onFailure = listener;
  }

  put(packet: Packet, cb: Callback): this {
    if (this.#failure !== undefined) {
      cb(this.#failure);
      return this;
    }
    const id = (packet as { messageId?: number }).messageId;
    if (typeof id !== 'number') {
      cb(xlinkError('INVALID_ARGUMENT', 'an MQTT store keeps only packets with a messageId', { field: 'packet' }));
      return this;
    }
    this.#packets.set(id, packet);
    this.#append(JSON.stringify({ put: toJsonValue(packet) }), cb);
    return this;
  }

  get(packet: MessageIdOf, cb: Callback): this {
    const found = this.#packets.get(packet.messageId as number);
    if (found === undefined) cb(new Error('missing packet'));
    else cb(undefined, found);
    return this;
  }

  del(packet: MessageIdOf, cb: Callback): this {
    const id = packet.messageId as number;
    const found = this.#packets.get(id);
    if (found === undefined) {
      cb(new Error('missing packet'));
      return this;
    }
    this.#packets.delete(id);
    this.#append(JSON.stringify({ del: id }), (error) => (error === undefined ? cb(undefined, found) : cb(error)));
    return this;
  }

  /** The packets held, oldest first (mqtt.js resends them on connecting). */
  createStream(): ReturnType<IStore['createStream']> {
    // Node's Readable: mqtt.js types it as readable-stream's, which Node's implements.
    return Readable.from([...this.#packets.values()], { objectMode: true }) as unknown as ReturnType<
      IStore['createStream']
    >;
  }

  /** Waits for queued records, then releases the file and its lock. */
  close(cb: (error?: Error) => void): void {
    this.#log.close().then(
      () => cb(),
      (error: Error) => cb(error),
    );
  }

  #append(record: string, cb: (error?: Error) => void): void {
    this.#log.append(record).then(
      () => {
        cb();
        this.#compactIfDue();
      },
      (error: XlinkError) => {
        if (this.#failure === undefined) {
          this.#failure = error;
          this.#onFailure?.(error);
        }
        cb(error);
      },
    );
  }

  #compactIfDue(): void {
    if (this.#compacting || this.#log.records <= this.#packets.size * 2 + COMPACTION_SLACK) return;
    this.#compacting = true;
    this.#log
      .rewrite(() => [...this.#packets.values()].map((packet) => JSON.stringify({ put: toJsonValue(packet) })))
      .catch(() => {}) // the old file stays in use; a failure that makes it untrustworthy fails the next append
      .finally(() => {
        this.#compacting = false;
      });
  }
}

/** Applies one record; throws MQTT_STORE_CORRUPT (the log names the line) for one it cannot read. */
function replay(payload: string, packets: Map<number, Packet>): void {
  let record: { put?: Packet; del?: number };
  try {
    record = JSON.parse(payload, fromJsonValue);
  } catch (error) {
    if (error instanceof SyntaxError) throw xlinkError('MQTT_STORE_CORRUPT', 'a record is not JSON');
    throw error;
  }
  if (record?.put !== undefined && typeof (record.put as { messageId?: unknown }).messageId === 'number') {
    packets.set(record.put.messageId as number, record.put);
    return;
  }
  if (typeof record?.del === 'number') {
    packets.delete(record.del);
    return;
  }
  throw xlinkError('MQTT_STORE_CORRUPT', 'a record is neither {"put":packet} nor {"del":messageId}');
}

/** Packets hold Buffers (payload, correlation data): written as {"$bytes": base64url}. */
function toJsonValue(value: unknown): unknown {
  if (value instanceof Uint8Array) return { $bytes: base64urlEncode(value) };
  if (Array.isArray(value)) return value.map(toJsonValue);
  if (typeof value === 'object' && value !== null) {
    const out: Record<string, unknown> = {};
    for (const [key, inner] of Object.entries(value)) if (inner !== undefined) out[key] = toJsonValue(inner);
    return out;
  }
  return value;
}

function fromJsonValue(_key: string, value: unknown): unknown {
  if (typeof value !== 'object' || value === null || !('$bytes' in value)) return value;
  const decoded = base64urlDecode(String((value as { $bytes: unknown }).$bytes));
  if (!decoded.ok) throw xlinkError('MQTT_STORE_CORRUPT', 'a packet holds bytes that are not base64url');
  return Buffer.from(decoded.value);
}

async function exists(path: string): Promise<boolean> {
  try {
    await lstat(path);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw logFailure('io', `cannot stat MQTT session store ${path}`, error);
  }
}

function logFailure(kind: LogFailureKind, message: string, cause?: unknown): XlinkError {
  const options = cause === undefined ? {} : { cause };
  switch (kind) {
    case 'corrupt':
      return xlinkError('MQTT_STORE_CORRUPT', message, options);
    case 'locked':
      return xlinkError('MQTT_STORE_LOCKED', message, options);
    default:
      return xlinkError('STORAGE_FAILED', message, options);
  }
}
