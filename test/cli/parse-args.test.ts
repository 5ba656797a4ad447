import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseCliArgs } from '../../src/cli/parse-args.js';

describe('parseCliArgs', () => {
  it('parses run with paths and every option', () => {
    const parsed = parseCliArgs(['run', 'suites/vlm', '--report-dir', 'out', '--reporter', 'junit,json', '--concurrency', '3',
      '--gpu-concurrency', '2', '--enable', 'flux', '--enable', 'gpu', '--tags', 'gpu', '--skip-tags', 'slow', '--test-name-pattern', 'caption',
      '--timeout', '1000', '--require-gpu', '--only', '--shard', '2/3', '--gpu-backend', 'nvml', '--sample-interval', '20', '--no-color']);
    assert.equal(parsed.command, 'run');
    assert.equal(parsed.color, false);
    assert.deepEqual(parsed.options, {
      config: undefined, reportDir: 'out', reporters: ['junit', 'json'], concurrency: 3, gpuConcurrency: 2, enable: ['flux', 'gpu'],
      tags: ['gpu'], skipTags: ['slow'], testNamePatterns: ['caption'], timeout: 1000, requireGpu: true, only: true, paths: ['suites/vlm'], shard: { index: 2, total: 3 },
      gpuBackend: 'nvml', sampleIntervalMs: 20,
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
    usage(['run', '--shard', '4/3'], /--shard must be INDEX\/TOTAL with 1 <= INDEX <= TOTAL, such as --shard 2\/3, got `4\/3`/);
    usage(['run', '--shard', 'half'], /--shard must be INDEX\/TOTAL/);
    usage(['run', '--gpu-backend', 'cuda'], /--gpu-backend: unknown backend `cuda`; choose from auto, nvml, nvidia-smi, none/);
    usage(['run', '--sample-interval', '0.5'], /--sample-interval must be a positive whole number, got `0.5`; for example --sample-interval 50/);
    usage(['test'], /unknown command `test`; use `gpu-test run` or `gpu-test list`/);
    usage(['run', '--gpus-concurrency', '2'], /Unknown option '--gpus-concurrency'.*gpu-test --help/);
  });
});
