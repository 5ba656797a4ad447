// The run loop's view of the host's GPU locks (gpu-locks.ts): which cards it may place files on now, taking a card
// when a file starts on it and giving it back when the file ends, and telling the user once whom a card waits for.

import type { RunObserver } from '../../results/observer.js';
import type { Placement } from '../../schedule/admission.js';
import type { HostCapacity } from '../../schedule/capacity.js';
import { describeHolder, type GpuLocks } from './gpu-locks.js';

/** How often a run whose cards another run holds looks again. */
export const LOCK_POLL_MS = 500;

/** The locks as the run loop uses them. */
export interface SharedGpus {
  /** `capacity` without the cards another run holds now; `blocked` tells whether any was left out. */
  available(capacity: HostCapacity, gpuFilesWaiting: boolean): { capacity: HostCapacity; blocked: boolean };
  /** Takes the cards of a gpu-lane start; false when another run took one first (the file then waits). */
  take(start: Placement, capacity: HostCapacity): boolean;
  /** Gives back the cards of a gpu-lane file that ended. */
  give(start: Placement, capacity: HostCapacity): void;
  giveAll(): void;
}

function uuidsOf(start: Placement, capacity: HostCapacity): string[] {
  if (start.job.lane !== 'gpu') return [];
  return start.gpuIndices.map((index) => capacity.gpus.find((card) => card.index === index)?.uuid ?? `index-${index}`);
}

/** The shared-GPU view of one run; says once per card and holder why files wait (console and every report). */
export function createSharedGpus(locks: GpuLocks, observer: RunObserver, warn: (message: string) => void): SharedGpus {
  const told = new Set<string>();
  return {
    available(capacity, gpuFilesWaiting) {
      // Only a GPU file is placed on a card: with none waiting, the lock files are not read at each file's start.
      if (!gpuFilesWaiting) return { capacity, blocked: false };
      const heldElsewhere = new Set<number>();
      for (const card of capacity.gpus) {
        const holder = locks.holderOf(card.uuid);
        if (!holder) continue;
        heldElsewhere.add(card.index);
        const key = `${card.uuid}:${holder.runId}`;
        if (!told.has(key)) {
          told.add(key);
          const message = `GPU ${card.index} was in use by ${describeHolder(holder)}; this run's files for it waited their turn`;
          observer.onGpuWait?.(card.index, describeHolder(holder));
          warn(message);
        }
      }
      if (heldElsewhere.size === 0) return { capacity, blocked: false };
      return { capacity: { ...capacity, gpus: capacity.gpus.filter((card) => !heldElsewhere.has(card.index)) }, blocked: true };
    },
    take(start, capacity) {
      return locks.acquire(uuidsOf(start, capacity));
    },
    give(start, capacity) {
      locks.release(uuidsOf(start, capacity));
    },
    giveAll() {
      locks.releaseAll();
    },
  };
}
