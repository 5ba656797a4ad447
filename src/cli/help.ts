// The help texts: `gpu-test --help` (commands, shared options, exit codes, environment) and `gpu-test <command> --help`
// (that command's options only), composed from the option table so every flag the parser takes is in them.

import { acceptsOption, COMMAND_NAMES, OPTIONS, type CommandName, type OptionSpec } from './cli-options.js';

const COMMANDS: Readonly<Record<CommandName, { readonly usage: string; readonly what: string }>> = {
  run: { usage: 'run [paths or globs...]', what: 'run the test files (all suites\' files, or the given files, directories or globs)' },
  list: { usage: 'list [paths or globs...]', what: 'print the plan: every file, its suite, tags, lane, and why it would be skipped' },
  merge: { usage: 'merge DIR...', what: 'fold the results of shards (or machines) into one report.md, junit.xml and results.json' },
  compare: { usage: 'compare BASE [CURRENT]', what: 'what changed from the BASE results to CURRENT (default: the report directory\'s), as Markdown' },
  trend: { usage: 'trend DIR', what: 'Markdown with a chart per suite over the runs in DIR (nightly results), on stdout' },
};

const EXIT_CODES = `Exit codes:
  0    every executed test passed (skipped and gated files do not fail a run)
  1    a test, a file or a hook step failed (or a flaky test under --fail-on-flaky, a regression under
       --fail-on-regression)
  2    a usage, config or plan error, found before any test starts, or a report that could not be written
  3    an internal error of gpu-test (please report it, with the message)
  129/130/143  interrupted by SIGHUP/SIGINT/SIGTERM (every report is still written)`;

const ENVIRONMENT = `Environment:
  ENABLE_GPU_TESTS=1, ENABLE_FLUX_TESTS=1  the default gates of files tagged gpu and flux (a config's gates: name others)
  CUDA_VISIBLE_DEVICES     the GPUs gpu-test may use; each GPU file gets its own card(s) inside it
  NO_COLOR, FORCE_COLOR    turn colors off or on
  GITHUB_ACTIONS=true      annotations, log groups and the job summary (GPU_TEST_STEP_SUMMARY=0 turns that off)
  JOB_COMPLETION_INDEX, JOB_COMPLETIONS  --shard auto in a Kubernetes Indexed Job
  GPU_TEST_LOCK_DIR        where runs on one host take their per-GPU locks (default: <tmp>/gpu-test-locks)
  GPU_TEST_NVML_LIBRARY    the NVML library to load instead of libnvidia-ml.so.1`;

function optionLines(options: readonly OptionSpec[]): string {
  const label = (option: OptionSpec): string => {
    const long = `--${option.name}${option.value ? ` ${option.value}` : ''}`;
    return option.short ? `-${option.short}, ${long}` : long;
  };
  const width = Math.max(...options.map((option) => label(option).length)) + 2;
  return options.map((option) => `  ${label(option).padEnd(width)}${option.help}`).join('\n');
}

/** `gpu-test --help`: the commands, the options every command takes, exit codes and environment variables. */
export function generalHelp(): string {
  const width = Math.max(...COMMAND_NAMES.map((name) => COMMANDS[name].usage.length)) + 2;
  const commands = COMMAND_NAMES.map((name) => `  ${COMMANDS[name].usage.padEnd(width)}${COMMANDS[name].what}`).join('\n');
  const shared = OPTIONS.filter((option) => option.commands === undefined);
  return [
    'Usage: gpu-test <command> [options] [arguments]',
    '',
    `Commands:\n${commands}`,
    '',
    `Options of every command:\n${optionLines(shared)}`,
    '',
    'Each command\'s own options: gpu-test <command> --help (gpu-test run --help).',
    '',
    EXIT_CODES,
    '',
    ENVIRONMENT,
  ].join('\n');
}

/** `gpu-test <command> --help`: its usage and every option it accepts. */
export function commandHelp(command: CommandName): string {
  const accepted = OPTIONS.filter((option) => acceptsOption(command, option));
  return [
    `Usage: gpu-test ${COMMANDS[command].usage} [options]`,
    '',
    `${COMMANDS[command].what}.`,
    '',
    `Options:\n${optionLines(accepted)}`,
    '',
    EXIT_CODES,
    ...(command === 'run' || command === 'list' ? ['', ENVIRONMENT] : []),
  ].join('\n');
}
