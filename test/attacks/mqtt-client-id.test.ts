// Two processes started with one MQTT client id: the broker gives the session
// to the newer connection and closes the older (Mosquitto 2.0 without a
// reason, even on MQTT 5), which, reconnecting, takes it back, and so on.
// Finding: with the backoff reset at every CONNACK, the twins flapped as fast
// as the first reconnection delay allowed (dozens of takeovers a second).
// Now the backoff resets only after a connection lasted reconnectMaxMs, so
// the flapping slows down exponentially; with storeDir, the store's lock
// refuses the second transport before it connects. On a real Mosquitto.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { MqttTransport } from '../../src/transport/node/mqtt-transport.js';
import { startMosquitto } from '../helpers/mosquitto.js';

const broker = await startMosquitto();

if (broker === undefined) {
  console.log('MQTT client id takeover: not run: mosquitto not installed');
} else {
  const transports: MqttTransport[] = [];
  const dir = mkdtempSync(join(tmpdir(), 'xlink-mqtt-takeover-'));
  after(async () => {
    await Promise.all(transports.map((t) => t.close({ drainTimeoutMs: 100 })));
    await broker.stop();
    rmSync(dir, { recursive: true, force: true });
  });
  const make = (clientId: string, storeDir?: string) => {
    const transport = new MqttTransport({
      url: broker.url,
      clientId,
      reconnectMinMs: 20,
      reconnectMaxMs: 5_000,
      ...(storeDir === undefined ? {} : { storeDir }),
    });
    transports.push(transport);
    return transport;
  };

  describe('two transports with one client id', () => {
    it('slow down exponentially instead of flapping as fast as they can', { timeout: 30_000 }, async () => {
      const twins = [make('twin'), make('twin')];
      let total = 0;
      for (const twin of twins) twin.onStatus((status) => void (status === 'connected' && total++));
      for (const twin of twins) assert.ok((await twin.connect()).ok);
      await new Promise((resolve) => setTimeout(resolve, 1500));
      // Delays of 20 ms at most before the fix: over 1.5 s dozens of takeovers. Doubling from 20 ms: a handful.
      assert.ok(total >= 3, `${total}: the second took over and the first came back at least once`);
      assert.ok(total <= 24, `${total} connections in 1.5 s: flapping`);
      console.log(`two transports with one client id: ${total} connections in 1.5 s`);
    });

    it('with storeDir: the second transport is refused before it connects (MQTT_STORE_LOCKED)', async () => {
      const first = make('stored-twin', dir);
      assert.ok((await first.connect()).ok);
      const second = make('stored-twin', dir);
      const refused = await second.connect();
      assert.equal(refused.ok ? 'ok' : refused.error.code, 'MQTT_STORE_LOCKED');
      assert.equal(first.connected, true);
    });
  });
}
