// What one GPU memory read costs through each backend, measured side by side on the simulated GPU: the NVML
// stand-in, a fresh reading from the nvidia-smi stream, and a one-shot nvidia-smi spawn (what the stream replaced).
// Then the /proc files the harness reads at every test boundary: through a kept descriptor against readFileSync.

import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { FAKE_GPU_BIN_DIR } from '../fixtures/fake-gpu/fake-gpu.mjs';
import { DEFAULT_SAMPLE_INTERVAL_MS } from '../src/config/defaults.js';
import { createStreamingGpuReader } from '../src/probe/gpu-stream-reader.js';
import { MEMORY_QUERY_ARGS } from '../src/probe/nvidia-smi-csv.js';
import { createNvmlGpuReader, openNvml } from '../src/probe/nvml.js';
import { readProcFile } from '../src/probe/proc-file.js';
import type { GpuReader } from '../src/probe/types.js';
import { median, quantile, type BenchGpu } from './common.js';

const NVML_READS = 10_000;
const STREAM_READS = 30;
const SPAWNS = 20;
const PROC_READS = 5_000;
const FAKE_SMI = join(FAKE_GPU_BIN_DIR, 'nvidia-smi');

/** Checks that a read saw the simulated GPU, so a backend that answers nothing is not timed as fast. */
async function checkedRead(reader: GpuReader, takenAfter?: number): Promise<void> {
  const gpus = await reader.readMemory(takenAfter === undefined ? undefined : { takenAfter });
  if (gpus.length !== 1 || gpus[0]?.usedBytes == null) throw new Error(`${reader.backend} read ${JSON.stringify(gpus)}, not the simulated GPU`);
}

async function timeReads(count: number, read: () => Promise<void>, pause?: () => Promise<void>): Promise<number[]> {
  const ms: number[] = [];
  for (let i = 0; i < count; i++) {
    await pause?.();
    const t0 = performance.now();
    await read();
    ms.push(performance.now() - t0);
  }
  return ms;
}

async function nvmlReadMs(nvmlLibrary: string): Promise<number[]> {
  const session = openNvml({ nvmlLibrary });
  if (!session.available) throw new Error(`NVML stand-in did not open: ${session.reason}`);
  const reader = createNvmlGpuReader(session);
  try {
    await timeReads(500, () => checkedRead(reader)); // warm-up: JIT and the page cache
    return await timeReads(NVML_READS, () => checkedRead(reader));
  } finally {
    reader.close?.();
  }
}

/** Fresh readings (`takenAfter: now`) back to back, then each at a random moment of the stream's interval. */
async function streamReadMs(): Promise<{ backToBack: number[]; randomPhase: number[] }> {
  const intervalMs = DEFAULT_SAMPLE_INTERVAL_MS;
  const reader = createStreamingGpuReader({ gpuCount: 1, intervalMs, smiPath: FAKE_SMI });
  try {
    await checkedRead(reader); // the first line comes after the fake nvidia-smi's start-up, which is not a read
    const fresh = (): Promise<void> => checkedRead(reader, Date.now());
    const backToBack = await timeReads(STREAM_READS, fresh);
    const randomPhase = await timeReads(STREAM_READS, fresh, () => sleep(Math.random() * intervalMs));
    return { backToBack, randomPhase };
  } finally {
    reader.close?.();
  }
}

function spawnReadMs(env: NodeJS.ProcessEnv): number[] {
  return Array.from({ length: SPAWNS }, () => {
    const t0 = performance.now();
    const result = spawnSync(FAKE_SMI, MEMORY_QUERY_ARGS, { env, encoding: 'utf8' });
    const ms = performance.now() - t0;
    if (result.status !== 0) throw new Error(`${FAKE_SMI} ${MEMORY_QUERY_ARGS.join(' ')} exited with ${result.status}: ${result.stdout}${result.stderr}`);
    return ms;
  });
}

export async function printReadCost(gpu: BenchGpu): Promise<void> {
  // The NVML stand-in finds its state through FAKE_GPU_STATE at nvmlInit, and the stream's nvidia-smi inherits it.
  const saved = process.env['FAKE_GPU_STATE'];
  process.env['FAKE_GPU_STATE'] = gpu.state;
  let nvml: number[];
  let stream: { backToBack: number[]; randomPhase: number[] };
  try {
    nvml = await nvmlReadMs(gpu.nvmlLibrary);
    stream = await streamReadMs();
  } finally {
    if (saved === undefined) delete process.env['FAKE_GPU_STATE'];
    else process.env['FAKE_GPU_STATE'] = saved;
  }
  const spawn = spawnReadMs(gpu.env);
  const nvmlMs = median(nvml);
  const fmt = (ms: number): string => `${ms.toFixed(1)} ms`;
  const range = (values: readonly number[]): string => `${Math.min(...values).toFixed(1)} to ${Math.max(...values).toFixed(1)} ms`;
  console.log(`GPU memory read, one GPU, simulated (medians; ratios to the NVML read of this run):`);
  console.log(`  NVML stand-in (koffi -> C)                 ${(nvmlMs * 1000).toFixed(1)} µs   (median of ${NVML_READS}; 90th percentile ${(quantile(nvml, 0.9) * 1000).toFixed(1)} µs)`);
  console.log(`  nvidia-smi stream, fresh, back to back     ${fmt(median(stream.backToBack))}   ${ratio(median(stream.backToBack), nvmlMs)}   (${STREAM_READS} reads, ${range(stream.backToBack)})`);
  console.log(`  nvidia-smi stream, fresh, at random moment ${fmt(median(stream.randomPhase))}   ${ratio(median(stream.randomPhase), nvmlMs)}   (${STREAM_READS} reads, ${range(stream.randomPhase)})`);
  console.log(`  one-shot nvidia-smi --query-gpu spawn      ${fmt(median(spawn))}   ${ratio(median(spawn), nvmlMs)}   (${SPAWNS} spawns, ${range(spawn)})`);
  console.log(`  note: a fresh stream reading waits for the next --loop-ms=${DEFAULT_SAMPLE_INTERVAL_MS} line: about half the interval at a random moment, a whole one right after a line.`);
  console.log('  note: the simulated nvidia-smi is a Node script, so its spawn (Node start-up) costs more than the real binary\'s;');
  console.log('        the stand-in NVML looks at its state folder on every call (a stat, and a listing when it changed).');
  console.log('  reference, NOT measured here (bench/README.md, H100 host): NVML read 7.2 µs (median of 10,000), nvidia-smi spawn 21.5 ms');
  printProcReads();
}

/** Each /proc file of a boundary sample read PROC_READS times each way, alternating in blocks of 100. */
function printProcReads(): void {
  const files = ['/proc/meminfo', '/proc/pressure/memory', `/proc/${process.pid}/statm`, `/proc/${process.pid}/task/${process.pid}/children`]
    .filter((path) => existsSync(path));
  if (files.length === 0) return;
  console.log(`/proc files read at every test boundary (medians of ${PROC_READS.toLocaleString('en-US')} reads each way, interleaved):`);
  for (const path of files) {
    const ways = { kept: [] as number[], whole: [] as number[] };
    for (let block = 0; block < PROC_READS / 100; block++) {
      for (const [way, read] of [['kept', readProcFile], ['whole', (file: string) => readFileSync(file, 'utf8')]] as const) {
        for (let i = 0; i < 100; i++) {
          const t0 = performance.now();
          read(path);
          ways[way].push(performance.now() - t0);
        }
      }
    }
    const kept = median(ways.kept) * 1000;
    const whole = median(ways.whole) * 1000;
    console.log(`  ${path.replaceAll(String(process.pid), '<pid>').padEnd(34)} kept descriptor ${kept.toFixed(1)} µs   readFileSync ${whole.toFixed(1)} µs   ${(whole / kept).toFixed(1)}x`);
  }
}

function ratio(ms: number, nvmlMs: number): string {
  return `${Math.round(ms / nvmlMs).toLocaleString('en-US')}x NVML`;
}
