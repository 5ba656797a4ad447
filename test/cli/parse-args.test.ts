// parseCliArgs: every command and option into CliOptions (the scheduling flags --gpus, --durations, --guard and
// --no-retry-alone included), --help text, and a USAGE error naming the flag and the fix for each bad value.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseCliArgs, USAGE } from '../../src/cli/parse-args.js';

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
    usage(['run', '--concurrency', '0'], /--concurrency must be a positive whole number, got `0`; for example --concurrency 2/);
    usage(['run', '--reporter', 'html'], /unknown reporter `html`; choose from console, markdown, junit, json/);
    usage(['run', '--shard', '4/3'], /--shard must be INDEX\/TOTAL with 1 <= INDEX <= TOTAL, such as --shard 2\/3, or `auto`, got `4\/3`/);
    usage(['run', '--shard', 'half'], /--shard must be INDEX\/TOTAL/);
    usage(['run', '--gpu-backend', 'cuda'], /--gpu-backend: unknown backend `cuda`; choose from auto, nvml, nvidia-smi, none/);
    usage(['run', '--sample-interval', '0.5'], /--sample-interval must be a positive whole number, got `0.5`; for example --sample-interval 50/);
    usage(['test'], /unknown command `test`; use `gpu-test run`, `gpu-test list`, `gpu-test merge`, `gpu-test compare`, `gpu-test trend`/);
    usage(['run', '--gpus-concurrency', '2'], /Unknown option '--gpus-concurrency'.*gpu-test --help/);
  });

  it('documents the leak flags in --help', () => {
    for (const flag of ['--repeat N', '--leaks MODE', '--settle-timeout MS', '--kill-orphans']) assert.ok(USAGE.includes(`  ${flag} `), `${flag} in:\n${USAGE}`);
  });

  it('leaves the leak flags unset without them, and reads --settle-timeout 0 as no wait', () => {
    const plain = parseCliArgs(['run']).options;
    assert.deepEqual([plain.repeat, plain.leaks, plain.settleTimeoutMs, plain.killOrphans], [undefined, undefined, undefined, undefined]);
    assert.equal(parseCliArgs(['run', '--settle-timeout', '0']).options.settleTimeoutMs, 0);
    assert.equal(parseCliArgs(['list', '--repeat', '1']).options.repeat, 1);
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
    usage(['run', '--settle-timeout'], /argument missing.*gpu-test --help/);
    usage(['run', '--kill-orphans=yes'], /'--kill-orphans' does not take an argument; run `gpu-test --help`/);
  });

  it('documents the scheduling flags in --help', () => {
    for (const flag of ['--gpus LIST', '--durations FILE|DIR', '--guard on|off', '--no-retry-alone']) assert.ok(USAGE.includes(`  ${flag} `), `${flag} in:\n${USAGE}`);
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
});
