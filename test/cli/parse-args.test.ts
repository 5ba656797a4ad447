// parseCliArgs: every command and option into CliOptions (the scheduling flags --gpus, --durations, --guard and
// --no-retry-alone included), --help text, and a USAGE error naming the flag and the fix for each bad value.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseCliArgs, USAGE } from '../../src/cli/parse-args.js';
import { commandHelp } from '../../src/cli/help.js';

/** The usage error parseCliArgs throws for `argv`; fails the test when it accepts them. */
function message(argv: string[]): string {
  try {
    parseCliArgs(argv);
  } catch (error) {
    return (error as Error).message;
  }
  return assert.fail(`accepted ${argv.join(' ')}`);
}

describe('parseCliArgs', () => {
  it('parses run with paths and every option', () => {
    const parsed = parseCliArgs(['run', 'suites/vlm', '--report-dir', 'out', '--reporter', 'junit,json', '--concurrency', '3',
      '--gpu-concurrency', '2', '--enable', 'flux', '--enable', 'gpu', '--tags', 'gpu', '--skip-tags', 'slow', '--test-name-pattern', 'caption',
      '--timeout', '1000', '--require-gpu', '--only', '--shard', '2/3', '--gpu-backend', 'nvml', '--sample-interval', '20', '--repeat', '5', '--leaks', 'warn', '--settle-timeout', '250', '--kill-orphans', '--kill-grace', '0', '--raw-samples',
      '--gpus', '0,2', '--gpus', 'GPU-5f2a', '--durations', 'reports/results.json', '--guard', 'off', '--no-retry-alone', '--no-color']);
    assert.equal(parsed.command, 'run');
    assert.equal(parsed.color, false);
    assert.deepEqual(parsed.options, {
      config: undefined, reportDir: 'out', reporters: ['junit', 'json'], concurrency: 3, gpuConcurrency: 2, enable: ['flux', 'gpu'],
      tags: ['gpu'], skipTags: ['slow'], testNamePatterns: ['caption'], timeout: 1000, requireGpu: true, only: true, paths: ['suites/vlm'], shard: { index: 2, total: 3 },
      gpuBackend: 'nvml', sampleIntervalMs: 20, repeat: 5, leaks: 'warn', settleTimeoutMs: 250, killOrphans: true, killGraceMs: 0, rawSamples: true,
      gpus: ['0', '2', 'GPU-5f2a'], durations: ['reports/results.json'], guard: false, retryAlone: false,
      shardStrategy: undefined, retries: undefined, failOnFlaky: undefined, baseline: undefined, failOnRegression: undefined,
      testTimeoutMs: undefined, bail: undefined,
    });
  });

  it('shows help without a command, and for --help', () => {
    assert.equal(parseCliArgs([]).command, 'help');
    assert.equal(parseCliArgs(['run', '--help']).command, 'help');
    assert.equal(parseCliArgs(['-v']).command, 'version');
  });

  it('rejects bad input with the flag and the fix', () => {
    const usage = (argv: string[], pattern: RegExp): void => {
      assert.throws(() => parseCliArgs(argv), (error: Error & { code?: string }) => {
        assert.equal(error.code, 'USAGE');
        assert.match(error.message, pattern);
        return true;
      });
    };
    usage(['run', '--concurrency', '0'], /--concurrency must be a positive whole number, got `0`; for example --concurrency 4/);
    usage(['run', '--reporter', 'html'], /unknown reporter `html`; choose from console, markdown, junit, json/);
    usage(['run', '--shard', '4/3'], /--shard must be INDEX\/TOTAL with 1 <= INDEX <= TOTAL, such as --shard 2\/3, or `auto`, got `4\/3`/);
    usage(['run', '--shard', 'half'], /--shard must be INDEX\/TOTAL/);
    usage(['run', '--gpu-backend', 'cuda'], /--gpu-backend: unknown backend `cuda`; choose from auto, nvml, nvidia-smi, none/);
    usage(['run', '--sample-interval', '0.5'], /--sample-interval must be a positive whole number, got `0.5`; for example --sample-interval 50/);
    usage(['test'], /unknown command `test`; the commands are `gpu-test run`, `gpu-test list`, `gpu-test merge`, `gpu-test compare`, `gpu-test trend`/);
    usage(['run', '--gpus-concurrency', '2'], /^unknown option `--gpus-concurrency`; did you mean `--gpu-concurrency`\? see `gpu-test run --help` for the options$/);
  });

  it('documents the leak flags in --help', () => {
    const help = commandHelp('run');
    for (const flag of ['--repeat N', '--leaks MODE', '--settle-timeout MS', '--kill-orphans']) assert.ok(help.includes(`  ${flag} `), `${flag} in:\n${help}`);
  });

  it('leaves the leak flags unset without them, and reads --settle-timeout 0 as no wait', () => {
    const plain = parseCliArgs(['run']).options;
    assert.deepEqual([plain.repeat, plain.leaks, plain.settleTimeoutMs, plain.killOrphans], [undefined, undefined, undefined, undefined]);
    assert.equal(parseCliArgs(['run', '--settle-timeout', '0']).options.settleTimeoutMs, 0);
  });

  it('reads --leaks and names the modes for an unknown one', () => {
    assert.equal(parseCliArgs(['run', '--leaks', 'fail']).options.leaks, 'fail');
    assert.equal(parseCliArgs(['run', '--leaks', 'warn']).options.leaks, 'warn');
    assert.throws(() => parseCliArgs(['run', '--leaks', 'warm']), (error: Error & { code?: string }) => {
      assert.equal(error.code, 'USAGE');
      assert.match(error.message, /--leaks: unknown mode `warm`; choose from fail, warn/);
      return true;
    });
  });

  it('rejects a bad --repeat, --settle-timeout or --kill-orphans with the flag and the fix', () => {
    const usage = (argv: string[], pattern: RegExp): void => {
      assert.throws(() => parseCliArgs(argv), (error: Error & { code?: string }) => {
        assert.equal(error.code, 'USAGE');
        assert.match(error.message, pattern);
        return true;
      });
    };
    usage(['run', '--repeat', '0'], /^--repeat must be a positive whole number, got `0`; for example --repeat 10$/);
    usage(['run', '--repeat', '2.5'], /^--repeat must be a positive whole number, got `2.5`/);
    usage(['run', '--repeat', 'many'], /^--repeat must be a positive whole number, got `many`/);
    usage(['run', '--settle-timeout=-1'], /^--settle-timeout must be a whole number >= 0, got `-1`; for example --settle-timeout 1000$/);
    usage(['run', '--settle-timeout', '1.5'], /^--settle-timeout must be a whole number >= 0, got `1.5`/);
    usage(['run', '--settle-timeout', ''], /^--settle-timeout must be a whole number >= 0, got ``/);
    usage(['run', '--settle-timeout'], /^`--settle-timeout` needs a value \(MS\)/);
    usage(['run', '--kill-orphans=yes'], /^`--kill-orphans` is a switch and takes no value, got `--kill-orphans=yes`/);
  });

  it('documents the scheduling flags in --help', () => {
    const help = commandHelp('run');
    for (const flag of ['--gpus LIST', '--durations FILE|DIR', '--guard on|off', '--no-retry-alone']) assert.ok(help.includes(`  ${flag} `), `${flag} in:\n${help}`);
  });

  it('leaves the scheduling flags unset without them, and reads --guard on and --retry-alone', () => {
    const plain = parseCliArgs(['run']).options;
    assert.deepEqual([plain.gpus, plain.durations, plain.guard, plain.retryAlone], [undefined, undefined, undefined, undefined]);
    assert.equal(parseCliArgs(['run', '--guard', 'on']).options.guard, true);
    assert.equal(parseCliArgs(['run', '--retry-alone']).options.retryAlone, true);
    assert.deepEqual(parseCliArgs(['list', '--gpus', ' 1 , 3 ,']).options.gpus, ['1', '3']);
  });

  it('rejects a --guard that is neither on nor off', () => {
    assert.throws(() => parseCliArgs(['run', '--guard', 'yes']), (error: Error & { code?: string }) => {
      assert.equal(error.code, 'USAGE');
      assert.equal(error.message, '--guard takes `on` or `off`, got `yes`');
      return true;
    });
  });

  it('reads the conventions of other runners: -t, --bail, --test-timeout, --last-failed, list --tests', () => {
    const run = parseCliArgs(['run', '-t', 'caption', '--test-name-pattern=load', '--bail', '--test-timeout', '30000', '--last-failed']);
    assert.deepEqual(run.options.testNamePatterns, ['caption', 'load']);
    assert.equal(run.options.bail, true);
    assert.equal(run.options.testTimeoutMs, 30000);
    assert.equal(run.lastFailed, true);
    assert.equal(parseCliArgs(['list', '--tests']).listTests, true);
    assert.deepEqual(parseCliArgs(['run', 'src/**/*.test.ts']).options.paths, ['src/**/*.test.ts']);
  });

  it('validates numbers with the flag\'s own example, negative ones included, never "ambiguous"', () => {
    assert.equal(message(['run', '--timeout', 'abc']), '--timeout must be a positive whole number, got `abc`; for example --timeout 600000');
    assert.equal(message(['run', '--concurrency', '-1']), '--concurrency must be a positive whole number, got `-1`; for example --concurrency 4');
    assert.equal(message(['run', '--retries', '-2']), '--retries must be a whole number >= 0, got `-2`; for example --retries 2');
    assert.equal(message(['run', '--concurrency', '0x10']), '--concurrency must be a positive whole number, got `0x10`; for example --concurrency 4');
    assert.match(message(['run', '--test-timeout', '1e12']), /^--test-timeout must be a positive whole number, got `1e12`/);
    assert.match(message(['run', '--test-timeout', '9999999999']), /^--test-timeout must be at most 2147483647 milliseconds/);
    // An option where a value should be: the value is missing, not an odd value.
    assert.match(message(['run', '--timeout', '--bail']), /^`--timeout` needs a value \(MS\)/);
  });

  it('suggests the closest option and command, and says whose option a flag of another command is', () => {
    assert.equal(message(['run', '--bial']), 'unknown option `--bial`; did you mean `--bail`? see `gpu-test run --help` for the options');
    assert.equal(message(['list', '--test']), 'unknown option `--test`; did you mean `--tests`? see `gpu-test list --help` for the options');
    assert.equal(message(['run', '--frobnicate']), 'unknown option `--frobnicate`; see `gpu-test run --help` for the options');
    assert.match(message(['lsit']), /^unknown command `lsit`; did you mean `gpu-test list`\?/);
    assert.equal(message(['list', '--repeat', '2']), '`--repeat` is an option of `gpu-test run`, not of `gpu-test list`; see `gpu-test list --help`');
    assert.equal(message(['list', '--bail']), '`--bail` is an option of `gpu-test run`, not of `gpu-test list`; see `gpu-test list --help`');
    assert.equal(message(['trend', 'nights/', '--reporter', 'json']), '`--reporter` is an option of `gpu-test run` and `gpu-test merge`, not of `gpu-test trend`; see `gpu-test trend --help`');
  });

  it('gives each command help of its own: its options only, exit codes, and the environment', () => {
    const runHelp = parseCliArgs(['run', '--help']);
    assert.equal(runHelp.command, 'help');
    assert.match(runHelp.helpText ?? '', /^Usage: gpu-test run /);
    assert.match(runHelp.helpText ?? '', /  --bail  /);
    assert.match(runHelp.helpText ?? '', /  -t, --test-name-pattern RE  /);
    const listHelp = parseCliArgs(['list', '-h']).helpText ?? '';
    assert.match(listHelp, /  --tests  /);
    assert.doesNotMatch(listHelp, /--repeat|--bail/);
    assert.doesNotMatch(parseCliArgs(['trend', '--help']).helpText ?? '', /--concurrency/);
    for (const text of [USAGE, runHelp.helpText ?? '']) {
      assert.match(text, /\n  3 +an internal error/);
      assert.match(text, /\n  2 +a usage, config or plan error/);
      assert.match(text, /ENABLE_GPU_TESTS=1/);
      assert.match(text, /CUDA_VISIBLE_DEVICES/);
    }
    assert.match(USAGE, /gpu-test <command> --help/);
  });
});
