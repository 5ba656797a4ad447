// Which of the host's GPUs this run may use: those an outer CUDA_VISIBLE_DEVICES allows (a CI runner that gives the
// job two of eight cards), narrowed by `--gpus`. Children get UUIDs, so none ever sees a card outside the set.

import { GpuTestError } from '../errors.js';
import type { GpuInfo, GpuInventory } from '../results/machine.js';

/**
 * The cards named by a CUDA_VISIBLE_DEVICES-style list (indices or UUIDs, UUID prefixes as CUDA accepts them), in
 * its order. As in CUDA, the list ends at the first entry that names no card or repeats one.
 */
export function cardsInMask(gpus: readonly GpuInfo[], mask: string): GpuInfo[] {
  const picked: GpuInfo[] = [];
  for (const entry of mask.split(',').map((part) => part.trim())) {
    const matches = /^\d+$/.test(entry)
      ? gpus.filter((gpu) => gpu.index === Number(entry))
      : entry.startsWith('GPU-') || entry.startsWith('MIG-') ? gpus.filter((gpu) => gpu.uuid.startsWith(entry)) : [];
    const [match] = matches;
    if (matches.length !== 1 || !match || picked.includes(match)) break;
    picked.push(match);
  }
  return picked;
}

/**
 * The inventory narrowed to the cards this run may use. Throws GpuTestError USAGE when `--gpus` names a card that
 * is not there (or outside the outer mask), so a typo cannot silently run everything on the wrong cards.
 */
export function selectUsableGpus(inventory: GpuInventory, outerMask: string | undefined, gpusFlag: readonly string[] | null): GpuInventory {
  if (!inventory.available) return inventory;
  const allowed = outerMask === undefined ? [...inventory.gpus] : cardsInMask(inventory.gpus, outerMask);
  let usable = allowed;
  if (gpusFlag !== null) {
    usable = [];
    for (const entry of gpusFlag) {
      const [match] = cardsInMask(allowed, entry);
      if (!match) {
        const listed = allowed.map((gpu) => `${gpu.index} (${gpu.uuid})`).join(', ') || 'none';
        const outer = outerMask === undefined ? '' : ` inside CUDA_VISIBLE_DEVICES=${outerMask}`;
        throw new GpuTestError('USAGE', `--gpus: \`${entry}\` names no usable GPU${outer}; usable: ${listed}`);
      }
      if (!usable.includes(match)) usable.push(match);
    }
  }
  if (usable.length === 0) {
    const reason = outerMask !== undefined
      ? `CUDA_VISIBLE_DEVICES=${outerMask === '' ? '(empty)' : outerMask} leaves no GPU to use`
      : 'no GPU is left to use';
    return { ...inventory, available: false, reason, gpus: [] };
  }
  return { ...inventory, gpus: usable };
}
