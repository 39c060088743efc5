/**
 * `--embedded`: everything a run needs in this process, as `npm start` has
 * it: an embedded aedes broker on 127.0.0.1 and the real gateway (runGateway)
 * on a file registry, its state in a folder of its own. For small fleets: an
 * in-process broker holds two descriptors per device connection, so large
 * fleets belong on a broker in another process (Mosquitto; `--broker`).
 *
 *   const target = await startEmbeddedTarget({ dir, app: 'acme', registryPath, now: () => clock.now() });
 *   target.brokerUrl; target.healthUrls;
 *   await target.stop();
 */
import { join } from 'node:path';
import { unwrap } from 'xlink/errors';
import { type GatewayLog, type RunningGateway, resolveGatewayConfig, runGateway } from 'xlink/gateway/node';
import { type EmbeddedBroker, startEmbeddedBroker } from 'xlink/transport/mqtt';

export interface EmbeddedTargetOptions {
  readonly dir: string;
  readonly app: string;
  readonly registryPath: string;
  /** The run's clock, when virtual: the gateway judges timestamps and dates its ledger on it. */
  readonly now?: () => number;
  /** Gateway settings by their config-file names (duplicateWindowMs, timestampWindowMs, maxEnvelopeBytes, …). */
  readonly gateway?: Readonly<Record<string, unknown>>;
  readonly log?: GatewayLog;
}

export interface EmbeddedTarget {
  readonly brokerUrl: string;
  readonly healthUrls: readonly string[];
  readonly broker: EmbeddedBroker;
  readonly gateway: RunningGateway;
  stop(): Promise<void>;
}

const quiet: GatewayLog = { info() {}, warn() {}, error() {}, debug() {} };

export async function startEmbeddedTarget(options: EmbeddedTargetOptions): Promise<EmbeddedTarget> {
  const broker = await startEmbeddedBroker({ port: 0 });
  try {
    const config = unwrap(
      resolveGatewayConfig({
        file: {
          app: options.app,
          brokerUrl: broker.url,
          protocolVersion: 4, // aedes speaks MQTT 3.1.1
          dataDir: join(options.dir, 'gateway'),
          registry: options.registryPath,
          httpPort: 0,
          registryPollMs: 100,
          ...options.gateway,
        },
      }),
    );
    const gateway = await runGateway(config, {
      log: options.log ?? quiet,
      ...(options.now === undefined ? {} : { now: options.now }),
    });
    let stopping: Promise<void> | undefined;
    return {
      brokerUrl: broker.url,
      healthUrls: [`http://127.0.0.1:${gateway.healthPort}`],
      broker,
      gateway,
      stop() {
        stopping ??= gateway.stop().finally(() => broker.close());
        return stopping;
      },
    };
  } catch (error) {
    await broker.close();
    throw error;
  }
}
