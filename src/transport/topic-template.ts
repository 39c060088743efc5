/**
 * MQTT topic templates: fill `dt/{app}/{deviceId}/{kind}` to publish, parse a
 * received topic back into its values, and make the subscription filter.
 * Pure: no I/O, usable on devices.
 *
 *   const template = TopicTemplate.compile('dt/{app}/{deviceId}/{kind}'); // throws INVALID_TOPIC:TEMPLATE
 *   template.fill({ app: 'acme', deviceId: '1f2e3d4c5b6a', kind: 'telemetry' }); // Result<'dt/acme/1f2e3d4c5b6a/telemetry'>
 *   template.parseTopic('dt/acme/1f2e3d4c5b6a/telemetry'); // Result<{ app, deviceId, kind }>
 *   template.filter({ app: 'acme' }); // Result<'dt/acme/+/+'>
 *
 * Every value, filled or parsed, is one segment of `a-z 0-9 . _ ~ : -`:
 * lowercase (two spellings of one device id would be two topics, and the
 * gateway compares the topic's device id with the signer's), never a wildcard
 * (`+`, `#`: a device id holding one would make a per-device filter match other
 * devices), never starting with `$` (broker-reserved: `$SYS`, `$share`), no
 * NUL or control character (MQTT forbids NUL), at most `maxSegmentLength`
 * characters. A received topic is checked by the same rules, so a value
 * `parseTopic` returns can be put into another topic (a dead-letter topic) as
 * it is. Templates have no leading slash (it would add an empty first level).
 *
 * Limits: placeholders are whole segments (`{app}`, not `x-{app}`); the names
 * are `app`, `deviceId` and `kind`.
 */
import { utf8Encode } from '../codec/bytes.js';
import { type ErrorDetail, err, ok, quote, type Result, refuse, xlinkError } from '../errors.js';

export const DEFAULT_TOPIC_TEMPLATE = 'dt/{app}/{deviceId}/{kind}';
/** The longest value of one segment by default: a kid is 12 hex digits, a registered name a few dozen. */
export const DEFAULT_MAX_SEGMENT_LENGTH = 128;
/** MQTT's limit on a topic: a UTF-8 string of at most 65,535 bytes (our segments are ASCII). */
export const MAX_TOPIC_LENGTH = 65_535;

export const TOPIC_PLACEHOLDERS = ['app', 'deviceId', 'kind'] as const;
export type TopicPlaceholder = (typeof TOPIC_PLACEHOLDERS)[number];
export type TopicValues = { readonly [name in TopicPlaceholder]?: string };

export interface TopicTemplateOptions {
  /** Longest value of one segment, filled or parsed; default 128. */
  readonly maxSegmentLength?: number;
}

type Segment = { readonly fixed: string } | { readonly name: TopicPlaceholder };

const SEGMENT = /^[a-z0-9._~:-]+$/;
// Control characters are what the check looks for here.
// biome-ignore lint/suspicious/noControlCharactersInRegex: NUL and C0/C1 controls are refused by name
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;
const PLACEHOLDER = /^\{([A-Za-z]+)\}$/;

export class TopicTemplate {
  readonly template: string;
  /** The placeholders, in the order they appear. */
  readonly placeholders: readonly TopicPlaceholder[];
  readonly maxSegmentLength: number;
  readonly #segments: readonly Segment[];

  private constructor(template: string, segments: readonly Segment[], maxSegmentLength: number) {
    this.template = template;
    this.#segments = segments;
    this.placeholders = segments.flatMap((s) => ('name' in s ? [s.name] : []));
    this.maxSegmentLength = maxSegmentLength;
  }

  /** Checks the template (the caller's configuration); throws INVALID_TOPIC:TEMPLATE naming what is wrong. */
  static compile(template: string = DEFAULT_TOPIC_TEMPLATE, options: TopicTemplateOptions = {}): TopicTemplate {
    const max = options.maxSegmentLength ?? DEFAULT_MAX_SEGMENT_LENGTH;
    if (!Number.isSafeInteger(max) || max < 1) {
      throw xlinkError('INVALID_ARGUMENT', `"maxSegmentLength" expected a positive integer, got ${quote(max)}`, {
        field: 'maxSegmentLength',
      });
    }
    const bad = (why: string) =>
      xlinkError('INVALID_TOPIC:TEMPLATE', `topic template ${quote(template)} ${why}`, { field: 'topic' });
    if (typeof template !== 'string' || template === '') throw bad('is not a non-empty string');
    if (template.startsWith('/')) throw bad('starts with "/": a leading slash adds an empty first level');
    const seen = new Set<string>();
    const segments: Segment[] = [];
    for (const part of template.split('/')) {
      const placeholder = PLACEHOLDER.exec(part)?.[1];
      if (placeholder !== undefined) {
        if (!(TOPIC_PLACEHOLDERS as readonly string[]).includes(placeholder)) {
          throw bad(`names an unknown placeholder {${placeholder}}; known: {app}, {deviceId}, {kind}`);
        }
        if (seen.has(placeholder)) throw bad(`repeats {${placeholder}}`);
        seen.add(placeholder);
        segments.push({ name: placeholder as TopicPlaceholder });
        continue;
      }
      const refused = segmentError(part, 'a fixed segment', max);
      if (refused !== undefined) throw bad(`is refused: ${refused.message}`);
      segments.push({ fixed: part });
    }
    return new TopicTemplate(template, segments, max);
  }

  /** The topic for these values; each placeholder needs one (INVALID_ARGUMENT), each value must be a segment. */
  fill(values: TopicValues): Result<string> {
    const parts: string[] = [];
    for (const segment of this.#segments) {
      if ('fixed' in segment) {
        parts.push(segment.fixed);
        continue;
      }
      const value = (values as Record<string, unknown> | undefined)?.[segment.name];
      if (value === undefined) {
        return refuse(
          'INVALID_ARGUMENT',
          `topic template ${quote(this.template)} needs {${segment.name}}`,
          segment.name,
        );
      }
      const refused = segmentError(value, `{${segment.name}}`, this.maxSegmentLength);
      if (refused !== undefined) return err({ ...refused, field: segment.name });
      parts.push(value as string);
    }
    return ok(parts.join('/'));
  }

  /** The subscription filter: given values filled in, `+` for the others. */
  filter(values: TopicValues = {}): Result<string> {
    const parts: string[] = [];
    for (const segment of this.#segments) {
      if ('fixed' in segment) {
        parts.push(segment.fixed);
        continue;
      }
      const value = (values as Record<string, unknown>)[segment.name];
      if (value === undefined) {
        parts.push('+');
        continue;
      }
      const refused = segmentError(value, `{${segment.name}}`, this.maxSegmentLength);
      if (refused !== undefined) return err({ ...refused, field: segment.name });
      parts.push(value as string);
    }
    return ok(parts.join('/'));
  }

  /** Reads a received topic (untrusted) into its values; never throws. */
  parseTopic(topic: unknown): Result<Readonly<Record<TopicPlaceholder, string>>> {
    if (typeof topic !== 'string')
      return refuse('INVALID_TOPIC:MISMATCH', `topic expected a string, got ${quote(topic)}`);
    if (topic.length > MAX_TOPIC_LENGTH) {
      return refuse('INVALID_TOPIC:TOO_LONG', `topic of ${topic.length} characters is over MQTT's ${MAX_TOPIC_LENGTH}`);
    }
    const parts = topic.split('/');
    if (parts.length !== this.#segments.length) {
      return refuse(
        'INVALID_TOPIC:MISMATCH',
        `topic ${quote(topic)} has ${parts.length} levels; template ${quote(this.template)} has ${this.#segments.length}`,
      );
    }
    const values: Partial<Record<TopicPlaceholder, string>> = {};
    for (const [index, segment] of this.#segments.entries()) {
      const part = parts[index] as string;
      if ('fixed' in segment) {
        if (part !== segment.fixed) {
          return refuse(
            'INVALID_TOPIC:MISMATCH',
            `topic ${quote(topic)} has ${quote(part)} at level ${index + 1} where template ${quote(this.template)} has ${quote(segment.fixed)}`,
          );
        }
        continue;
      }
      const refused = segmentError(part, `{${segment.name}} of topic ${quote(topic)}`, this.maxSegmentLength);
      if (refused !== undefined) return err({ ...refused, field: segment.name });
      values[segment.name] = part;
    }
    return ok(values as Record<TopicPlaceholder, string>);
  }
}

/** Why `value` cannot be one topic segment, or undefined. The most specific code first. */
function segmentError(value: unknown, what: string, max: number) {
  if (typeof value !== 'string') {
    return refuse('INVALID_ARGUMENT', `${what} expected a string, got ${quote(value)}`).error;
  }
  if (value === '') return refuse('INVALID_TOPIC:SEGMENT', `${what} is empty`).error;
  if (CONTROL.test(value)) {
    return refuse('INVALID_TOPIC:NUL', `${what} ${quote(value)} contains NUL or a control character`).error;
  }
  if (value.includes('+') || value.includes('#')) {
    return refuse('INVALID_TOPIC:WILDCARD', `${what} ${quote(value)} contains a wildcard (+ or #)`).error;
  }
  if (value.startsWith('$')) {
    return refuse('INVALID_TOPIC:RESERVED', `${what} ${quote(value)} starts with "$", which brokers reserve`).error;
  }
  if (value.length > max) {
    return refuse('INVALID_TOPIC:TOO_LONG', `${what} is ${value.length} characters, over the limit of ${max}`).error;
  }
  if (!SEGMENT.test(value)) {
    return refuse(
      'INVALID_TOPIC:SEGMENT',
      `${what} ${quote(value)} is not lowercase a-z 0-9 . _ ~ : - (no "/", no uppercase)`,
    ).error;
  }
  return undefined;
}

/**
 * Why `topic` cannot be published to, or undefined: a topic name is a
 * non-empty string without wildcards or NUL, at most 65,535 UTF-8 bytes. For
 * any topic, not only a template's (sinks publish to `verified/…`, `dlq/…`).
 */
export function topicNameError(topic: unknown): ErrorDetail | undefined {
  if (typeof topic !== 'string' || topic === '') {
    return refuse('INVALID_ARGUMENT', `"topic" expected a non-empty string, got ${quote(topic)}`).error;
  }
  if (topic.includes('\u0000')) return refuse('INVALID_TOPIC:NUL', `topic ${quote(topic)} contains NUL`).error;
  if (topic.includes('+') || topic.includes('#')) {
    return refuse('INVALID_TOPIC:WILDCARD', `topic ${quote(topic)} contains a wildcard; publishing needs a name`).error;
  }
  return utf8TooLong(topic);
}

/**
 * Why `filter` is not a subscription filter, or undefined: wildcards only as
 * whole levels, `#` only last; `$share/<group>/<filter>` is a filter too.
 */
export function topicFilterError(filter: unknown): ErrorDetail | undefined {
  if (typeof filter !== 'string' || filter === '') {
    return refuse('INVALID_ARGUMENT', `a topic filter expected a non-empty string, got ${quote(filter)}`).error;
  }
  if (filter.includes('\u0000')) return refuse('INVALID_TOPIC:NUL', `filter ${quote(filter)} contains NUL`).error;
  const levels = filter.split('/');
  for (const [index, level] of levels.entries()) {
    if (level.includes('#') && (level !== '#' || index !== levels.length - 1)) {
      return refuse('INVALID_TOPIC:WILDCARD', `filter ${quote(filter)}: "#" must be a whole, last level`).error;
    }
    if (level.includes('+') && level !== '+') {
      return refuse('INVALID_TOPIC:WILDCARD', `filter ${quote(filter)}: "+" must be a whole level`).error;
    }
  }
  return utf8TooLong(filter);
}

/** INVALID_TOPIC:TOO_LONG past MQTT's 65,535 UTF-8 bytes; a UTF-16 unit is at most 3 bytes, so most topics skip the count. */
function utf8TooLong(topic: string): ErrorDetail | undefined {
  if (topic.length * 3 <= MAX_TOPIC_LENGTH) return undefined;
  const bytes = utf8Encode(topic).length;
  if (bytes <= MAX_TOPIC_LENGTH) return undefined;
  return refuse('INVALID_TOPIC:TOO_LONG', `topic of ${bytes} bytes is over MQTT's ${MAX_TOPIC_LENGTH}`).error;
}
