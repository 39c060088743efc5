import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';

const root = new URL('../../', import.meta.url).pathname;

test('simulator/ reaches src/ only through the public subpaths (xlink/…), never by path', () => {
  const files = readdirSync(join(root, 'simulator'), { recursive: true, encoding: 'utf8' }).filter((f) =>
    f.endsWith('.ts'),
  );
  assert.ok(files.length >= 10);
  for (const file of files) {
    const text = readFileSync(join(root, 'simulator', file), 'utf8');
    for (const [, specifier] of text.matchAll(/from '([^']+)'/g)) {
      assert.ok(!/(^|\/)src(\/|$)/.test(specifier as string), `simulator/${file} imports ${specifier}`);
    }
  }
});
