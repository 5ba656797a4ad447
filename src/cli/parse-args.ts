// Turns argv into a command and CliOptions, with usage errors that name the flag and the fix.

import { parseArgs } from 'node:util';
import { type LeakMode } from '../results/job.js';
import { GPU_BACKEND_NAMES, LEAK_MODES, REPORTER_NAMES, type CliOptions, type GpuBackendName, type ReporterName, type Shard } from '../config/types.js';
import { SHARD_STRATEGIES, type ShardStrategy } from '../config/ci-types.js';
import { GpuTestError } from '../errors.js';
import { CONSOLE_STYLES, type ConsoleStyle } from '../report/console-style.js';

/** What the user asked for. */
export type Command = 'run' | 'list' | 'merge' | 'compare' | 'trend' | 'help' | 'version';
const COMMANDS: readonly Command[] = ['run', 'list', 'merge', 'compare', 'trend'];

/** The parsed command line. */
export interface ParsedArgs {
  readonly command: Command;
  readonly options: CliOptions;
  /** null: decide from the stream written to (a terminal with colours, NO_COLOR/FORCE_COLOR). */
  readonly color: boolean | null;
  /** `--console-style`: a line per file with its failures (spec, the default) or a character per test (dot). */
  readonly consoleStyle: ConsoleStyle;
  /** What `merge`, `compare` and `trend` read: results.json files or folders. */
  readonly inputs: readonly string[];
  /** `trend --metric NAME`: the metrics to chart (default: every one recorded). */
  readonly metrics: readonly string[];
}

/** The usage text for --help. */
export const USAGE = `Usage: gpu-test <command> [options] [paths...]

Commands:
  run [paths...]          run the test files (all suites' files, or the given files/directories)
  list [paths...]         print the plan: every file, its suite, tags, lane, and why it would be skipped
  merge DIR...            fold the results of shards (or machines) into one report.md, junit.xml and results.json
  compare BASE [CURRENT]  what changed from the BASE results (a results.json or a folder of them) to CURRENT
                          (default: the report directory's results.json), as Markdown on stdout
  trend DIR               Markdown with a chart per suite over the runs in DIR (nightly results), on stdout

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
  --shard I/N|auto        run the I-th of N parts of the files, balanced by earlier durations; auto: from the CI
                          (a Kubernetes Indexed Job, or the variables named under shard.auto)
  --shard-strategy NAME   balanced (default: longest first, by --durations) or round-robin (as node --test-shard)
  --gpu-backend NAME      how GPUs are listed and read: auto (NVML, else nvidia-smi, else none), nvml, nvidia-smi, none
  --sample-interval MS    how often VRAM, RAM and swap are sampled for per-test peaks (default: 50)
  --repeat N              run each test N times in its process and fit the memory growth per iteration (leaks)
  --leaks MODE            fail (default): a confirmed leak fails its test; warn: only report it
  --settle-timeout MS     after a GPU test, wait up to MS for VRAM to stop changing before reading it (default: 1000)
  --kill-orphans          kill processes a test file left holding VRAM after it exited (default: name them)
  --kill-grace MS         a stopped file's processes get MS between SIGTERM and SIGKILL (default: 3000)
  --gpus LIST             use only these GPUs (indices or UUIDs, inside any outer CUDA_VISIBLE_DEVICES)
  --durations FILE|DIR    earlier results.json (repeatable; a folder: every one in it): balance shards, start the
                          longest files first
  --retries N             re-run a failed file up to N times (failure classes in retryOn); a test that then
                          passes is flaky
  --fail-on-flaky         a flaky test fails the run
  --baseline FILE|DIR     compare this run with earlier results: report.md says what changed
  --fail-on-regression    a regression against the baseline fails the run (or compare)
  --metric NAME           trend: a metric to chart (repeatable; default: every one recorded)
  --guard on|off          the memory guard that stops a test before RAM, swap or VRAM run out (default: on)
  --no-retry-alone        do not re-run alone a file that ran out of memory beside others
  --console-style NAME    spec (default): a line per file and its failures; dot: a character per test; both end
                          with a recap of the failures
  --color / --no-color    force colors on or off (default: on for a terminal, off under NO_COLOR)
  -h, --help              show this help
  -v, --version           print the version

Exit codes: 0 all executed tests passed, 1 a test or file failed (or a regression under --fail-on-regression),
2 usage, config or plan error,
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

function shard(value: string | undefined): Shard | 'auto' | undefined {
  if (value === undefined || value === 'auto') return value;
  const match = /^(\d+)\/(\d+)$/.exec(value);
  const index = Number(match?.[1]);
  const total = Number(match?.[2]);
  if (!match || total < 1 || index < 1 || index > total) {
    throw new GpuTestError('USAGE', `--shard must be INDEX/TOTAL with 1 <= INDEX <= TOTAL, such as --shard 2/3, or \`auto\`, got \`${value}\``);
  }
  return { index, total };
}

function shardStrategy(value: string | undefined): ShardStrategy | undefined {
  if (value === undefined || SHARD_STRATEGIES.includes(value as ShardStrategy)) return value as ShardStrategy | undefined;
  throw new GpuTestError('USAGE', `--shard-strategy: unknown strategy \`${value}\`; choose from ${SHARD_STRATEGIES.join(', ')}`);
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

function consoleStyle(value: string | undefined): ConsoleStyle {
  if (value === undefined) return 'spec';
  if (CONSOLE_STYLES.includes(value as ConsoleStyle)) return value as ConsoleStyle;
  throw new GpuTestError('USAGE', `--console-style: unknown style \`${value}\`; choose from ${CONSOLE_STYLES.join(', ')}`);
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
        'shard-strategy': { type: 'string' },
        retries: { type: 'string' },
        'fail-on-flaky': { type: 'boolean' },
        baseline: { type: 'string' },
        'fail-on-regression': { type: 'boolean' },
        metric: { type: 'string', multiple: true },
        'gpu-backend': { type: 'string' },
        'sample-interval': { type: 'string' },
        repeat: { type: 'string' },
        leaks: { type: 'string' },
        'settle-timeout': { type: 'string' },
        'kill-orphans': { type: 'boolean' },
        'kill-grace': { type: 'string' },
        gpus: { type: 'string', multiple: true },
        durations: { type: 'string', multiple: true },
        guard: { type: 'string' },
        'retry-alone': { type: 'boolean' },
        'no-retry-alone': { type: 'boolean' },
        color: { type: 'boolean' },
        'no-color': { type: 'boolean' },
        'console-style': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
        version: { type: 'boolean', short: 'v' },
      },
    });
  } catch (error) {
    throw new GpuTestError('USAGE', `${(error as Error).message}; run \`gpu-test --help\` for the options`, { cause: error });
  }
  const { values, positionals } = parsed;
  const color = values['no-color'] ? false : values.color ? true : null;
  const bare = { options: {}, color, consoleStyle: consoleStyle(values['console-style']), inputs: [], metrics: [] };
  if (values.help) return { command: 'help', ...bare };
  if (values.version) return { command: 'version', ...bare };
  const [first, ...rest] = positionals;
  if (first === undefined) return { command: 'help', ...bare };
  if (!COMMANDS.includes(first as Command)) {
    throw new GpuTestError('USAGE', `unknown command \`${first}\`; use ${COMMANDS.map((name) => `\`gpu-test ${name}\``).join(', ')} (see --help)`);
  }
  const command = first as Command;
  const takesInputs = command === 'merge' || command === 'compare' || command === 'trend';
  checkInputs(command, rest);
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
    paths: takesInputs ? [] : rest,
    shardStrategy: shardStrategy(values['shard-strategy']),
    retries: wholeNumberOrZero('retries', values.retries, 2),
    failOnFlaky: values['fail-on-flaky'],
    baseline: values.baseline,
    failOnRegression: values['fail-on-regression'],
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
  return { command, options, color, consoleStyle: bare.consoleStyle, inputs: takesInputs ? rest : [], metrics: values.metric ?? [] };
}

// How many results each command reads: merge one or more, compare a baseline and maybe the current run, trend one folder.
function checkInputs(command: Command, inputs: readonly string[]): void {
  const usage = { merge: 'gpu-test merge DIR...', compare: 'gpu-test compare BASE [CURRENT]', trend: 'gpu-test trend DIR' } as const;
  if (command !== 'merge' && command !== 'compare' && command !== 'trend') return;
  const fits = command === 'merge' ? inputs.length >= 1 : command === 'compare' ? inputs.length === 1 || inputs.length === 2 : inputs.length === 1;
  if (!fits) throw new GpuTestError('USAGE', `\`${usage[command]}\` got ${inputs.length === 0 ? 'nothing' : inputs.map((input) => `\`${input}\``).join(' ')}; see --help`);
}
