// report.md's Pressure section: run-wide peaks against capacity, PSI and the cgroup (known or not), and the tests that
// came nearest a limit.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { countResults } from '../../src/results/counts.js';
import type { FileResult, RunResult, TestResult } from '../../src/results/run-result.js';
import { measureTests, topShareOfCapacity } from '../../src/report/growth.js';
import { renderPressure } from '../../src/report/markdown-pressure.js';
import { sampleRepeatRunResult } from '../helpers/sample-repeat-run-result.js';
import { sampleHealthTimeline } from '../helpers/sample-budgets.js';
import { sample, sampleRunResult, sampleRunResultWithoutGpu } from '../helpers/sample-run-result.js';

const GiB = 1024 ** 3;

function cells(row: string): string[] {
  return row.split(/(?<!\\)\|/).slice(1, -1).map((cell) => cell.trim());
}

function rowStarting(markdown: string, first: string): string[] {
  const row = markdown.split('\n').find((line) => line.startsWith(`| ${first} `));
  assert.ok(row, `no row starting with ${first}`);
  return cells(row);
}

/** The rows of the table that follows the header containing `header`. */
function tableAfter(markdown: string, header: string): string[][] {
  const lines = markdown.split('\n');
  const start = lines.findIndex((line) => line.startsWith('| ') && line.includes(header));
  assert.notEqual(start, -1, `no table with ${header}`);
  const rows: string[][] = [];
  for (const line of lines.slice(start + 2)) {
    if (!line.startsWith('| ')) break;
    rows.push(cells(line));
  }
  return rows;
}

function render(result: RunResult): string {
  return renderPressure(result, measureTests(result));
}

describe('renderPressure', () => {
  it('shows each GPU\'s, the host\'s and swap\'s peak with the total and the share', () => {
    const markdown = render(sampleRunResult());
    assert.match(markdown, /^## Pressure\n/);
    assert.deepEqual(rowStarting(markdown, 'GPU 0 VRAM'), ['GPU 0 VRAM (NVIDIA H100 80GB HBM3)', '7.0 GiB', '79.6 GiB', '8.8%']);
    assert.deepEqual(rowStarting(markdown, 'Host RAM'), ['Host RAM', '12.0 GiB', '32.0 GiB', '37.5%']);
    assert.deepEqual(rowStarting(markdown, 'Swap'), ['Swap', '16.0 MiB', '8.0 GiB', '0.2%']);
    assert.deepEqual(rowStarting(markdown, 'cgroup memory'), ['cgroup memory (working set)', '18.0 GiB', '24.0 GiB', '75.0%']);
  });

  it('gives PSI stall totals and the worst avg10, and the cgroup\'s limit, where it is set, its peak and OOM kills, when known', () => {
    const markdown = render(sampleRunResult());
    assert.match(markdown, /- \*\*Memory stalls \(PSI\)\*\*: some task waited on memory for 1\.23 s in all, every task at once for 80 ms; worst 10-second average 2\.50% \(some task\), 0\.40% \(every task\)\./);
    assert.match(markdown, /- \*\*cgroup\*\* `\/system\.slice\/ci-runner\.service` \(v2\): memory limit 24\.0 GiB \(set on `\/system\.slice`\), peak working set 18\.0 GiB \(75\.0% of it\); no OOM kills during the run\./);
  });

  it('says PSI is unavailable and the cgroup not known when the host has neither, and "no swap" without swap', () => {
    const markdown = render(sampleRepeatRunResult());
    assert.match(markdown, /\*\*Memory stalls \(PSI\)\*\*: unavailable: this kernel shows no `\/proc\/pressure\/memory`/);
    assert.match(markdown, /\*\*cgroup\*\*: not known: the run is not in a memory cgroup \(v1 or v2\) with a limit or an OOM-kill count/);
    assert.doesNotMatch(markdown, /\| cgroup memory/);
    assert.deepEqual(rowStarting(markdown, 'Swap'), ['Swap', '0 B', '0 B', 'no swap']);
    assert.deepEqual(rowStarting(markdown, 'GPU 1 VRAM').slice(1), ['768 MiB', '80.0 GiB', '0.9%']);
  });

  it('flags OOM kills, and says when the count or the limit is unknown, or PSI has no full line', () => {
    const run = sampleRunResult();
    const cgroup = { version: 1 as const, path: '/ci', maxBytes: null, limitPath: null, peakWorkingSetBytes: null, oomKillsDuringRun: 2 };
    const unlimited = render({ ...run, pressure: { ...run.pressure, cgroup } });
    assert.match(unlimited, /`\/ci` \(v1\): no memory limit; ❌ \*\*2 OOM kills\*\* during the run/);
    assert.doesNotMatch(unlimited, /\| cgroup memory/);
    const unknown = { ...cgroup, maxBytes: 8 * GiB, limitPath: '/ci', oomKillsDuringRun: null };
    assert.match(render({ ...run, pressure: { ...run.pressure, cgroup: unknown } }), /`\/ci` \(v1\): memory limit 8\.0 GiB; OOM kills during the run not known/);
    const psi = { someStallMs: 0, fullStallMs: null, peakSomeAvg10: 0, peakFullAvg10: null };
    assert.match(render({ ...run, pressure: { ...run.pressure, psi } }), /for 0 ms in all, the kernel gives no figure for every task at once; worst 10-second average 0\.00% \(some task\)\./);
  });

  it('ranks the tests nearest the limit by share of their GPU\'s memory and of host RAM', () => {
    const markdown = render(sampleRunResult());
    assert.match(markdown, /### Tests nearest the limit/);
    assert.deepEqual(tableAfter(markdown, 'VRAM peak').map((row) => [row[1], row[3], row[4]]), [
      ['ensemble > three models agree', '7.0 GiB', '8.8% of 79.6 GiB'],
      ['ensemble > caption matches reference', '6.0 GiB', '7.5% of 79.6 GiB'],
    ]);
    const ram = tableAfter(markdown, '| RAM peak |');
    assert.equal(ram.length, 4, 'the todo test is not ranked');
    assert.deepEqual(ram[0]?.slice(3), ['12.0 GiB', '37.5% of 32.0 GiB']);
  });

  it('does not rank a todo or skipped test, or one whose VRAM never rose above its start, by what the card held', () => {
    const run = sampleRunResult();
    const files = run.files.map((file): FileResult => {
      if (file.lane !== 'gpu' || file.status !== 'passed') return file;
      const [first] = file.tests as [TestResult];
      // A 38 ms todo test that ran while 70 GiB sat on the card, and a test that allocated nothing on top of 60 GiB.
      const todo: TestResult = { ...first, name: 'todo later', fullName: 'todo later', status: 'todo', durationMs: 38,
        window: { before: sample(2000, 70 * GiB, GiB, 9 * GiB), after: sample(2038, 70 * GiB, GiB, 9 * GiB), peak: { vramBytes: 70 * GiB, hostUsedBytes: 30 * GiB, swapUsedBytes: 0 } } };
      const idle: TestResult = { ...first, name: 'reads a config', fullName: 'reads a config', status: 'passed',
        window: { before: sample(3000, 60 * GiB, GiB, 9 * GiB), after: sample(3100, 60 * GiB, GiB, 9 * GiB), peak: { vramBytes: 60 * GiB, hostUsedBytes: 9 * GiB, swapUsedBytes: 0 } } };
      return { ...file, tests: [...file.tests, todo, idle] };
    });
    const markdown = render({ ...run, files, counts: countResults(files) });
    assert.deepEqual(tableAfter(markdown, 'VRAM peak').map((row) => row[1]), ['ensemble > three models agree', 'ensemble > caption matches reference']);
    const ram = tableAfter(markdown, '| RAM peak |').map((row) => row[1]);
    assert.ok(!ram.includes('todo later'), ram.join(', '));
    assert.ok(ram.includes('reads a config'), 'host RAM ranks every test that ran');
  });

  it('counts a repeated test once, at its highest iteration', () => {
    const vram = tableAfter(render(sampleRepeatRunResult()), 'VRAM peak');
    assert.deepEqual(vram.map((row) => row[1]), ['loader > loads model <sub>repeat 5/5</sub>', 'loader > caches tokenizer <sub>repeat 5/5</sub>', 'answers within budget']);
  });

  it('ranks by share, not by bytes, when the GPUs differ in size', () => {
    const run = sampleRepeatRunResult();
    const pressure = { ...run.pressure, gpus: run.pressure.gpus.map((gpu) => (gpu.index === 1 ? { ...gpu, totalBytes: GiB } : gpu)) };
    const ranked = topShareOfCapacity(measureTests({ ...run, pressure }), 'vramPeakBytes', (entry) => (entry.file.gpuIndices[0] === 1 ? GiB : 80 * GiB));
    assert.equal(ranked[0]?.entry.test.name, 'answers within budget');
    assert.equal(ranked[0]?.share, 0.75);
  });

  it('has no VRAM rows or VRAM ranking without a GPU, and says why', () => {
    const markdown = render(sampleRunResultWithoutGpu());
    assert.match(markdown, /No GPU: nvidia-smi was not found on PATH/);
    assert.doesNotMatch(markdown, /GPU 0 VRAM|VRAM peak/);
    assert.match(markdown, /\| RAM peak \|/);
  });

  it('leaves out tests whose peak or capacity is unknown', () => {
    const run = sampleRunResult();
    const files: FileResult[] = run.files.map((file) => ({
      ...file, tests: file.tests.map((test): TestResult => (test.window ? { ...test, window: { before: sample(1, null, 1, 1), after: null, peak: null } } : test)),
    }));
    const markdown = render({ ...run, files, counts: countResults(files) });
    assert.doesNotMatch(markdown, /Tests nearest the limit/);
  });
});

describe('renderPressure: load per card', () => {
  it('shows each card\'s mean utilization, hottest temperature and highest power over the run, from NVML', () => {
    const section = render({ ...sampleRunResult(), timeline: sampleHealthTimeline() });
    assert.match(section, /Load per card over the run \(NVML\):/);
    assert.match(section, /\| GPU 0 \| 80% \| 91 °C \| 313 W \|/);
  });

  it('leaves the table out where no health was sampled (the nvidia-smi backend)', () => {
    assert.doesNotMatch(render(sampleRunResult()), /Load per card/);
  });
});
