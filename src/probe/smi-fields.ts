// What nvidia-smi prints in place of a value it cannot read, and the numbers it prints otherwise.

/** Values nvidia-smi prints instead of a reading: `[N/A]`, `[Not Supported]`, `[Unknown Error]`, `N/A` in XML... */
export function isUnreadable(value: string): boolean {
  const trimmed = value.trim();
  return trimmed === '' || trimmed === 'N/A' || /^\[[^\]]*\]$/.test(trimmed);
}

/** A GPU as named in messages: index and uuid. */
export interface GpuLabel {
  readonly index: number;
  readonly uuid: string;
}

/** Names a GPU the way messages do: `GPU 0 (GPU-d7bc1e4b-…)`. */
export function labelGpu(gpu: GpuLabel): string {
  return gpu.uuid === '' ? `GPU ${gpu.index}` : `GPU ${gpu.index} (${gpu.uuid})`;
}

function consequenceOf(field: string): string {
  if (/memory\.(used|total)|fb_memory_usage/.test(field)) {
    return 'VRAM for this GPU is not measured; on MIG or vGPU devices use the per-instance figures';
  }
  return 'that figure is left out of the report';
}

/** The warning for a field the driver would not give, e.g. memory.used printed as `[N/A]`. */
export function describeUnreadable(gpu: GpuLabel, field: string, raw: string): string {
  const shown = raw.trim() === '' ? 'an empty value' : raw.trim();
  return `${labelGpu(gpu)} reports ${field} as ${shown}: ${consequenceOf(field)}`;
}

/**
 * A plain number, with or without the unit nvidia-smi appends (`81559 MiB`, `121.74 W`, `0 %`);
 * null when the value is one of the unreadable markers, NaN when it is something else entirely.
 */
export function parseSmiNumber(value: string): number | null {
  if (isUnreadable(value)) return null;
  const match = /^(-?\d+(?:\.\d+)?)(?:\s*[A-Za-z%]+)?$/.exec(value.trim());
  return match?.[1] === undefined ? Number.NaN : Number(match[1]);
}

/** MiB as nvidia-smi prints them (`12900 MiB` or `12900`) to bytes; null for `[N/A]` and the like, NaN for garbage. */
export function parseMiBToBytes(value: string): number | null {
  const mib = parseSmiNumber(value);
  return mib === null ? null : mib * 1024 * 1024;
}
