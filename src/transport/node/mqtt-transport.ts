/**
 * The MQTT transport (Node, on mqtt.js v5): QoS 1 both ways, a persistent
 * session, the PUBACK only once the handlers are done, reconnection with
 * backoff, and an outgoing queue on disk (docs/transports.md, "MQTT").
 *
 *   const transport = new MqttTransport({ url, clientId: 'gw-1', subscriptions: ['dt/acme/+/+'], storeDir, onError });
 *   transport.onReceive(async (delivery) => { … }); // before connect: a resumed session delivers at once
 *   const connected = await transport.connect();    // Result<void>, at the first CONNACK (and SUBACK)
 *   await transport.send(envelope, did);            // QoS 1 to dt/{app}/{deviceId}/{kind}; resolves at PUBACK
 *   await transport.publish('verified/acme/x', bytes, { qos: 1 }); // raw, for sinks
 *   await transport.close({ sessionExpiry: 0 });    // drain: MQTT 5 hands this client's share to the others
 *
 * Receiving. Every message reaches the handlers as bytes: `envelope` and
 * `payload` are the payload (`decodeEnvelope` reads compact and JSON bytes),
 * `topic` the topic; garbage is delivered too, for the receiver to refuse,
 * never dropped here. MQTT 5 content type and user properties become `hints`,
 * unsigned and never to be trusted. The receipt is the PUBACK: mqtt.js sends
 * it as soon as its `handleMessage` returns, so this transport hands every
 * message to its delivery queue, tells mqtt.js to skip its own PUBACK, and
 * sends it itself from `ack()`: only on the connection the message came on
 * (after a reconnect the broker has that packet id in flight again, or has
 * reused it for another message), so a delivery acknowledged too late is
 * simply delivered again. Without that, mqtt.js's reader waits for each
 * handler, and a handler awaiting a PUBACK for its own reply would deadlock.
 * This works alike for MQTT 3.1.1 and 5 (mqtt.js honours `customHandleAcks`
 * only on 5, and it too holds the reader).
 *
 * Sending. `send` and `publish` resolve at the broker's PUBACK (QoS 1), or
 * once written for QoS 0. With `storeDir`, every QoS 1 PUBLISH is on disk
 * (FileMqttStore) before it is written to the socket and leaves it at its
 * PUBACK, so what was sent while the broker was away, or not yet
 * acknowledged when the process died, goes out at the next connection with
 * the same client id and store (at least once). Without it the queue is in
 * memory, as mqtt.js's default.
 *
 * A store that cannot write (disk full, I/O error) stops QoS 1 sending: the
 * sends waiting then and every one after fail with its `STORAGE_FAILED`,
 * until a new transport reopens the store on a repaired disk.
 *
 * The backoff resets only once a connection has lasted `reconnectMaxMs`:
 * two processes with one client id take the session from each other on
 * every reconnect (Mosquitto just closes the older connection, without a
 * reason), and a reset at each CONNACK made them flap as fast as the first
 * delay allows; now they slow down to one takeover per `reconnectMaxMs`.
 * With `storeDir`, the store's lock refuses the second process outright.
 *
 * Limits: a delivery its handlers refused is not acknowledged, and MQTT
 * brokers redeliver only on a new connection; it holds one of the broker's
 * in-flight slots (receive maximum) meanwhile. After `connect()` succeeded,
 * refusals on reconnect (credentials revoked) are retried with backoff, seen
 * through `onStatus` and `lastError`.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  type IClientOptions,
  type IPublishPacket,
  type IStore,
  type MqttClient,
  connect as mqttConnect,
  type Packet,
  Store,
  UniqueMessageIdProvider,
} from 'mqtt';
import { bytesToHex, copyBytes, utf8Encode } from '../../codec/bytes.js';
import { decodeTelemetry, isTelemetryShaped } from '../../envelope/telemetry.js';
import {
  type ErrorCode,
  type ErrorDetail,
  err,
  errorDetail,
  isXlinkError,
  ok,
  quote,
  type Result,
  refuse,
  type XlinkError,
  xlinkError,
} from '../../errors.js';
import { DeliveryQueue } from '../delivery-queue.js';
import { TopicTemplate, topicFilterError, topicNameError } from '../topic-template.js';
import type { DeliveryHandler, DeliveryHints, Transport, TransportEnvelope, TransportOptions } from '../transport.js';
import { FileMqttStore } from './mqtt-file-store.js';

export interface MqttTransportOptions extends TransportOptions {
  /** `mqtt://host:1883`, `mqtts://…`, `ws://…`, `wss://…`. */
  readonly url: string;
  /** Names the session at the broker: one client id per process, kept across restarts. */
  readonly clientId: string;
  /** 5 (default) or 4 (MQTT 3.1.1; aedes speaks only 4). */
  readonly protocolVersion?: 4 | 5;
  /** Default false: a persistent session, so QoS 1 messages wait at the broker while this client is away. */
  readonly clean?: boolean;
  /** MQTT 5: seconds the broker keeps the session after a disconnect; default 3600, non-zero unless `clean`. */
  readonly sessionExpiryInterval?: number;
  /** Filters subscribed at QoS 1 on every connection, e.g. `dt/acme/+/+` or `$share/gateways/dt/acme/+/+`. */
  readonly subscriptions?: readonly string[];
  /** Topic template for `send`; default `dt/{app}/{deviceId}/{kind}`. */
  readonly topic?: string;
  /** Fills {app}. */
  readonly app?: string;
  /** Fills {deviceId}; default the kid (hex) of a telemetry-profile envelope being sent. */
  readonly deviceId?: string;
  /** Fills {kind}; default `telemetry`. */
  readonly kind?: string;
  /** Folder for the file-backed session store (outgoing.log, incoming.log); omitted = memory. */
  readonly storeDir?: string;
  /** Reconnection backoff: the first delay, doubled per failure up to the maximum; defaults 250 and 30 000 ms. */
  readonly reconnectMinMs?: number;
  readonly reconnectMaxMs?: number;
  /** How long `connect()` keeps trying before it fails; default 30 000 ms. */
  readonly connectTimeoutMs?: number;
  /** Deliveries handled at once, default 1 (the transport contract); more run in lanes by topic, each in order. */
  readonly concurrency?: number;
  /**
   * Default true. False: every delivery goes to the handlers at once (up to the
   * receive maximum in flight), each acknowledged after its own handlers; the
   * handler keeps whatever order it needs (the gateway does, per device). Not
   * with `concurrency`.
   */
  readonly ordered?: boolean;
  /** MQTT 5: QoS 1 messages the broker may have in flight to this client; default 100. */
  readonly receiveMaximum?: number;
  /** Seconds between keep-alive pings; default 30. */
  readonly keepaliveSeconds?: number;
  /** Credentials, only as files (read at each `connect()`, a trailing newline dropped). */
  readonly usernameFile?: string;
  readonly passwordFile?: string;
}

export interface PublishOptions {
  /** Default 1. */
  readonly qos?: 0 | 1;
  readonly retain?: boolean;
  /** MQTT 5 only; a hint for the subscriber. */
  readonly contentType?: string;
  /** MQTT 5 only. */
  readonly userProperties?: Readonly<Record<string, string>>;
}

export type MqttStatus = 'connected' | 'offline' | 'reconnecting' | 'closed';

export interface CloseOptions {
  /** 0: MQTT 5 DISCONNECT with session expiry 0, so the broker drops this session (and its share) now. */
  readonly sessionExpiry?: 0;
  /** How long to wait for PUBACKs of sends in flight before cutting the connection; default 5 000 ms. */
  readonly drainTimeoutMs?: number;
}

const DEFAULT_SESSION_EXPIRY = 3600;
const DEFAULT_RECEIVE_MAXIMUM = 100;
/** Lanes beyond the broker's in-flight window (receive maximum, at most 65,535) would stay empty. */
const MAX_CONCURRENCY = 1024;
/** Tells mqtt.js's handleMessage caller to skip its PUBACK: `ack()` sends it. */
const ACK_DEFERRED = new Error('xlink: PUBACK deferred to the delivery receipt');
/** CONNACK codes worth retrying: server unavailable (3.1.1: 3), 136 unavailable, 137 busy, 159 rate exceeded. */
const RETRYABLE_REFUSALS = new Set([3, 136, 137, 159]);

interface Pending {
  resolve(result: Result<void>): void;
}

/** The mqtt.js method that writes a packet now or queues it; not in its typings. */
interface PacketWriter {
  _sendPacket(packet: Packet, cb: (error?: Error) => void): void;
}

export class MqttTransport implements Transport {
  readonly clientId: string;
  readonly protocolVersion: 4 | 5;
  readonly #options: MqttTransportOptions;
  readonly #template: TopicTemplate;
  readonly #lanes: readonly DeliveryQueue[];
  readonly #subscriptions: readonly string[];
  readonly #statusListeners = new Set<(status: MqttStatus) => void>();
  readonly #pending = new Set<Pending>();
  #client: MqttClient | undefined;
  #stores: { readonly incoming: IStore; readonly outgoing: IStore } | undefined;
  #connecting: Promise<Result<void>> | undefined;
  #closing: Promise<void> | undefined;
  /** Counts connections: a receipt is sent only on the connection its message came on. */
  #generation = 0;
  #reconnectTimer: ReturnType<typeof setTimeout> | undefined;
  #failures = 0;
  #status: MqttStatus = 'offline';
  #lastError: ErrorDetail | undefined;
  /** Set once the file store could not write: sending stops (mqtt.js would wait for a PUBACK forever). */
  #storeFailure: ErrorDetail | undefined;
  /** When the current connection got its CONNACK: only a connection that lasted resets the backoff. */
  #connectedAt = 0;
  /** Ends a first connect() still waiting, when close() comes first. */
  #settleConnect: ((result: Result<void>) => void) | undefined;

  /** Checks the options (throws INVALID_ARGUMENT or INVALID_TOPIC:*); does not connect. */
  constructor(options: MqttTransportOptions) {
    if (options === null || typeof options !== 'object') {
      throw argumentError('options', 'expected an object with url and clientId');
    }
    if (typeof options.url !== 'string' || !/^(mqtts?|wss?|tcp|ssl):\/\/./.test(options.url)) {
      throw argumentError('url', `expected mqtt://host:port (or mqtts, ws, wss), got ${quote(options.url)}`);
    }
    if (typeof options.clientId !== 'string' || options.clientId === '' || options.clientId.length > 65_535) {
      throw argumentError('clientId', `expected a non-empty string, got ${quote(options.clientId)}`);
    }
    const version = options.protocolVersion ?? 5;
    if (version !== 4 && version !== 5)
      throw argumentError('protocolVersion', `expected 4 or 5, got ${quote(version)}`);
    const expiry = options.sessionExpiryInterval ?? DEFAULT_SESSION_EXPIRY;
    if (!Number.isInteger(expiry) || expiry < 1 || expiry > 0xffff_ffff) {
      throw argumentError('sessionExpiryInterval', `expected 1 to 4294967295 seconds, got ${quote(expiry)}`);
    }
    for (const [field, value] of [
      ['reconnectMinMs', options.reconnectMinMs],
      ['reconnectMaxMs', options.reconnectMaxMs],
      ['connectTimeoutMs', options.connectTimeoutMs],
      ['concurrency', options.concurrency],
      ['receiveMaximum', options.receiveMaximum],
      ['keepaliveSeconds', options.keepaliveSeconds],
    ] as const) {
      if (value !== undefined && (!Number.isSafeInteger(value) || value < 1)) {
        throw argumentError(field, `expected a positive integer, got ${quote(value)}`);
      }
    }
    if ((options.receiveMaximum ?? 1) > 65_535) throw argumentError('receiveMaximum', 'expected at most 65535');
    if ((options.concurrency ?? 1) > MAX_CONCURRENCY) {
      throw argumentError(
        'concurrency',
        `expected at most ${MAX_CONCURRENCY} (more lanes than in-flight messages do nothing)`,
      );
    }
    if (options.ordered === false && (options.concurrency ?? 1) > 1) {
      throw argumentError('concurrency', 'expected no concurrency with ordered: false (every delivery runs at once)');
    }
    if ((options.reconnectMinMs ?? 250) > (options.reconnectMaxMs ?? 30_000)) {
      throw argumentError('reconnectMinMs', 'expected at most reconnectMaxMs');
    }
    const subscriptions = options.subscriptions ?? [];
    if (!Array.isArray(subscriptions)) throw argumentError('subscriptions', 'expected an array of topic filters');
    for (const filter of subscriptions) {
      const bad = topicFilterError(filter);
      if (bad !== undefined) throw xlinkError(bad.code, bad.message, { field: 'subscriptions' });
    }
    this.#template = TopicTemplate.compile(options.topic);
    const preset = this.#template.filter({
      ...(options.app === undefined ? {} : { app: options.app }),
      ...(options.deviceId === undefined ? {} : { deviceId: options.deviceId }),
      kind: options.kind ?? 'telemetry',
    });
    if (!preset.ok) throw xlinkError(preset.error.code, preset.error.message, { field: preset.error.field ?? 'topic' });
    this.#options = options;
    this.clientId = options.clientId;
    this.protocolVersion = version;
    this.#subscriptions = [...subscriptions];
    const ordered = options.ordered ?? true;
    this.#lanes = Array.from(
      { length: options.concurrency ?? 1 },
      () => new DeliveryQueue(options.onError, { ordered }),
    );
  }

  /** True from a connection's CONNACK (and SUBACK) to its end. */
  get connected(): boolean {
    return this.#status === 'connected';
  }

  get status(): MqttStatus {
    return this.#status;
  }

  /** Why the last connection attempt failed (cleared by the next CONNACK). */
  get lastError(): ErrorDetail | undefined {
    return this.#lastError;
  }

  /** The mqtt.js client once `connect()` was called: for its events (`packetsend`, …), not to publish around this transport. */
  get client(): MqttClient | undefined {
    return this.#client;
  }

  /** Tells `listener` each change of status; returns the function that stops telling it. */
  onStatus(listener: (status: MqttStatus) => void): () => void {
    this.#statusListeners.add(listener);
    return () => void this.#statusListeners.delete(listener);
  }

  onReceive(handler: DeliveryHandler): () => Promise<void> {
    const stops = this.#lanes.map((lane) => lane.add(handler));
    return async () => {
      await Promise.all(stops.map((stop) => stop()));
    };
  }

  /**
   * Opens the store, connects, subscribes; resolves ok once the broker
   * accepted the connection and the subscriptions. Retries with backoff until
   * `connectTimeoutMs`, then `SEND_FAILED:CONNECT`; a refusal that retrying
   * cannot cure (credentials, authorization, client id) fails at once. Also
   * `MQTT_STORE_LOCKED`, `MQTT_STORE_CORRUPT`, `STORAGE_FAILED` from the store.
   */
  connect(): Promise<Result<void>> {
    if (this.#closing !== undefined) return Promise.resolve(closedRefusal());
    this.#connecting ??= this.#connectOnce().then((result) => {
      if (!result.ok) this.#connecting = undefined;
      return result;
    });
    return this.#connecting;
  }

  async send(envelope: TransportEnvelope, to: string): Promise<Result<void>> {
    if (this.#closing !== undefined) return closedRefusal();
    let payload: Uint8Array;
    if (envelope instanceof Uint8Array) payload = envelope;
    else if (typeof envelope === 'object' && envelope !== null && !Array.isArray(envelope)) {
      try {
        payload = utf8Encode(JSON.stringify(envelope));
      } catch {
        return refuse('INVALID_ARGUMENT', '"envelope" is an object JSON cannot write', 'envelope');
      }
    } else {
      return refuse(
        'INVALID_ARGUMENT',
        `"envelope" expected a JSON envelope object or compact bytes, got ${quote(envelope)}`,
        'envelope',
      );
    }
    if (typeof to !== 'string' || to === '')
      return refuse('INVALID_ARGUMENT', `"to" expected a DID, got ${quote(to)}`, 'to');
    const needsDevice = this.#template.placeholders.includes('deviceId');
    const deviceId = this.#options.deviceId ?? (needsDevice ? telemetryDeviceId(payload) : undefined);
    if (needsDevice && deviceId === undefined) {
      return refuse(
        'INVALID_ARGUMENT',
        'the topic needs {deviceId}: give the transport a deviceId, or send telemetry-profile envelopes (their kid is used)',
        'deviceId',
      );
    }
    const topic = this.#template.fill({
      ...(this.#options.app === undefined ? {} : { app: this.#options.app }),
      ...(deviceId === undefined ? {} : { deviceId }),
      kind: this.#options.kind ?? 'telemetry',
    });
    if (!topic.ok) return topic;
    const contentType = envelope instanceof Uint8Array ? 'application/cose' : 'application/json';
    return this.#publish(topic.value, payload, { qos: 1, contentType });
  }

  /** Publishes raw bytes (sinks: verified/…, dlq/…); resolves at the PUBACK for QoS 1, once written for QoS 0. */
  async publish(topic: string, payload: Uint8Array, options: PublishOptions = {}): Promise<Result<void>> {
    if (this.#closing !== undefined) return closedRefusal();
    const bad = topicNameError(topic);
    if (bad !== undefined) return err({ ...bad, field: 'topic' });
    if (!(payload instanceof Uint8Array)) {
      return refuse('INVALID_ARGUMENT', `"payload" expected Uint8Array, got ${quote(payload)}`, 'payload');
    }
    const qos = options?.qos ?? 1;
    if (qos !== 0 && qos !== 1) return refuse('INVALID_ARGUMENT', `"qos" expected 0 or 1, got ${quote(qos)}`, 'qos');
    return this.#publish(topic, payload, { ...options, qos });
  }

  /**
   * Drops the connection and connects again (after the backoff's first
   * delay): the broker then resends every message not yet acknowledged. MQTT
   * brokers redeliver only on a new connection, so a receiver whose handlers
   * refused deliveries while a dependency was down (and so holds the
   * broker's in-flight slots) calls this once the dependency is back.
   */
  reconnect(): void {
    if (this.#closing !== undefined || this.#connecting === undefined) return;
    this.#client?.stream?.destroy();
  }

  /**
   * Refuses sends from now on, lets the running deliveries finish (and send
   * their receipts), waits up to `drainTimeoutMs` for PUBACKs of sends in
   * flight, disconnects (with session expiry 0 if asked, MQTT 5), closes the
   * store. Sends still unacknowledged resolve SEND_FAILED:CLOSED; with a
   * store they go out at the next start. Idempotent.
   */
  close(options: CloseOptions = {}): Promise<void> {
    this.#closing ??= this.#shutdown(options);
    return this.#closing;
  }

  async #connectOnce(): Promise<Result<void>> {
    const options = this.#options;
    let credentials: { username?: string; password?: string };
    try {
      credentials = await readCredentials(options);
      this.#stores ??= await openStores(options.storeDir);
    } catch (error) {
      return failed(error, 'SEND_FAILED:CONNECT');
    }
    if (this.#closing !== undefined) return closedRefusal();
    const stores = this.#stores;
    if (stores.outgoing instanceof FileMqttStore) stores.outgoing.onFailure((error) => this.#onStoreFailure(error));
    const messageIdProvider = new UniqueMessageIdProvider();
    // A new process must not hand out the ids of packets still in the store: a put would overwrite one.
    if (stores.outgoing instanceof FileMqttStore) {
      for (const id of stores.outgoing.messageIds()) messageIdProvider.register(id);
    }
    const v5 = this.protocolVersion === 5;
    const clientOptions: IClientOptions = {
      clientId: this.clientId,
      protocolVersion: this.protocolVersion,
      clean: options.clean ?? false,
      manualConnect: true,
      reconnectPeriod: 0, // reconnection is ours, with backoff
      resubscribe: false, // we subscribe on every connection
      connectTimeout: Math.min(options.connectTimeoutMs ?? 30_000, 10_000),
      keepalive: options.keepaliveSeconds ?? 30,
      incomingStore: stores.incoming,
      outgoingStore: stores.outgoing,
      messageIdProvider,
      queueQoSZero: false,
      ...credentials,
      ...(v5
        ? {
            properties: {
              sessionExpiryInterval: options.clean ? 0 : (options.sessionExpiryInterval ?? DEFAULT_SESSION_EXPIRY),
              receiveMaximum: options.receiveMaximum ?? DEFAULT_RECEIVE_MAXIMUM,
            },
          }
        : {}),
    };
    const client = mqttConnect(options.url, clientOptions);
    this.#client = client;
    client.handleMessage = (packet, callback) => this.#onMessage(packet, callback);
    const deadline = Date.now() + (options.connectTimeoutMs ?? 30_000);
    return new Promise<Result<void>>((resolve) => {
      let settled = false;
      const settle = (result: Result<void>): void => {
        if (settled) return;
        settled = true;
        this.#settleConnect = undefined;
        clearTimeout(timeout);
        if (!result.ok) this.#abandon(client);
        resolve(result);
      };
      const timeout = setTimeout(
        () =>
          settle(
            refuse(
              'SEND_FAILED:CONNECT',
              `no CONNACK from ${redact(options.url)} within ${options.connectTimeoutMs ?? 30_000} ms: ${this.#lastError?.message ?? 'no answer'}`,
            ),
          ),
        Math.max(0, deadline - Date.now()),
      );
      client.on('error', (error) => {
        const code = (error as { code?: unknown }).code;
        this.#lastError = errorDetail('SEND_FAILED:CONNECT', describeError(error));
        if (!settled && typeof code === 'number' && !RETRYABLE_REFUSALS.has(code)) {
          settle(refuse('SEND_FAILED:CONNECT', `the broker refused the connection: ${describeError(error)}`));
        }
      });
      client.on('close', () => this.#onClose(client));
      // At the CONNACK itself, not mqtt.js's 'connect', which waits until every stored packet
      // was resent and acknowledged, one at a time: a long queue would look like a failed connect.
      client.on('packetreceive', (packet) => {
        if (packet.cmd !== 'connack' || (packet.reasonCode ?? packet.returnCode ?? 0) !== 0) return;
        setImmediate(() => this.#onConnack(client, settle)); // after mqtt.js has marked itself connected
      });
      this.#settleConnect = settle;
      client.connect();
    });
  }

  #onConnack(client: MqttClient, settle: (result: Result<void>) => void): void {
    if (client !== this.#client || !client.connected) return;
    this.#connectedAt = Date.now();
    this.#lastError = undefined;
    this.#subscribe(client).then((subscribed) => {
      if (!subscribed.ok) {
        this.#lastError = subscribed.error;
        settle(subscribed); // the first connect() fails; on a later connection:
        if (client === this.#client) client.stream?.destroy(); // not subscribed is not connected: try again
        return;
      }
      if (client !== this.#client || this.#closing !== undefined) return;
      this.#setStatus('connected');
      settle(ok(undefined));
    });
  }

  #subscribe(client: MqttClient): Promise<Result<void>> {
    if (this.#subscriptions.length === 0) return Promise.resolve(ok(undefined));
    return new Promise((resolve) => {
      client.subscribe([...this.#subscriptions], { qos: 1 }, (error, granted) => {
        if (error) {
          resolve(refuse('SEND_FAILED:CONNECT', `subscribing failed: ${describeError(error)}`));
          return;
        }
        const refused = (granted ?? []).filter((grant) => grant.qos !== 1 && grant.qos !== 0);
        if (refused.length > 0) {
          resolve(
            refuse(
              'SEND_FAILED:CONNECT',
              `the broker refused the subscription to ${refused.map((grant) => quote(grant.topic)).join(', ')}`,
            ),
          );
          return;
        }
        resolve(ok(undefined));
      });
    });
  }

  #onMessage(packet: IPublishPacket, callback: (error?: Error) => void): void {
    const topic = packet.topic;
    const payload = copyBytes(packet.payload as Uint8Array);
    const hints = hintsOf(packet);
    const lane = this.#lanes[laneOf(topic, this.#lanes.length)] as DeliveryQueue;
    const carried = { envelope: payload, topic, payload, ...(hints === undefined ? {} : { hints }) };
    if (packet.qos !== 1) {
      // QoS 0 has no receipt; QoS 2 cannot arrive on our QoS 1 subscriptions, and mqtt.js acks it itself.
      lane.enqueue(carried, () => {});
      callback();
      return;
    }
    const generation = this.#generation;
    const messageId = packet.messageId as number;
    lane.enqueue(carried, () => this.#puback(messageId, generation));
    callback(ACK_DEFERRED);
  }

  #puback(messageId: number, generation: number): Promise<void> {
    const client = this.#client;
    if (client === undefined || generation !== this.#generation || !client.connected) {
      return Promise.reject(
        xlinkError(
          'SEND_FAILED',
          `the connection message ${messageId} came on has ended before its receipt; the broker delivers it again`,
        ),
      );
    }
    return new Promise((resolve, reject) => {
      (client as unknown as PacketWriter)._sendPacket({ cmd: 'puback', messageId } as Packet, (error) => {
        if (error) reject(xlinkError('SEND_FAILED', `PUBACK ${messageId} not written: ${describeError(error)}`));
        else resolve();
      });
    });
  }

  #publish(topic: string, payload: Uint8Array, options: PublishOptions & { qos: 0 | 1 }): Promise<Result<void>> {
    const client = this.#client;
    if (client === undefined || this.#connecting === undefined) {
      return Promise.resolve(refuse('SEND_FAILED:NOT_CONNECTED', 'call connect() before sending'));
    }
    if (this.#storeFailure !== undefined && options.qos === 1) return Promise.resolve(err(this.#storeFailure));
    const properties =
      this.protocolVersion === 5 && (options.contentType !== undefined || options.userProperties !== undefined)
        ? {
            ...(options.contentType === undefined ? {} : { contentType: options.contentType }),
            ...(options.userProperties === undefined ? {} : { userProperties: { ...options.userProperties } }),
          }
        : undefined;
    return new Promise((resolve) => {
      const pending: Pending = {
        resolve: (result) => {
          if (!this.#pending.delete(pending)) return;
          resolve(result);
        },
      };
      this.#pending.add(pending);
      client.publish(
        topic,
        Buffer.from(payload), // a copy: the caller may reuse its array while the packet waits in the queue
        { qos: options.qos, retain: options.retain ?? false, ...(properties === undefined ? {} : { properties }) },
        (error) => {
          if (!error) pending.resolve(ok(undefined));
          else if (this.#closing !== undefined) pending.resolve(closedRefusal());
          else pending.resolve(refuse('SEND_FAILED', `publish to ${quote(topic)} failed: ${describeError(error)}`));
        },
      );
    });
  }

  #onClose(client: MqttClient): void {
    if (client !== this.#client) return;
    this.#generation++;
    if (this.#closing !== undefined || this.#connecting === undefined) return;
    this.#setStatus('offline');
    if (this.#reconnectTimer !== undefined) return;
    const min = this.#options.reconnectMinMs ?? 250;
    const max = this.#options.reconnectMaxMs ?? 30_000;
    if (this.#connectedAt > 0 && Date.now() - this.#connectedAt >= max) this.#failures = 0; // it was stable
    this.#connectedAt = 0;
    // Exponential with jitter, so a fleet cut off together does not come back in one wave.
    const ceiling = Math.min(max, min * 2 ** Math.min(this.#failures, 30));
    const delay = Math.round(ceiling / 2 + (Math.random() * ceiling) / 2);
    this.#failures++;
    this.#setStatus('reconnecting');
    this.#reconnectTimer = setTimeout(() => {
      this.#reconnectTimer = undefined;
      if (this.#closing !== undefined || client !== this.#client) return;
      // mqtt.js's reconnect() swaps in fresh memory stores unless it is handed ours, by these names.
      const stores = this.#stores as { incoming: IStore; outgoing: IStore };
      client.reconnect({ incomingStore: stores.incoming, outgoingStore: stores.outgoing } as Parameters<
        MqttClient['reconnect']
      >[0]);
    }, delay);
  }

  /**
   * The outgoing store could not make a packet durable. mqtt.js drops that
   * error for a connected client (the publish would never resolve), and which
   * send it concerned is unknown: every send waiting now fails with it (some
   * of them may still reach the broker), and so does every QoS 1 send after.
   */
  #onStoreFailure(error: XlinkError): void {
    this.#storeFailure = error.detail;
    for (const pending of [...this.#pending]) pending.resolve(err(error.detail));
  }

  /** After a failed first connect: stop trying, keep the stores for the next connect(). */
  #abandon(client: MqttClient): void {
    clearTimeout(this.#reconnectTimer);
    this.#reconnectTimer = undefined;
    this.#client = undefined;
    client.removeAllListeners('close');
    client.removeAllListeners('packetreceive');
    client.on('error', () => {}); // a late socket error has no one left to tell
    // Force-end without closing our stores: mqtt.js's end() would close them; swap in throwaway ones.
    (client as unknown as { incomingStore: IStore; outgoingStore: IStore }).incomingStore = new Store();
    (client as unknown as { incomingStore: IStore; outgoingStore: IStore }).outgoingStore = new Store();
    client.end(true);
    // Their packets stay in the store: the next connect() sends them, but no one is left to tell.
    for (const pending of [...this.#pending]) {
      pending.resolve(refuse('SEND_FAILED:CONNECT', 'connect() failed before the broker acknowledged this message'));
    }
    this.#setStatus('offline');
  }

  async #shutdown(options: CloseOptions): Promise<void> {
    clearTimeout(this.#reconnectTimer);
    this.#reconnectTimer = undefined;
    this.#settleConnect?.(closedRefusal()); // abandons that client; its stores are closed below
    await Promise.all(this.#lanes.map((lane) => lane.close()));
    const client = this.#client;
    if (client !== undefined) {
      const drainMs = options.drainTimeoutMs ?? 5_000;
      if (client.connected && Object.keys(client.outgoing).length > 0) await outgoingEmpty(client, drainMs);
      const expiry =
        options.sessionExpiry === 0 && this.protocolVersion === 5 ? { properties: { sessionExpiryInterval: 0 } } : {};
      // mqtt.js's graceful end() waits for every publish in flight, however long: past the drain, force it,
      // after writing the DISCONNECT ourselves so the session expiry still reaches the broker.
      const stuck = Object.keys(client.outgoing).length > 0;
      if (client.connected && stuck) {
        const disconnect = { cmd: 'disconnect', ...expiry } as Packet;
        await new Promise<void>((resolve) =>
          (client as unknown as PacketWriter)._sendPacket(disconnect, () => resolve()),
        );
      }
      await new Promise<void>((resolve) => {
        client.end(!client.connected || stuck, expiry, () => resolve());
      });
    } else if (this.#stores !== undefined) {
      const { incoming, outgoing } = this.#stores;
      await new Promise<void>((resolve) => incoming.close(() => outgoing.close(() => resolve())));
    }
    for (const pending of [...this.#pending]) pending.resolve(closedRefusal());
    this.#setStatus('closed');
  }

  #setStatus(status: MqttStatus): void {
    if (this.#status === status || this.#status === 'closed') return;
    this.#status = status;
    for (const listener of [...this.#statusListeners]) {
      try {
        listener(status);
      } catch {
        // A failing status listener must not stop the transport; it has nowhere to report to.
      }
    }
  }
}

async function openStores(storeDir: string | undefined): Promise<{ incoming: IStore; outgoing: IStore }> {
  if (storeDir === undefined) return { incoming: new Store({ clean: false }), outgoing: new Store({ clean: false }) };
  const outgoing = await FileMqttStore.open(join(storeDir, 'outgoing.log'));
  try {
    return { incoming: await FileMqttStore.open(join(storeDir, 'incoming.log')), outgoing };
  } catch (error) {
    await new Promise<void>((resolve) => outgoing.close(() => resolve()));
    throw error;
  }
}

async function readCredentials(options: MqttTransportOptions): Promise<{ username?: string; password?: string }> {
  const read = async (path: string | undefined, field: string): Promise<string | undefined> => {
    if (path === undefined) return undefined;
    try {
      return (await readFile(path, 'utf8')).replace(/\r?\n$/, '');
    } catch (cause) {
      throw xlinkError('SEND_FAILED:CONNECT', `cannot read ${field} ${quote(path)}: ${describeError(cause)}`, {
        field,
        cause,
      });
    }
  };
  const username = await read(options.usernameFile, 'usernameFile');
  const password = await read(options.passwordFile, 'passwordFile');
  return {
    ...(username === undefined ? {} : { username }),
    ...(password === undefined ? {} : { password }),
  };
}

/** Waits until mqtt.js has no QoS 1 publish in flight, or `ms` passed. */
function outgoingEmpty(client: MqttClient, ms: number): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      client.removeListener('outgoingEmpty', done);
      resolve();
    }
    client.once('outgoingEmpty', done);
  });
}

/** The device id of a telemetry-profile envelope: its kid in hex. */
function telemetryDeviceId(payload: Uint8Array): string | undefined {
  if (!isTelemetryShaped(payload)) return undefined;
  const decoded = decodeTelemetry(payload);
  return decoded.ok ? bytesToHex(decoded.value.kid) : undefined;
}

function hintsOf(packet: IPublishPacket): DeliveryHints | undefined {
  const properties = packet.properties;
  if (properties === undefined) return undefined;
  const hints: { contentType?: string; userProperties?: Record<string, string | string[]> } = {};
  if (typeof properties.contentType === 'string') hints.contentType = properties.contentType;
  if (properties.userProperties !== undefined) hints.userProperties = { ...properties.userProperties };
  return Object.keys(hints).length === 0 ? undefined : hints;
}

/** FNV-1a of the topic: one topic (one device) always lands in the same lane, so its order holds. */
function laneOf(topic: string, lanes: number): number {
  if (lanes === 1) return 0;
  let hash = 0x811c9dc5;
  for (let i = 0; i < topic.length; i++) hash = Math.imul(hash ^ topic.charCodeAt(i), 0x01000193);
  return (hash >>> 0) % lanes;
}

function argumentError(field: string, message: string) {
  return xlinkError('INVALID_ARGUMENT', `"${field}" ${message}`, { field });
}

function closedRefusal(): Result<never> {
  return refuse('SEND_FAILED:CLOSED', 'the MQTT transport is closed');
}

function failed(error: unknown, fallback: ErrorCode): Result<never> {
  if (isXlinkError(error)) return { ok: false, error: error.detail };
  return refuse(fallback, describeError(error));
}

function describeError(error: unknown): string {
  if (!(error instanceof Error)) return quote(String(error), 200);
  const code = (error as { code?: unknown }).code;
  return quote(code === undefined ? error.message : `${String(code)} ${error.message}`, 200);
}

/** The URL without credentials, for messages. */
function redact(url: string): string {
  return url.replace(/\/\/[^@/]*@/, '//');
}
