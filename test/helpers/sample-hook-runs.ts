// The shared sample run with coordination hooks: the flux suite's `before` (an HTTP unload and a healthcheck that
// waited) succeeded, one of its `after` steps failed with output that breaks naive Markdown and XML writers.

import type { HookRun, RunResult } from '../../src/results/run-result.js';
import { sampleRunResult } from './sample-run-result.js';

const T0 = Date.UTC(2026, 10, 23, 12, 0, 0);

/** Hook steps as the runner records them, in start order. */
export function sampleHookRuns(): HookRun[] {
  return [
    { suite: 'flux', phase: 'before', step: 'POST http://127.0.0.1:8000/unload', ok: true, startedAt: T0 + 1, durationMs: 120, attempts: 1, output: '{"unloaded":3}', error: null },
    { suite: 'flux', phase: 'healthcheck', step: 'GET http://127.0.0.1:8000/health', ok: true, startedAt: T0 + 121, durationMs: 2050, attempts: 3, output: 'ready', error: null },
    {
      suite: 'flux', phase: 'after', step: './reload-models.sh --all | tee <log> && echo "`done`"', ok: false, startedAt: T0 + 2450, durationMs: 840, attempts: 1,
      output: 'reloading qwen2-vl …\n```\n<script>alert(1)</script> & ]]> \u0007\nerror: CUDA out of memory\n', error: 'exited with code 3',
    },
    { suite: 'flux', phase: 'after', step: 'echo reloaded', ok: true, startedAt: T0 + 3290, durationMs: 4, attempts: 1, output: 'reloaded\n', error: null },
  ];
}

/** The shared sample with those hook steps: the failed `after` step fails the run. */
export function sampleRunResultWithHooks(): RunResult {
  return { ...sampleRunResult(), hooks: sampleHookRuns(), verdict: 'failed' };
}
