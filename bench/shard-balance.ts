// `shard` section: the makespan of a 200-file GPU suite (2 s to 15 min a file, one in ten needing two GPUs) split over
// 4 simulated runners: the balanced split gpu-test makes (`splitShards`, from the planner itself) against round-robin
// (`node --test-shard`, `--shard-strategy round-robin`) and against the ideal. Pure computation on seeded durations:
// no file runs, so the figures are exact and the same on every machine.

import { splitShards, type WeightedJob } from '../src/plan/shard-jobs.js';
import type { Job } from '../src/results/job.js';
import { median } from './common.js';

const FILES = 200;
const RUNNERS = 4;
const SEEDS = [1, 2, 3, 4, 5];
const MIN_MS = 2000;
const MAX_MS = 15 * 60_000;

/** mulberry32: the same durations on every run. */
function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = Math.imul(state ^ (state >>> 15), state | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function suite(seed: number): WeightedJob[] {
  const random = seeded(seed);
  return Array.from({ length: FILES }, (_, i) => {
    const job: Job = {
      id: `suites/gpu/f${String(i).padStart(3, '0')}.test.ts`, file: '', suite: 'gpu', tags: ['gpu'], lane: 'gpu', timeoutMs: 0, repeat: 1,
      leakThreshold: { vramBytes: 0, ramBytes: 0, metrics: {} }, leakRepeatMax: 40, needs: { vram: null, ram: null, gpus: i % 10 === 3 ? 2 : 1, exclusive: false }, skip: null,
    };
    // Log-uniform: most files take seconds to a minute, a few take a quarter of an hour, as GPU suites do.
    return { job, expectedMs: MIN_MS * (MAX_MS / MIN_MS) ** random() };
  });
}

/**
 * One runner running its files as gpu-test would: longest first (`--durations`), each on as many of the runner's GPU
 * slots as it needs, starting when they are free. Returns when the last ends, or Infinity when a file can never run.
 */
function runnerMakespan(files: readonly WeightedJob[], gpus: number): number {
  const free = new Array<number>(gpus).fill(0);
  for (const { job, expectedMs } of [...files].sort((a, b) => b.expectedMs - a.expectedMs)) {
    if (job.needs.gpus > gpus) return Infinity;
    free.sort((a, b) => a - b);
    const start = free[job.needs.gpus - 1] ?? 0;
    for (let slot = 0; slot < job.needs.gpus; slot++) free[slot] = start + expectedMs;
  }
  return Math.max(0, ...free);
}

function makespan(shards: readonly (readonly Job[])[], weights: ReadonlyMap<string, WeightedJob>, gpus: readonly number[]): number {
  return Math.max(...shards.map((shard, index) => runnerMakespan(shard.map((job) => weights.get(job.id) as WeightedJob), gpus[index] ?? 1)));
}

const minutes = (ms: number): string => (Number.isFinite(ms) ? `${(ms / 60_000).toFixed(1)} min` : 'cannot run');

/** Balanced, round-robin and ideal makespans for runners with `gpus` GPUs each; `serial`: one file at a time. */
function scenario(title: string, gpus: readonly number[], serial: boolean): void {
  const rows = SEEDS.map((seed) => {
    const weighted = suite(seed).map((w) => (serial ? { ...w, job: { ...w.job, needs: { ...w.job.needs, gpus: 1 } } } : w));
    const weights = new Map(weighted.map((w) => [w.job.id, w]));
    const slots = serial ? gpus.map(() => 1) : gpus;
    const balanced = makespan(splitShards(weighted, { total: RUNNERS, strategy: 'balanced', gpus: serial ? null : [...gpus] }).shards, weights, slots);
    const roundRobin = makespan(splitShards(weighted, { total: RUNNERS, strategy: 'round-robin', gpus: null }).shards, weights, slots);
    const gpuSeconds = weighted.reduce((sum, w) => sum + w.expectedMs * w.job.needs.gpus, 0);
    const ideal = Math.max(...weighted.map((w) => w.expectedMs), gpuSeconds / slots.reduce((a, b) => a + b, 0));
    const stranded = splitShards(weighted, { total: RUNNERS, strategy: 'round-robin', gpus: null }).shards
      .reduce((sum, shard, index) => sum + shard.filter((job) => job.needs.gpus > (slots[index] ?? 1)).length, 0);
    return { seed, balanced, roundRobin, ideal, stranded };
  });
  console.log(`shard: ${title}; ${FILES} files of ${MIN_MS / 1000} s to ${MAX_MS / 60_000} min, seeds ${SEEDS.join(', ')}`);
  for (const row of rows) {
    const rr = Number.isFinite(row.roundRobin) ? `${minutes(row.roundRobin)} (${(row.roundRobin / row.ideal).toFixed(2)}x)` : `cannot run ${row.stranded} files`;
    console.log(`  seed ${row.seed}: balanced ${minutes(row.balanced)} (${(row.balanced / row.ideal).toFixed(2)}x), round-robin ${rr}, ideal ${minutes(row.ideal)}`);
  }
  const finite = rows.filter((row) => Number.isFinite(row.roundRobin));
  const rrMedian = finite.length > 0 ? `${median(finite.map((row) => row.roundRobin / row.ideal)).toFixed(2)}x` : 'cannot run every file';
  console.log(`  median: balanced / ideal ${median(rows.map((row) => row.balanced / row.ideal)).toFixed(2)}x, round-robin / ideal ${rrMedian}`);
}

/** The three runner pools: one file at a time (the ideal max(longest, sum / 4)), two GPUs each, and mixed 2/2/1/1. */
export function printShardBalance(): void {
  scenario('4 runners, one file at a time each (every file fits every runner)', [2, 2, 2, 2], true);
  scenario('4 runners of 2 GPUs each, 1-GPU files two at a time, a 2-GPU file alone', [2, 2, 2, 2], false);
  scenario('runners of 2, 2, 1 and 1 GPUs (shard.gpus: [2, 2, 1, 1])', [2, 2, 1, 1], false);
}
