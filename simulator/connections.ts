/**
 * The fleet's MQTT connections: one per device by default (what a real fleet
 * does to a broker), or one per `multiplex` devices. mqtt.js directly, not
 * MqttTransport: a simulated connection must never reconnect (a dropped
 * device is counted, not healed by a backoff loop), subscribes to nothing,
 * and needs none of the transport's receive lanes and store machinery, so a
 * connection costs only mqtt.js's client (bench:fleet measures the bytes).
 * Connects ramp up with bounded concurrency so a 10,000-device fleet does
 * not hit the broker's accept queue all at once.
 *
 *   const connections = await openConnections({ url, count: 1000, concurrency: 200, prefix: 'sim-1' });
 *   await connections.publish(7, 'dt/acme/…/telemetry', bytes);   // QoS 1, resolves at PUBACK
 *   await connections.close();
 */
import { connect, type MqttClient } from 'mqtt';
import { quote, xlinkError } from 'xlink/errors';

export interface ConnectionsOptions {
  readonly url: string;
  readonly count: number;
  /** Connects in flight at once. */
  readonly concurrency: number;
  /** Client ids are `${prefix}-${index}`. */
  readonly prefix: string;
  readonly keepaliveSeconds?: number;
  readonly connectTimeoutMs?: number;
}

export interface Connections {
  readonly size: number;
  /** Connections that closed during the run (never reopened). */
  readonly dropped: number;
  publish(index: number, topic: string, bytes: Uint8Array): Promise<void>;
  close(): Promise<void>;
}

export async function openConnections(options: ConnectionsOptions): Promise<Connections> {
  const clients: MqttClient[] = new Array(options.count);
  let dropped = 0;
  let closing = false;
  let next = 0;
  let failure: Error | undefined;
  const worker = async (): Promise<void> => {
    while (failure === undefined && next < options.count) {
      const index = next++;
      try {
        clients[index] = await connectOne(options, index, () => {
          if (!closing) dropped++;
        });
      } catch (error) {
        failure ??= error as Error;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(options.concurrency, options.count) }, worker));
  const closeAll = async (): Promise<void> => {
    closing = true;
    await Promise.all(
      clients.map((client) => (client === undefined ? undefined : client.endAsync(false).catch(() => undefined))),
    );
  };
  if (failure !== undefined) {
    await closeAll();
    throw failure;
  }
  return {
    size: options.count,
    get dropped() {
      return dropped;
    },
    publish(index, topic, bytes) {
      const client = clients[index] as MqttClient;
      // mqtt.js would queue a QoS 1 publish on a closed client until a reconnect that never comes.
      if (!client.connected) return Promise.reject(new Error(`connection ${index} is closed`));
      return new Promise<void>((resolve, reject) => {
        client.publish(topic, bytes as Buffer, { qos: 1 }, (error) => (error ? reject(error) : resolve()));
      });
    },
    close: closeAll,
  };
}

function connectOne(options: ConnectionsOptions, index: number, onDrop: () => void): Promise<MqttClient> {
  const clientId = `${options.prefix}-${index}`;
  const client = connect(options.url, {
    clientId,
    protocolVersion: 4,
    clean: true,
    reconnectPeriod: 0,
    keepalive: options.keepaliveSeconds ?? 60,
    connectTimeout: options.connectTimeoutMs ?? 30_000,
    queueQoSZero: false,
  });
  return new Promise<MqttClient>((resolve, reject) => {
    const fail = (error: Error): void => {
      client.removeAllListeners('connect');
      client.end(true);
      reject(
        xlinkError('SEND_FAILED:CONNECT', `device connection ${quote(clientId)} to ${quote(options.url)} failed`, {
          cause: error,
        }),
      );
    };
    client.once('error', fail);
    client.once('close', () => fail(new Error('closed before CONNACK')));
    client.once('connect', () => {
      client.removeAllListeners('error');
      client.removeAllListeners('close');
      client.on('error', () => undefined); // counted at 'close'
      client.once('close', () => {
        onDrop();
        client.end(true); // fails the publishes still waiting for a PUBACK on it
      });
      // Small request-response writes: Nagle with delayed ACKs would stall each PUBACK round trip.
      (client.stream as { setNoDelay?: (on: boolean) => void }).setNoDelay?.(true);
      resolve(client);
    });
  });
}
