// Reads earlier runs' results.json files, as the flags and commands that take them name them: a file, or a folder
// (the reports of a run, a downloaded artifact, a history of nights) searched for every gpu-test results.json in it.
// `--durations`, `--baseline`, `merge`, `compare` and `trend` all read their inputs here.

import { readdirSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { GpuTestError } from '../errors.js';

/** One results.json: where it is and its parsed content (checked only to be a gpu-test results.json). */
export interface ResultsFile {
  readonly path: string;
  readonly document: { readonly files: readonly unknown[] } & Readonly<Record<string, unknown>>;
}

/** How deep a folder is searched: a history of nights is `history/<night>/results.json`, a merge `shards/<n>/…`. */
const MAX_DEPTH = 4;

function isResults(value: unknown): value is ResultsFile['document'] {
  return typeof value === 'object' && value !== null && Array.isArray((value as { files?: unknown }).files);
}

function jsonFilesUnder(dir: string, depth: number): string[] {
  if (depth > MAX_DEPTH) return [];
  const entries = readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name));
  return entries.flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory() && !entry.name.startsWith('.') && entry.name !== 'node_modules') return jsonFilesUnder(path, depth + 1);
    return entry.isFile() && entry.name.endsWith('.json') ? [path] : [];
  });
}

async function readOne(path: string, given: string, flag: string): Promise<ResultsFile> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new GpuTestError('FILE_NOT_FOUND', `${flag} \`${given}\` cannot be read (${(error as Error).message}); pass the results.json of an earlier run`, { cause: error });
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new GpuTestError('USAGE', `${flag} \`${given}\` is not JSON (${(error as Error).message}); pass the results.json of an earlier run`, { cause: error });
  }
  if (!isResults(parsed)) {
    throw new GpuTestError('USAGE', `${flag} \`${given}\` has no \`files\` list: it is not a gpu-test results.json (see docs/results-schema.md)`);
  }
  return { path, document: parsed };
}

/** Every gpu-test results.json in a folder, in path order; other JSON files there are passed over. */
async function readFolder(dir: string, given: string, flag: string): Promise<ResultsFile[]> {
  const found: ResultsFile[] = [];
  for (const path of jsonFilesUnder(dir, 0)) {
    try {
      const file = await readOne(path, path, flag);
      if (String(file.document['generatedBy'] ?? '').startsWith('gpu-test ')) found.push(file);
    } catch {
      // Not a results.json (a package.json, a coverage summary): a folder may hold other JSON.
    }
  }
  if (found.length === 0) {
    throw new GpuTestError('USAGE', `${flag} \`${given}\` holds no gpu-test results.json (searched ${MAX_DEPTH} levels down); pass a results.json or the folder of an earlier run's reports`);
  }
  return found;
}

/** The results.json files `given` names (each a file or a folder), relative to `cwd`; throws GpuTestError naming `flag`. */
export async function readResultsFiles(given: readonly string[], cwd: string, flag: string): Promise<ResultsFile[]> {
  const all: ResultsFile[] = [];
  for (const name of given) {
    const path = resolve(cwd, name);
    let isDir: boolean;
    try {
      isDir = statSync(path).isDirectory();
    } catch (error) {
      throw new GpuTestError('FILE_NOT_FOUND', `${flag} \`${name}\` does not exist; pass the results.json of an earlier run, such as reports/results.json`, { cause: error });
    }
    all.push(...(isDir ? await readFolder(path, name, flag) : [await readOne(path, name, flag)]));
  }
  return all;
}

/** The median of `values` (at least one); the mean of the two middle ones for an even count. */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[middle] as number) : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

/** Durations by job id: each file's median over the runs that ran it. */
export function durationsOf(files: readonly ResultsFile[]): Record<string, number> {
  const runs = new Map<string, number[]>();
  for (const { document } of files) {
    for (const file of document.files as { id?: unknown; durationMs?: unknown }[]) {
      if (typeof file.id === 'string' && typeof file.durationMs === 'number' && Number.isFinite(file.durationMs)) {
        runs.set(file.id, [...(runs.get(file.id) ?? []), file.durationMs]);
      }
    }
  }
  return Object.fromEntries([...runs].map(([id, values]) => [id, median(values)]));
}
