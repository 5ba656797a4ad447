// Turns argv into a command and CliOptions, with usage errors that name the flag and the fix.

import { parseArgs } from 'node:util';
import { type LeakMode } from '../results/job.js';
import { GPU_BACKEND_NAMES, LEAK_MODES, REPORTER_NAMES, type CliOptions, type GpuBackendName, type ReporterName, type Shard } from '../config/types.js';
import { GpuTestError } from '../errors.js';

/** What the user asked for. */
export type Command = 'run' | 'list' | 'help' | 'version';

/** The parsed command line. */
export interface ParsedArgs {
  readonly command: Command;
  readonly options: CliOptions;
  /** null: decide from the terminal (chalk's detection and NO_COLOR/FORCE_COLOR). */
  readonly color: boolean | null;
}

/** The usage text for --help. */
export const USAGE = `Usage: gpu-test <command> [options] [paths...]

Commands:
  run [paths...]          run the test files (all suites' files, or the given files/directories)
  list [paths...]         print the plan: every file, its suite, tags, lane, and why it would be skipped

Options:
  --config FILE           config file (default: gpu-test.config.yaml, searched upward)
  --report-dir DIR        where reports go (default: reports/)
  --reporter LIST         console,markdown,junit,json (default: all)
  --concurrency N         files at once in the cpu lane (default: number of cores)
  --gpu-concurrency N     files at once on each GPU (default: 1)
  --enable TAG            run files tagged TAG as if its gate variable were 1 (repeatable)
  --tags LIST             run only files with one of these tags
  --skip-tags LIST        do not run files with any of these tags
  --test-name-pattern RE  run only tests whose name matches (repeatable; node:test semantics)
  --only                  honour node:test's { only: true } in every file
  --timeout MS            per-file timeout; the file's process tree is killed (default: 600000)
  --require-gpu           fail GPU files, rather than skip them, when no usable GPU is found
  --shard I/N             run the I-th of N parts of the files (as node --test-shard), e.g. one per CI runner
  --gpu-backend NAME      how GPUs are listed and read: auto (NVML, else nvidia-smi, else none), nvml, nvidia-smi, none
  --sample-interval MS    how often VRAM, RAM and swap are sampled for per-test peaks (default: 50)
  --repeat N              run each test N times in its process and fit the memory growth per iteration (leaks)
  --leaks MODE            fail (default): a confirmed leak fails its test; warn: only report it
  --settle-timeout MS     after a GPU test, wait up to MS for VRAM to stop changing before reading it (default: 1000)
  --kill-orphans          kill processes a test file left holding VRAM after it exited (default: name them)
  --kill-grace MS         a stopped file's processes get MS between SIGTERM and SIGKILL (default: 3000)
  --gpus LIST             use only these GPUs (indices or UUIDs, inside any outer CUDA_VISIBLE_DEVICES)
  --durations FILE        a previous results.json: start the longest waiting files first
  --guard on|off          the memory guard that stops a test before RAM, swap or VRAM run out (default: on)
  --no-retry-alone        do not re-run alone a file that ran out of memory beside others
  --color / --no-color    force colors on or off
  -h, --help              show this help
  -v, --version           print the version

Exit codes: 0 all executed tests passed, 1 a test or file failed, 2 usage, config or plan error,
130/143 interrupted by SIGINT/SIGTERM (reports are still written).`;

function splitList(values: readonly string[] | undefined): string[] | undefined {
  if (!values) return undefined;
  return values.flatMap((value) => value.split(',')).map((v) => v.trim()).filter(Boolean);
}

function guardFlag(value: string | undefined): boolean | undefined {
  if (value === undefined) return undefined;
  if (value === 'on' || value === 'off') return value === 'on';
  throw new GpuTestError('USAGE', `--guard takes \`on\` or \`off\`, got \`${value}\``);
}

function leakMode(value: string | undefined): LeakMode | undefined {
  if (value === undefined) return undefined;
  if (LEAK_MODES.includes(value as LeakMode)) return value as LeakMode;
  throw new GpuTestError('USAGE', `--leaks: unknown mode \`${value}\`; choose from ${LEAK_MODES.join(', ')}`);
}

function wholeNumberOrZero(flag: string, value: string | undefined, example: number): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (value.trim() === '' || !Number.isInteger(n) || n < 0) {
    throw new GpuTestError('USAGE', `--${flag} must be a whole number >= 0, got \`${value}\`; for example --${flag} ${example}`);
  }
  return n;
}

function positiveInteger(flag: string, value: string | undefined, example = 2): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) {
    throw new GpuTestError('USAGE', `--${flag} must be a positive whole number, got \`${value}\`; for example --${flag} ${example}`);
  }
  return n;
}

function shard(value: string | undefined): Shard | undefined {
  if (value === undefined) return undefined;
  const match = /^(\d+)\/(\d+)$/.exec(value);
  const index = Number(match?.[1]);
  const total = Number(match?.[2]);
  if (!match || total < 1 || index < 1 || index > total) {
    throw new GpuTestError('USAGE', `--shard must be INDEX/TOTAL with 1 <= INDEX <= TOTAL, such as --shard 2/3, got \`${value}\``);
  }
  return { index, total };
}

function reporters(values: string[] | undefined): ReporterName[] | undefined {
  const names = splitList(values);
  if (!names) return undefined;
  for (const name of names) {
    if (!REPORTER_NAMES.includes(name as ReporterName)) {
      throw new GpuTestError('USAGE', `--reporter: unknown reporter \`${name}\`; choose from ${REPORTER_NAMES.join(', ')} (comma-separated)`);
    }
  }
  return names as ReporterName[];
}

function gpuBackend(value: string | undefined): GpuBackendName | undefined {
  if (value === undefined) return undefined;
  if (!GPU_BACKEND_NAMES.includes(value as GpuBackendName)) {
    throw new GpuTestError('USAGE', `--gpu-backend: unknown backend \`${value}\`; choose from ${GPU_BACKEND_NAMES.join(', ')}`);
  }
  return value as GpuBackendName;
}

/** Parses `argv` (without node and the script). Throws GpuTestError `USAGE` on a bad flag or command. */
export function parseCliArgs(argv: readonly string[]): ParsedArgs {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      strict: true,
      options: {
        config: { type: 'string' },
        'report-dir': { type: 'string' },
        reporter: { type: 'string', multiple: true },
        concurrency: { type: 'string' },
        'gpu-concurrency': { type: 'string' },
        enable: { type: 'string', multiple: true },
        tags: { type: 'string', multiple: true },
        'skip-tags': { type: 'string', multiple: true },
        'test-name-pattern': { type: 'string', multiple: true },
        only: { type: 'boolean' },
        timeout: { type: 'string' },
        'require-gpu': { type: 'boolean' },
        shard: { type: 'string' },
        'gpu-backend': { type: 'string' },
        'sample-interval': { type: 'string' },
        repeat: { type: 'string' },
        leaks: { type: 'string' },
        'settle-timeout': { type: 'string' },
        'kill-orphans': { type: 'boolean' },
        'kill-grace': { type: 'string' },
        gpus: { type: 'string', multiple: true },
        durations: { type: 'string' },
        guard: { type: 'string' },
        'retry-alone': { type: 'boolean' },
        'no-retry-alone': { type: 'boolean' },
        color: { type: 'boolean' },
        'no-color': { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
        version: { type: 'boolean', short: 'v' },
      },
    });
  } catch (error) {
    throw new GpuTestError('USAGE', `${(error as Error).message}; run \`gpu-test --help\` for the options`, { cause: error });
  }
  const { values, positionals } = parsed;
  const color = values['no-color'] ? false : values.color ? true : null;
  if (values.help) return { command: 'help', options: {}, color };
  if (values.version) return { command: 'version', options: {}, color };
  const [first, ...rest] = positionals;
  if (first === undefined) return { command: 'help', options: {}, color };
  if (first !== 'run' && first !== 'list') {
    throw new GpuTestError('USAGE', `unknown command \`${first}\`; use \`gpu-test run\` or \`gpu-test list\` (see --help)`);
  }
  const options: CliOptions = {
    config: values.config,
    reportDir: values['report-dir'],
    reporters: reporters(values.reporter),
    concurrency: positiveInteger('concurrency', values.concurrency),
    gpuConcurrency: positiveInteger('gpu-concurrency', values['gpu-concurrency']),
    enable: splitList(values.enable),
    tags: splitList(values.tags),
    skipTags: splitList(values['skip-tags']),
    testNamePatterns: values['test-name-pattern'],
    timeout: positiveInteger('timeout', values.timeout),
    requireGpu: values['require-gpu'],
    shard: shard(values.shard),
    only: values.only,
    paths: rest,
    gpuBackend: gpuBackend(values['gpu-backend']),
    sampleIntervalMs: positiveInteger('sample-interval', values['sample-interval'], 50),
    repeat: positiveInteger('repeat', values.repeat, 10),
    leaks: leakMode(values.leaks),
    settleTimeoutMs: wholeNumberOrZero('settle-timeout', values['settle-timeout'], 1000),
    killOrphans: values['kill-orphans'],
    killGraceMs: wholeNumberOrZero('kill-grace', values['kill-grace'], 3000),
    gpus: splitList(values.gpus),
    durations: values.durations,
    guard: guardFlag(values.guard),
    retryAlone: values['no-retry-alone'] ? false : values['retry-alone'],
  };
  return { command: first, options, color };
}
