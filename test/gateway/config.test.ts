import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { resolveGatewayConfig } from '../../src/gateway/config.js';

test('precedence: flags > XLINK_ environment > file > defaults', () => {
  const both = resolveGatewayConfig({
    flags: { 'http-port': '9000' },
    env: { XLINK_HTTP_PORT: '9001', XLINK_APP: 'fromenv' },
    file: { httpPort: 9002, app: 'fromfile', inflight: 7 },
  });
  assert.ok(both.ok);
  assert.equal(both.value.httpPort, 9000);
  assert.equal(both.value.app, 'fromenv');
  assert.equal(both.value.inflight, 7);
  assert.equal(both.value.timestampWindowMs, 30_000);
  assert.equal(both.value.protocolVersion, 4, 'the embedded broker speaks MQTT 3.1.1');
  const external = resolveGatewayConfig({ env: { XLINK_BROKER_URL: 'mqtt://10.0.0.1:1883' } });
  assert.ok(external.ok);
  assert.equal(external.value.protocolVersion, 5);
});

test('bad settings stop the start with GATEWAY_CONFIG_INVALID naming the setting and its source', () => {
  const cases: [Parameters<typeof resolveGatewayConfig>[0], RegExp][] = [
    [{ env: { XLINK_HTTP_PORT: '70000' } }, /XLINK_HTTP_PORT: httpPort must be from 0 to 65535/],
    [{ flags: { inflight: 'many' } }, /flag --inflight: inflight expected an integer/],
    [{ file: { brokerURL: 'mqtt://x' } }, /unknown key "brokerURL"/],
    [{ flags: { 'broker-uri': 'x' } }, /unknown flag/],
    [{ env: { XLINK_PASSWORD: 'hunter2' } }, /secrets are taken only as file paths; use password-file/],
    [{ file: { seed: 'abc' } }, /secrets are taken only as file paths/],
    [{ file: { redisStream: 'verified' } }, /redisStream needs redisUrl/],
    [{ env: { XLINK_APP: 'Has Spaces' } }, /app is not valid/],
    [{ file: [] }, /must hold a JSON object/],
  ];
  for (const [sources, message] of cases) {
    const config = resolveGatewayConfig(sources);
    assert.ok(!config.ok, String(message));
    assert.equal(config.error.code, 'GATEWAY_CONFIG_INVALID');
    assert.match(config.error.message, message);
    assert.ok(!config.error.message.includes('hunter2'), 'a secret is never quoted back');
  }
});

test('resolveGatewayConfig never throws, whatever the file holds', () => {
  fc.assert(
    fc.property(fc.anything(), fc.dictionary(fc.string(), fc.string()), (file, env) => {
      const result = resolveGatewayConfig({ file, env });
      assert.equal(typeof result.ok, 'boolean');
    }),
    { numRuns: 500 },
  );
});
