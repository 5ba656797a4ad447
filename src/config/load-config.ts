// Finds gpu-test.config.yaml and parses it, keeping every node's position for the validator's messages.

import { stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { LineCounter, parseDocument, visit, type Alias, type Document } from 'yaml';
import { GpuTestError } from '../errors.js';
import { readRegularFile } from './read-regular-file.js';
import { displayPath, formatLocation, locateOffset } from './config-problems.js';
import { MAX_CONFIG_ALIASES, MAX_CONFIG_BYTES } from './defaults.js';

/** The file names searched for, in order, in each directory from the start upward. */
export const CONFIG_FILE_NAMES: readonly string[] = ['gpu-test.config.yaml', 'gpu-test.config.yml'];

/** A parsed config file: the YAML document and what is needed to turn its offsets into `file:line:column`. */
export interface LoadedConfig {
  /** Absolute path. */
  readonly file: string;
  /** The path as messages show it: relative to the working directory when shorter. */
  readonly displayPath: string;
  readonly document: Document.Parsed;
  readonly lineCounter: LineCounter;
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return false;
    throw error;
  }
}

/** The nearest config file in `startDir` or a parent directory, or null when there is none up to the root. */
export async function findConfigFile(startDir: string): Promise<string | null> {
  let dir = resolve(startDir);
  for (;;) {
    for (const name of CONFIG_FILE_NAMES) {
      const candidate = join(dir, name);
      if (await isFile(candidate)) return candidate;
    }
    const parent = dirname(dir);
    if (parent === dir) return null;
    dir = parent;
  }
}

// The offending line with a caret under the column, so the message shows what yaml choked on.
function excerpt(text: string, line: number, column: number): string {
  const source = text.split(/\r?\n/)[line - 1];
  if (source === undefined || source.trim() === '' || source.length > 200) return '';
  return `\n    ${source}\n    ${' '.repeat(Math.max(column - 1, 0))}^`;
}

/** Parses config text as if read from `file`; throws GpuTestError `CONFIG_PARSE` on a YAML syntax error. */
export function parseConfigText(text: string, file: string, cwd: string): LoadedConfig {
  const shown = displayPath(file, cwd);
  const lineCounter = new LineCounter();
  // prettyErrors is off so the position is formatted once, as `file:line:column`, like the validator's.
  const document = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  if (document.errors.length > 0) {
    const lines = document.errors.map((error) => {
      const location = locateOffset(shown, lineCounter, Math.max(error.pos[0], 0));
      return `${formatLocation(location)}: YAML syntax error: ${error.message}${excerpt(text, location.line, location.column)}`;
    });
    const fix = 'fix the YAML syntax (indentation, quotes, `key: value` pairs) and run again';
    throw new GpuTestError('CONFIG_PARSE', `${lines.join('\n')}\n${fix}`, { cause: document.errors[0] });
  }
  refuseBadAliases(document, shown, lineCounter);
  return { file, displayPath: shown, document, lineCounter };
}

// yaml parses an alias to no anchor without an error, and the checks would then see `null` where the user wrote a
// value; and anything that turns the document into plain values expands every alias: ten levels of ten aliases each
// are 10^10 values (a "billion laughs"). yaml counts that expansion as it goes and stops at the limit, so such a file
// is refused here, before any code can exhaust memory on it.
function refuseBadAliases(document: Document.Parsed, shown: string, lineCounter: LineCounter): void {
  let unresolved: Alias | null = null;
  visit(document, {
    Alias(_, alias) {
      if (alias.resolve(document) !== undefined) return undefined;
      unresolved = alias;
      return visit.BREAK;
    },
  });
  const alias = unresolved as Alias | null;
  if (alias !== null) {
    const where = formatLocation(locateOffset(shown, lineCounter, alias.range?.[0] ?? 0));
    throw new GpuTestError('CONFIG_PARSE', `${where}: YAML alias \`*${alias.source}\` refers to no anchor; set \`&${alias.source}\` on a value above it, or write the value out`);
  }
  try {
    document.toJS({ maxAliasCount: MAX_CONFIG_ALIASES });
  } catch (error) {
    if (!(error instanceof ReferenceError)) throw error;
    const fix = 'write the values out, or use fewer aliases (`*name`) of anchors whose values hold aliases themselves';
    throw new GpuTestError('CONFIG_PARSE', `${shown}: YAML aliases expand to more than ${MAX_CONFIG_ALIASES} copies of their anchors (yaml: ${error.message}); ${fix}`, { cause: error });
  }
}

/**
 * Reads and parses the config file at `path` (relative to `cwd`). Throws GpuTestError `CONFIG_NOT_FOUND` when it
 * cannot be read, `CONFIG_TOO_LARGE` over MAX_CONFIG_BYTES (before parsing) and `CONFIG_PARSE` on a YAML syntax error.
 */
export async function loadConfigFile(path: string, cwd: string = process.cwd()): Promise<LoadedConfig> {
  const file = resolve(cwd, path);
  // One byte past the limit tells an over-long file from one exactly at it, without reading the rest.
  const read = readRegularFile(file, MAX_CONFIG_BYTES + 1);
  if (!read.ok) {
    const what = (await isDirectory(file))
      ? `is a directory; name the file in it, such as \`${join(path, CONFIG_FILE_NAMES[0] ?? '')}\``
      : read.problem;
    const fix = `check the --config path, or leave --config out to use the nearest ${CONFIG_FILE_NAMES.join(' or ')} above the working directory`;
    throw new GpuTestError('CONFIG_NOT_FOUND', `config file \`${path}\` ${what} (looked in ${file}); ${fix}`, { cause: read.cause });
  }
  const size = Math.max(read.size, read.bytes.length);
  if (size > MAX_CONFIG_BYTES) {
    const mib = (size / 1024 ** 2).toFixed(1);
    const fix = `check that it is the config file you meant (a real one is a few KiB), or cut it down; --config names another file`;
    throw new GpuTestError('CONFIG_TOO_LARGE', `config file \`${displayPath(file, cwd)}\` is ${mib} MiB (${size} bytes), over the ${MAX_CONFIG_BYTES / 1024 ** 2} MiB limit for a config file, so it was not parsed; ${fix}`);
  }
  return parseConfigText(read.bytes.toString('utf8'), file, cwd);
}

async function isDirectory(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory();
  } catch {
    return false;
  }
}
