// Sizes and shares in the config, file headers and on the command line: `100MiB`, `1.5 GiB`, a plain number of bytes, `40%`.

import type { SizeSpec } from '../units/size.js';

const UNITS: Readonly<Record<string, number>> = { B: 1, KiB: 1024, MiB: 1024 ** 2, GiB: 1024 ** 3, TiB: 1024 ** 4 };
const SIZE_PATTERN = /^\s*(\d+(?:\.\d+)?)\s*([A-Za-z]*)\s*$/;
// Decimal units read as the binary ones people usually mean; naming the binary unit avoids a silent 7% error.
const DECIMAL_TO_BINARY: Readonly<Record<string, string>> = { KB: 'KiB', MB: 'MiB', GB: 'GiB', TB: 'TiB', K: 'KiB', M: 'MiB', G: 'GiB' };

/** The example every size error shows. */
export const SIZE_EXAMPLE = '`100MiB`';

/** Bytes for `value`, or a sentence saying what is wrong with it (for the caller to place in its error). */
export function parseByteSize(value: unknown): { readonly bytes: number } | { readonly problem: string } {
  if (typeof value === 'number') {
    return Number.isFinite(value) && value >= 0 ? { bytes: Math.round(value) } : { problem: 'a size must be a number of bytes >= 0' };
  }
  if (typeof value !== 'string') return { problem: `a size must be a number of bytes or a string such as ${SIZE_EXAMPLE}` };
  const match = SIZE_PATTERN.exec(value);
  if (!match) return { problem: `\`${value}\` is not a size; write a number and a unit such as ${SIZE_EXAMPLE}` };
  const unit = match[2] || 'B';
  const factor = UNITS[unit];
  if (factor === undefined) {
    const binary = DECIMAL_TO_BINARY[unit.toUpperCase()];
    const hint = binary ? `; write \`${match[1]}${binary}\`` : '';
    return { problem: `unknown unit \`${unit}\` in \`${value}\`: units are ${Object.keys(UNITS).join(', ')}${hint}` };
  }
  return { bytes: Math.round(Number(match[1]) * factor) };
}

const PERCENT = /^\s*(\d+(?:\.\d+)?)\s*%\s*$/;

/** A size or a share: `10GiB`, a number of bytes, or `40%` (of the card's VRAM or the host's RAM). */
export function parseSizeSpec(value: unknown): { readonly spec: SizeSpec } | { readonly problem: string } {
  if (typeof value === 'string') {
    const percent = PERCENT.exec(value);
    if (percent) {
      const share = Number(percent[1]);
      return share > 0 && share <= 100 ? { spec: { percent: share } } : { problem: `a share must be above 0% and at most 100%, got \`${value}\`` };
    }
  }
  const parsed = parseByteSize(value);
  return 'bytes' in parsed ? { spec: { bytes: parsed.bytes } } : { problem: parsed.problem };
}

/** The number in a share written `40%` or `40`; NaN when it is neither. */
export function parsePercent(value: unknown): number {
  const match = PERCENT.exec(typeof value === 'number' ? `${value}%` : String(value));
  return match ? Number(match[1]) : NaN;
}
