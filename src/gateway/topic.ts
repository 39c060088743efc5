/**
 * The telemetry topic, read the other way round: the subscription filter a
 * template gives, and the device id and kind a received topic names.
 *
 *   const topics = telemetryTopics('dt/{app}/{deviceId}/{kind}', 'acme');
 *   topics.filter;                       // "dt/acme/+/+"
 *   topics.parse('dt/acme/3f9a01b2c4d5/temp'); // { deviceId: '3f9a01b2c4d5', kind: 'temp' }
 *   topics.format('verified/{app}/{deviceId}/{kind}', parsed); // for the sinks
 *
 * A topic that does not fit the template parses as undefined and its message
 * is refused before any crypto runs. Ids are limited to one topic level of
 * `A-Z a-z 0-9 . _ : -` (1 to 64 characters), so a dead-letter topic built
 * from them cannot gain levels or wildcards.
 */
import { quote, xlinkError } from '../errors.js';

export interface TopicParts {
  readonly deviceId: string;
  readonly kind?: string;
}

export interface TelemetryTopics {
  readonly filter: string;
  parse(topic: string): TopicParts | undefined;
  format(template: string, parts: TopicParts, reason?: string): string;
}

const PLACEHOLDER = /^\{(app|deviceId|kind)\}$/;
const LEVEL = /^[A-Za-z0-9._:-]{1,64}$/;

export function isTopicLevel(value: string): boolean {
  return LEVEL.test(value);
}

/** Throws GATEWAY_CONFIG_INVALID for a template without exactly one {deviceId} level or with wildcards. */
export function telemetryTopics(template: string, app: string): TelemetryTopics {
  const levels = template.split('/');
  const deviceAt = levels.indexOf('{deviceId}');
  const kindAt = levels.indexOf('{kind}');
  const wrong =
    deviceAt < 0 ||
    levels.filter((l) => l === '{deviceId}').length !== 1 ||
    levels.some((l) => l === '' || l.includes('+') || l.includes('#') || (l.includes('{') && !PLACEHOLDER.test(l)));
  if (wrong) {
    throw xlinkError(
      'GATEWAY_CONFIG_INVALID',
      `topic template ${quote(template)} needs one {deviceId} level, no wildcards and no empty levels`,
      { field: 'topic' },
    );
  }
  const expected = levels.map((l) => (l === '{app}' ? app : l));
  return {
    filter: expected.map((l) => (l.startsWith('{') ? '+' : l)).join('/'),
    parse(topic) {
      const got = topic.split('/');
      if (got.length !== expected.length) return undefined;
      for (let i = 0; i < got.length; i++) {
        const want = expected[i] as string;
        const level = got[i] as string;
        if (want.startsWith('{') ? !LEVEL.test(level) : level !== want) return undefined;
      }
      const deviceId = got[deviceAt] as string;
      return kindAt < 0 ? { deviceId } : { deviceId, kind: got[kindAt] as string };
    },
    format(target, parts, reason) {
      return target
        .replaceAll('{app}', app)
        .replaceAll('{deviceId}', parts.deviceId)
        .replaceAll('{kind}', parts.kind ?? 'data')
        .replaceAll('{reason}', reason ?? 'unknown');
    },
  };
}
