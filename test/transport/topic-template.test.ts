import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { type ErrorCode, isXlinkError } from '../../src/errors.js';
import {
  DEFAULT_TOPIC_TEMPLATE,
  TopicTemplate,
  topicFilterError,
  topicNameError,
} from '../../src/transport/topic-template.js';

const template = TopicTemplate.compile();

function refusedWith(result: { ok: boolean; error?: { code: string } }, code: ErrorCode, what: string): void {
  assert.equal(result.ok ? 'ok' : result.error?.code, code, what);
}

describe('TopicTemplate', () => {
  it('fills, parses and filters the default dt/{app}/{deviceId}/{kind}', () => {
    assert.equal(template.template, DEFAULT_TOPIC_TEMPLATE);
    assert.deepEqual(template.placeholders, ['app', 'deviceId', 'kind']);
    const values = { app: 'acme', deviceId: '1f2e3d4c5b6a', kind: 'telemetry' };
    assert.deepEqual(template.fill(values), { ok: true, value: 'dt/acme/1f2e3d4c5b6a/telemetry' });
    assert.deepEqual(template.parseTopic('dt/acme/1f2e3d4c5b6a/telemetry'), { ok: true, value: values });
    assert.deepEqual(template.filter({ app: 'acme' }), { ok: true, value: 'dt/acme/+/+' });
    assert.deepEqual(template.filter(), { ok: true, value: 'dt/+/+/+' });
  });

  it('takes other templates, placeholders in any order and fixed segments anywhere', () => {
    const custom = TopicTemplate.compile('fleet/{kind}/v1/{deviceId}');
    assert.deepEqual(custom.placeholders, ['kind', 'deviceId']);
    assert.deepEqual(custom.fill({ deviceId: 'sensor-17', kind: 'status' }), {
      ok: true,
      value: 'fleet/status/v1/sensor-17',
    });
    assert.deepEqual(custom.parseTopic('fleet/status/v1/sensor-17'), {
      ok: true,
      value: { kind: 'status', deviceId: 'sensor-17' },
    });
  });

  it('refuses templates that are not one with INVALID_TOPIC:TEMPLATE', () => {
    for (const bad of [
      '',
      '/dt/{app}',
      'dt//{app}',
      'dt/{app}/',
      'dt/{site}/{deviceId}',
      'dt/{app}/{app}',
      'dt/+/{deviceId}',
      'dt/#',
      'DT/{app}',
      'dt/x-{app}',
      '$share/g/dt/{app}',
      'dt/a\u0000b',
    ]) {
      assert.throws(
        () => TopicTemplate.compile(bad),
        (error: unknown) => isXlinkError(error) && error.code === 'INVALID_TOPIC:TEMPLATE',
        JSON.stringify(bad),
      );
    }
    assert.throws(() => TopicTemplate.compile('dt/{app}', { maxSegmentLength: 0 }), /maxSegmentLength/);
  });

  it('refuses each kind of bad value with its own code, naming the placeholder', () => {
    const base = { app: 'acme', kind: 'telemetry' };
    const cases: [string, ErrorCode][] = [
      ['', 'INVALID_TOPIC:SEGMENT'],
      ['a/b', 'INVALID_TOPIC:SEGMENT'],
      ['Sensor', 'INVALID_TOPIC:SEGMENT'],
      ['sensör', 'INVALID_TOPIC:SEGMENT'],
      ['a b', 'INVALID_TOPIC:SEGMENT'],
      ['+', 'INVALID_TOPIC:WILDCARD'],
      ['dev#1', 'INVALID_TOPIC:WILDCARD'],
      ['$sys', 'INVALID_TOPIC:RESERVED'],
      ['a\u0000b', 'INVALID_TOPIC:NUL'],
      ['a\nb', 'INVALID_TOPIC:NUL'],
      ['x'.repeat(129), 'INVALID_TOPIC:TOO_LONG'],
    ];
    for (const [deviceId, code] of cases) {
      const filled = template.fill({ ...base, deviceId });
      refusedWith(filled, code, JSON.stringify(deviceId));
      if (!filled.ok) {
        assert.equal(filled.error.field, 'deviceId');
        assert.ok(filled.error.message.length < 300, 'the value is quoted truncated');
      }
      refusedWith(template.filter({ deviceId }), code, `filter ${JSON.stringify(deviceId)}`);
      refusedWith(
        template.parseTopic(`dt/acme/${deviceId}/telemetry`),
        deviceId.includes('/') ? 'INVALID_TOPIC:MISMATCH' : code,
        `parse ${JSON.stringify(deviceId)}`,
      );
    }
    assert.ok(template.fill({ ...base, deviceId: 'x'.repeat(128) }).ok, '128 is the limit');
    refusedWith(template.fill({ app: 'acme', kind: 'telemetry' }), 'INVALID_ARGUMENT', 'missing deviceId');
    refusedWith(template.fill({ ...base, deviceId: 42 as unknown as string }), 'INVALID_ARGUMENT', 'not a string');
  });

  it('refuses received topics of another shape with INVALID_TOPIC:MISMATCH, never throwing', () => {
    refusedWith(template.parseTopic('dt/acme/dev'), 'INVALID_TOPIC:MISMATCH', 'too few levels');
    refusedWith(template.parseTopic('dt/acme/dev/telemetry/extra'), 'INVALID_TOPIC:MISMATCH', 'too many');
    refusedWith(template.parseTopic('up/acme/dev/telemetry'), 'INVALID_TOPIC:MISMATCH', 'fixed segment differs');
    refusedWith(template.parseTopic('/acme/dev/telemetry'), 'INVALID_TOPIC:MISMATCH', 'leading slash');
    refusedWith(template.parseTopic(undefined), 'INVALID_TOPIC:MISMATCH', 'not a string');
    refusedWith(template.parseTopic(`dt/${'a'.repeat(70_000)}/d/k`), 'INVALID_TOPIC:TOO_LONG', 'over 65535');
  });

  it('round-trips every valid value: parse(fill(v)) = v', () => {
    const segment = fc.stringMatching(/^[a-z0-9._~:-]{1,20}$/).filter((s) => !s.startsWith('$'));
    fc.assert(
      fc.property(segment, segment, segment, (app, deviceId, kind) => {
        const filled = template.fill({ app, deviceId, kind });
        assert.ok(filled.ok);
        assert.deepEqual(template.parseTopic(filled.value), { ok: true, value: { app, deviceId, kind } });
      }),
    );
  });

  it('checks any topic name and filter: wildcards, NUL, length, $share filters', () => {
    const codeOf = (detail: { code: string } | undefined) => detail?.code ?? 'ok';
    assert.equal(codeOf(topicNameError('verified/acme/dev')), 'ok');
    assert.equal(codeOf(topicNameError('dlq/acme/+')), 'INVALID_TOPIC:WILDCARD');
    assert.equal(codeOf(topicNameError('a#')), 'INVALID_TOPIC:WILDCARD');
    assert.equal(codeOf(topicNameError('a\u0000')), 'INVALID_TOPIC:NUL');
    assert.equal(codeOf(topicNameError('')), 'INVALID_ARGUMENT');
    assert.equal(codeOf(topicNameError('é'.repeat(32_768))), 'INVALID_TOPIC:TOO_LONG', '65,536 bytes');
    assert.equal(codeOf(topicNameError('é'.repeat(32_767))), 'ok', '65,534 bytes');
    for (const filter of ['dt/+/+/+', '#', 'dt/#', '$share/gateways/dt/acme/+/+', '+']) {
      assert.equal(codeOf(topicFilterError(filter)), 'ok', filter);
    }
    for (const filter of ['dt/a+', 'dt/#/x', 'dt/##', 'a#']) {
      assert.equal(codeOf(topicFilterError(filter)), 'INVALID_TOPIC:WILDCARD', filter);
    }
    assert.equal(codeOf(topicFilterError(7)), 'INVALID_ARGUMENT');
  });
});
