// Test support: compiles the stand-in libnvidia-ml (fixtures/fake-nvml) once per test process, into a temp folder
// removed at exit, so the NVML reader is tested through a real dlopen where no GPU and no driver are.

import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const SOURCES = ['fake-nvml.c', 'fake-state.c'].map((name) =>
  fileURLToPath(new URL(`../../fixtures/fake-nvml/${name}`, import.meta.url)),
);

/** Variants of the stand-in. */
export interface FakeNvmlVariant {
  /** Leave out nvmlDeviceGetMemoryInfo_v2, as drivers before R510 do. */
  readonly withoutMemoryV2?: boolean;
}

let compiler: string | null | undefined;
let outputDir: string | undefined;
const built = new Map<string, string>();

/** The C compiler: $CC, then cc, gcc, clang; null when none of them runs. */
export function findCompiler(): string | null {
  if (compiler !== undefined) return compiler;
  const candidates = [process.env['CC'], 'cc', 'gcc', 'clang'].filter((name): name is string => Boolean(name));
  compiler = candidates.find((name) => spawnSync(name, ['--version'], { stdio: 'ignore' }).status === 0) ?? null;
  return compiler;
}

/** Why the NVML tests cannot run on this machine, or false when they can: the value for node:test's `skip`. */
export function fakeNvmlSkipReason(): string | false {
  if (process.platform !== 'linux') return `the stand-in libnvidia-ml is built for Linux only, not ${process.platform}`;
  return findCompiler() === null
    ? 'no C compiler (cc, gcc or clang, or $CC) was found to build the stand-in libnvidia-ml: install gcc to run these tests'
    : false;
}

/** Builds the stand-in (once per variant and process) with `cc -shared -fPIC -O2`; returns the library's path. */
export function buildFakeNvml(variant: FakeNvmlVariant = {}): string {
  const key = variant.withoutMemoryV2 === true ? 'no-memory-v2' : 'default';
  const cached = built.get(key);
  if (cached !== undefined) return cached;
  const cc = findCompiler();
  if (cc === null) throw new Error(String(fakeNvmlSkipReason()));
  if (outputDir === undefined) {
    const dir = mkdtempSync(join(tmpdir(), 'fake-nvml-'));
    outputDir = dir;
    process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  }
  // A distinct file per variant: the loader would hand back the first one for a repeated path.
  const variantDir = join(outputDir, key);
  mkdirSync(variantDir, { recursive: true });
  const library = join(variantDir, 'libnvidia-ml.so.1');
  const defines = variant.withoutMemoryV2 === true ? ['-DFAKE_NVML_NO_MEMORY_V2'] : [];
  const args = ['-shared', '-fPIC', '-O2', '-Wall', ...defines, '-o', library, ...SOURCES];
  const result = spawnSync(cc, args, { encoding: 'utf8' });
  if (result.status !== 0) {
    throw new Error(`\`${cc} ${args.join(' ')}\` failed (exit ${result.status ?? result.signal}):\n${result.stderr}${result.stdout}`);
  }
  built.set(key, library);
  return library;
}
