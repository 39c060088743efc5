/**
 * The gateway's view of its topics, on the transport's TopicTemplate: the
 * subscription filter, the device id and kind a received topic names, and
 * the sink and dead-letter topics filled from them.
 *
 *   const topics = telemetryTopics('dt/{app}/{deviceId}/{kind}', 'acme');
 *   topics.filter;                                       // "dt/acme/+/+"
 *   topics.parse('dt/acme/3f9a01b2c4d5/temp');           // Result<{ deviceId: '3f9a01b2c4d5', kind: 'temp' }>
 *   topics.format('verified/{app}/{deviceId}/{kind}', parts);
 *
 * A received topic is checked by the template's segment rules, so the ids it
 * yields can be put into a dead-letter topic as they are. `{reason}` exists
 * only in the dead-letter template, filled before the template is compiled.
 */
import { ok, quote, type Result, refuse, unwrap, xlinkError } from '../errors.js';
import { TopicTemplate } from '../transport/topic-template.js';

export interface TopicParts {
  readonly deviceId: string;
  readonly kind?: string;
}

export interface TelemetryTopics {
  readonly filter: string;
  parse(topic: string): Result<TopicParts>;
  /** Fills a sink or dead-letter template; throws for a template the configuration should have refused. */
  format(template: string, parts: TopicParts, reason?: string): string;
}

/** Throws INVALID_TOPIC:TEMPLATE (or GATEWAY_CONFIG_INVALID without {deviceId}) for a bad template. */
export function telemetryTopics(template: string, app: string): TelemetryTopics {
  const compiled = TopicTemplate.compile(template);
  if (!compiled.placeholders.includes('deviceId')) {
    throw xlinkError('GATEWAY_CONFIG_INVALID', `the telemetry topic template ${template} has no {deviceId}`, {
      field: 'topic',
    });
  }
  const filter = unwrap(compiled.filter({ app }));
  const templates = new Map<string, TopicTemplate>();
  return {
    filter,
    parse(topic) {
      const values = compiled.parseTopic(topic);
      if (!values.ok) return values;
      if (compiled.placeholders.includes('app') && values.value.app !== app) {
        return refuse('INVALID_TOPIC:MISMATCH', `the topic is for app ${quote(values.value.app)}, not ${quote(app)}`);
      }
      const { deviceId, kind } = values.value;
      return ok(kind === undefined ? { deviceId } : { deviceId, kind });
    },
    format(target, parts, reason) {
      const filled = target.replaceAll('{reason}', reason ?? 'unknown');
      let sink = templates.get(filled);
      if (sink === undefined) {
        sink = TopicTemplate.compile(filled);
        templates.set(filled, sink);
      }
      return unwrap(sink.fill({ app, deviceId: parts.deviceId, kind: parts.kind ?? 'data' }));
    },
  };
}
