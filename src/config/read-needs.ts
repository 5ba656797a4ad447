// Config readers for what the scheduler and the guard need: sizes that may be shares (`10GiB`, `40%`), a suite's
// `requires:`, `admission:` and `guard:`. Each records positioned problems through the ConfigChecker.

import { isMap, isScalar, type Node } from 'yaml';
import type { ConfigChecker, MapEntry } from './config-checker.js';
import { nodeValue } from './config-problems.js';
import { parseByteSize, SIZE_EXAMPLE } from './parse-size.js';
import type { SizeSpec } from '../units/size.js';
import type { Admission, GuardSettings, Requirements } from './types.js';

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

/** Reads a size-or-share entry; undefined after recording a problem. */
export function readSizeSpec(checker: ConfigChecker, entry: MapEntry): SizeSpec | undefined {
  const value = nodeValue(checker.resolve(entry.value) as Node | null);
  const parsed = parseSizeSpec(value);
  if ('spec' in parsed) return parsed.spec;
  checker.expect(entry.value, entry.path, `a size such as ${SIZE_EXAMPLE} or a share such as \`40%\``, `: ${parsed.problem}`, entry.keyNode);
  return undefined;
}

function readPercent(checker: ConfigChecker, entry: MapEntry, example: string): number | undefined {
  const value = nodeValue(checker.resolve(entry.value) as Node | null);
  const text = typeof value === 'number' ? `${value}%` : value;
  const match = typeof text === 'string' ? PERCENT.exec(text) : null;
  const share = match ? Number(match[1]) : NaN;
  if (share > 0 && share <= 100) return share;
  checker.expect(entry.value, entry.path, `a share above 0% and at most 100% such as \`${example}\``, '', entry.keyNode);
  return undefined;
}

/** `requires: { vram: 10GiB, ram: 25GiB, gpus: 2 }`. */
export function readRequires(checker: ConfigChecker, entry: MapEntry): Requirements | undefined {
  const before = checker.count;
  const entries = checker.entries(entry.value, entry.path, ['vram', 'ram', 'gpus'], 'a mapping such as `{ vram: 10GiB, ram: 25GiB, gpus: 1 }`', 'requires');
  if (!entries) return undefined;
  const out: { vram?: SizeSpec; ram?: SizeSpec; gpus?: number } = {};
  for (const item of entries) {
    if (item.key === 'gpus') out.gpus = checker.wholeNumber(item, 2);
    else if (item.key === 'vram') out.vram = readSizeSpec(checker, item);
    else out.ram = readSizeSpec(checker, item);
  }
  return checker.count > before ? undefined : out;
}

/** `admission: { vramHeadroom: 1GiB, ramReserve: 4GiB }`. */
export function readAdmission(checker: ConfigChecker, entry: MapEntry): Partial<Admission> | undefined {
  const before = checker.count;
  const entries = checker.entries(entry.value, entry.path, ['vramHeadroom', 'ramReserve'], 'a mapping such as `{ vramHeadroom: 1GiB, ramReserve: 4GiB }`', 'admission');
  if (!entries) return undefined;
  const out: { vramHeadroom?: SizeSpec; ramReserve?: SizeSpec } = {};
  for (const item of entries) {
    if (item.key === 'vramHeadroom') out.vramHeadroom = readSizeSpec(checker, item);
    else out.ramReserve = readSizeSpec(checker, item);
  }
  return checker.count > before ? undefined : out;
}

/** `guard: false`, or `guard: { ram: 95%, swap: 50%, vram: 98%, horizon: 10000 }`. */
export function readGuard(checker: ConfigChecker, entry: MapEntry): Partial<Omit<GuardSettings, 'enabled'>> | false | undefined {
  const node = checker.resolve(entry.value);
  if (isScalar(node) && node.value === false) return false;
  if (isScalar(node) && node.value === true) return {};
  if (!isMap(node)) {
    checker.expect(entry.value, entry.path, '`true`, `false` or a mapping such as `{ ram: 95%, swap: 50%, vram: 98%, horizon: 10000 }`', '', entry.keyNode);
    return undefined;
  }
  const before = checker.count;
  const entries = checker.entries(entry.value, entry.path, ['ram', 'swap', 'vram', 'horizon'], 'a mapping', 'guard') ?? [];
  const out: { ramPercent?: number; swapPercent?: number; vramPercent?: number; horizonMs?: number } = {};
  for (const item of entries) {
    if (item.key === 'ram') out.ramPercent = readPercent(checker, item, '95%');
    else if (item.key === 'swap') out.swapPercent = readPercent(checker, item, '50%');
    else if (item.key === 'vram') out.vramPercent = readPercent(checker, item, '98%');
    else out.horizonMs = checker.millisecondsOrZero(item, 10000);
  }
  return checker.count > before ? undefined : out;
}

/** A share written as a bare number or `10%`, for `balancePercent`. */
export function readBalance(checker: ConfigChecker, entry: MapEntry): number | undefined {
  return readPercent(checker, entry, '10%');
}
