// `gpu-test list --tests`: the test names of each file that would run, as `vitest list` or `pytest --collect-only`.
// node:test has no collect-only mode, so each file runs in a node:test process of its own in which no test body and no
// hook runs (src/cli/list-tests-preload.ts): the module's top level and describe() bodies do, as they declare the tests.
// Subtests a test creates in its own body (`t.test()`) are not listed: they do not exist until the body runs.

import { spawn } from 'node:child_process';
import { extname } from 'node:path';
import type { Job, Plan } from '../results/job.js';
import { packageFile } from '../package-files.js';

/** One file's declared tests, or why they could not be collected. */
export interface CollectedFile {
  readonly job: Job;
  readonly tests: readonly { readonly name: string; readonly nesting: number }[];
  /** Set when the file failed to load or a describe() body threw: the reason, in one line. */
  readonly problem: string | null;
}

const TYPESCRIPT_EXTENSIONS = new Set(['.ts', '.mts', '.cts', '.tsx']);
// A pattern no name matches: every test is reported as skipped, none runs.
const MATCH_NOTHING = '(?!)';

function collectArguments(file: string): string[] {
  const args: string[] = [];
  if (TYPESCRIPT_EXTENSIONS.has(extname(file))) args.push('--import', import.meta.resolve('tsx'));
  args.push(
    '--import', packageFile('dist/cli/list-tests-preload.js').href,
    `--test-reporter=${packageFile('dist/cli/list-tests-reporter.js').href}`, '--test-reporter-destination=stdout',
    `--test-name-pattern=${MATCH_NOTHING}`, file,
  );
  return args;
}

function collectFile(job: Job, cwd: string, env: NodeJS.ProcessEnv): Promise<CollectedFile> {
  // No GPU is visible: a file's top level that touches one anyway gets none, rather than a card a run may be using.
  // NODE_TEST_CONTEXT (gpu-test itself under `node --test`) would replace the reporter with node's own protocol.
  const { NODE_TEST_CONTEXT: _outerRunner, ...childEnv } = env;
  const child = spawn(process.execPath, collectArguments(job.file), { cwd, env: { ...childEnv, CUDA_VISIBLE_DEVICES: '' }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => { stdout += chunk.toString(); });
  child.stderr.on('data', (chunk: Buffer) => { stderr = (stderr + chunk.toString()).slice(-4096); });
  return new Promise((resolve) => {
    child.on('close', (code) => {
      const tests: { name: string; nesting: number }[] = [];
      let problem: string | null = null;
      for (const line of stdout.split('\n')) {
        if (!line.startsWith('{')) continue;
        const record = JSON.parse(line) as { name: string; nesting?: number; error?: string };
        if (record.error !== undefined) problem ??= `${record.name}: ${record.error}`;
        else tests.push({ name: record.name, nesting: record.nesting ?? 0 });
      }
      if (code !== 0 && problem === null) problem = stderr.trim().split('\n').filter(Boolean).pop() ?? `exited with code ${String(code)}`;
      resolve({ job, tests, problem: problem?.split('\n')[0] ?? null });
    });
  });
}

/** Collects the tests of every file of the plan that would run, `concurrency` files at once, in plan order. */
export async function collectTests(plan: Plan, concurrency: number, env: NodeJS.ProcessEnv): Promise<CollectedFile[]> {
  const jobs = plan.jobs.filter((job) => !job.skip);
  const collected: CollectedFile[] = new Array(jobs.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < jobs.length) {
      const index = next++;
      const job = jobs[index] as Job;
      collected[index] = await collectFile(job, plan.rootDir, env);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, jobs.length)) }, worker));
  return collected;
}

// A test with nothing declared below it; describe() blocks and other groups are not counted, as node:test counts tests.
function countLeaves(tests: CollectedFile['tests']): number {
  return tests.filter((test, index) => (tests[index + 1]?.nesting ?? -1) <= test.nesting).length;
}

const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;

/** The listing: each file, its tests indented by nesting, then the files that are not collected because they would not run. */
export function formatCollected(plan: Plan, collected: readonly CollectedFile[]): string {
  const lines: string[] = [];
  for (const file of collected) {
    lines.push(`${file.job.id} (${plural(countLeaves(file.tests), 'test')})`);
    for (const test of file.tests) lines.push(`${'  '.repeat(test.nesting + 1)}${test.name}`);
    if (file.problem) lines.push(`  could not collect every test: ${file.problem}`);
  }
  for (const job of plan.jobs) if (job.skip) lines.push(`${job.id} (not collected: ${job.skip.message})`);
  const total = collected.reduce((sum, file) => sum + countLeaves(file.tests), 0);
  lines.push('', `${plural(total, 'test')} in ${plural(collected.length, 'file')} (subtests a test makes in its body are not listed)`);
  return `${lines.join('\n')}\n`;
}
