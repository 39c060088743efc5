/**
 * The Mosquitto that bench:gateway and bench:fleet both measure through: one
 * configuration, so the fleet's verified rate compares with the gateway's.
 * No persistence (a save per change is the pipe's own limit, BENCHMARKS.md
 * "MQTT transport"), 1,000 messages in flight, Nagle off (docs/gateway.md).
 * Undefined, having said so, when Mosquitto is not installed.
 */
import { startMosquitto } from '../test/helpers/mosquitto.js';

export async function startBenchBroker(): Promise<Awaited<ReturnType<typeof startMosquitto>>> {
  const broker = await startMosquitto({
    persistence: false,
    maxInflightMessages: 1000,
    extraConfig: ['set_tcp_nodelay true'],
  });
  if (broker === undefined) console.log('not run: mosquitto is not installed');
  return broker;
}
