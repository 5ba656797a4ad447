// What writing the reports costs as a run grows: report.md, junit.xml and results.json of synthetic runs of 2,000 and
// 20,000 tiny tests (top-level, and two describe levels down), written to disk as a run writes them. Linear writers
// take ten times as long for ten times the tests; the ratio says whether they still are. Also results.json's size per
// test, by default and with --raw-samples. CPU time of this process, medians: the machine may be shared.

import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeReports } from '../src/report/write-reports.js';
import type { RunResult } from '../src/results/run-result.js';
import { manyTestsRunResult } from '../test/helpers/many-tests-run-result.js';
import { median } from './common.js';

const SIZES = [2_000, 20_000] as const;
const TARGET_MS = 1000;
const FORMATS = ['markdown', 'junit', 'json'];

function cpuMs(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
}

/** CPU ms of writing every file report of `run` into `dir`, once. */
async function timeWrite(run: RunResult, dir: string): Promise<number> {
  // A fresh copy each round, as a run's result is new: the reports share what they measure within one run only.
  const fresh = { ...run };
  const start = cpuMs();
  const { failures } = await writeReports(fresh, dir, FORMATS);
  const ms = cpuMs() - start;
  if (failures.length > 0) throw new Error(failures.join('; '));
  return ms;
}

function bytesPerTest(run: RunResult, dir: string): number {
  return readFileSync(join(dir, 'results.json')).length / run.counts.tests;
}

/** Prints the medians of writing the reports at each size and shape, their ratio, and results.json's bytes per test. */
export async function printReportScaling(rounds: number): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'gpu-test-bench-reports-'));
  console.log(`writing report.md, junit.xml and results.json (CPU time, median of ${rounds} rounds after one warm-up):`);
  for (const nested of [false, true]) {
    const medians: number[] = [];
    for (const size of SIZES) {
      const run = manyTestsRunResult(size, { nested });
      await timeWrite(run, dir);
      const times: number[] = [];
      for (let round = 0; round < rounds; round++) times.push(await timeWrite(run, dir));
      medians.push(median(times));
      const raw = { ...run, config: { ...run.config, rawSamples: true } };
      const defaultBytes = bytesPerTest(run, dir);
      await writeReports(raw, dir, ['json']);
      const rawBytes = bytesPerTest(raw, dir);
      console.log(`  ${String(size).padStart(6)} ${nested ? 'nested' : 'top-level'} tests  ${median(times).toFixed(0).padStart(5)} ms   (rounds: ${times.map((t) => t.toFixed(0)).join(', ')})   `
        + `results.json ${defaultBytes.toFixed(0)} bytes a test, ${rawBytes.toFixed(0)} with --raw-samples`);
    }
    const [small = 0, large = 0] = medians;
    const ratio = large / small;
    console.log(`  ${nested ? 'nested' : 'top-level'}: 20,000 / 2,000 tests = ${ratio.toFixed(1)}x (linear: 10x)   20,000 tests ${large.toFixed(0)} ms (target < ${TARGET_MS} ms) ${large < TARGET_MS ? 'ok' : 'MISSED'}`);
  }
  rmSync(dir, { recursive: true, force: true });
}
