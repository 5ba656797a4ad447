// Finds gpu-test.config.yaml and parses it, keeping every node's position for the validator's messages.

import { readFile, stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { LineCounter, parseDocument, type Document } from 'yaml';
import { GpuTestError } from '../errors.js';
import { displayPath, formatLocation, locateOffset } from './config-problems.js';

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
  return { file, displayPath: shown, document, lineCounter };
}

/**
 * Reads and parses the config file at `path` (relative to `cwd`).
 * Throws GpuTestError `CONFIG_NOT_FOUND` when it cannot be read and `CONFIG_PARSE` on a YAML syntax error.
 */
export async function loadConfigFile(path: string, cwd: string = process.cwd()): Promise<LoadedConfig> {
  const file = resolve(cwd, path);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const what =
      code === 'ENOENT' || code === 'ENOTDIR'
        ? 'does not exist'
        : code === 'EISDIR'
          ? `is a directory; name the file in it, such as \`${join(path, CONFIG_FILE_NAMES[0] ?? '')}\``
          : `cannot be read (${code ?? (error as Error).message})`;
    const fix = `check the --config path, or leave --config out to use the nearest ${CONFIG_FILE_NAMES.join(' or ')} above the working directory`;
    throw new GpuTestError('CONFIG_NOT_FOUND', `config file \`${path}\` ${what} (looked in ${file}); ${fix}`, { cause: error });
  }
  return parseConfigText(text, file, cwd);
}
