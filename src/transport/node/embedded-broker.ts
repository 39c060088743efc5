/**
 * An in-process MQTT broker (aedes) for the zero-config default: the gateway
 * and `npm start` run on it when no broker URL is configured, and tests use it
 * where a real Mosquitto is not the point.
 *
 *   const broker = await startEmbeddedBroker({ port: 0 }); // a free port on 127.0.0.1
 *   const transport = new MqttTransport({ url: broker.url, clientId: 'gw-1', protocolVersion: 4 });
 *   await broker.close();
 *
 * aedes speaks MQTT 3.1.1 only (give `protocolVersion: 4`), keeps sessions and
 * queued QoS 1 messages in memory: they survive a client's reconnect, not the
 * broker's process, and sends a reconnecting client its whole backlog at
 * once (no in-flight limit for 3.1.1). Listens on 127.0.0.1 unless told
 * otherwise: an embedded broker has no authentication, so it must not face a
 * network.
 */
import { once } from 'node:events';
import { createServer, type Socket } from 'node:net';
import { Aedes } from 'aedes';
import { quote, xlinkError } from '../../errors.js';

export interface EmbeddedBrokerOptions {
  /** 0 (default) picks a free port. */
  readonly port?: number;
  /** Default 127.0.0.1. */
  readonly host?: string;
}

export interface EmbeddedBroker {
  /** `mqtt://host:port`. */
  readonly url: string;
  readonly port: number;
  /** The aedes instance, for its events (`publish`, `ack`, `client`). */
  readonly aedes: Aedes;
  /** Disconnects every client, stops listening and closes the broker. Idempotent. */
  close(): Promise<void>;
}

export async function startEmbeddedBroker(options: EmbeddedBrokerOptions = {}): Promise<EmbeddedBroker> {
  const host = options.host ?? '127.0.0.1';
  const port = options.port ?? 0;
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    throw xlinkError('INVALID_ARGUMENT', `"port" expected 0 to 65535, got ${quote(port)}`, { field: 'port' });
  }
  const aedes = await Aedes.createBroker();
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    aedes.handle(socket);
  });
  server.listen(port, host);
  try {
    await Promise.race([
      once(server, 'listening'),
      once(server, 'error').then(([error]) => {
        throw error;
      }),
    ]);
  } catch (cause) {
    await new Promise<void>((resolve) => aedes.close(() => resolve()));
    throw xlinkError('SEND_FAILED:CONNECT', `the embedded MQTT broker cannot listen on ${host}:${port}`, { cause });
  }
  const address = server.address();
  const bound = typeof address === 'object' && address !== null ? address.port : port;
  let closing: Promise<void> | undefined;
  return {
    url: `mqtt://${host}:${bound}`,
    port: bound,
    aedes,
    close() {
      closing ??= (async () => {
        const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
        for (const socket of sockets) socket.destroy();
        await stopped;
        await new Promise<void>((resolve) => aedes.close(() => resolve()));
      })();
      return closing;
    },
  };
}
