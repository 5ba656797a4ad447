// The signs of memory pressure around one file's run, from what the harness read anyway: the kernel's OOM counters
// and PSI at the file's start and end, the memory guard's stops, and the sampler's peaks against capacity. A SIGKILL
// is counted as memory's only with one of these (src/execute/run/retry-alone.ts). Pure.

import type { OomCounters } from '../probe/oom-counters.js';
import type { MemorySign } from '../results/memory-evidence.js';
import { formatGuardBytes } from './guard-figures.js';

/** Memory stalled for at least this share of the file's run (PSI `some`), or of the last 10 s at its end, is pressure. */
export const PSI_SOME_PERCENT = 10;
/** Host RAM or the cgroup's working set at this share of total at its peak is near full. */
export const RAM_NEAR_FULL_PERCENT = 90;
/** A card at this share of its VRAM at its peak is near full (a loaded model commonly fills 80-90% on purpose). */
export const VRAM_NEAR_FULL_PERCENT = 95;

/** A peak of a resource against its capacity, bytes; null where unknown. */
export interface PeakUse {
  readonly usedBytes: number | null;
  readonly totalBytes: number | null;
}

/** What the signs are read from, for one file. */
export interface MemorySignInput {
  /** Epoch ms of the file's run. */
  readonly startedAt: number;
  readonly endedAt: number;
  /** The counters at its start and its end; null where not read. */
  readonly before: OomCounters | null;
  readonly after: OomCounters | null;
  /** The memory guard's stops of other files while it ran. */
  readonly guardStops: readonly { readonly jobId: string; readonly resource: string; readonly figure: string }[];
  /** The sampled peaks while it ran. */
  readonly hostRam: PeakUse;
  readonly cgroup: PeakUse;
  readonly cards: readonly ({ readonly index: number } & PeakUse)[];
}

function rise(before: number | null | undefined, after: number | null | undefined): number {
  return before === null || before === undefined || after === null || after === undefined ? 0 : after - before;
}

function share(peak: PeakUse): number | null {
  return peak.usedBytes === null || peak.totalBytes === null || peak.totalBytes <= 0 ? null : (peak.usedBytes / peak.totalBytes) * 100;
}

/** Every sign found, strongest first (the kernel's counters, then the guard, stalls, full resources); empty for none. */
export function findMemorySigns(input: MemorySignInput): MemorySign[] {
  const { before, after } = input;
  const signs: MemorySign[] = [];
  const cgroupKills = rise(before?.cgroupOomKills, after?.cgroupOomKills);
  if (cgroupKills > 0) signs.push({ source: 'cgroup-oom-kill', resource: 'ram', detail: `cgroup oom_kill +${cgroupKills}` });
  // The cgroup's count takes in every OOM killer's kills of its processes, the host's too: where it is read, a kill
  // elsewhere on the host is someone else's trouble. Without it, the host's count is what there is.
  const cgroupCounted = typeof before?.cgroupOomKills === 'number' && typeof after?.cgroupOomKills === 'number';
  const hostKills = cgroupCounted ? 0 : rise(before?.hostOomKills, after?.hostOomKills);
  if (hostKills > 0) signs.push({ source: 'host-oom-kill', resource: 'ram', detail: `host oom_kill +${hostKills}` });
  const limitHits = rise(before?.cgroupLimitHits, after?.cgroupLimitHits);
  if (limitHits > 0) signs.push({ source: 'cgroup-limit', resource: 'ram', detail: `cgroup memory limit reached ${limitHits}×` });
  for (const stop of input.guardStops) {
    signs.push({ source: 'guard', resource: stop.resource === 'vram' ? 'vram' : 'ram', detail: `the memory guard stopped ${stop.jobId} (${stop.figure})` });
  }
  const psi = psiSign(input);
  if (psi) signs.push(psi);
  const ram = share(input.hostRam);
  if (ram !== null && ram >= RAM_NEAR_FULL_PERCENT) {
    signs.push({ source: 'near-full', resource: 'ram', detail: `host RAM at ${ram.toFixed(0)}% of ${formatGuardBytes(input.hostRam.totalBytes ?? 0)} at peak` });
  }
  const cgroup = share(input.cgroup);
  if (cgroup !== null && cgroup >= RAM_NEAR_FULL_PERCENT) {
    signs.push({ source: 'near-full', resource: 'ram', detail: `cgroup memory at ${cgroup.toFixed(0)}% of its ${formatGuardBytes(input.cgroup.totalBytes ?? 0)} limit at peak` });
  }
  for (const card of input.cards) {
    const vram = share(card);
    if (vram !== null && vram >= VRAM_NEAR_FULL_PERCENT) {
      signs.push({ source: 'near-full', resource: 'vram', detail: `GPU ${card.index} VRAM at ${vram.toFixed(0)}% of ${formatGuardBytes(card.totalBytes ?? 0)} at peak` });
    }
  }
  return signs;
}

// The stall share of the file's own run, from the `some` total's rise; a file killed within a second of a stall that
// began before it started shows it in avg10 instead.
function psiSign(input: MemorySignInput): MemorySign | null {
  const { before, after } = input;
  if (!after?.psi) return null;
  const runMs = input.endedAt - input.startedAt;
  const stalledMs = before?.psi ? (after.psi.some.totalMicroseconds - before.psi.some.totalMicroseconds) / 1000 : null;
  const runShare = stalledMs !== null && runMs > 0 ? (stalledMs / runMs) * 100 : null;
  if (runShare !== null && runShare >= PSI_SOME_PERCENT) {
    return { source: 'psi', resource: 'ram', detail: `PSI memory some ${Math.min(100, runShare).toFixed(0)}% of the file's run` };
  }
  if (after.psi.some.avg10 >= PSI_SOME_PERCENT) return { source: 'psi', resource: 'ram', detail: `PSI memory some avg10 ${after.psi.some.avg10.toFixed(1)}%` };
  return null;
}
