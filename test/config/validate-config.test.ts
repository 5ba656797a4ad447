import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { loadConfigFile } from '../../src/config/load-config.js';
import { SUITE_KEYS, TOP_LEVEL_KEYS, validateConfig, type ValidatedConfig } from '../../src/config/validate-config.js';

const FIXTURES = fileURLToPath(new URL('fixtures/', import.meta.url));

async function validateFixture(name: string): Promise<ValidatedConfig> {
  return validateConfig(await loadConfigFile(name, FIXTURES));
}

// Writes `text` as gpu-test.config.yaml in a fresh directory, for cases too small to deserve a fixture file.
async function validateText(text: string): Promise<ValidatedConfig> {
  const dir = await mkdtemp(join(tmpdir(), 'gpu-test-validate-'));
  try {
    await writeFile(join(dir, 'gpu-test.config.yaml'), text);
    return validateConfig(await loadConfigFile('gpu-test.config.yaml', dir));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** The CONFIG_INVALID message of a rejected validation. */
async function invalidMessage(validation: Promise<ValidatedConfig>): Promise<string> {
  let message = '';
  await assert.rejects(validation, (error: Error & { code?: string }) => {
    assert.equal(error.code, 'CONFIG_INVALID');
    message = error.message;
    return true;
  });
  return message;
}

function includes(message: string, ...parts: string[]): void {
  for (const part of parts) assert.ok(message.includes(part), `${JSON.stringify(part)} not in:\n${message}`);
}

describe('validateConfig: valid files', () => {
  it('reads the documented example, with where each suite starts', async () => {
    const { config, suiteSources } = await validateFixture('example.yaml');
    assert.deepEqual(config, {
      suites: [
        { name: 'unit', files: ['test/**/*.test.ts'] },
        { name: 'vlm', files: ['suites/vlm/**/*.test.{ts,js,mjs}'], tags: ['gpu'] },
        { name: 'flux', files: ['suites/flux/**/*.test.ts'], tags: ['gpu', 'flux'], timeout: 900000 },
      ],
      gates: { flux: 'ENABLE_FLUX_TESTS' },
    });
    assert.deepEqual(suiteSources, [
      { file: 'example.yaml', line: 3, column: 5 },
      { file: 'example.yaml', line: 5, column: 5 },
      { file: 'example.yaml', line: 8, column: 5 },
    ]);
  });

  it('reads every top-level key', async () => {
    const { config } = await validateFixture('every-key.yaml');
    assert.deepEqual(config, {
      suites: [{ name: 'unit', files: ['test/**/*.test.ts', 'test/**/*.test.mjs'], repeat: 3, leakThreshold: { vramBytes: 64 * 1024 ** 2 } }],
      gates: { gpu: 'ENABLE_GPU_TESTS', slow: 'RUN_SLOW_TESTS' },
      gpuTags: ['gpu'],
      tags: ['slow', 'nightly'],
      exclude: ['**/fixtures/**'],
      reportDir: 'out/reports',
      reporters: ['console', 'junit'],
      concurrency: 3,
      gpuConcurrency: 2,
      timeout: 120000,
      repeat: 5,
      leakThreshold: { vramBytes: 200 * 1024 ** 2, ramBytes: 1.5 * 1024 ** 3 },
      leaks: 'warn',
      settleTimeout: 0,
      killOrphans: true,
    });
  });

  it('accepts a file of comments only, and an empty one, as a config that sets nothing', async () => {
    assert.deepEqual(await validateFixture('comments-only.yaml'), { config: {}, suiteSources: [] });
    assert.deepEqual(await validateText(''), { config: {}, suiteSources: [] });
  });

  it('accepts empty gates and gpuTags: nothing gated, no GPU lane', async () => {
    const { config } = await validateText('gates: {}\ngpuTags: []\n');
    assert.deepEqual(config, { gates: {}, gpuTags: [] });
  });

  it('accepts a gate for a tag nothing uses yet', async () => {
    const { config } = await validateText('gates:\n  nightly: RUN_NIGHTLY\n');
    assert.deepEqual(config.gates, { nightly: 'RUN_NIGHTLY' });
  });

  it('follows YAML anchors and aliases', async () => {
    const { config } = await validateText('tags: &t [slow]\nsuites:\n  - name: a\n    files: ["a/*.test.ts"]\n    tags: *t\n');
    assert.deepEqual(config.suites?.[0]?.tags, ['slow']);
  });

  it('knows exactly the keys of UserConfig and UserSuite', () => {
    assert.deepEqual([...TOP_LEVEL_KEYS].sort(), [
      'concurrency', 'exclude', 'gates', 'gpuConcurrency', 'gpuTags', 'killOrphans', 'leakThreshold', 'leaks', 'repeat', 'reportDir', 'reporters',
      'settleTimeout', 'suites', 'tags', 'timeout',
    ]);
    assert.deepEqual([...SUITE_KEYS].sort(), ['files', 'leakThreshold', 'name', 'repeat', 'tags', 'timeout']);
  });
});

describe('validateConfig: problems', () => {
  it('names file:line:column, the key path, what is expected with an example, and the value with its type', async () => {
    const message = await invalidMessage(validateFixture('bad-timeout.yaml'));
    assert.equal(message, 'bad-timeout.yaml:4:14: `suites[0].timeout` must be a positive number of milliseconds such as `900000`, got `"15 min"` (string)');
  });

  it('lists every problem of the file in file order, not just the first', async () => {
    const message = await invalidMessage(validateFixture('many-problems.yaml'));
    const lines = message.split('\n');
    assert.equal(lines[0], 'many-problems.yaml: 12 problems');
    const positions = lines.slice(1).map((line) => /many-problems\.yaml:(\d+):(\d+):/.exec(line)?.slice(1, 3).map(Number) ?? []);
    const order = positions.map(([line = 0, column = 0]) => line * 1000 + column);
    assert.deepEqual(order, [...order].sort((a, b) => a - b));
    includes(
      message,
      'many-problems.yaml:4:5: `suites[0].file` is not a known key; did you mean `files`? suite keys are `name`, `files`, `tags`, `timeout`, `repeat`, `leakThreshold`\n',
      'many-problems.yaml:3:5: `suites[0]` (unit) has no `files`',
      'many-problems.yaml:6:12: `suites[1].files` must be a list of at least one glob such as `["test/**/*.test.ts"]`, got `[]` (list)',
      'many-problems.yaml:7:12: `suites[1].tags[0]` must be a tag name of lowercase letters, digits, `-` and `_` such as `gpu`, got `"GPU"` (string); write it in lowercase: `gpu`',
      'many-problems.yaml:8:5: `suites[2]` has no `name`; give it one such as `name: unit`',
      'many-problems.yaml:9:14: `suites[2].timeout` must be a positive number of milliseconds such as `900000`, got `-5` (number)',
      'many-problems.yaml:11:3: keys of `gates` must be tag names of lowercase letters, digits, `-` and `_` such as `flux`, got `"Flux"` (string)',
      'many-problems.yaml:12:8: `gates.gpu` must be an environment variable name of uppercase letters, digits and `_` such as `ENABLE_FLUX_TESTS`, got `"enable-gpu"` (string); write it as `ENABLE_GPU`',
      'many-problems.yaml:13:1: `reporter` is not a known key; did you mean `reporters`?',
      'many-problems.yaml:14:14: `concurrency` must be a positive whole number such as `4`, got `0` (number)',
      'many-problems.yaml:15:17: `gpuConcurrency` must be a positive whole number such as `2`, got `"2"` (string)',
      'many-problems.yaml:16:10: `timeout` must be at most 2147483647 milliseconds',
      'got `1500000000000` (number)',
    );
  });

  it('reports wrong types with the type that was written', async () => {
    const message = await invalidMessage(validateFixture('wrong-types.yaml'));
    includes(
      message,
      'wrong-types.yaml: 7 problems',
      'wrong-types.yaml:1:9: `suites` must be a list of suites such as `[{ name: unit, files: ["test/**/*.test.ts"] }]`, got `"unit"` (string)',
      'wrong-types.yaml:2:8: `gates` must be a mapping of tag to environment variable such as `{ flux: ENABLE_FLUX_TESTS }`, got `["flux"]` (list)',
      'wrong-types.yaml:3:10: `gpuTags` must be a list of tag names such as `[gpu, flux]`, got `"gpu"` (string)',
      'wrong-types.yaml:4:7: `tags` must be a list of tag names such as `[gpu, flux]`, got `{"slow":true}` (mapping)',
      'wrong-types.yaml:5:10: `exclude` must be a list of globs such as `["**/fixtures/**"]`, got `"**/fixtures/**"` (string)',
      'wrong-types.yaml:6:12: `reportDir` must be a non-empty string such as `reports`, got `""` (string)',
      'wrong-types.yaml:7:13: `reporters[0]` must be one of `console`, `markdown`, `junit`, `json`, got `"junti"` (string); did you mean `junit`?',
    );
  });

  it('rejects empty suites and reporters lists', async () => {
    const message = await invalidMessage(validateFixture('empty-lists.yaml'));
    includes(
      message,
      'empty-lists.yaml:1:9: `suites` must be a list of at least one suite',
      'got `[]` (list)',
      'empty-lists.yaml:2:12: `reporters` must be a list of at least one reporter name such as `[console, junit]`, got `[]` (list)',
    );
  });

  it('rejects duplicate suite names, pointing at both', async () => {
    const message = await invalidMessage(validateFixture('duplicate-suites.yaml'));
    assert.equal(
      message,
      'duplicate-suites.yaml:4:11: `suites[1].name` must be unique, got `"unit"` (string), already the name of `suites[0]` at duplicate-suites.yaml:2:5; rename one of them',
    );
  });

  it('rejects a top level that is not a mapping', async () => {
    const message = await invalidMessage(validateFixture('not-a-mapping.yaml'));
    includes(message, 'not-a-mapping.yaml:1:1: the config must be a mapping of keys such as `suites:` and `gates:`', '(list)');
  });

  it('suggests the closest key for misspelt top-level and suite keys', async () => {
    const message = await invalidMessage(validateText('gpu_tags: [gpu]\nreportdir: out\nsuites:\n  - name: a\n    files: ["*.test.ts"]\n    timout: 5\n'));
    includes(
      message,
      'gpu-test.config.yaml:1:1: `gpu_tags` is not a known key; did you mean `gpuTags`?',
      'gpu-test.config.yaml:2:1: `reportdir` is not a known key; did you mean `reportDir`?',
      'gpu-test.config.yaml:6:5: `suites[0].timout` is not a known key; did you mean `timeout`?',
    );
  });

  it('lists the known keys when nothing is close', async () => {
    const message = await invalidMessage(validateText('banana: 1\n'));
    assert.equal(message, 'gpu-test.config.yaml:1:1: `banana` is not a known key; top-level keys are `suites`, `gates`, `gpuTags`, `tags`, `exclude`, `reportDir`, `reporters`, `concurrency`, `gpuConcurrency`, `timeout`, `repeat`, `leakThreshold`, `leaks`, `settleTimeout`, `killOrphans`');
  });

  it('rejects a key that is not a name', async () => {
    const message = await invalidMessage(validateText('1: x\n'));
    includes(message, 'gpu-test.config.yaml:1:1: keys at the top level must be names such as `suites`, got `1` (number)');
  });

  it('rejects a suite that is not a mapping, and a suite key left without a value', async () => {
    const message = await invalidMessage(validateText('suites:\n  - unit\n  - name:\n    files: ["*.test.ts"]\n'));
    includes(
      message,
      'gpu-test.config.yaml:2:5: `suites[0]` must be a mapping with `name` and `files`',
      'got `"unit"` (string)',
      'gpu-test.config.yaml:3:10: `suites[1].name` must be a non-empty string such as `unit`, got `null` (null)',
    );
  });

  it('rejects a gate without a variable, and bad tags in gpuTags and tags', async () => {
    const message = await invalidMessage(validateText('gates:\n  flux:\ngpuTags: [Gpu]\ntags: ["-x", "a b"]\n'));
    includes(
      message,
      '`gates.flux` must be an environment variable name',
      'got `null` (null)',
      'gpu-test.config.yaml:3:11: `gpuTags[0]` must be a tag name',
      'got `"Gpu"` (string); write it in lowercase: `gpu`',
      'gpu-test.config.yaml:4:8: `tags[0]` must be a tag name',
      'got `"-x"` (string)',
      'gpu-test.config.yaml:4:14: `tags[1]` must be a tag name',
      'got `"a b"` (string)',
    );
  });

  it('rejects non-positive and fractional counts, and non-positive timeouts', async () => {
    const message = await invalidMessage(validateText('concurrency: -1\ngpuConcurrency: 1.5\ntimeout: 0\n'));
    includes(
      message,
      '`concurrency` must be a positive whole number such as `4`, got `-1` (number)',
      '`gpuConcurrency` must be a positive whole number such as `2`, got `1.5` (number)',
      'gpu-test.config.yaml:3:10: `timeout` must be a positive number of milliseconds such as `900000`, got `0` (number)',
    );
  });
});

describe('validateConfig: repeat, leak and orphan keys', () => {
  it('reads sizes as bytes, with or without a unit, and a leak threshold of one resource only', async () => {
    const { config } = await validateText('leakThreshold: { ram: 1048576 }\nsuites:\n  - name: a\n    files: ["*.test.ts"]\n    leakThreshold: { vram: 2 GiB, ram: 512KiB }\n');
    assert.deepEqual(config.leakThreshold, { ramBytes: 1024 * 1024 });
    assert.deepEqual(config.suites?.[0]?.leakThreshold, { vramBytes: 2 * 1024 ** 3, ramBytes: 512 * 1024 });
  });

  it('accepts settleTimeout 0 (no wait) and killOrphans false', async () => {
    const { config } = await validateText('settleTimeout: 0\nkillOrphans: false\nleaks: fail\nrepeat: 1\n');
    assert.deepEqual(config, { settleTimeout: 0, killOrphans: false, leaks: 'fail', repeat: 1 });
  });

  it('rejects a bad value of every new top-level and suite key, each at its file:line:column', async () => {
    const message = await invalidMessage(validateText([
      'repeat: 0',
      'leakThreshold: { vram: 100MB, gpu: 1GiB }',
      'leaks: warm',
      'settleTimeout: -1',
      'killOrphans: yes',
      'suites:',
      '  - name: a',
      '    files: ["*.test.ts"]',
      '    repeat: 2.5',
      '    leakThreshold: 100MiB',
      '  - name: b',
      '    files: ["*.test.ts"]',
      '    leakThreshold:',
      '      ram: -1',
      '      vram: true',
      '',
    ].join('\n')));
    assert.equal(message.split('\n')[0], 'gpu-test.config.yaml: 10 problems');
    includes(
      message,
      'gpu-test.config.yaml:1:9: `repeat` must be a positive whole number such as `10`, got `0` (number)',
      'gpu-test.config.yaml:2:24: `leakThreshold.vram` must be a size such as `100MiB` (units B, KiB, MiB, GiB, TiB), got `"100MB"` (string): '
        + 'unknown unit `MB` in `100MB`: units are B, KiB, MiB, GiB, TiB; write `100MiB`',
      'gpu-test.config.yaml:2:31: `leakThreshold.gpu` is not a known key;',
      'leakThreshold keys are `vram`, `ram`',
      'gpu-test.config.yaml:3:8: `leaks` must be one of `fail`, `warn`, got `"warm"` (string); did you mean `warn`?',
      'gpu-test.config.yaml:4:16: `settleTimeout` must be a number of milliseconds >= 0 such as `1000` (0 turns it off), got `-1` (number)',
      // YAML 1.2: an unquoted `yes` is a string, not a boolean.
      'gpu-test.config.yaml:5:14: `killOrphans` must be `true` or `false`, got `"yes"` (string)',
      'gpu-test.config.yaml:9:13: `suites[0].repeat` must be a positive whole number such as `10`, got `2.5` (number)',
      'gpu-test.config.yaml:10:20: `suites[0].leakThreshold` must be a mapping of sizes such as `{ vram: 100MiB, ram: 200MiB }`, got `"100MiB"` (string)',
      'gpu-test.config.yaml:14:12: `suites[1].leakThreshold.ram` must be a size such as `100MiB` (units B, KiB, MiB, GiB, TiB), got `-1` (number): '
        + 'a size must be a number of bytes >= 0',
      'gpu-test.config.yaml:15:13: `suites[1].leakThreshold.vram` must be a size such as `100MiB` (units B, KiB, MiB, GiB, TiB), got `true` (boolean)',
    );
  });

  it('rejects wrong types and a settleTimeout too long for a Node.js timer', async () => {
    const message = await invalidMessage(validateText('settleTimeout: 3000000000\nleaks: [fail]\nkillOrphans: 1\nleakThreshold: [1]\nrepeat: "3"\n'));
    includes(
      message,
      'gpu-test.config.yaml: 5 problems',
      'gpu-test.config.yaml:1:16: `settleTimeout` must be a number of milliseconds >= 0 such as `1000` (0 turns it off), got `3000000000` (number)',
      'gpu-test.config.yaml:2:8: `leaks` must be one of `fail`, `warn`, got `["fail"]` (list)',
      'gpu-test.config.yaml:3:14: `killOrphans` must be `true` or `false`, got `1` (number)',
      'gpu-test.config.yaml:4:16: `leakThreshold` must be a mapping of sizes such as `{ vram: 100MiB, ram: 200MiB }`, got `[1]` (list)',
      'gpu-test.config.yaml:5:9: `repeat` must be a positive whole number such as `10`, got `"3"` (string)',
    );
  });
});
