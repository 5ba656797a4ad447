// parseFileHeader: tags, timeout and `requires` from a file's leading comments only, and every bad directive refused
// with file:line:column, what is wrong and an example.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseFileHeader } from '../../src/plan/read-file-header.js';

const KNOWN = ['flux', 'gpu', 'vlm'];

describe('parseFileHeader', () => {
  it('reads tags and timeout from line comments', () => {
    const header = parseFileHeader('// @gpu-test tags: gpu, vlm\n// @gpu-test timeout: 900000\nimport x from "y";\n', 'a.test.ts', KNOWN);
    assert.deepEqual(header, { tags: ['gpu', 'vlm'], timeoutMs: 900000, requires: null });
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
    assert.deepEqual(header, { tags: [], timeoutMs: null, requires: null });
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

describe('parseFileHeader: requires', () => {
  const GiB = 1024 ** 3;
  const EXAMPLE = '; for example `// @gpu-test requires: vram=10GiB, ram=25GiB, gpus=2`';
  const requires = (line: string) => parseFileHeader(`${line}\ntest();\n`, 'a.test.ts', KNOWN).requires;
  const refused = (line: string, message: string): void => {
    assert.throws(() => requires(line), (error: Error & { code?: string }) => {
      assert.equal(error.code, 'FILE_HEADER');
      assert.equal(error.message, message);
      return true;
    });
  };

  it('reads vram, ram and gpus, separated by commas or spaces', () => {
    assert.deepEqual(requires('// @gpu-test requires: vram=10GiB, ram=25GiB, gpus=2'), { vram: { bytes: 10 * GiB }, ram: { bytes: 25 * GiB }, gpus: 2 });
    assert.deepEqual(requires('// @gpu-test requires: vram=1.5GiB ram=512MiB'), { vram: { bytes: 1.5 * GiB }, ram: { bytes: 512 * 1024 ** 2 } });
  });

  it('reads shares and plain byte counts', () => {
    assert.deepEqual(requires('// @gpu-test requires: vram=50%, ram=12.5%'), { vram: { percent: 50 }, ram: { percent: 12.5 } });
    assert.deepEqual(requires('// @gpu-test requires: ram=1048576'), { ram: { bytes: 1048576 } });
  });

  it('reads it inside a block comment, beside the other directives', () => {
    const header = parseFileHeader('/**\n * @gpu-test tags: gpu\n * @gpu-test requires: gpus=1, vram=4GiB\n */\n', 'a.test.ts', KNOWN);
    assert.deepEqual(header, { tags: ['gpu'], timeoutMs: null, requires: { gpus: 1, vram: { bytes: 4 * GiB } } });
    assert.deepEqual(parseFileHeader('/** @gpu-test requires: ram=2GiB */\n', 'a.test.ts', KNOWN).requires, { ram: { bytes: 2 * GiB } });
  });

  it('is null without the directive, and ignores it after the first code line', () => {
    assert.equal(parseFileHeader('// @gpu-test tags: gpu\n', 'a.test.ts', KNOWN).requires, null);
    assert.equal(parseFileHeader('test();\n// @gpu-test requires: gpus=2\n', 'a.test.ts', KNOWN).requires, null);
  });

  it('refuses a gpus count that is not a whole number, at file:line:column', () => {
    refused('// @gpu-test requires: gpus=two', 'a.test.ts:1:4: `gpus=two` must be a whole number of GPUs, at least 1, such as `gpus=2`' + EXAMPLE);
    refused('// @gpu-test requires: gpus=1.5', 'a.test.ts:1:4: `gpus=1.5` must be a whole number of GPUs, at least 1, such as `gpus=2`' + EXAMPLE);
    refused('// @gpu-test requires: gpus=-1', 'a.test.ts:1:4: `gpus=-1` must be a whole number of GPUs, at least 1, such as `gpus=2`' + EXAMPLE);
    refused('// @gpu-test requires: gpus', 'a.test.ts:1:4: `gpus` is not one `key=value` pair; for example `// @gpu-test requires: vram=10GiB, ram=25GiB, gpus=2`');
    refused('// @gpu-test requires: gpus=', 'a.test.ts:1:4: `gpus=` must be a whole number of GPUs, at least 1, such as `gpus=2`' + EXAMPLE);
  });

  it('refuses a bad size with the size problem', () => {
    refused('// @gpu-test requires: vram=10GB', 'a.test.ts:1:4: `vram=10GB`: unknown unit `GB` in `10GB`: units are B, KiB, MiB, GiB, TiB; write `10GiB`' + EXAMPLE);
    refused('// @gpu-test requires: ram=lots', 'a.test.ts:1:4: `ram=lots`: `lots` is not a size; write a number and a unit such as `100MiB`' + EXAMPLE);
    refused('// @gpu-test requires: vram=150%', 'a.test.ts:1:4: `vram=150%`: a share must be above 0% and at most 100%, got `150%`' + EXAMPLE);
    refused('// @gpu-test requires: ram=0%', 'a.test.ts:1:4: `ram=0%`: a share must be above 0% and at most 100%, got `0%`' + EXAMPLE);
  });

  it('refuses an unknown requirement, naming the known ones', () => {
    refused('// @gpu-test requires: disk=10GiB', 'a.test.ts:1:4: `disk=10GiB` is not a requirement; use `vram=`, `ram=` and `gpus=`, for example `// @gpu-test requires: vram=10GiB, ram=25GiB, gpus=2`');
  });

  it('points at the directive\'s own line and column', () => {
    assert.throws(
      () => parseFileHeader('// @gpu-test tags: gpu\n   /* @gpu-test requires: vram=x */\n', 'suites/b.test.ts', KNOWN),
      /^GpuTestError: suites\/b\.test\.ts:2:7: `vram=x`: `x` is not a size/,
    );
  });

  it('lists requires among the supported directives', () => {
    assert.throws(() => parseFileHeader('// @gpu-test require: gpus=1\n', 'a.test.ts', KNOWN), /unknown directive `@gpu-test require`; supported: `tags`, `timeout`, `requires`$/);
  });

  it('refuses `gpus=` with no number, and `gpus=0` (the config refuses 0 too)', () => {
    assert.throws(() => requires('// @gpu-test requires: gpus='), { code: 'FILE_HEADER' });
    assert.throws(() => requires('// @gpu-test requires: gpus=0'), { code: 'FILE_HEADER' });
  });
});
