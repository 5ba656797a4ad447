// `--repeat N` inside a test process: node:test's test()/it() register each test N times, so every iteration is a
// real test (hooks, timeout, its own pass or fail) and the harness samples memory after each one. Iterations are
// named `<name> [repeat i/N]`; the harness reads the iteration back from that suffix.

import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { iterationName } from '../../results/repeat-names.js';

/** Environment variable with the number of times each test runs (unset or 1: once). */
export const REPEAT_ENV = 'GPU_TEST_REPEAT';
/** Environment variable with a JSON list of test names to repeat; the others are skipped (a leak re-check run). */
export const REPEAT_ONLY_ENV = 'GPU_TEST_REPEAT_ONLY';

/** Where each test was declared, by full name (` > `-joined): the reporter reads it (see callerLocation). */
export const REPEAT_LOCATIONS_KEY = Symbol.for('gpu-test.repeat-locations');

/** A test's declaration site. */
export interface SourcePosition {
  readonly file: string;
  readonly line: number;
  readonly column: number;
}

/** The locations recorded in this process (shared with the reporter through globalThis). */
export function repeatLocations(): Map<string, SourcePosition> {
  const global = globalThis as Record<symbol, unknown>;
  global[REPEAT_LOCATIONS_KEY] ??= new Map<string, SourcePosition>();
  return global[REPEAT_LOCATIONS_KEY] as Map<string, SourcePosition>;
}

// node:test takes a test's location from the frame that called test(), which is now this wrapper: the user's own
// call site is read from a stack trace instead (source-mapped for TypeScript) and handed to the reporter.
function callerLocation(skip: (...args: never[]) => unknown): SourcePosition | null {
  const holder: { stack?: string } = {};
  Error.captureStackTrace(holder, skip);
  const frame = holder.stack?.split('\n')[1] ?? '';
  const match = /\(?((?:file:\/\/)?[^()\s]+):(\d+):(\d+)\)?\s*$/.exec(frame);
  if (!match?.[1]) return null;
  const file = match[1].startsWith('file://') ? fileURLToPath(match[1]) : match[1];
  return { file, line: Number(match[2]), column: Number(match[3]) };
}

type Register = (...args: unknown[]) => unknown;
type NodeTest = Register & Record<string, unknown>;

interface TestCall {
  readonly name: string;
  readonly options: Record<string, unknown>;
  readonly fn: unknown;
}

// node:test accepts ([name][, options][, fn]) with any of them left out.
function readCall(args: readonly unknown[]): TestCall {
  let name: string | undefined;
  let options: Record<string, unknown> = {};
  let fn: unknown;
  for (const arg of args) {
    if (typeof arg === 'string') name = arg;
    else if (typeof arg === 'function') fn = arg;
    else if (typeof arg === 'object' && arg !== null) options = { ...(arg as Record<string, unknown>) };
  }
  return { name: name ?? (typeof fn === 'function' && fn.name ? fn.name : '<anonymous>'), options, fn };
}

// The describe() blocks being declared right now, outermost first: with the test's name they give the full name
// the reporter sees (` > `-joined), so two same-named tests in different blocks keep their own locations.
const suitePath: string[] = [];

function noteLocation(name: string, location: SourcePosition | null): void {
  if (location) repeatLocations().set([...suitePath, name].join(' > '), location);
}

function repeating(register: Register, count: number, only: ReadonlySet<string> | null, extra: Record<string, unknown> = {}): Register {
  const wrapper = (...args: unknown[]): unknown => {
    const call = readCall(args);
    const location = callerLocation(wrapper);
    const options = { ...call.options, ...extra };
    const once = (registerOptions: Record<string, unknown>): unknown => {
      noteLocation(call.name, location);
      return register(call.name, registerOptions, call.fn);
    };
    // Skipped and todo tests never run, so there is nothing to repeat.
    if (options['skip'] || options['todo']) return once(options);
    if (only !== null && !only.has(call.name)) return once({ ...options, skip: 'not part of the leak re-check' });
    const registered: unknown[] = [];
    for (let i = 1; i <= count; i += 1) {
      const name = iterationName(call.name, i, count);
      noteLocation(name, location);
      registered.push(register(name, options, call.fn));
    }
    // test() returns a promise per test at the top level; awaiting the wrapper awaits every iteration.
    return registered.some((value) => value instanceof Promise) ? Promise.all(registered) : undefined;
  };
  return wrapper;
}

// describe() as node:test has it, but keeping suitePath while its body declares tests (synchronously: tests a body
// declares after an await fall back to the name alone).
function trackingSuite(register: Register): Register {
  return (...args: unknown[]): unknown => {
    const call = readCall(args);
    const body = call.fn;
    if (typeof body !== 'function') return register(...args);
    return register(call.name, call.options, function declare(this: unknown, ...bodyArgs: unknown[]) {
      suitePath.push(call.name);
      try {
        return (body as (...a: unknown[]) => unknown).apply(this, bodyArgs);
      } finally {
        suitePath.pop();
      }
    });
  };
}

/** node:test's `test` with test(), it() and their .only variants repeating `count` times; the rest untouched. */
export function createRepeatingNodeTest(original: NodeTest, count: number, only: ReadonlySet<string> | null): NodeTest {
  const wrap = (register: Register): NodeTest => {
    const wrapped = repeating(register, count, only) as NodeTest;
    const source = register as NodeTest;
    wrapped['only'] = repeating(register, count, only, { only: true });
    wrapped['skip'] = source['skip'];
    wrapped['todo'] = source['todo'];
    return wrapped;
  };
  const test = wrap(original);
  for (const key of Object.keys(original)) {
    if (!(key in test)) test[key] = original[key];
  }
  test['test'] = test;
  test['it'] = wrap(original['it'] as Register);
  for (const key of ['describe', 'suite']) {
    const source = original[key] as NodeTest | undefined;
    if (typeof source !== 'function') continue;
    const tracked = trackingSuite(source) as NodeTest;
    for (const variant of ['only', 'skip', 'todo']) {
      const register = source[variant];
      if (typeof register === 'function') tracked[variant] = trackingSuite(register as Register);
    }
    test[key] = tracked;
  }
  return test;
}

let installed: NodeTest | null = null;

/** The repeating node:test for this process (built once from the environment), or null when tests run once. */
export function repeatingNodeTest(): NodeTest | null {
  if (installed) return installed;
  const count = Number(process.env[REPEAT_ENV] ?? '1');
  if (!Number.isInteger(count) || count <= 1) return null;
  const onlyText = process.env[REPEAT_ONLY_ENV];
  const only = onlyText ? new Set(JSON.parse(onlyText) as string[]) : null;
  const original = createRequire(import.meta.url)('node:test') as NodeTest;
  installed = createRepeatingNodeTest(original, count, only);
  return installed;
}
