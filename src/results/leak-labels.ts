// How a leak call names what it is about and prints its figures, the same in the failed test it adds and in every
// report: `VRAM`, `RAM`, or `metric kv_blocks_in_use` with the metric's own unit.

import { formatBytes, formatMetricValue } from '../units/format.js';
import type { LeakFinding } from './run-result.js';

type Subject = Pick<LeakFinding, 'resource' | 'metric'>;

/** `VRAM`, `RAM`, `metric kv_blocks_in_use`. */
export function leakLabel(finding: Subject): string {
  if (finding.resource === 'metric') return `metric ${finding.metric?.name ?? ''}`;
  return finding.resource === 'vram' ? 'VRAM' : 'RAM';
}

// Units a metric of bytes is recorded in (`metric('torch_allocated_bytes', n, 'B')`): printed as sizes, as memory is.
const BYTE_UNITS = new Set(['B', 'bytes']);

/** A figure of the finding's series: bytes for memory (and a metric in bytes), the metric's value and unit otherwise. */
export function formatLeakValue(finding: Subject, value: number): string {
  const unit = finding.metric?.unit;
  if (finding.resource !== 'metric' || (unit && BYTE_UNITS.has(unit))) return formatBytes(value);
  return `${formatMetricValue(value)}${unit ? ` ${unit}` : ''}`;
}

/** Like formatLeakValue, with an explicit `+` for growth. */
export function formatLeakDelta(finding: Subject, value: number): string {
  return value > 0 ? `+${formatLeakValue(finding, value)}` : formatLeakValue(finding, value);
}
