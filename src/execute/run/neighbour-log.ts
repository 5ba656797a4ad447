// Who ran beside whom, for --retry-alone: a file that ran out of memory is re-run alone only if something shared its
// card (a VRAM failure) or the host (a RAM failure) while it ran.

import type { Placement } from '../../schedule/admission.js';

/** The log of neighbours; `note` at each start, `of` when a file ended. */
export interface NeighbourLog {
  /** `start` begins while `running` run: each becomes the other's neighbour. */
  note(start: Placement, running: Iterable<Placement>): void;
  /** The files that ran beside `placement`'s job: sharing a card for `vram`, anywhere on the host for `ram`. */
  of(placement: Placement, resource: 'vram' | 'ram'): string[];
}

export function createNeighbourLog(): NeighbourLog {
  const beside = new Map<string, Map<string, Placement>>();
  const add = (a: Placement, b: Placement): void => {
    const known = beside.get(a.job.id) ?? new Map<string, Placement>();
    known.set(b.job.id, b);
    beside.set(a.job.id, known);
  };
  return {
    note(start, running) {
      // A re-run starts a fresh log for its file.
      beside.delete(start.job.id);
      for (const other of running) {
        if (other.job.id === start.job.id) continue;
        add(start, other);
        add(other, start);
      }
    },
    of(placement, resource) {
      const all = [...(beside.get(placement.job.id)?.values() ?? [])];
      const shared = resource === 'ram' ? all : all.filter((other) => other.gpuIndices.some((index) => placement.gpuIndices.includes(index)));
      return shared.map((other) => other.job.id);
    },
  };
}
