// Number formatting shared by the human-facing reports (console and Markdown).

const UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB'] as const;

/** `1536` -> `1.5 KiB`; null -> `n/a`. */
export function formatBytes(bytes: number | null): string {
  if (bytes === null) return 'n/a';
  const sign = bytes < 0 ? '-' : '';
  let value = Math.abs(bytes);
  let unit = 0;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit += 1;
  }
  const digits = unit === 0 || value >= 100 ? 0 : 1;
  return `${sign}${value.toFixed(digits)} ${UNITS[unit]}`;
}

/** Like formatBytes, with an explicit `+` for growth: deltas read at a glance. */
export function formatBytesDelta(bytes: number | null): string {
  if (bytes === null) return 'n/a';
  return bytes > 0 ? `+${formatBytes(bytes)}` : formatBytes(bytes);
}

/** `1234` -> `1.23 s`, `56` -> `56 ms`. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(2)} s`;
  const minutes = Math.floor(ms / 60_000);
  const seconds = Math.round((ms % 60_000) / 1000);
  return `${minutes} min ${seconds} s`;
}

/** `part` as a share of `whole`: `8.8%`; `n/a` when either is unknown or `whole` is not positive. */
export function formatShare(part: number | null, whole: number | null): string {
  if (part === null || whole === null || !(whole > 0)) return 'n/a';
  return `${((part / whole) * 100).toFixed(1)}%`;
}

/** Seconds since the run started, for timelines: `0.25 s`, `42.5 s`; two decimals while a run is short. */
export function formatOffset(ms: number): string {
  const seconds = ms / 1000;
  return `${seconds.toFixed(Math.abs(seconds) < 10 ? 2 : 1)} s`;
}

/** `1 file`, `2 files`. */
export function plural(count: number, one: string, many = `${one}s`): string {
  return `${count} ${count === 1 ? one : many}`;
}

// Enough digits for any figure a person compares by eye; 0.1 + 0.2 should not print as 0.30000000000000004.
const SIGNIFICANT_DIGITS = 6;

/** A metric's value as reports print it: integers whole, fractions to six significant digits. */
export function formatMetricValue(value: number): string {
  return Number.isInteger(value) || !Number.isFinite(value) ? String(value) : String(Number(value.toPrecision(SIGNIFICANT_DIGITS)));
}

/** A figure as a person reads it, in the bound's unit. */
export function formatBudgetValue(value: number, unit: string | null): string {
  if (unit === 'bytes') return formatBytes(value);
  if (unit === '%') return `${formatMetricValue(Math.round(value * 10) / 10)}%`;
  if (unit === '°C' || unit === 'W') return `${formatMetricValue(Math.round(value * 10) / 10)} ${unit}`;
  return unit === null || unit === '' ? formatMetricValue(value) : `${formatMetricValue(value)} ${unit}`;
}

/** The bound as written: `<= 4.0 GiB`, `<= 50% of capacity`, `>= 40`, `<= 85 °C`. */
export function formatBound(bound: { readonly op: string; readonly value: number | null; readonly percent: number | null; readonly unit: string | null }): string {
  if (bound.percent !== null) return `${bound.op} ${formatMetricValue(bound.percent)}%`;
  return `${bound.op} ${formatBudgetValue(bound.value ?? 0, bound.unit)}`;
}

/** A figure of a comparison or a trend in its unit: `1.20 s`, `3.0 GiB`, `2.0 MiB/iteration`, `41.2 tok/s`. */
export function formatFigure(value: number | null, unit: string | null): string {
  if (value === null) return 'n/a';
  if (unit === 'ms') return formatDuration(value);
  if (unit === 'bytes') return formatBytes(value);
  if (unit === 'bytes/iteration') return `${formatBytesDelta(Math.round(value))}/iteration`;
  return unit === null || unit === '' ? formatMetricValue(value) : `${formatMetricValue(value)} ${unit}`;
}

/** A change in percent with its sign: `+31%`, `-8.5%`; `n/a` when unknown. */
export function formatChange(percent: number | null): string {
  if (percent === null) return 'n/a';
  const digits = Math.abs(percent) >= 10 ? 0 : 1;
  return `${percent > 0 ? '+' : ''}${percent.toFixed(digits)}%`;
}
