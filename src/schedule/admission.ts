// The scheduler's core: which waiting jobs may start now, on which GPUs. A job that declares its needs starts
// only where they fit beside what already runs (VRAM per card, host RAM); an undeclared GPU job gets a card to
// itself (or `gpuConcurrency` undeclared jobs share it); an `exclusive` job runs alone on the host.
// Pure functions over plain data, so every policy is tested without processes or clocks.

import type { Job } from '../results/job.js';
import { formatBytes } from '../units/format.js';
import { sizeInBytes } from '../units/size.js';
import { type CardCapacity, type HostCapacity } from './capacity.js';

/** A job cleared to start (or running): its cards and what it declared, resolved to bytes. */
export interface Placement {
  readonly job: Job;
  /** Physical GPU indices, in the order CUDA will number them; empty in the cpu lane. */
  readonly gpuIndices: readonly number[];
  /** Declared VRAM per card, bytes; null when undeclared. */
  readonly vramBytes: number | null;
  /** Declared host RAM, bytes; null when undeclared. */
  readonly ramBytes: number | null;
}

function ramNeed(job: Job, capacity: HostCapacity): number | null {
  return job.needs.ram === null ? null : sizeInBytes(job.needs.ram, capacity.hostTotalBytes);
}

function vramNeed(job: Job, card: CardCapacity): number | null {
  return job.needs.vram === null ? null : sizeInBytes(job.needs.vram, card.totalBytes);
}

const onCard = (placed: readonly Placement[], index: number): Placement[] => placed.filter((p) => p.gpuIndices.includes(index));
const declaredOn = (placed: readonly Placement[], index: number): number => onCard(placed, index).reduce((sum, p) => sum + (p.vramBytes ?? 0), 0);

/** Whether `job` may take `card` now, and how loaded the card would be (for spreading jobs over cards). */
function cardFit(job: Job, card: CardCapacity, placed: readonly Placement[], capacity: HostCapacity): { fits: boolean; load: number } {
  const there = onCard(placed, card.index);
  const need = vramNeed(job, card);
  if (need === null || card.budgetBytes === null) {
    // Undeclared (or a card whose size is unknown): cards are shared only among undeclared jobs, gpuConcurrency at once.
    const fits = there.every((p) => p.vramBytes === null) && there.length < capacity.gpuConcurrency;
    return { fits, load: there.length };
  }
  const used = declaredOn(placed, card.index);
  const fits = there.every((p) => p.vramBytes !== null) && used + need <= card.budgetBytes;
  return { fits, load: card.budgetBytes === 0 ? 1 : used / card.budgetBytes };
}

/** The cards `job` would get now (least loaded first), or null when fewer than it needs fit. */
function chooseCards(job: Job, placed: readonly Placement[], capacity: HostCapacity): CardCapacity[] | null {
  const fitting = capacity.gpus
    .map((card) => ({ card, ...cardFit(job, card, placed, capacity) }))
    .filter((candidate) => candidate.fits)
    .sort((a, b) => a.load - b.load || a.card.index - b.card.index);
  return fitting.length >= job.needs.gpus ? fitting.slice(0, job.needs.gpus).map((c) => c.card) : null;
}

/** Where `job` would go beside `placed`, or null when it must wait. */
function place(job: Job, placed: readonly Placement[], capacity: HostCapacity): Placement | null {
  const ram = ramNeed(job, capacity);
  if (ram !== null && capacity.ramBytes !== null) {
    const declared = placed.reduce((sum, p) => sum + (p.ramBytes ?? 0), 0);
    if (declared + ram > capacity.ramBytes) return null;
  }
  if (job.lane === 'cpu') {
    return placed.filter((p) => p.job.lane === 'cpu').length < capacity.cpuSlots ? { job, gpuIndices: [], vramBytes: null, ramBytes: ram } : null;
  }
  const cards = chooseCards(job, placed, capacity);
  if (!cards) return null;
  const vram = cards.map((card) => vramNeed(job, card));
  return { job, gpuIndices: cards.map((card) => card.index), vramBytes: vram.every((v) => v !== null) ? Math.max(...(vram as number[])) : null, ramBytes: ram };
}

/**
 * The waiting jobs that start now, in the order given, beside the `running` ones. A job that does not fit is
 * passed over and the next is tried, except an `exclusive` job: it waits for the host to empty, and nothing behind
 * it starts meanwhile, so it cannot be starved.
 */
export function pickStarts(waiting: readonly Job[], running: readonly Placement[], capacity: HostCapacity): Placement[] {
  if (running.some((p) => p.job.needs.exclusive)) return [];
  const placed = [...running];
  const starts: Placement[] = [];
  for (const job of waiting) {
    if (job.needs.exclusive && placed.length > 0) break;
    const placement = place(job, placed, capacity);
    if (!placement) continue;
    placed.push(placement);
    starts.push(placement);
    if (job.needs.exclusive) break;
  }
  return starts;
}

/** Why `job` can never start on this host even when it is idle, or null when it can. */
export function neverFits(job: Job, capacity: HostCapacity): string | null {
  if (job.needs.gpus > capacity.gpus.length) {
    return `needs ${job.needs.gpus} GPUs; this run may use ${capacity.gpus.length}`;
  }
  const ram = ramNeed(job, capacity);
  if (ram !== null && capacity.ramBytes !== null && ram > capacity.ramBytes) {
    return `needs ${formatBytes(ram)} of host RAM; ${formatBytes(capacity.ramBytes)} is available to tests (available RAM less the reserve)`;
  }
  if (job.lane === 'gpu' && job.needs.vram !== null) {
    const fitting = capacity.gpus.filter((card) => {
      const need = vramNeed(job, card);
      return need === null || card.budgetBytes === null || need <= card.budgetBytes;
    });
    if (fitting.length < job.needs.gpus) {
      const largest = Math.max(0, ...capacity.gpus.map((card) => card.budgetBytes ?? 0));
      const each = job.needs.gpus > 1 ? ` on each of ${job.needs.gpus} GPUs` : '';
      return `needs ${formatBytes(vramNeed(job, capacity.gpus[0] as CardCapacity) ?? 0)} of VRAM${each}; the most a card offers is ${formatBytes(largest)} (free VRAM less the headroom)`;
    }
  }
  return null;
}

/** Waiting jobs longest-first by their durations in an earlier run (`--durations`); unknown ones after, in plan order. */
export function orderByDuration(jobs: readonly Job[], durations: Readonly<Record<string, number>>): Job[] {
  const known = jobs.filter((job) => durations[job.id] !== undefined).sort((a, b) => (durations[b.id] ?? 0) - (durations[a.id] ?? 0));
  return [...known, ...jobs.filter((job) => durations[job.id] === undefined)];
}
