// The split benchmark runs and produces its tables (correctness only: a tiny
// budget, small sizes, no assertion about speed).
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { SUITES } from '../../bench/run.js';
import { runSplit } from '../../bench/split.js';

const literal = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

it('the split suite is registered and prints its goal rows and one row per operation', async () => {
  assert.ok(SUITES.some((suite) => suite.name === 'split'));
  const markdown = await runSplit({ budgetMs: 5, warmupMs: 0, rounds: 1 }, [256]);
  for (const row of [
    'Split-channel roundtrip, 2-of-3, v2',
    'Split-channel roundtrip, 2-of-3, v3',
    'Xchange roundtrip',
  ]) {
    assert.match(markdown, new RegExp(`\\| ${literal(row)}[^|]*\\| +×\\d+\\.\\d\\d \\|`), row);
  }
  for (const operation of [
    'XOR floor',
    'randomFillSync',
    'xlink split + combine',
    'shamir-secret-sharing split',
    'AES-256-GCM encrypt + decrypt',
  ]) {
    assert.match(
      markdown,
      new RegExp(`\\| 256 B +\\| ${literal(operation)} +\\| +[\\d.]+ (ns|µs|ms|s) \\|`),
      operation,
    );
  }
});
