// The JSON Schema interpreter behind config validation: each keyword it implements accepts what fits and refuses what
// does not, at the position of the offending node, with the schema's description and example in the message; and the
// config schema and validateConfig agree on every fixture of test/config/fixtures.

import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { LineCounter, parseDocument } from 'yaml';
import { loadConfigFile } from '../../src/config/load-config.js';
import { assertSupported, renderYaml, SchemaChecker, type Schema, type SchemaHints } from '../../src/config/schema-check.js';
import { configSchema, validateConfig } from '../../src/config/validate-config.js';

/** The problems of `yaml` against `schema`, each as `line:column: message`. */
function problemsOf(schema: Schema, yaml: string, hints: SchemaHints = {}): string[] {
  const lineCounter = new LineCounter();
  const document = parseDocument(yaml, { lineCounter });
  return new SchemaChecker(schema, document, hints).check(document.contents).map((problem) => {
    const node = ((problem.node as { range?: number[] } | null)?.range ? problem.node : problem.fallback) as { range?: number[] } | null;
    const { line, col } = lineCounter.linePos(node?.range?.[0] ?? 0);
    return `${line}:${col}: ${problem.text}`;
  });
}

/** A schema with one key `v` of `schema`, so each case is `v: <value>`. */
const one = (schema: Schema, defs: Record<string, Schema> = {}): Schema => ({ type: 'object', properties: { v: schema }, $defs: defs } as Schema);

describe('SchemaChecker: one keyword at a time', () => {
  it('type: each JSON type, integer as a whole number, a list of types', () => {
    assert.deepEqual(problemsOf(one({ type: 'string' }), 'v: abc'), []);
    assert.deepEqual(problemsOf(one({ type: 'string' }), 'v: 12'), ['1:4: `v` must be a string, got `12` (number)']);
    assert.deepEqual(problemsOf(one({ type: 'integer' }), 'v: 3'), []);
    assert.deepEqual(problemsOf(one({ type: 'integer' }), 'v: 2.5'), ['1:4: `v` must be a whole number, got `2.5` (number)']);
    assert.deepEqual(problemsOf(one({ type: 'number' }), 'v: .inf'), ['1:4: `v` must be a number, got `Infinity` (number)']);
    assert.deepEqual(problemsOf(one({ type: 'boolean' }), 'v: "true"'), ['1:4: `v` must be `true` or `false`, got `"true"` (string)']);
    assert.deepEqual(problemsOf(one({ type: ['object', 'null'] }), 'v: ~'), []);
    assert.deepEqual(problemsOf(one({ type: ['object', 'null'] }), 'v: [1]'), ['1:4: `v` must be a mapping or empty, got `[1]` (list)']);
    assert.deepEqual(problemsOf(one({ type: 'array' }), 'v: { a: 1 }'), ['1:4: `v` must be a list, got `{"a":1}` (mapping)']);
  });

  it('enum: one of the values, with the closest one suggested', () => {
    assert.deepEqual(problemsOf(one({ enum: ['fail', 'warn', 0] }), 'v: 0'), []);
    assert.deepEqual(problemsOf(one({ enum: ['fail', 'warn'] }), 'v: warm'), ['1:4: `v` must be one of `fail`, `warn`, got `"warm"` (string); did you mean `warn`?']);
    assert.deepEqual(problemsOf(one({ enum: ['fail', 'warn'] }), 'v: [fail]'), ['1:4: `v` must be one of `fail`, `warn`, got `["fail"]` (list)']);
  });

  it('pattern and minLength: on strings only', () => {
    const schema = one({ type: 'string', pattern: '^[a-z]+$', minLength: 2 });
    assert.deepEqual(problemsOf(schema, 'v: ab'), []);
    assert.deepEqual(problemsOf(schema, 'v: Ab'), ['1:4: `v` must be a string, got `"Ab"` (string)']);
    assert.deepEqual(problemsOf(schema, 'v: a'), ['1:4: `v` must be a string, got `"a"` (string)']);
    // Without `type`, a pattern says nothing of a number: JSON Schema applies it to strings alone.
    assert.deepEqual(problemsOf(one({ pattern: '^x$' }), 'v: 5'), []);
  });

  it('minimum, maximum and exclusiveMinimum: on numbers, bounds included or not', () => {
    const schema = one({ type: 'number', minimum: 1, maximum: 10 });
    assert.deepEqual(['v: 1', 'v: 10'].flatMap((text) => problemsOf(schema, text)), []);
    assert.deepEqual(problemsOf(schema, 'v: 0.5').length, 1);
    assert.deepEqual(problemsOf(schema, 'v: 11').length, 1);
    const positive = one({ type: 'number', exclusiveMinimum: 0 });
    assert.deepEqual(problemsOf(positive, 'v: 0.001'), []);
    assert.deepEqual(problemsOf(positive, 'v: 0'), ['1:4: `v` must be a number, got `0` (number)']);
  });

  it('minItems and items: the list, then each item at its own position', () => {
    const schema = one({ type: 'array', minItems: 1, items: { type: 'string' } });
    assert.deepEqual(problemsOf(schema, 'v: [a, b]'), []);
    assert.deepEqual(problemsOf(schema, 'v: []'), ['1:4: `v` must be a list, got `[]` (list)']);
    assert.deepEqual(problemsOf(schema, 'v: [a, 2, b, true]'), ['1:8: `v[1]` must be a string, got `2` (number)', '1:14: `v[3]` must be a string, got `true` (boolean)']);
  });

  it('properties and additionalProperties: false names the unknown key, the closest known one and all of them', () => {
    const schema = one({ type: 'object', additionalProperties: false, properties: { name: { type: 'string' }, files: { type: 'array' } } });
    assert.deepEqual(problemsOf(schema, 'v: { name: a, files: [] }'), []);
    assert.deepEqual(problemsOf(schema, 'v: { name: 1, file: [] }'), [
      '1:12: `v.name` must be a string, got `1` (number)',
      '1:15: `v.file` is not a known key; did you mean `files`? v keys are `name`, `files`',
    ]);
    assert.deepEqual(problemsOf(schema, 'v: { 1: a }'), ['1:6: keys of `v` must be names such as `name`, got `1` (number)']);
  });

  it('additionalProperties as a schema, and propertyNames', () => {
    const schema = one({ type: 'object', propertyNames: { pattern: '^[a-z]+$', description: 'Lowercase names.' }, additionalProperties: { type: 'integer' } });
    assert.deepEqual(problemsOf(schema, 'v: { a: 1, b: 2 }'), []);
    assert.deepEqual(problemsOf(schema, 'v: { a: x, B: 2 }'), [
      '1:9: `v.a` must be a whole number, got `"x"` (string)',
      '1:12: keys of `v` must be lowercase names, got `"B"` (string)',
    ]);
  });

  it('required: each missing key, with the example of its schema and the object\'s name when it has one', () => {
    const schema = one({ type: 'object', required: ['name', 'files'], properties: { name: { type: 'string', examples: ['unit'] }, files: { type: 'array', examples: [['a/**']] } } });
    assert.deepEqual(problemsOf(schema, 'v: { name: a, files: [] }'), []);
    assert.deepEqual(problemsOf(schema, 'v: { name: a }'), ['1:4: `v` (a) has no `files`; give it one such as `files: ["a/**"]`']);
    assert.deepEqual(problemsOf(schema, 'v: {}'), ['1:4: `v` has no `name`; give it one such as `name: unit`', '1:4: `v` has no `files`; give it one such as `files: ["a/**"]`']);
  });

  it('anyOf: a value fitting one branch passes; the one branch of its kind is checked in full; else the whole is named', () => {
    const schema = one({
      description: 'A flag or a mapping such as `{ n: 1 }`.',
      anyOf: [{ type: 'boolean' }, { type: 'object', additionalProperties: false, properties: { n: { type: 'integer' } } }],
    });
    assert.deepEqual(['v: false', 'v: { n: 2 }'].flatMap((text) => problemsOf(schema, text)), []);
    assert.deepEqual(problemsOf(schema, 'v: { n: x }'), ['1:9: `v.n` must be a whole number, got `"x"` (string)']);
    assert.deepEqual(problemsOf(schema, 'v: on'), ['1:4: `v` must be a flag or a mapping such as `{ n: 1 }`, got `"on"` (string)']);
    // Two branches take strings: the value is held to both, and the shared description speaks.
    const strings = one({ description: 'A size or a share.', anyOf: [{ type: 'string', pattern: 'B$' }, { type: 'string', pattern: '%$' }] });
    assert.deepEqual(['v: 1B', 'v: 5%'].flatMap((text) => problemsOf(strings, text)), []);
    assert.deepEqual(problemsOf(strings, 'v: "5"'), ['1:4: `v` must be a size or a share, got `"5"` (string)']);
    assert.deepEqual(problemsOf(strings, 'v: 5'), ['1:4: `v` must be a size or a share, got `5` (number)']);
  });

  it('oneOf and not: exactly one of two keys', () => {
    const schema = one({
      type: 'object', description: 'A step with exactly one of `run` and `http`.',
      oneOf: [{ required: ['run'], not: { required: ['http'] } }, { required: ['http'], not: { required: ['run'] } }],
      properties: { run: { type: 'string' }, http: { type: 'string' } },
    });
    assert.deepEqual(['v: { run: x }', 'v: { http: x }'].flatMap((text) => problemsOf(schema, text)), []);
    assert.deepEqual(problemsOf(schema, 'v: { run: x, http: y }'), ['1:4: `v` must be a step with exactly one of `run` and `http`, got `{"run":"x","http":"y"}` (mapping)']);
    assert.deepEqual(problemsOf(schema, 'v: {}').length, 1);
    // A key of the wrong type is reported by itself; "exactly one of" would only repeat it.
    assert.deepEqual(problemsOf(schema, 'v: { run: 1 }'), ['1:11: `v.run` must be a string, got `1` (number)']);
  });

  it('$ref: to a $defs entry and into another schema; the outer description and examples win over the definition\'s', () => {
    const defs = { count: { type: 'integer', minimum: 1, description: 'A positive whole number.' }, box: { properties: { n: { $ref: '#/$defs/count' } } } } as Record<string, Schema>;
    assert.deepEqual(problemsOf(one({ $ref: '#/$defs/count', examples: [4] }, defs), 'v: 0'), ['1:4: `v` must be a positive whole number such as `4`, got `0` (number)']);
    assert.deepEqual(problemsOf(one({ $ref: '#/$defs/count', description: 'A count of GPUs.' }, defs), 'v: 0'), ['1:4: `v` must be a count of GPUs, got `0` (number)']);
    assert.deepEqual(problemsOf(one({ $ref: '#/$defs/box/properties/n' }, defs), 'v: 2'), []);
    assert.deepEqual(problemsOf(one({ $ref: '#/$defs/box/properties/n' }, defs), 'v: -2').length, 1);
    assert.throws(() => problemsOf(one({ $ref: '#/$defs/none' }, defs), 'v: 1'), /`#\/\$defs\/none` points at nothing/);
  });

  it('hints: the fix a definition\'s pattern cannot word, after the value', () => {
    const defs = { tag: { type: 'string', pattern: '^[a-z]+$', description: 'A tag.' } } as Record<string, Schema>;
    const hints: SchemaHints = { tag: (value) => (typeof value === 'string' ? `; write it in lowercase: \`${value.toLowerCase()}\`` : undefined) };
    assert.deepEqual(problemsOf(one({ $ref: '#/$defs/tag' }, defs), 'v: GPU', hints), ['1:4: `v` must be a tag, got `"GPU"` (string); write it in lowercase: `gpu`']);
  });

  it('follows YAML aliases to their anchors, and points at the alias', () => {
    const schema = one({ type: 'array', items: { type: 'string' } });
    assert.deepEqual(problemsOf(schema, 'v: [&x a, *x]'), []);
    assert.deepEqual(problemsOf(schema, 'v: [&x 1, *x]'), ['1:8: `v[0]` must be a string, got `1` (number)', '1:11: `v[1]` must be a string, got `1` (number)']);
  });

  it('refuses a schema that uses a keyword it does not implement, naming where', () => {
    assert.doesNotThrow(() => assertSupported(configSchema()));
    assert.throws(() => assertSupported({ properties: { a: { uniqueItems: true } } }), /`uniqueItems` at #\/properties\/a is not a keyword/);
    assert.throws(() => assertSupported({ anyOf: [{ format: 'uri' }] }), /`format` at #\/anyOf\/0/);
  });
});

describe('renderYaml', () => {
  it('writes examples as a user would in YAML flow style, quoting what would not read back as the same string', () => {
    assert.equal(renderYaml([{ name: 'unit', files: ['test/**/*.test.ts'] }]), '[{ name: unit, files: ["test/**/*.test.ts"] }]');
    assert.equal(renderYaml({ url: 'http://localhost:8000/health', method: 'GET', status: 200 }), '{ url: "http://localhost:8000/health", method: GET, status: 200 }');
    assert.deepEqual(['10GiB', '40%', './run.sh', '>= 40', 'true', '12', '1e3', ''].map(renderYaml), ['10GiB', '40%', './run.sh', '">= 40"', '"true"', '"12"', '"1e3"', '""']);
  });
});

describe('the config schema and validateConfig agree on every fixture', () => {
  const FIXTURES = fileURLToPath(new URL('fixtures/', import.meta.url));
  // What each fixture is: valid, refused by the schema, refused only by a rule the schema cannot state, or not YAML.
  const EXPECTED: Record<string, 'valid' | 'schema' | 'beyond-schema' | 'syntax'> = {
    'bad-timeout.yaml': 'schema',
    'comments-only.yaml': 'valid',
    'duplicate-suites.yaml': 'beyond-schema',
    'empty-lists.yaml': 'schema',
    'every-key.yaml': 'valid',
    'example.yaml': 'valid',
    'many-problems.yaml': 'schema',
    'not-a-mapping.yaml': 'schema',
    'syntax-error.yaml': 'syntax',
    'wrong-types.yaml': 'schema',
  };

  it('classifies every fixture', () => {
    assert.deepEqual(readdirSync(FIXTURES).sort(), Object.keys(EXPECTED).sort());
  });

  for (const [name, expected] of Object.entries(EXPECTED)) {
    it(`${name}: ${expected}`, async () => {
      if (expected === 'syntax') {
        await assert.rejects(loadConfigFile(name, FIXTURES), { code: 'CONFIG_PARSE' });
        return;
      }
      const loaded = await loadConfigFile(name, FIXTURES);
      const contents = loaded.document.contents;
      const schemaProblems = contents === null ? [] : new SchemaChecker(configSchema(), loaded.document).check(contents);
      // The schema's root is `object` or `null`: a list at the top fails it just as validateConfig refuses it.
      assert.equal(schemaProblems.length > 0, expected === 'schema', schemaProblems.map((problem) => problem.text).join('\n'));
      for (const problem of schemaProblems) assert.ok((problem.node as { range?: unknown } | null)?.range ?? (problem.fallback as { range?: unknown } | null)?.range, problem.text);
      if (expected === 'valid') {
        assert.doesNotThrow(() => validateConfig(loaded));
        return;
      }
      assert.throws(() => validateConfig(loaded), (error: Error & { code?: string }) => {
        assert.equal(error.code, 'CONFIG_INVALID');
        const lines = error.message.split('\n');
        const problems = lines.length === 1 ? lines : lines.slice(1).map((line) => line.trim());
        for (const line of problems) assert.match(line, new RegExp(`^${name.replace('.', '\\.')}:\\d+:\\d+: `));
        if (expected === 'schema') assert.ok(problems.length >= schemaProblems.length || name === 'not-a-mapping.yaml');
        return true;
      });
    });
  }
});
