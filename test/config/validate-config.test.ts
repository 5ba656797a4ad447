// validateConfig: every top-level and suite key read into UserConfig (the documented example and a file with every key),
// and every problem reported at once with file:line:column, the key path, what is expected and what was written:
// the original keys, repeat/leak/orphan keys, and requires, hooks, budgets, admission, guard, retryAlone, balancePercent.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SUITE_KEYS, TOP_LEVEL_KEYS } from '../../src/config/validate-config.js';
import { includes, invalidMessage, validateFixture, validateText } from '../helpers/validate-config-text.js';

describe('validateConfig: valid files', () => {
  it('reads the documented example, with where each suite starts', async () => {
    const { config, suiteSources, filesSources } = await validateFixture('example.yaml');
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
    // Where each `files` key is: the message for a suite whose files match nothing points there.
    assert.deepEqual(filesSources, [
      { file: 'example.yaml', line: 4, column: 5 },
      { file: 'example.yaml', line: 6, column: 5 },
      { file: 'example.yaml', line: 9, column: 5 },
    ]);
  });

  it('reads every top-level key', async () => {
    const { config } = await validateFixture('every-key.yaml');
    assert.deepEqual(config, {
      suites: [{
        name: 'unit',
        files: ['test/**/*.test.ts', 'test/**/*.test.mjs'],
        repeat: 3,
        leakThreshold: { vramBytes: 64 * 1024 ** 2, metrics: { kv_blocks_in_use: 2 } },
        leakRepeatMax: 60,
        requires: { vram: { bytes: 10 * 1024 ** 3 }, ram: { percent: 25 }, gpus: 2 },
        hooks: {
          before: [{ run: './unload-models.sh', timeoutMs: 60_000 }],
          healthcheck: { http: { url: 'http://localhost:8000/health', method: 'GET', status: 200 }, timeoutMs: 60_000, waitMs: 120_000, intervalMs: 1000 },
          after: [{ http: { url: 'http://localhost:8000/reload', method: 'POST', status: 204 }, timeoutMs: 30_000 }],
        },
        budgets: {
          peakVram: { bytes: 6 * 1024 ** 3 }, peakRam: { percent: 50 }, swap: { bytes: 0 }, leak: { bytes: 100 * 1024 ** 2 },
          gpuUtilMin: 40, tempMax: 85, powerMax: 700, metrics: { tokens_per_s: { op: '>=', value: 40 } },
        },
      }],
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
      leakThreshold: { vramBytes: 200 * 1024 ** 2, ramBytes: 1.5 * 1024 ** 3, metrics: { torch_allocated_bytes: 8 * 1024 ** 2 } },
      leakRepeatMax: 30,
      leaks: 'warn',
      settleTimeout: 0,
      killOrphans: true,
      admission: { vramHeadroom: { percent: 5 }, ramReserve: { bytes: 8 * 1024 ** 3 } },
      guard: { ramPercent: 90, swapPercent: 25, vramPercent: 99.5, horizonMs: 0 },
      retryAlone: false,
      balancePercent: 15,
    });
  });

  it('accepts a file of comments only, and an empty one, as a config that sets nothing', async () => {
    assert.deepEqual(await validateFixture('comments-only.yaml'), { config: {}, suiteSources: [], filesSources: [] });
    assert.deepEqual(await validateText(''), { config: {}, suiteSources: [], filesSources: [] });
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
      'admission', 'balancePercent', 'compare', 'concurrency', 'exclude', 'failOnFlaky', 'gates', 'gpuConcurrency', 'gpuTags', 'guard', 'killGrace', 'killOrphans',
      'leakRepeatMax', 'leakThreshold', 'leaks', 'rawSamples', 'repeat', 'reportDir', 'reporters', 'retries', 'retryAlone', 'retryOn', 'settleTimeout', 'shard', 'suites', 'tags', 'timeout',
    ]);
    assert.deepEqual([...SUITE_KEYS].sort(), ['allowEmpty', 'budgets', 'compare', 'files', 'hooks', 'leakRepeatMax', 'leakThreshold', 'name', 'repeat', 'requires', 'retries', 'retryOn', 'tags', 'timeout']);
  });

  it('reads a suite\'s allowEmpty', async () => {
    const { config } = await validateText('suites:\n  - name: a\n    files: ["a/*.test.ts"]\n    allowEmpty: true\n  - name: b\n    files: ["b/*.test.ts"]\n    allowEmpty: false\n');
    assert.deepEqual(config.suites?.map((suite) => suite.allowEmpty), [true, false]);
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
      'many-problems.yaml:4:5: `suites[0].file` is not a known key; did you mean `files`? suite keys are `name`, `files`, `allowEmpty`, `tags`, `timeout`, `repeat`, `leakThreshold`, `leakRepeatMax`, `requires`, `hooks`, `budgets`, `retries`, `retryOn`, `compare`\n',
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
      'many-problems.yaml:16:10: `timeout` must be a positive number of milliseconds such as `900000`, got `1500000000000` (number); '
        + 'at most 2147483647 ms (about 24 days): the longest timer Node.js supports',
    );
  });

  it('reports wrong types with the type that was written', async () => {
    const message = await invalidMessage(validateFixture('wrong-types.yaml'));
    includes(
      message,
      'wrong-types.yaml: 7 problems',
      'wrong-types.yaml:1:9: `suites` must be a list of at least one suite such as `[{ name: unit, files: ["test/**/*.test.ts"] }]`, got `"unit"` (string)',
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

  it('refuses an allowEmpty that is not a boolean, and suggests it for a misspelling', async () => {
    const message = await invalidMessage(validateText('suites:\n  - name: a\n    files: ["a/*.test.ts"]\n    allowEmpty: "yes"\n  - name: b\n    files: ["b/*.test.ts"]\n    allow_empty: true\n'));
    assert.deepEqual(message.split('\n'), [
      'gpu-test.config.yaml: 2 problems',
      '  gpu-test.config.yaml:4:17: `suites[0].allowEmpty` must be `true` or `false`, got `"yes"` (string)',
      '  gpu-test.config.yaml:7:5: `suites[1].allow_empty` is not a known key; did you mean `allowEmpty`? suite keys are `name`, `files`, `allowEmpty`, `tags`, `timeout`, `repeat`, `leakThreshold`, `leakRepeatMax`, `requires`, `hooks`, `budgets`, `retries`, `retryOn`, `compare`',
    ]);
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
    assert.equal(message, 'gpu-test.config.yaml:1:1: `banana` is not a known key; top-level keys are `suites`, `gates`, `gpuTags`, `tags`, `exclude`, `reportDir`, `reporters`, `concurrency`, `gpuConcurrency`, `timeout`, `repeat`, `leakThreshold`, `leakRepeatMax`, `leaks`, `settleTimeout`, `killOrphans`, `rawSamples`, `killGrace`, `admission`, `guard`, `retryAlone`, `balancePercent`, `shard`, `retries`, `retryOn`, `failOnFlaky`, `compare`');
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
      'leakThreshold keys are `vram`, `ram`, `metrics`',
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

describe('validateConfig: requires, admission, guard, retryAlone and balancePercent', () => {
  const GiB = 1024 ** 3;
  const suite = (lines: string): string => `suites:\n  - name: a\n    files: ["*.test.ts"]\n${lines}`;

  it('reads a suite\'s requires: sizes, shares and a GPU count', async () => {
    const { config } = await validateText(suite('    requires: { vram: 10GiB, ram: 40%, gpus: 2 }\n'));
    assert.deepEqual(config.suites?.[0]?.requires, { vram: { bytes: 10 * GiB }, ram: { percent: 40 }, gpus: 2 });
  });

  it('rejects each bad requires value at its position', async () => {
    const message = await invalidMessage(validateText([
      'suites:',
      '  - name: a',
      '    files: ["*.test.ts"]',
      '    requires: { vram: 10GB, ram: 150%, gpus: 0, disk: 1GiB }',
      '  - name: b',
      '    files: ["*.test.ts"]',
      '    requires: 4GiB',
      '  - name: c',
      '    files: ["*.test.ts"]',
      '    requires: { gpus: 1.5, vram: -1 }',
      '',
    ].join('\n')));
    assert.equal(message.split('\n')[0], 'gpu-test.config.yaml: 7 problems');
    const SIZE = 'must be a size such as `100MiB` or a share such as `40%`';
    includes(
      message,
      `gpu-test.config.yaml:4:23: \`suites[0].requires.vram\` ${SIZE}, got \`"10GB"\` (string): unknown unit \`GB\` in \`10GB\`: units are B, KiB, MiB, GiB, TiB; write \`10GiB\``,
      `gpu-test.config.yaml:4:34: \`suites[0].requires.ram\` ${SIZE}, got \`"150%"\` (string): a share must be above 0% and at most 100%, got \`150%\``,
      'gpu-test.config.yaml:4:46: `suites[0].requires.gpus` must be a positive whole number such as `2`, got `0` (number)',
      'gpu-test.config.yaml:4:49: `suites[0].requires.disk` is not a known key; requires keys are `vram`, `ram`, `gpus`',
      'gpu-test.config.yaml:7:15: `suites[1].requires` must be a mapping such as `{ vram: 10GiB, ram: 25GiB, gpus: 1 }`, got `"4GiB"` (string)',
      'gpu-test.config.yaml:10:23: `suites[2].requires.gpus` must be a positive whole number such as `2`, got `1.5` (number)',
      `gpu-test.config.yaml:10:34: \`suites[2].requires.vram\` ${SIZE}, got \`-1\` (number): a size must be a number of bytes >= 0`,
    );
  });

  it('reads admission, guard false, retryAlone and a bare or percent balancePercent', async () => {
    const { config } = await validateText('admission: { ramReserve: 10% }\nguard: false\nretryAlone: false\nbalancePercent: 12.5\n');
    assert.deepEqual(config, { admission: { ramReserve: { percent: 10 } }, guard: false, retryAlone: false, balancePercent: 12.5 });
    assert.equal((await validateText('balancePercent: 20%\n')).config.balancePercent, 20);
  });

  it('reads a partial guard mapping, shares as `90%` or `90`', async () => {
    const { config } = await validateText('guard: { ram: 90, vram: 99.5% }\n');
    assert.deepEqual(config.guard, { ramPercent: 90, vramPercent: 99.5 });
  });

  it('rejects each bad admission, guard, retryAlone and balancePercent value at its position', async () => {
    const message = await invalidMessage(validateText([
      'admission: { vramHeadroom: 1GB, ramReserve: 101%, swap: 1GiB }',
      'guard: { ram: 120%, swap: half, vram: 0, horizon: -1, cpu: 5 }',
      'retryAlone: "no"',
      'balancePercent: 0',
      '',
    ].join('\n')));
    assert.equal(message.split('\n')[0], 'gpu-test.config.yaml: 10 problems');
    includes(
      message,
      'gpu-test.config.yaml:1:28: `admission.vramHeadroom` must be a size such as `100MiB` or a share such as `40%`, got `"1GB"` (string): unknown unit `GB`',
      'gpu-test.config.yaml:1:45: `admission.ramReserve` must be a size such as `100MiB` or a share such as `40%`, got `"101%"` (string): a share must be above 0% and at most 100%, got `101%`',
      'gpu-test.config.yaml:1:51: `admission.swap` is not a known key; admission keys are `vramHeadroom`, `ramReserve`',
      'gpu-test.config.yaml:2:15: `guard.ram` must be a share above 0% and at most 100% such as `95%`, got `"120%"` (string)',
      'gpu-test.config.yaml:2:27: `guard.swap` must be a share above 0% and at most 100% such as `50%`, got `"half"` (string)',
      'gpu-test.config.yaml:2:39: `guard.vram` must be a share above 0% and at most 100% such as `98%`, got `0` (number)',
      'gpu-test.config.yaml:2:51: `guard.horizon` must be a number of milliseconds >= 0 such as `10000` (0 turns it off), got `-1` (number)',
      'gpu-test.config.yaml:2:55: `guard.cpu` is not a known key; guard keys are `ram`, `swap`, `vram`, `horizon`',
      'gpu-test.config.yaml:3:13: `retryAlone` must be `true` or `false`, got `"no"` (string)',
      'gpu-test.config.yaml:4:17: `balancePercent` must be a share above 0% and at most 100% such as `10%`, got `0` (number)',
    );
  });

  it('rejects a guard that is neither false nor a mapping, an admission that is not a mapping, and a share over 100%', async () => {
    const message = await invalidMessage(validateText('guard: on\nadmission: 1GiB\nbalancePercent: 150%\n'));
    assert.equal(message, [
      'gpu-test.config.yaml: 3 problems',
      '  gpu-test.config.yaml:1:8: `guard` must be `true`, `false` or a mapping such as `{ ram: 95%, swap: 50%, vram: 98%, horizon: 10000 }`, got `"on"` (string)',
      '  gpu-test.config.yaml:2:12: `admission` must be a mapping such as `{ vramHeadroom: 1GiB, ramReserve: 4GiB }`, got `"1GiB"` (string)',
      '  gpu-test.config.yaml:3:17: `balancePercent` must be a share above 0% and at most 100% such as `10%`, got `"150%"` (string)',
    ].join('\n'));
  });
});

describe('validateConfig: hooks', () => {
  const STEP = 'must be a step with exactly one of `run` and `http`, such as `{ run: ./unload-models.sh }` or `{ http: { url: "http://localhost:8000/unload", method: POST } }`';

  it('reads run and http steps with their defaults, and a healthcheck with its wait and interval', async () => {
    const { config } = await validateText([
      'suites:',
      '  - name: a',
      '    files: ["*.test.ts"]',
      '    hooks:',
      '      before:',
      '        - run: ./unload.sh',
      '        - http: { url: "http://localhost:8000/unload", method: post, status: 204 }',
      '          timeout: 5000',
      '      healthcheck: { http: { url: "https://svc:8443/ready", method: head }, timeout: 2000, wait: 60000, interval: 250 }',
      '      after: []',
      '',
    ].join('\n'));
    assert.deepEqual(config.suites?.[0]?.hooks, {
      before: [
        { run: './unload.sh', timeoutMs: 60_000 },
        { http: { url: 'http://localhost:8000/unload', method: 'POST', status: 204 }, timeoutMs: 5000 },
      ],
      healthcheck: { http: { url: 'https://svc:8443/ready', method: 'HEAD', status: 200 }, timeoutMs: 2000, waitMs: 60_000, intervalMs: 250 },
      after: [],
    });
  });

  it('gives a healthcheck a 120 s wait and a 1 s interval by default', async () => {
    const { config } = await validateText('suites:\n  - name: a\n    files: ["*.test.ts"]\n    hooks: { healthcheck: { run: "curl -fsS localhost:8000/health" } }\n');
    assert.deepEqual(config.suites?.[0]?.hooks?.healthcheck, { run: 'curl -fsS localhost:8000/health', timeoutMs: 60_000, waitMs: 120_000, intervalMs: 1000 });
  });

  it('rejects each bad step, http field and healthcheck value at its position', async () => {
    const message = await invalidMessage(validateText([
      'suites:',
      '  - name: a',
      '    files: ["*.test.ts"]',
      '    hooks:',
      '      before:',
      '        - run: ./unload.sh',
      '          http: { url: "http://localhost:8000/unload" }',
      '        - { timeout: 5000 }',
      '        - http: { url: "ftp://host/x", method: FETCH, status: 99 }',
      '        - http: { method: POST }',
      '        - run: ""',
      '          timeout: 0',
      '        - just-a-string',
      '        - { run: ./x.sh, wait: 5 }',
      '      healthcheck: { run: "curl -fsS localhost:8000/health", wait: -1, interval: soon }',
      '      after: { run: ./reload.sh }',
      '      during: []',
      '  - name: b',
      '    files: ["*.test.ts"]',
      '    hooks: [before]',
      '  - name: c',
      '    files: ["*.test.ts"]',
      '    hooks: { healthcheck: { wait: 1000 } }',
      '',
    ].join('\n')));
    assert.equal(message.split('\n')[0], 'gpu-test.config.yaml: 16 problems');
    includes(
      message,
      `gpu-test.config.yaml:6:11: \`suites[0].hooks.before[0]\` ${STEP}, got \`{"run":"./unload.sh","http"`,
      `gpu-test.config.yaml:8:11: \`suites[0].hooks.before[1]\` ${STEP}, got \`{"timeout":5000}\` (mapping)`,
      'gpu-test.config.yaml:9:24: `suites[0].hooks.before[2].http.url` must be an http:// or https:// URL such as `http://localhost:8000/health`, got `"ftp://host/x"` (string)',
      'gpu-test.config.yaml:9:48: `suites[0].hooks.before[2].http.method` must be one of GET, POST, PUT, PATCH, DELETE, HEAD, got `"FETCH"` (string)',
      'gpu-test.config.yaml:9:63: `suites[0].hooks.before[2].http.status` must be an HTTP status code such as `200`, got `99` (number)',
      'gpu-test.config.yaml:10:17: `suites[0].hooks.before[3].http` has no `url`; give it one such as `url: "http://localhost:8000/health"`',
      'gpu-test.config.yaml:11:16: `suites[0].hooks.before[4].run` must be a non-empty string such as `./unload-models.sh`, got `""` (string)',
      'gpu-test.config.yaml:12:20: `suites[0].hooks.before[4].timeout` must be a positive number of milliseconds such as `900000`, got `0` (number)',
      `gpu-test.config.yaml:13:11: \`suites[0].hooks.before[5]\` ${STEP}, got \`"just-a-string"\` (string)`,
      'gpu-test.config.yaml:14:26: `suites[0].hooks.before[6].wait` is not a known key; hook step keys are `run`, `http`, `timeout`',
      'gpu-test.config.yaml:15:68: `suites[0].hooks.healthcheck.wait` must be a positive number of milliseconds such as `900000`, got `-1` (number)',
      'gpu-test.config.yaml:15:82: `suites[0].hooks.healthcheck.interval` must be a positive number of milliseconds such as `900000`, got `"soon"` (string)',
      'gpu-test.config.yaml:16:14: `suites[0].hooks.after` must be a list of steps such as `[{ run: ./unload-models.sh }]`, got `{"run":"./reload.sh"}` (mapping)',
      'gpu-test.config.yaml:17:7: `suites[0].hooks.during` is not a known key; hooks keys are `before`, `healthcheck`, `after`',
      'gpu-test.config.yaml:20:12: `suites[1].hooks` must be a mapping with `before`, `healthcheck` and `after` steps, got `["before"]` (list)',
      `gpu-test.config.yaml:23:27: \`suites[2].hooks.healthcheck\` ${STEP}, got \`{"wait":1000}\` (mapping)`,
    );
  });
});

describe('validateConfig: budgets', () => {
  it('reads sizes, shares, numbers and metric bounds of every operator', async () => {
    const { config } = await validateText([
      'suites:',
      '  - name: a',
      '    files: ["*.test.ts"]',
      '    budgets:',
      '      peakVram: 6GiB',
      '      peakRam: 50%',
      '      swap: 0',
      '      gpuUtilMin: 40',
      '      metrics: { tokens_per_s: ">= 40", latency_p99_ms: "< 2000", loss: "<= 1e-3", acc: "==0.9", drift: "> -5" }',
      '',
    ].join('\n'));
    assert.deepEqual(config.suites?.[0]?.budgets, {
      peakVram: { bytes: 6 * 1024 ** 3 },
      peakRam: { percent: 50 },
      swap: { bytes: 0 },
      gpuUtilMin: 40,
      metrics: {
        tokens_per_s: { op: '>=', value: 40 },
        latency_p99_ms: { op: '<', value: 2000 },
        loss: { op: '<=', value: 0.001 },
        acc: { op: '==', value: 0.9 },
        drift: { op: '>', value: -5 },
      },
    });
  });

  it('rejects each bad budget and metric bound at its position', async () => {
    const message = await invalidMessage(validateText([
      'suites:',
      '  - name: a',
      '    files: ["*.test.ts"]',
      '    budgets:',
      '      peakVram: 6GB',
      '      swap: none',
      '      gpuUtilMin: 140',
      '      tempMax: -5',
      '      powerMax: "700W"',
      '      cpu: 3',
      '      metrics:',
      '        tokens_per_s: ">= 40"',
      '        latency_p99_ms: "about 2000"',
      '        errors: 0',
      '  - name: b',
      '    files: ["*.test.ts"]',
      '    budgets: { metrics: [tokens_per_s] }',
      '  - name: c',
      '    files: ["*.test.ts"]',
      '    budgets: 6GiB',
      '',
    ].join('\n')));
    assert.equal(message.split('\n')[0], 'gpu-test.config.yaml: 10 problems');
    const BOUND = 'must be a bound such as `">= 40"` or `"< 2000"` (quoted: YAML reads `>` as a block)';
    includes(
      message,
      'gpu-test.config.yaml:5:17: `suites[0].budgets.peakVram` must be a size such as `100MiB` or a share such as `40%`, got `"6GB"` (string): unknown unit `GB` in `6GB`',
      'gpu-test.config.yaml:6:13: `suites[0].budgets.swap` must be a size such as `100MiB` or a share such as `40%`, got `"none"` (string): `none` is not a size',
      'gpu-test.config.yaml:7:19: `suites[0].budgets.gpuUtilMin` must be a number from 0 to 100 such as `40`, got `140` (number)',
      'gpu-test.config.yaml:8:16: `suites[0].budgets.tempMax` must be a number >= 0 such as `85`, got `-5` (number)',
      'gpu-test.config.yaml:9:17: `suites[0].budgets.powerMax` must be a number >= 0 such as `700`, got `"700W"` (string)',
      'gpu-test.config.yaml:10:7: `suites[0].budgets.cpu` is not a known key; budgets keys are `peakVram`, `peakRam`, `swap`, `leak`, `gpuUtilMin`, `tempMax`, `powerMax`, `metrics`',
      `gpu-test.config.yaml:13:25: \`suites[0].budgets.metrics.latency_p99_ms\` ${BOUND}, got \`"about 2000"\` (string)`,
      `gpu-test.config.yaml:14:17: \`suites[0].budgets.metrics.errors\` ${BOUND}, got \`0\` (number)`,
      'gpu-test.config.yaml:17:25: `suites[1].budgets.metrics` must be a mapping of metric name to bound such as `{ tokens_per_s: ">= 40" }`, got `["tokens_per_s"]` (list)',
      'gpu-test.config.yaml:20:14: `suites[2].budgets` must be a mapping such as `{ peakVram: 6GiB, tempMax: 85 }`, got `"6GiB"` (string)',
    );
  });
});
