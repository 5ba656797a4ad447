// The command line's options in one table: what each takes, which commands accept it and its line of help. The parser,
// the per-command help and the did-you-mean suggestions all read it, so a flag cannot be parsed but undocumented.

/** A command the CLI runs. */
export type CommandName = 'run' | 'list' | 'merge' | 'compare' | 'trend';
/** Every command, in the order help lists them. */
export const COMMAND_NAMES: readonly CommandName[] = ['run', 'list', 'merge', 'compare', 'trend'];

/** One option: its long name (without `--`), its value's placeholder (none for a switch) and where it applies. */
export interface OptionSpec {
  readonly name: string;
  /** The value's placeholder in help (`N`, `MS`, `LIST`); undefined for a switch. */
  readonly value?: string;
  readonly multiple?: boolean;
  readonly short?: string;
  /** The commands that accept it; undefined: every command. */
  readonly commands?: readonly CommandName[];
  readonly help: string;
}

const RUN: readonly CommandName[] = ['run'];
const PLAN: readonly CommandName[] = ['run', 'list'];

/** Every option, in the order help lists them. */
export const OPTIONS: readonly OptionSpec[] = [
  { name: 'config', value: 'FILE', help: 'config file (default: gpu-test.config.yaml, searched upward)' },
  { name: 'report-dir', value: 'DIR', help: 'where reports go, and where --last-failed and compare read results.json (default: reports/)' },
  { name: 'reporter', value: 'LIST', multiple: true, commands: ['run', 'merge'], help: 'console,markdown,junit,json (default: all)' },
  { name: 'concurrency', value: 'N', commands: PLAN, help: 'files at once in the cpu lane (default: number of cores)' },
  { name: 'gpu-concurrency', value: 'N', commands: PLAN, help: 'files at once on each GPU (default: 1)' },
  { name: 'enable', value: 'TAG', multiple: true, commands: PLAN, help: 'run files tagged TAG as if its gate variable were 1 (repeatable)' },
  { name: 'tags', value: 'LIST', multiple: true, commands: PLAN, help: 'run only files with one of these tags' },
  { name: 'skip-tags', value: 'LIST', multiple: true, commands: PLAN, help: 'do not run files with any of these tags' },
  { name: 'last-failed', commands: PLAN, help: 'only the files that failed in the report directory\'s results.json (every test in them)' },
  { name: 'tests', commands: ['list'], help: 'list the test names of each file that would run (loads each file; see docs/config.md)' },
  { name: 'test-name-pattern', short: 't', value: 'RE', multiple: true, commands: RUN, help: 'run only tests whose name matches (repeatable; node:test semantics)' },
  { name: 'only', commands: RUN, help: 'honour node:test\'s { only: true } in every file' },
  { name: 'bail', commands: RUN, help: 'start no new file after the first failure; the rest are reported as not run' },
  { name: 'timeout', value: 'MS', commands: RUN, help: 'per-file timeout; the file\'s process tree is killed (default: 600000)' },
  { name: 'test-timeout', value: 'MS', commands: RUN, help: 'per-test timeout, passed to node:test (default: none)' },
  { name: 'require-gpu', commands: PLAN, help: 'fail GPU files, rather than skip them, when no usable GPU is found' },
  { name: 'shard', value: 'I/N|auto', commands: PLAN, help: 'run the I-th of N parts of the files, balanced by earlier durations; auto: from the CI' },
  { name: 'shard-strategy', value: 'NAME', commands: PLAN, help: 'balanced (default: longest first, by --durations) or round-robin (as node --test-shard)' },
  { name: 'gpu-backend', value: 'NAME', commands: PLAN, help: 'how GPUs are listed and read: auto (NVML, else nvidia-smi, else none), nvml, nvidia-smi, none' },
  { name: 'gpus', value: 'LIST', multiple: true, commands: PLAN, help: 'use only these GPUs (indices or UUIDs, inside any outer CUDA_VISIBLE_DEVICES)' },
  { name: 'durations', value: 'FILE|DIR', multiple: true, commands: PLAN, help: 'earlier results.json (repeatable; a folder: every one in it): balance shards, longest first' },
  { name: 'sample-interval', value: 'MS', commands: RUN, help: 'how often VRAM, RAM and swap are sampled for per-test peaks (default: 50)' },
  { name: 'repeat', value: 'N', commands: RUN, help: 'run each test N times in its process and fit the memory growth per iteration (leaks)' },
  { name: 'leaks', value: 'MODE', commands: RUN, help: 'fail (default): a confirmed leak fails its test; warn: only report it' },
  { name: 'settle-timeout', value: 'MS', commands: RUN, help: 'after a GPU test, wait up to MS for VRAM to stop changing (default: 1000; 0: no wait)' },
  { name: 'kill-orphans', commands: RUN, help: 'kill processes a test file left holding VRAM after it exited (default: name them)' },
  { name: 'raw-samples', commands: RUN, help: 'results.json keeps each test\'s raw memory samples, not only its before/after/peak figures' },
  { name: 'kill-grace', value: 'MS', commands: RUN, help: 'a stopped file\'s processes get MS between SIGTERM and SIGKILL (default: 3000)' },
  { name: 'guard', value: 'on|off', commands: RUN, help: 'the memory guard that stops a test before RAM, swap or VRAM run out (default: on)' },
  { name: 'retry-alone', commands: RUN, help: 're-run alone a file that ran out of memory beside others (default)' },
  { name: 'no-retry-alone', commands: RUN, help: 'do not re-run alone a file that ran out of memory beside others' },
  { name: 'retries', value: 'N', commands: RUN, help: 're-run a failed file up to N times (classes in retryOn); a test that then passes is flaky' },
  { name: 'fail-on-flaky', commands: RUN, help: 'a flaky test fails the run' },
  { name: 'baseline', value: 'FILE|DIR', commands: RUN, help: 'compare this run with earlier results: report.md says what changed' },
  { name: 'fail-on-regression', commands: ['run', 'compare'], help: 'a regression against the baseline fails the run (or compare)' },
  { name: 'metric', value: 'NAME', multiple: true, commands: ['trend'], help: 'a metric to chart (repeatable; default: every one recorded)' },
  { name: 'console-style', value: 'NAME', commands: ['run'], help: 'spec (default): a line per file and its failures; dot: a character per test; both end with a recap of the failures' },
  { name: 'color', help: 'force colors on' },
  { name: 'no-color', help: 'force colors off (NO_COLOR and FORCE_COLOR are honoured)' },
  { name: 'help', short: 'h', help: 'show help (`gpu-test <command> --help`: that command\'s)' },
  { name: 'version', short: 'v', help: 'print the version' },
];

/** The option named `name` (long, without `--`), or undefined. */
export function findOption(name: string): OptionSpec | undefined {
  return OPTIONS.find((option) => option.name === name);
}

/** Whether `command` accepts `option`. */
export function acceptsOption(command: CommandName, option: OptionSpec): boolean {
  return option.commands === undefined || option.commands.includes(command);
}
