// The command line: parses flags, hands the run to the pipeline (src/pipeline), writes the reports and owns the exit
// code. The only module that calls process.exit, and the only one that listens for signals.

import { Chalk, type ChalkInstance } from 'chalk';
import { availableParallelism } from 'node:os';
import { formatPlan } from './cli/format-plan.js';
import { compareInputs, mergeInputs, trendInputs } from './cli/history-commands.js';
import { withLastFailed } from './cli/last-failed.js';
import { parseCliArgs, type ParsedArgs } from './cli/parse-args.js';
import type { ResolvedConfig } from './config/types.js';
import { isGpuTestError } from './errors.js';
import { createInterruptSwitch, type InterruptSwitch, type StopSignal } from './execute/interrupt.js';
import { previewPlan } from './pipeline/preview-plan.js';
import { planGpuTests } from './pipeline/run-gpu-tests.js';
import { readToolVersion } from './pipeline/tool-version.js';
import { decideColor, type ColorTarget } from './report/console-color.js';
import type { ConsoleStyle } from './report/console-style.js';
import { createConsoleReporter } from './report/console.js';
import { checkReportDir } from './report/report-dir.js';
import { writeReports } from './report/write-reports.js';
import type { RunObserver } from './results/observer.js';
import type { RunResult } from './results/run-result.js';
import { EXIT, exitCodeOf } from './results/verdict.js';

// Colours are decided on the stream written to: the console reporter writes to stderr, `list` to stdout.
function chalkFor(color: boolean | null, stream: ColorTarget = process.stderr): ChalkInstance {
  return new Chalk({ level: decideColor(stream, color, process.env) ? 1 : 0 });
}

/** The signals that stop a run, handled for as long as it lasts. */
const STOP_SIGNALS: readonly StopSignal[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

/**
 * A closed terminal (SIGHUP, a dropped SSH session) or a reader that went away turns every console write into EIO or
 * EPIPE: the run must still finish and write its reports, so those errors are dropped rather than thrown.
 */
function tolerateLostConsole(): void {
  for (const stream of [process.stdout, process.stderr]) stream.on('error', () => {});
}

/**
 * Installs the run's signal handlers before anything else starts: a signal while the GPUs are listed or the config is
 * read must stop the run as cleanly as one during a test. The first signal stops the run, the second kills every test
 * process at once; both still end with the reports written. A third leaves at once (the watchdog cleans up).
 */
function handleStopSignals(observer: () => RunObserver): { interrupt: InterruptSwitch; release: () => void } {
  const interrupt = createInterruptSwitch();
  const onSignal = (signal: StopSignal): void => {
    const which = interrupt.interrupt(signal);
    if (which === 'again') process.exit(exitCodeOf({ verdict: 'interrupted', interruption: interrupt.cause() }));
    observer().onInterrupt?.(signal, which === 'second');
  };
  for (const signal of STOP_SIGNALS) process.on(signal, onSignal);
  return { interrupt, release: () => STOP_SIGNALS.forEach((signal) => process.off(signal, onSignal)) };
}

/** The console reporter, with GitHub Actions' workflow commands when it runs there. */
function consoleReporter(chalk: ChalkInstance, style: ConsoleStyle): RunObserver {
  const github = process.env['GITHUB_ACTIONS'] === 'true' ? { workspace: process.env['GITHUB_WORKSPACE'] ?? process.cwd() } : null;
  return createConsoleReporter({ stream: process.stderr, color: chalk.level > 0, github, style });
}

async function run(args: ParsedArgs): Promise<number> {
  tolerateLostConsole();
  let observer: RunObserver = {};
  const { interrupt, release } = handleStopSignals(() => observer);
  try {
    const chalk = chalkFor(args.color);
    const planned = await planGpuTests({ options: args.options, interrupt });
    const { config } = planned;
    if (config.reporters.some((name) => name !== 'console')) checkReportDir(config.reportDir);
    observer = config.reporters.includes('console') ? consoleReporter(chalk, args.consoleStyle) : {};
    const result = await planned.run(observer);
    return await writeRunReports(result, config, observer, chalk, interrupt);
  } finally {
    release();
  }
}

/** Writes the reports and gives the exit code: the interrupting signal's, else the verdict's, else 2 when a report failed. */
async function writeRunReports(result: RunResult, config: ResolvedConfig, observer: RunObserver, chalk: ChalkInstance, interrupt: InterruptSwitch): Promise<number> {
  const { written, failures, removed } = await writeReports(result, config.reportDir, config.reporters);
  observer.onRunEnd?.(result, written, removed);
  try {
    // On GitHub Actions the report goes into the job summary too, cut to fit GitHub's 1 MiB.
    (await import('./report/step-summary.js')).writeStepSummary(result, process.env);
  } catch (error) {
    process.stderr.write(`gpu-test: could not write the GitHub job summary: ${(error as Error).message}\n`);
  }
  for (const failure of failures) process.stderr.write(`${chalk.red('gpu-test:')} ${failure}\n`);
  const late = interrupt.cause();
  if (!result.interruption && late) {
    // Every file had ended when it came: the reports are complete and stand, and so does the verdict they give.
    process.stderr.write(`gpu-test: ${late.signal} came after the run had ended; its reports are complete\n`);
  }
  if (result.interruption) return exitCodeOf(result);
  if (failures.length > 0) return EXIT.usage;
  return exitCodeOf(result);
}

/** `--last-failed`: the options with the last run's failed files as paths, the choice said on stderr. */
async function selectFiles(args: ParsedArgs): Promise<ParsedArgs> {
  if (!args.lastFailed) return args;
  const { options, note } = await withLastFailed(args.options, process.cwd(), process.env);
  process.stderr.write(`gpu-test: ${note}\n`);
  return { ...args, options };
}

async function list(args: ParsedArgs): Promise<number> {
  const { plan, gpu, placements, shard } = await previewPlan({ options: args.options });
  if (args.listTests) {
    const { collectTests, formatCollected } = await import('./cli/list-tests.js');
    const concurrency = args.options.concurrency ?? Math.max(1, availableParallelism());
    process.stdout.write(formatCollected(plan, await collectTests(plan, concurrency, process.env)));
    return EXIT.passed;
  }
  process.stdout.write(formatPlan(plan, gpu, chalkFor(args.color, process.stdout), placements, shard));
  return EXIT.passed;
}

/** `gpu-test merge`: one set of reports from the shards' results, and the merged run's exit code. */
async function merge(args: ParsedArgs): Promise<number> {
  const { result, config } = await mergeInputs(args, process.cwd(), process.env);
  if (config.reporters.some((name) => name !== 'console')) checkReportDir(config.reportDir);
  const chalk = chalkFor(args.color);
  const observer = config.reporters.includes('console') ? consoleReporter(chalk, args.consoleStyle) : {};
  return writeRunReports(result, config, observer, chalk, createInterruptSwitch());
}

/** `gpu-test compare` and `trend` print Markdown on stdout, to redirect into a file or the job summary. */
async function history(args: ParsedArgs): Promise<number> {
  if (args.command === 'trend') {
    process.stdout.write(await trendInputs(args, process.cwd(), process.env));
    return EXIT.passed;
  }
  const { markdown, code } = await compareInputs(args, process.cwd(), process.env);
  process.stdout.write(markdown);
  return code;
}

/** Runs the command line and exits with its code. */
export async function main(argv: readonly string[]): Promise<never> {
  let code: number;
  try {
    const parsed = parseCliArgs(argv);
    const args = parsed.command === 'run' || parsed.command === 'list' ? await selectFiles(parsed) : parsed;
    if (args.command === 'help') {
      process.stdout.write(`${args.helpText ?? ''}\n`);
      code = EXIT.passed;
    } else if (args.command === 'version') {
      process.stdout.write(`${readToolVersion()}\n`);
      code = EXIT.passed;
    } else {
      code = args.command === 'list' ? await list(args)
        : args.command === 'merge' ? await merge(args)
        : args.command === 'compare' || args.command === 'trend' ? await history(args)
        : await run(args);
    }
  } catch (error) {
    if (isGpuTestError(error)) {
      process.stderr.write(`gpu-test: ${error.message}\n`);
      code = EXIT.usage;
    } else {
      process.stderr.write(`gpu-test: internal error: ${(error as Error)?.stack ?? String(error)}\n`);
      code = EXIT.internal;
    }
  }
  process.exit(code);
}
