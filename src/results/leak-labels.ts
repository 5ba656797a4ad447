// How a leak call names what it is about and prints its figures, the same in the failed test it adds and in every
// report: `VRAM`, `RAM`, or `metric kv_blocks_in_use` with the metric's own unit.

import { formatBytes, formatBytesDelta, formatMetricValue } from '../units/format.js';
import type { LeakFinding } from './run-result.js';

type Subject = Pick<LeakFinding, 'resource' | 'metric'>;

/** `VRAM`, `RAM`, `metric kv_blocks_in_use`. */
export function leakLabel(finding: Subject): string {
  if (finding.resource === 'metric') return `metric ${finding.metric?.name ?? ''}`;
  return finding.resource === 'vram' ? 'VRAM' : 'RAM';
}

/** A figure of the finding's series: bytes for memory, the metric's value and unit for a metric. */
export function formatLeakValue(finding: Subject, value: number): string {
  if (finding.resource !== 'metric') return formatBytes(value);
  const unit = finding.metric?.unit;
  return `${formatMetricValue(value)}${unit ? ` ${unit}` : ''}`;
}

/** Like formatLeakValue, with an explicit `+` for growth. */
export function formatLeakDelta(finding: Subject, value: number): string {
  if (finding.resource !== 'metric') return formatBytesDelta(value);
  return value > 0 ? `+${formatLeakValue(finding, value)}` : formatLeakValue(finding, value);
}
