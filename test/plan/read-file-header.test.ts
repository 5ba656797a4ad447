import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseFileHeader } from '../../src/plan/read-file-header.js';

const KNOWN = ['flux', 'gpu', 'vlm'];

describe('parseFileHeader', () => {
  it('reads tags and timeout from line comments', () => {
    const header = parseFileHeader('// @gpu-test tags: gpu, vlm\n// @gpu-test timeout: 900000\nimport x from "y";\n', 'a.test.ts', KNOWN);
    assert.deepEqual(header, { tags: ['gpu', 'vlm'], timeoutMs: 900000 });
  });

  it('reads a block comment after a shebang', () => {
    const header = parseFileHeader('#!/usr/bin/env node\n/**\n * Loads Flux.\n * @gpu-test tags: flux gpu\n */\n', 'a.test.ts', KNOWN);
    assert.deepEqual(header.tags, ['flux', 'gpu']);
  });

  it('reads a one-line block comment', () => {
    assert.deepEqual(parseFileHeader('/** @gpu-test tags: gpu */\ntest()', 'a.test.ts', KNOWN).tags, ['gpu']);
  });

  it('ignores directives after the first code line', () => {
    const header = parseFileHeader('import x from "y";\n// @gpu-test tags: gpu\n', 'a.test.ts', KNOWN);
    assert.deepEqual(header, { tags: [], timeoutMs: null });
  });

  it('names file, line and column, the tag and the fix for an unknown tag', () => {
    assert.throws(() => parseFileHeader('// intro\n  // @gpu-test tags: gpu, fluxx\n', 'suites/a.test.ts', KNOWN), (error: Error & { code?: string }) => {
      assert.equal(error.code, 'UNKNOWN_TAG');
      assert.match(error.message, /^suites\/a\.test\.ts:2:6: unknown tag `fluxx`/);
      assert.match(error.message, /known tags: flux, gpu, vlm/);
      assert.match(error.message, /tags:` in gpu-test\.config\.yaml/);
      return true;
    });
  });

  it('rejects a bad timeout and an unknown directive with the position', () => {
    assert.throws(() => parseFileHeader('// @gpu-test timeout: soon\n', 'a.test.ts', KNOWN), /a\.test\.ts:1:4: `@gpu-test timeout` must be a positive number of milliseconds such as `900000`, got `soon`/);
    assert.throws(() => parseFileHeader('// @gpu-test tag: gpu\n', 'a.test.ts', KNOWN), /a\.test\.ts:1:4: unknown directive `@gpu-test tag`; supported: `tags`, `timeout`/);
  });
});
