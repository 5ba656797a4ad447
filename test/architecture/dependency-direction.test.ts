// The pipeline's direction holds in the code: config -> plan -> schedule -> execute -> results <- report, results and
// units import no stage, probe is below execute and measure, nothing imports the CLI. `npm run deps` prints the graph.

import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
// @ts-expect-error: a plain .mjs script, shared with `npm run deps`.
import { findViolations, readImports, stageOf } from '../../scripts/import-graph.mjs';

type Edge = { from: string; to: string };
const SRC = fileURLToPath(new URL('../../src', import.meta.url));

describe('dependency direction of src/', () => {
  it('has no import against the pipeline', () => {
    assert.deepEqual(findViolations(readImports(SRC) as Edge[]), []);
  });

  it('catches one: a report importing the executor, the results importing a stage', () => {
    const violations = findViolations([
      { from: 'report/json.ts', to: 'execute/launch-job.ts' },
      { from: 'results/run-result.ts', to: 'measure/leak-fit.ts' },
      { from: 'execute/run-plan.ts', to: 'cli.ts' },
      { from: 'execute/run-plan.ts', to: 'results/verdict.ts' },
    ] satisfies Edge[]) as string[];
    assert.equal(violations.length, 3, violations.join('\n'));
    assert.equal(stageOf('cli/parse-args.ts'), 'cli');
    assert.equal(stageOf('index.ts'), 'index');
  });
});
