// The files and directories given on the command line, made absolute: a path that exists as written, else a glob
// (`'src/**/*.test.ts'`, quoted so the shell leaves it alone) expanded under the working directory.

import { lstat } from 'node:fs/promises';
import { resolve } from 'node:path';
import picomatch from 'picomatch';
import { glob } from 'tinyglobby';
import { GpuTestError } from '../errors.js';

/**
 * Absolute paths, each once, in the order given (a glob's matches sorted). Throws GpuTestError `FILE_NOT_FOUND` for a
 * path that does not exist and is no glob, and for a glob that matches no file outside `exclude`.
 */
export async function resolvePaths(cwd: string, paths: readonly string[], exclude: readonly string[]): Promise<string[]> {
  const resolved: string[] = [];
  for (const path of paths) {
    const absolute = resolve(cwd, path);
    try {
      // lstat: a dangling symbolic link exists; the plan then says where it points instead of "does not exist".
      await lstat(absolute);
      resolved.push(absolute);
      continue;
    } catch (error) {
      // A file may have glob characters in its name: only one that is not there is read as a glob.
      if (!picomatch.scan(path).isGlob) {
        const fix = 'check the path, or run `gpu-test list` to see the files the config finds';
        throw new GpuTestError('FILE_NOT_FOUND', `test file or directory \`${path}\` does not exist (looked in ${absolute}); ${fix}`, { cause: error });
      }
    }
    const matches = await glob([path], { cwd, ignore: [...exclude], absolute: true, onlyFiles: true, dot: false });
    if (matches.length === 0) {
      const fix = 'check the pattern (it is matched from the working directory), or run `gpu-test list` to see the files the config finds';
      throw new GpuTestError('FILE_NOT_FOUND', `the glob \`${path}\` matches no file under ${cwd}${exclude.length > 0 ? ` outside \`exclude\`` : ''}; ${fix}`);
    }
    resolved.push(...matches.sort());
  }
  return [...new Set(resolved)];
}
