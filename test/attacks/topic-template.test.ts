// Received MQTT topics are untrusted: TopicTemplate.parseTopic must answer a
// Result for anything (fuzzed), and whatever it accepts must be safe to put
// into another topic as it is (a gateway builds dlq/{app}/{reason}/{deviceId}
// from it): filling the values back gives the same topic, with no wildcard,
// no `$`, no NUL and no extra level.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { ERROR_CODES, MAX_MESSAGE_LENGTH } from '../../src/errors.js';
import { TopicTemplate, topicFilterError, topicNameError } from '../../src/transport/topic-template.js';

const template = TopicTemplate.compile();
const dlq = TopicTemplate.compile('dlq/{app}/{kind}/{deviceId}');
const codes: ReadonlySet<string> = new Set(ERROR_CODES);
const RUNS = 3000;

const level = fc.oneof(
  fc.string({ maxLength: 12 }),
  fc.string({ unit: 'binary', maxLength: 12 }),
  fc.constantFrom('', '+', '#', '$SYS', '$share', 'a\u0000', 'Dev', 'acme', 'telemetry', '1f2e3d4c5b6a'),
);
const topics = fc.oneof(
  fc.anything(),
  fc.array(level, { maxLength: 6 }).map((levels) => levels.join('/')),
  fc.array(level, { minLength: 2, maxLength: 2 }).map(([app, id]) => `dt/${app}/${id}/telemetry`),
);

test(`parseTopic answers a Result for any value, and what it accepts re-fills into the same topic (${RUNS} runs)`, () => {
  let accepted = 0;
  fc.assert(
    fc.property(topics, (topic) => {
      const parsed = template.parseTopic(topic);
      assert.equal(typeof parsed.ok, 'boolean');
      if (!parsed.ok) {
        assert.ok(codes.has(parsed.error.code), parsed.error.code);
        assert.ok(parsed.error.message.length <= MAX_MESSAGE_LENGTH);
        return;
      }
      accepted++;
      assert.deepEqual(template.fill(parsed.value), { ok: true, value: topic });
      const routed = dlq.fill(parsed.value);
      assert.ok(routed.ok, 'a parsed value is a valid segment anywhere');
      assert.equal(routed.value.split('/').length, 4);
      assert.ok(!/[+#]|\/\$/.test(routed.value) && !routed.value.includes('\u0000'), routed.value);
    }),
    { numRuns: RUNS },
  );
  assert.ok(accepted > 0, 'some generated topics were valid');
});

test(`topicNameError and topicFilterError answer for any value, never throwing (${RUNS} runs)`, () => {
  fc.assert(
    fc.property(topics, (topic) => {
      for (const check of [topicNameError, topicFilterError]) {
        const refused = check(topic);
        if (refused !== undefined) assert.ok(codes.has(refused.code), refused.code);
      }
      // A name is always a valid filter (it matches itself).
      if (topicNameError(topic) === undefined) assert.equal(topicFilterError(topic), undefined);
    }),
    { numRuns: RUNS },
  );
});
