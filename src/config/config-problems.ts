// Shared pieces of the config's error messages: where a node sits, how a value is echoed, which name was meant.

import { relative } from 'node:path';
import { isMap, isScalar, isSeq, type LineCounter, type Node } from 'yaml';
import type { SourceLocation } from './types.js';

/** `file` relative to `cwd` when that is shorter, else absolute: what messages show. */
export function displayPath(file: string, cwd: string): string {
  const rel = relative(cwd, file);
  return rel !== '' && rel.length < file.length ? rel : file;
}

/** The 1-based line and column of `offset` in a file parsed with `lineCounter`. */
export function locateOffset(file: string, lineCounter: LineCounter, offset: number): SourceLocation {
  const { line, col } = lineCounter.linePos(offset);
  // linePos reports line 0 before the first newline has been seen, e.g. in a one-line file.
  return { file, line: Math.max(line, 1), column: Math.max(col, 1) };
}

/** `file:line:column`, the prefix of every positioned message. */
export function formatLocation(location: SourceLocation): string {
  return `${location.file}:${location.line}:${location.column}`;
}

/** The value a node holds, as plain data: what the user wrote, for echoing back. */
export function nodeValue(node: Node | null | undefined): unknown {
  if (node === null || node === undefined) return null;
  if (isScalar(node)) return node.value;
  return node.toJSON();
}

function typeName(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (Array.isArray(value)) return 'list';
  if (value instanceof Map || typeof value === 'object') return 'mapping';
  return typeof value;
}

const ECHO_LIMIT = 60;

/** A value echoed with its type, as in ``got `"15 min"` (string)``; long values are cut. */
export function describeValue(value: unknown): string {
  let text: string;
  if (value === null || value === undefined) text = 'null';
  else if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') text = String(value);
  else {
    // JSON keeps strings quoted, so `"1"` and `1` look different in the message, as they are in YAML.
    text = JSON.stringify(value instanceof Map ? Object.fromEntries(value) : value) ?? String(value);
  }
  if (text.length > ECHO_LIMIT) text = `${text.slice(0, ECHO_LIMIT - 1)}…`;
  return `\`${text}\` (${typeName(value)})`;
}

/** A YAML flow list of strings, as the user would write it: `["a/**", "b/**"]`. */
export function yamlList(values: readonly string[]): string {
  return `[${values.map((value) => JSON.stringify(value)).join(', ')}]`;
}

/** What kind of YAML node was written, for the message when a mapping or list was expected. */
export function describeNode(node: Node | null | undefined): string {
  if (node && (isMap(node) || isSeq(node) || isScalar(node))) return describeValue(nodeValue(node));
  return describeValue(null);
}

// Optimal string alignment distance: a swap of two neighbours (`junti`) counts as one edit, like a keystroke slip.
function editDistance(a: string, b: string): number {
  const rows = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  const at = (i: number, j: number): number => rows[i]?.[j] ?? Infinity;
  for (let i = 1; i <= a.length; i++) {
    const row = rows[i] ?? [];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(at(i - 1, j) + 1, at(i, j - 1) + 1, at(i - 1, j - 1) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) best = Math.min(best, at(i - 2, j - 2) + 1);
      row[j] = best;
    }
  }
  return at(a.length, b.length);
}

// Case and separators are ignored so `gpu_tags`, `GpuTags` and `gpu-tags` all point at `gpuTags`.
function normalizeName(name: string): string {
  return name.toLowerCase().replace(/[-_\s]/g, '');
}

/** The candidate `input` most likely meant, or undefined when none is close enough to suggest. */
export function closestName(input: string, candidates: readonly string[]): string | undefined {
  const wanted = normalizeName(input);
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of candidates) {
    const distance = editDistance(wanted, normalizeName(candidate));
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  // A third of the name, at least one edit: close enough to be a typo, far enough not to guess wildly.
  const allowed = Math.max(1, Math.floor(Math.max(wanted.length, 3) / 3));
  return bestDistance <= allowed ? best : undefined;
}

/** The one message of a failed config: a single problem as is, several as a count and one line each. */
export function formatProblems(file: string, problems: readonly string[]): string {
  if (problems.length === 1) return problems[0] ?? '';
  return [`${file}: ${problems.length} problems`, ...problems.map((problem) => `  ${problem}`)].join('\n');
}
