// Declared against measured: each suite's declared VRAM and RAM beside the most one of its files used, and for
// suites without a declaration, the `requires:` this run suggests. Pure over the run's results.

import type { GpuBalance, SuiteNeeds } from '../results/measurement.js';
import { sizeInBytes, type SizeSpec } from '../units/size.js';
import type { SuiteConfig } from '../config/types.js';
import type { FileResult, ExecutedRun } from '../results/run-result.js';

const MARGIN = 1.2;
const RAM_WORTH_DECLARING = 1024 ** 3;
const ROUND_TO = 256 * 1024 * 1024;

function suggest(measured: number | null): number | null {
  return measured === null || measured <= 0 ? null : Math.ceil((measured * MARGIN) / ROUND_TO) * ROUND_TO;
}

function maxOf(values: readonly (number | null)[]): number | null {
  const known = values.filter((v): v is number => v !== null);
  return known.length === 0 ? null : Math.max(...known);
}

function fileRam(file: FileResult): number | null {
  return maxOf(file.tests.flatMap((test) => [test.window?.before.processRssBytes ?? null, test.window?.after?.processRssBytes ?? null]));
}

function declared(spec: SizeSpec | undefined, capacity: number | null): number | null {
  return spec === undefined ? null : sizeInBytes(spec, capacity);
}

/** Declared and measured needs of every suite that ran at least one file. */
export function compareSuiteNeeds(result: ExecutedRun, suites: readonly SuiteConfig[]): SuiteNeeds[] {
  const cardTotal = maxOf(result.gpu.gpus.map((gpu) => gpu.totalBytes));
  const hostTotal = result.host.memory?.totalBytes ?? null;
  return suites.flatMap((suite) => {
    const files = result.files.filter((file) => file.job.suite === suite.name && file.startedAt !== null);
    if (files.length === 0) return [];
    const measuredVramBytes = maxOf(files.flatMap((file) => file.gpuLoad.map((load) => load.peakAboveStartBytes)));
    const measuredRamBytes = maxOf(files.map(fileRam));
    return [{
      suite: suite.name,
      files: files.length,
      declaredVramBytes: declared(suite.requires?.vram, cardTotal),
      declaredRamBytes: declared(suite.requires?.ram, hostTotal),
      measuredVramBytes,
      measuredRamBytes,
      suggestedVramBytes: files.some((file) => file.lane === 'gpu') ? suggest(measuredVramBytes) : null,
      // A few hundred MiB of RSS is every Node process: RAM is worth declaring once a file holds real data.
      suggestedRamBytes: measuredRamBytes !== null && measuredRamBytes >= RAM_WORTH_DECLARING ? suggest(measuredRamBytes) : null,
    }];
  });
}

/** The balance of every file that ran on two or more cards and whose per-card load was measured. */
export function gpuBalance(result: ExecutedRun, limitPercent: number): GpuBalance[] {
  return result.files.flatMap((file) => {
    const loads = file.gpuLoad.flatMap((load) => (load.peakAboveStartBytes === null ? [] : [{ gpuIndex: load.gpuIndex, bytes: load.peakAboveStartBytes }]));
    if (file.gpuLoad.length < 2 || loads.length !== file.gpuLoad.length) return [];
    const most = Math.max(...loads.map((l) => l.bytes));
    const least = Math.min(...loads.map((l) => l.bytes));
    const spreadPercent = most === 0 ? 0 : ((most - least) / most) * 100;
    return [{ file: file.job.id, loads, spreadPercent, balanced: spreadPercent <= limitPercent }];
  });
}
