// Writes the benchmark's mixed project: CPU-bound files and GPU-tagged files that wait, as a model call does.

import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Sizes of the mixed suite. */
export interface MixedSuite {
  readonly cpuFiles: number;
  readonly gpuFiles: number;
  /** Iterations of the CPU work, calibrated to about `targetMs` on one idle core. */
  readonly cpuIterations: number;
  readonly gpuWaitMs: number;
}

/** The CPU work of one file, shared by the calibration and the generated files (same code, same cost). */
export const CPU_WORK_SOURCE = `function work(iterations) {
  let x = 0;
  for (let i = 0; i < iterations; i++) x = (x * 31 + i) % 1000003;
  return x;
}`;

/** Writes the project into `dir` (config plus test files) and returns the test file paths. */
export function writeMixedSuite(dir: string, suite: MixedSuite): { cpu: string[]; gpu: string[] } {
  mkdirSync(join(dir, 'cpu'), { recursive: true });
  mkdirSync(join(dir, 'gpu'), { recursive: true });
  writeFileSync(join(dir, 'gpu-test.config.yaml'), [
    'suites:',
    '  - name: cpu',
    '    files: ["cpu/*.test.mjs"]',
    '  - name: gpu',
    '    files: ["gpu/*.test.mjs"]',
    '    tags: [gpu]',
    'gates: {}',
    '',
  ].join('\n'));
  const cpu: string[] = [];
  const gpu: string[] = [];
  for (let i = 0; i < suite.cpuFiles; i++) {
    const path = join(dir, 'cpu', `cpu-${i}.test.mjs`);
    writeFileSync(path, `import { test } from 'node:test';\n${CPU_WORK_SOURCE}\ntest('cpu ${i}', () => { work(${suite.cpuIterations}); });\n`);
    cpu.push(path);
  }
  for (let i = 0; i < suite.gpuFiles; i++) {
    const path = join(dir, 'gpu', `gpu-${i}.test.mjs`);
    writeFileSync(path, `import { test } from 'node:test';\nimport { setTimeout as sleep } from 'node:timers/promises';\ntest('gpu ${i}', () => sleep(${suite.gpuWaitMs}));\n`);
    gpu.push(path);
  }
  return { cpu, gpu };
}
