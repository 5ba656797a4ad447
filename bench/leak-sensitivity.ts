// `leaks`: how small a leak the leak fit finds on the simulated caching allocator, and how often a cache filled once
// is called one. Over many seeded servers, the series the driver would show go through the harness's own calls (the
// first run's fit, the re-check it plans, the merge), as a user tried them on an H200: `repeat: 20`,
// `leakThreshold: { vram: 16MiB }`, and at the default threshold beside it. Then one `gpu-test run` on the simulated
// GPU and the NVML stand-in checks that the harness itself calls the same.

import { appendFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { DEFAULTS } from '../src/config/defaults.js';
import { judgeSeries } from '../src/measure/leak-check.js';
import { confirmFindings, planRecheck } from '../src/measure/leak-confirm.js';
import type { LeakThreshold } from '../src/results/job.js';
import type { LeakFinding } from '../src/results/run-result.js';
import { formatBytes } from '../src/units/format.js';
import { BIN, REPO, median, timeCommand, writeGpuProject, type BenchGpu } from './common.js';
import { cacheFillServer, leakyServer, type Server } from './leak-servers.js';

const MiB = 1024 * 1024;
const LEAKS_MIB = [1, 2, 4, 8] as const;
const SERVERS = 100;
const REPEAT = 20;
const CAP = DEFAULTS.leakRepeatMax;
const USER_THRESHOLD: LeakThreshold = { vramBytes: 16 * MiB, ramBytes: DEFAULTS.leakThreshold.ramBytes, metrics: {} };
const DEFAULT_THRESHOLD: LeakThreshold = { ...DEFAULTS.leakThreshold, metrics: {} };

/** The final call on one server, and how many iterations it took: the first run's, plus its re-run's. */
interface Call {
  readonly finding: LeakFinding;
  readonly firstRunLeaking: boolean;
  readonly iterations: number;
}

function finding(values: readonly number[], threshold: LeakThreshold, firstCount?: number): LeakFinding {
  const verdict = judgeSeries({ resource: 'vram', metric: null, values }, threshold, firstCount);
  if (verdict === null) throw new Error(`a series of ${values.length} readings cannot be fitted`);
  return { test: 'serves', line: null, resource: 'vram', metric: null, source: 'processes', verdict, rechecked: false, recheck: null, series: values };
}

/** What gpu-test calls on `server`: its first run, and the re-check that run plans, merged. */
export function callServer(server: Server, threshold: LeakThreshold): Call {
  const first = finding(server(REPEAT), threshold);
  const plan = planRecheck([], [first], { repeat: REPEAT, leakRepeatMax: CAP, leakThreshold: threshold });
  if (plan === null) return { finding: first, firstRunLeaking: first.verdict.leaking, iterations: REPEAT };
  const [merged] = confirmFindings([first], [finding(server(plan.iterations), threshold, REPEAT)], plan);
  return { finding: merged ?? first, firstRunLeaking: first.verdict.leaking, iterations: REPEAT + plan.iterations };
}

function printSensitivity(threshold: LeakThreshold): void {
  console.log(`  leakThreshold vram ${formatBytes(threshold.vramBytes)}:`);
  for (const leakMiB of LEAKS_MIB) {
    const calls = Array.from({ length: SERVERS }, (_, seed) => callServer(leakyServer(leakMiB, seed + 1), threshold));
    const found = calls.filter((call) => call.finding.verdict.leaking);
    const patterns = [...new Set(found.map((call) => call.finding.verdict.pattern))].join('/') || '-';
    const estimate = found.length > 0 ? formatBytes(median(found.map((call) => call.finding.verdict.perIteration))) : '-';
    const reruns = calls.map((call) => call.finding.recheck?.iterations ?? 0);
    console.log(`    ${String(leakMiB).padStart(2)} MiB/iteration: found ${String(found.length).padStart(3)}/${SERVERS} (flagged by the first run alone ${calls.filter((c) => c.firstRunLeaking).length}), `
      + `${patterns}, ${estimate}/iteration (median); iterations: ${REPEAT}${Math.max(...reruns) === 0 ? ', no re-run' : ` + a re-run of ${Math.min(...reruns)}-${Math.max(...reruns)} (median ${median(reruns)})`}`);
  }
}

function printFalseAlarms(): void {
  const calls = Array.from({ length: SERVERS }, (_, seed) => callServer(cacheFillServer(seed + 1, REPEAT), USER_THRESHOLD));
  const alarms = calls.filter((call) => call.finding.verdict.leaking).length;
  const rerun = calls.filter((call) => call.finding.recheck?.purpose === 'settle').length;
  const pattern = (name: string): number => calls.filter((call) => call.finding.verdict.pattern === name).length;
  console.log(`  false alarms: ${alarms} of ${SERVERS} clean servers whose cache fills once (1-3 tensors of 12-256 MiB at one request of the first run), `
    + `leakThreshold vram 16 MiB (target 0); ${rerun} re-run to settle their steps, ending one-off ${pattern('one-off')}, `
    + `within the threshold ${pattern('within')}, still undecided ${pattern('undecided')}`);
}

const ALLOCATOR_URL = pathToFileURL(join(REPO, 'fixtures/fake-gpu/caching-allocator.mjs')).href;

/** A test file whose one test keeps `leakMiB` per iteration through the simulated allocator (0: fills its cache once). */
function serverFile(leakMiB: number): string {
  const request = leakMiB > 0 ? `outputs.push(torch.malloc(${leakMiB}));` : 'requests += 1; torch.free(torch.malloc(requests === 6 ? 64 : 8));';
  return `import { it } from 'node:test';
import { createFakeTorch } from ${JSON.stringify(ALLOCATOR_URL)};
const torch = createFakeTorch({ contextMiB: 520 });
const outputs = [];
let requests = 0;
it('answers a request', () => { ${request} });
`;
}

interface RunLeak {
  readonly verdict: { leaking: boolean; pattern: string; perIterationBytes: number };
  readonly seriesBytes: readonly number[];
  readonly recheck: { iterations: number } | null;
}

/** One `gpu-test run` of a file per leak size and a clean one on the simulated GPU, as the harness calls them. */
function printGpuTestRun(gpu: BenchGpu): void {
  const dir = mkdtempSync(join(tmpdir(), 'gpu-test-bench-leaks-'));
  const names = [...LEAKS_MIB.map((mib) => `leak-${mib}mib.test.mjs`), 'cache-fill.test.mjs'];
  writeGpuProject(dir, Object.fromEntries(names.map((name, i) => [name, serverFile(LEAKS_MIB[i] ?? 0)])));
  appendFileSync(join(dir, 'gpu-test.config.yaml'), 'leakThreshold: { vram: 16MiB }\n');
  const reportDir = join(dir, 'reports');
  const args = [BIN, 'run', '--reporter', 'json', '--repeat', String(REPEAT), '--settle-timeout', '0', '--leaks', 'warn', '--report-dir', reportDir];
  const wallMs = timeCommand(args, dir, gpu.nvmlEnv);
  const results = JSON.parse(readFileSync(join(reportDir, 'results.json'), 'utf8')) as { files: { id: string; leaks: RunLeak[] }[] };
  console.log(`  gpu-test run on the simulated GPU (NVML stand-in), --repeat ${REPEAT}, leakThreshold vram 16 MiB, ${(wallMs / 1000).toFixed(1)} s:`);
  for (const file of results.files) {
    const call = file.leaks[0];
    if (!call) throw new Error(`${file.id}: no VRAM leak call in results.json`);
    const iterations = call.seriesBytes.length + (call.recheck?.iterations ?? 0);
    console.log(`    ${file.id.replace('gpu/', '').padEnd(22)} ${call.verdict.leaking ? 'leak' : 'no leak'}, ${call.verdict.pattern}, `
      + `${formatBytes(call.verdict.perIterationBytes)}/iteration, ${iterations} iterations run`);
  }
  rmSync(dir, { recursive: true, force: true });
}

export function printLeakSensitivity(gpu: BenchGpu): void {
  console.log(`leak sensitivity on the simulated caching allocator: ${SERVERS} seeded servers per leak size (warm-up at load, activations per request drawn), `
    + `--repeat ${REPEAT}, re-checks up to leakRepeatMax ${CAP}`);
  printSensitivity(USER_THRESHOLD);
  printSensitivity(DEFAULT_THRESHOLD);
  printFalseAlarms();
  printGpuTestRun(gpu);
}
