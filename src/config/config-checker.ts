// Reads typed values out of YAML nodes, recording a positioned problem for each bad one instead of stopping at the first.

import { isAlias, isMap, isNode, isScalar, isSeq, type Node, type YAMLMap } from 'yaml';
import { closestName, describeValue, formatLocation, locateOffset, nodeValue } from './config-problems.js';
import { MAX_TIMEOUT_MS } from './defaults.js';
import { parseByteSize, SIZE_EXAMPLE } from './parse-size.js';
import type { LoadedConfig } from './load-config.js';
import type { SourceLocation } from './types.js';

/** One key of a mapping, with the nodes needed to point at the key or at its value. */
export interface MapEntry {
  readonly key: string;
  readonly path: string;
  readonly keyNode: unknown;
  readonly value: unknown;
}

/** A check on one list item: the value when it is good, undefined after recording a problem. */
export type ItemCheck = (checker: ConfigChecker, node: unknown, path: string) => string | undefined;

/** Collects the problems of one config file while its values are read. */
export class ConfigChecker {
  private readonly found: { readonly location: SourceLocation; readonly text: string }[] = [];

  constructor(private readonly loaded: LoadedConfig) {}

  /** The node itself, or what an alias (`*name`) points at. */
  resolve(node: unknown): unknown {
    return isAlias(node) ? node.resolve(this.loaded.document) : node;
  }

  /** Where `node` starts; `fallback` (usually its key) when the node has no position, as for a missing value. */
  locate(node: unknown, fallback?: unknown): SourceLocation {
    const target = isNode(node) && node.range ? node : fallback;
    const offset = isNode(target) && target.range ? target.range[0] : 0;
    return locateOffset(this.loaded.displayPath, this.loaded.lineCounter, offset);
  }

  /** Records a free-form problem at `node`. */
  report(node: unknown, text: string, fallback?: unknown): void {
    const location = this.locate(node, fallback);
    this.found.push({ location, text: `${formatLocation(location)}: ${text}` });
  }

  /** How many problems have been recorded so far. */
  get count(): number {
    return this.found.length;
  }

  /** The problems in file order, whatever order the keys were checked in. */
  problems(): string[] {
    const sorted = [...this.found].sort((a, b) => a.location.line - b.location.line || a.location.column - b.location.column);
    return sorted.map((problem) => problem.text);
  }

  /** Records ``path` must be <expected>, got <value> (<type>)` at `node`, with an optional hint after it. */
  expect(node: unknown, path: string, expected: string, hint = '', fallback?: unknown): void {
    const value = nodeValue(this.resolve(node) as Node | null);
    this.report(node, `\`${path}\` must be ${expected}, got ${describeValue(value)}${hint}`, fallback);
  }

  /**
   * The keys of a mapping node, after reporting unknown ones (with the closest known key) and keys that are not names.
   * Returns undefined, after recording a problem, when `node` is not a mapping.
   */
  entries(node: unknown, path: string, known: readonly string[], expected: string, kind: string): MapEntry[] | undefined {
    const map = this.resolve(node);
    if (!isMap(map)) {
      this.expect(node, path, expected);
      return undefined;
    }
    const result: MapEntry[] = [];
    for (const pair of (map as YAMLMap<unknown, unknown>).items) {
      const keyNode = this.resolve(pair.key);
      const key = isScalar(keyNode) ? keyNode.value : nodeValue(keyNode as Node);
      const keyPath = path === '' ? String(key) : `${path}.${String(key)}`;
      if (typeof key !== 'string') {
        this.report(pair.key, `keys ${path === '' ? 'at the top level' : `of \`${path}\``} must be names such as \`${known[0] ?? 'name'}\`, got ${describeValue(key)}`, pair.value);
        continue;
      }
      if (!known.includes(key)) {
        const suggestion = closestName(key, known);
        const meant = suggestion ? `did you mean \`${suggestion}\`? ` : '';
        this.report(pair.key, `\`${keyPath}\` is not a known key; ${meant}${kind} keys are ${known.map((k) => `\`${k}\``).join(', ')}`);
        continue;
      }
      result.push({ key, path: keyPath, keyNode: pair.key, value: pair.value });
    }
    return result;
  }

  /** A positive whole number such as a concurrency; `example` goes in the message. */
  wholeNumber(entry: MapEntry, example: number): number | undefined {
    const value = nodeValue(this.resolve(entry.value) as Node | null);
    if (typeof value === 'number' && Number.isInteger(value) && value > 0) return value;
    this.expect(entry.value, entry.path, `a positive whole number such as \`${example}\``, '', entry.keyNode);
    return undefined;
  }

  /** A timeout in milliseconds: positive, and short enough for a Node.js timer. */
  milliseconds(entry: MapEntry): number | undefined {
    const value = nodeValue(this.resolve(entry.value) as Node | null);
    if (typeof value === 'number' && Number.isFinite(value) && value > 0 && value <= MAX_TIMEOUT_MS) return value;
    const expected =
      typeof value === 'number' && value > MAX_TIMEOUT_MS
        ? `at most ${MAX_TIMEOUT_MS} milliseconds (about 24 days), the longest timer Node.js supports, such as \`900000\``
        : 'a positive number of milliseconds such as `900000`';
    this.expect(entry.value, entry.path, expected, '', entry.keyNode);
    return undefined;
  }

  /** Milliseconds that may be 0 (a wait that can be turned off). */
  millisecondsOrZero(entry: MapEntry, example: number): number | undefined {
    const value = nodeValue(this.resolve(entry.value) as Node | null);
    if (typeof value === 'number' && Number.isFinite(value) && value >= 0 && value <= MAX_TIMEOUT_MS) return value;
    this.expect(entry.value, entry.path, `a number of milliseconds >= 0 such as \`${example}\` (0 turns it off)`, '', entry.keyNode);
    return undefined;
  }

  /** `true` or `false`. */
  flag(entry: MapEntry): boolean | undefined {
    const value = nodeValue(this.resolve(entry.value) as Node | null);
    if (typeof value === 'boolean') return value;
    this.expect(entry.value, entry.path, '`true` or `false`', '', entry.keyNode);
    return undefined;
  }

  /** One of `choices`, with the closest one suggested. */
  choice<T extends string>(entry: MapEntry, choices: readonly T[]): T | undefined {
    const value = nodeValue(this.resolve(entry.value) as Node | null);
    if (typeof value === 'string' && (choices as readonly string[]).includes(value)) return value as T;
    const suggestion = typeof value === 'string' ? closestName(value, choices) : undefined;
    this.expect(entry.value, entry.path, `one of ${choices.map((c) => `\`${c}\``).join(', ')}`, suggestion ? `; did you mean \`${suggestion}\`?` : '', entry.keyNode);
    return undefined;
  }

  /** A size in bytes: a number, or a string such as `100MiB`. */
  size(entry: MapEntry): number | undefined {
    const value = nodeValue(this.resolve(entry.value) as Node | null);
    const parsed = parseByteSize(value);
    if ('bytes' in parsed) return parsed.bytes;
    this.expect(entry.value, entry.path, `a size such as ${SIZE_EXAMPLE} (units B, KiB, MiB, GiB, TiB)`, `: ${parsed.problem}`, entry.keyNode);
    return undefined;
  }

  /** A non-empty string. */
  text(entry: MapEntry, example: string): string | undefined {
    const value = nodeValue(this.resolve(entry.value) as Node | null);
    if (typeof value === 'string' && value.trim() !== '') return value;
    this.expect(entry.value, entry.path, `a non-empty string such as \`${example}\``, '', entry.keyNode);
    return undefined;
  }

  /**
   * A list whose every item passes `check`; `expected` describes the list with an example.
   * With `ifEmpty` (what is expected instead), an empty list is a problem too. Returns undefined if any item was bad.
   */
  list(entry: MapEntry, check: ItemCheck, expected: string, ifEmpty?: string): string[] | undefined {
    const seq = this.resolve(entry.value);
    if (!isSeq(seq)) {
      this.expect(entry.value, entry.path, expected, '', entry.keyNode);
      return undefined;
    }
    if (ifEmpty !== undefined && seq.items.length === 0) {
      this.expect(entry.value, entry.path, ifEmpty, '', entry.keyNode);
      return undefined;
    }
    const values: string[] = [];
    let good = true;
    seq.items.forEach((item, index) => {
      const value = check(this, item, `${entry.path}[${index}]`);
      if (value === undefined) good = false;
      else values.push(value);
    });
    return good ? values : undefined;
  }
}

/** Tag names: what suites, gates and file headers use. */
export const TAG_PATTERN = /^[a-z0-9][a-z0-9_-]*$/;
/** Gate variables: portable environment variable names. */
export const VARIABLE_PATTERN = /^[A-Z_][A-Z0-9_]*$/;

/** The item check for a tag name. */
export const checkTag: ItemCheck = (checker, node, path) => {
  const value = nodeValue(checker.resolve(node) as Node | null);
  if (typeof value === 'string' && TAG_PATTERN.test(value)) return value;
  const hint = typeof value === 'string' && TAG_PATTERN.test(value.toLowerCase()) ? `; write it in lowercase: \`${value.toLowerCase()}\`` : '';
  checker.expect(node, path, 'a tag name of lowercase letters, digits, `-` and `_` such as `gpu`', hint);
  return undefined;
};

/** The item check for a glob. */
export const checkGlob: ItemCheck = (checker, node, path) => {
  const value = nodeValue(checker.resolve(node) as Node | null);
  if (typeof value === 'string' && value.trim() !== '') return value;
  checker.expect(node, path, 'a glob such as `"test/**/*.test.ts"`');
  return undefined;
};
