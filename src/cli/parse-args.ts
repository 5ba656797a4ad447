// Turns argv into a command and CliOptions, with usage errors that name the flag and the fix: an unknown option or
// command gets the closest known one, an option of another command says whose it is, a flag without its value says so.

import { parseArgs } from 'node:util';
import { closestName } from '../config/config-problems.js';
import type { CliOptions } from '../config/types.js';
import { GpuTestError } from '../errors.js';
import { acceptsOption, COMMAND_NAMES, findOption, OPTIONS, type CommandName, type OptionSpec } from './cli-options.js';
import { commandHelp, generalHelp } from './help.js';
import {
  gpuBackend, guardFlag, leakMode, milliseconds, millisecondsOrZero, positiveInteger, reporters, shard, shardStrategy, splitList, wholeNumberOrZero,
} from './parse-values.js';
import { CONSOLE_STYLES, type ConsoleStyle } from '../report/console-style.js';

/** What the user asked for. */
export type Command = CommandName | 'help' | 'version';

/** The parsed command line. */
/** `--console-style NAME`, checked. */
function consoleStyle(value: string | undefined): ConsoleStyle {
  if (value === undefined) return 'spec';
  if (CONSOLE_STYLES.includes(value as ConsoleStyle)) return value as ConsoleStyle;
  throw new GpuTestError('USAGE', `--console-style: unknown style \`${value}\`; choose from ${CONSOLE_STYLES.join(', ')}`);
}

export interface ParsedArgs {
  readonly command: Command;
  readonly options: CliOptions;
  /** null: decide from the stream written (NO_COLOR, FORCE_COLOR, the terminal's colours). */
  readonly color: boolean | null;
  /** `--console-style`: a line per file with its failures (spec, the default) or a character per test (dot). */
  readonly consoleStyle: ConsoleStyle;
  /** What `merge`, `compare` and `trend` read: results.json files or folders. */
  readonly inputs: readonly string[];
  /** `trend --metric NAME`: the metrics to chart (default: every one recorded). */
  readonly metrics: readonly string[];
  /** For `help`: the text to print (general, or one command's). */
  readonly helpText?: string;
  /** `run/list --last-failed`: only the files that failed in the report directory's results.json. */
  readonly lastFailed?: boolean;
  /** `list --tests`: each file's test names. */
  readonly listTests?: boolean;
}

/** The general usage text (`gpu-test --help`). */
export const USAGE = generalHelp();

type Token = ReturnType<typeof parseArgs>['tokens'] extends (infer T)[] | undefined ? T : never;
type OptionToken = Extract<Token, { kind: 'option' }>;

const NUMBER = /^-?\d+(\.\d+)?$/;

function usageError(text: string): GpuTestError {
  return new GpuTestError('USAGE', text);
}

function unknownOption(token: OptionToken, command: CommandName | undefined): GpuTestError {
  const names = OPTIONS.flatMap((option) => [option.name, ...(option.short ? [option.short] : [])]);
  const meant = closestName(token.name, names);
  const spelled = meant === undefined ? undefined : meant.length === 1 ? `-${meant}` : `--${meant}`;
  const hint = spelled ? `did you mean \`${spelled}\`? ` : '';
  const help = command ? `gpu-test ${command} --help` : 'gpu-test --help';
  return usageError(`unknown option \`${token.rawName}\`; ${hint}see \`${help}\` for the options`);
}

// The checks parseArgs leaves to its caller when not strict: a switch given a value, an option given none, one the
// command does not take. Strict mode would read `--concurrency -1` as a missing value ("ambiguous"); here a negative
// number is the value, and the number check says what is wrong with it.
function checkOptionToken(token: OptionToken, spec: OptionSpec, command: CommandName | undefined): void {
  if (spec.value === undefined && token.inlineValue) {
    throw usageError(`\`--${spec.name}\` is a switch and takes no value, got \`${token.rawName}=${token.value ?? ''}\`; write \`--${spec.name}\` alone`);
  }
  const value = token.value;
  const missing = value === undefined || (!token.inlineValue && value.startsWith('-') && !NUMBER.test(value));
  if (spec.value !== undefined && missing) {
    throw usageError(`\`${token.rawName}\` needs a value (${spec.value}): ${spec.help}`);
  }
  if (command && !acceptsOption(command, spec)) {
    const owners = COMMAND_NAMES.filter((name) => acceptsOption(name, spec)).map((name) => `\`gpu-test ${name}\``).join(' and ');
    throw usageError(`\`--${spec.name}\` is an option of ${owners}, not of \`gpu-test ${command}\`; see \`gpu-test ${command} --help\``);
  }
}

function commandOf(first: string | undefined): CommandName | undefined {
  if (first === undefined) return undefined;
  if (COMMAND_NAMES.includes(first as CommandName)) return first as CommandName;
  const meant = closestName(first, COMMAND_NAMES);
  const hint = meant ? `did you mean \`gpu-test ${meant}\`? ` : '';
  throw usageError(`unknown command \`${first}\`; ${hint}the commands are ${COMMAND_NAMES.map((name) => `\`gpu-test ${name}\``).join(', ')} (see --help)`);
}

function tokenize(argv: readonly string[]): ReturnType<typeof parseArgs> & { tokens: Token[] } {
  const options = Object.fromEntries(OPTIONS.map((option) => [option.name, {
    type: option.value === undefined ? 'boolean' as const : 'string' as const,
    ...(option.multiple ? { multiple: true } : {}),
    ...(option.short ? { short: option.short } : {}),
  }]));
  return parseArgs({ args: [...argv], allowPositionals: true, strict: false, tokens: true, options }) as ReturnType<typeof parseArgs> & { tokens: Token[] };
}

/** Parses `argv` (without node and the script). Throws GpuTestError `USAGE` on a bad flag or command. */
export function parseCliArgs(argv: readonly string[]): ParsedArgs {
  const { values, positionals, tokens } = tokenize(argv);
  const optionTokens = tokens.filter((token): token is OptionToken => token.kind === 'option');
  const wantsHelp = values['help'] === true;
  // The command is known before the options are checked, so a message can say which command's options to look at;
  // with --help a misspelt command is still an error, and no command means the general help.
  const command = commandOf(positionals[0]);
  for (const token of optionTokens) {
    const spec = findOption(token.name);
    if (!spec) throw unknownOption(token, command);
    if (!wantsHelp) checkOptionToken(token, spec, command);
  }
  const color = values['no-color'] === true ? false : values['color'] === true ? true : null;
  const bare = { options: {}, color, consoleStyle: consoleStyle(values['console-style'] as string | undefined), inputs: [], metrics: [] };
  if (wantsHelp || (command === undefined && values['version'] !== true)) {
    return { command: 'help', ...bare, helpText: command ? commandHelp(command) : generalHelp() };
  }
  if (values['version'] === true || command === undefined) return { command: 'version', ...bare };
  const text = (name: string): string | undefined => values[name] as string | undefined;
  const texts = (name: string): string[] | undefined => values[name] as string[] | undefined;
  const flag = (name: string): boolean | undefined => values[name] as boolean | undefined;
  const rest = positionals.slice(1);
  const takesInputs = command === 'merge' || command === 'compare' || command === 'trend';
  checkInputs(command, rest);
  const options: CliOptions = {
    config: text('config'),
    reportDir: text('report-dir'),
    reporters: reporters(texts('reporter')),
    concurrency: positiveInteger('concurrency', text('concurrency'), 4),
    gpuConcurrency: positiveInteger('gpu-concurrency', text('gpu-concurrency'), 1),
    enable: splitList(texts('enable')),
    tags: splitList(texts('tags')),
    skipTags: splitList(texts('skip-tags')),
    testNamePatterns: texts('test-name-pattern'),
    timeout: milliseconds('timeout', text('timeout'), 600000),
    testTimeoutMs: milliseconds('test-timeout', text('test-timeout'), 30000),
    bail: flag('bail'),
    requireGpu: flag('require-gpu'),
    shard: shard(text('shard')),
    only: flag('only'),
    paths: takesInputs ? [] : rest,
    shardStrategy: shardStrategy(text('shard-strategy')),
    retries: wholeNumberOrZero('retries', text('retries'), 2),
    failOnFlaky: flag('fail-on-flaky'),
    baseline: text('baseline'),
    failOnRegression: flag('fail-on-regression'),
    gpuBackend: gpuBackend(text('gpu-backend')),
    sampleIntervalMs: positiveInteger('sample-interval', text('sample-interval'), 50),
    repeat: positiveInteger('repeat', text('repeat'), 10),
    leaks: leakMode(text('leaks')),
    settleTimeoutMs: millisecondsOrZero('settle-timeout', text('settle-timeout'), 1000),
    killOrphans: flag('kill-orphans'),
    killGraceMs: millisecondsOrZero('kill-grace', text('kill-grace'), 3000),
    rawSamples: flag('raw-samples'),
    gpus: splitList(texts('gpus')),
    durations: texts('durations'),
    guard: guardFlag(text('guard')),
    retryAlone: flag('no-retry-alone') ? false : flag('retry-alone'),
  };
  return {
    command, options, color, consoleStyle: bare.consoleStyle, inputs: takesInputs ? rest : [], metrics: texts('metric') ?? [],
    lastFailed: flag('last-failed') ?? false, listTests: flag('tests') ?? false,
  };
}

// How many results each command reads: merge one or more, compare a baseline and maybe the current run, trend one folder.
function checkInputs(command: CommandName, inputs: readonly string[]): void {
  const usage = { merge: 'gpu-test merge DIR...', compare: 'gpu-test compare BASE [CURRENT]', trend: 'gpu-test trend DIR' } as const;
  if (command !== 'merge' && command !== 'compare' && command !== 'trend') return;
  const fits = command === 'merge' ? inputs.length >= 1 : command === 'compare' ? inputs.length === 1 || inputs.length === 2 : inputs.length === 1;
  if (!fits) throw usageError(`\`${usage[command]}\` got ${inputs.length === 0 ? 'nothing' : inputs.map((input) => `\`${input}\``).join(' ')}; see \`gpu-test ${command} --help\``);
}
