// The config's JSON Schema (schema/gpu-test.config.schema.json), the keys the validator reads and docs/config.md's
// tables name the same keys, so an editor, gpu-test and the docs cannot disagree about what a config may hold.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { SUITE_KEYS, TOP_LEVEL_KEYS } from '../../src/config/validate-config.js';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
interface Schema { properties: Record<string, unknown>; $defs: { suite: { properties: Record<string, unknown>; required: string[] } } }
const schema = JSON.parse(readFileSync(`${REPO}schema/gpu-test.config.schema.json`, 'utf8')) as Schema;
const sorted = (keys: Iterable<string>): string[] => [...keys].sort();

/** The backticked names in the first column of each table in docs/config.md's `## Keys` section. */
function documentedKeys(): { top: string[]; suite: string[] } {
  const text = readFileSync(`${REPO}docs/config.md`, 'utf8');
  const section = text.slice(text.indexOf('\n## Keys\n'), text.indexOf('\n### Which files a suite has'));
  const tables = section.split(/\n(?=\| Key \|)/).slice(1);
  const keysOf = (table: string): string[] => table.split('\n').filter((line) => line.startsWith('| `'))
    .flatMap((line) => [...(line.split(' | ')[0] ?? '').matchAll(/`([A-Za-z]+)`/g)].map((match) => match[1] ?? ''));
  return { top: keysOf(tables[0] ?? ''), suite: keysOf(tables[1] ?? '') };
}

describe('the config schema', () => {
  it('has exactly the top-level and suite keys the validator reads', () => {
    assert.deepEqual(sorted(Object.keys(schema.properties)), sorted(TOP_LEVEL_KEYS));
    assert.deepEqual(sorted(Object.keys(schema.$defs.suite.properties)), sorted(SUITE_KEYS));
    assert.deepEqual(schema.$defs.suite.required, ['name', 'files']);
  });

  it('matches docs/config.md: every key documented, no documented key missing from the schema', () => {
    const { top, suite } = documentedKeys();
    assert.deepEqual(sorted(new Set(top)), sorted(Object.keys(schema.properties)));
    assert.deepEqual(sorted(new Set(suite)), sorted(Object.keys(schema.$defs.suite.properties)));
  });

  it('is what the example configs point editors at', () => {
    assert.match(readFileSync(`${REPO}gpu-test.config.yaml`, 'utf8'), /^# yaml-language-server: \$schema=\.\/schema\/gpu-test\.config\.schema\.json\n/);
    assert.match(readFileSync(`${REPO}docs/config.md`, 'utf8'), /```yaml\n# yaml-language-server: \$schema=\.\/node_modules\/gpu-test\/schema\/gpu-test\.config\.schema\.json\n/);
  });
});
