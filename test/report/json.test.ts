// results.json: a golden file pinned from the shared sample, a check against docs/results.schema.json, and
// targeted checks. After an intended change, rewrite the golden file (and update the schema and its doc):
//   UPDATE_GOLDEN=1 node --import tsx --test test/report/json.test.ts

import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { DROPPED_NOTE_MAX_BYTES, MESSAGE_LIMIT_BYTES, STACK_LIMIT_BYTES } from '../../src/units/cap-text.js';
import { embedOutput, renderJson } from '../../src/report/json.js';
import { HUGE_BYTES, HUGE_FRAME, HUGE_HEAD, HUGE_TAIL, hugeFailureRunResult } from '../helpers/huge-failure-run-result.js';
import { splitAtMarker } from '../helpers/split-at-marker.js';
import { sampleRunResultWithHooks } from '../helpers/sample-hook-runs.js';
import { sampleRunWithBudgets, sampleRunWithHealthBudgets } from '../helpers/sample-budgets.js';
import { sampleRepeatRunResult, staircaseLeaks } from '../helpers/sample-repeat-run-result.js';
import type { FileResult, RunResult, TestResult } from '../../src/results/run-result.js';
import { sampleRunResult, sampleRunResultWithoutGpu } from '../helpers/sample-run-result.js';

const GOLDEN = new URL('./golden/results.json', import.meta.url);
const SCHEMA: unknown = JSON.parse(readFileSync(new URL('../../docs/results.schema.json', import.meta.url), 'utf8'));

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type Schema = { readonly [keyword: string]: unknown };

// The subset of JSON Schema 2020-12 that docs/results.schema.json uses; any other keyword fails the test, so the
// schema cannot grow a rule this check would silently skip.
const ANNOTATIONS = new Set(['$schema', 'title', 'description', 'format', '$defs']);
const RULES = new Set(['type', 'required', 'properties', 'additionalProperties', 'items', '$ref', 'oneOf', 'enum', 'const', 'minimum', 'exclusiveMinimum', 'maxItems']);

function typeOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value;
}

function resolve(ref: string): Schema {
  const name = /^#\/\$defs\/(\w+)$/.exec(ref)?.[1];
  const target = name ? ((SCHEMA as Schema).$defs as Record<string, Schema> | undefined)?.[name] : undefined;
  assert.ok(target, `unresolvable $ref ${ref}`);
  return target;
}

/** Errors of `value` against `schema`, each as `path: problem`. */
function validate(value: unknown, schema: Schema, path = '$'): string[] {
  for (const keyword of Object.keys(schema)) assert.ok(ANNOTATIONS.has(keyword) || RULES.has(keyword), `unsupported schema keyword ${keyword} at ${path}`);
  if (typeof schema.$ref === 'string') return validate(value, resolve(schema.$ref), path);
  if (Array.isArray(schema.oneOf)) {
    const passing = (schema.oneOf as Schema[]).filter((option) => validate(value, option, path).length === 0).length;
    return passing === 1 ? [] : [`${path}: matches ${passing} of oneOf`];
  }
  const errors: string[] = [];
  const actual = typeOf(value);
  const types = schema.type === undefined ? null : ([] as unknown[]).concat(schema.type);
  if (types && !types.includes(actual) && !(actual === 'integer' && types.includes('number'))) return [`${path}: ${actual}, expected ${types.join('|')}`];
  if ('const' in schema && value !== schema.const) errors.push(`${path}: ${JSON.stringify(value)} is not ${JSON.stringify(schema.const)}`);
  if (Array.isArray(schema.enum) && !schema.enum.includes(value)) errors.push(`${path}: ${JSON.stringify(value)} not in enum`);
  if (typeof value === 'number' && typeof schema.minimum === 'number' && value < schema.minimum) errors.push(`${path}: below minimum`);
  if (typeof value === 'number' && typeof schema.exclusiveMinimum === 'number' && value <= schema.exclusiveMinimum) errors.push(`${path}: not above ${schema.exclusiveMinimum}`);
  if (Array.isArray(value)) {
    if (typeof schema.maxItems === 'number' && value.length > schema.maxItems) errors.push(`${path}: more than ${schema.maxItems} items`);
    if (schema.items) value.forEach((item, index) => errors.push(...validate(item, schema.items as Schema, `${path}[${index}]`)));
  } else if (actual === 'object') {
    const object = value as Record<string, unknown>;
    const properties = (schema.properties ?? {}) as Record<string, Schema>;
    for (const key of (schema.required ?? []) as string[]) if (!(key in object)) errors.push(`${path}: missing ${key}`);
    for (const [key, child] of Object.entries(object)) {
      const rule = properties[key];
      if (rule) errors.push(...validate(child, rule, `${path}.${key}`));
      else if (schema.additionalProperties === false) errors.push(`${path}: undocumented key ${key}`);
      else if (typeof schema.additionalProperties === 'object') errors.push(...validate(child, schema.additionalProperties as Schema, `${path}.${key}`));
    }
  }
  return errors;
}

type Obj = { [key: string]: Json };
const MiB = 1024 ** 2;
const GiB = 1024 ** 3;

function parse(text: string): Obj {
  return JSON.parse(text) as Obj;
}

function withRawSamples(run: RunResult): RunResult {
  return { ...run, config: { ...run.config, rawSamples: true } };
}

describe('renderJson', () => {
  it('matches the golden results.json for the shared sample', () => {
    const json = renderJson(sampleRunResult());
    if (process.env.UPDATE_GOLDEN === '1') writeFileSync(GOLDEN, json);
    assert.equal(json, readFileSync(GOLDEN, 'utf8'));
  });

  it('validates against docs/results.schema.json, with and without a GPU, under --repeat and with raw samples', () => {
    for (const run of [sampleRunResult(), sampleRunResultWithoutGpu(), sampleRepeatRunResult(), sampleRunResultWithHooks(), withRawSamples(sampleRunResult())]) {
      assert.deepEqual(validate(JSON.parse(renderJson(run)), SCHEMA as Schema), []);
    }
  });

  it('writes the top level indented and each test on one line of its own', () => {
    for (const run of [sampleRunResult(), withRawSamples(sampleRepeatRunResult())]) {
      const text = renderJson(run);
      const document = parse(text);
      const lines = text.split('\n');
      const testLines = lines.filter((line) => line.startsWith('        {"name":'));
      const tests = (document.files as Obj[]).flatMap((file) => file.tests as Obj[]);
      assert.equal(testLines.length, tests.length);
      assert.deepEqual(testLines.map((line) => JSON.parse(line.replace(/,$/, '')) as Json), tests, 'each line is one whole test');
      // Everything but the tests is laid out as JSON.stringify indents it.
      const withoutTests = { ...document, files: (document.files as Obj[]).map((file) => ({ ...file, tests: [] })) };
      const rest = lines.filter((line) => !line.startsWith('        {"name":')).join('\n').replace(/"tests": \[\n\s*\]/g, '"tests": []');
      assert.equal(rest, `${JSON.stringify(withoutTests, null, 2)}\n`);
    }
  });

  it('leaves out of a test what it has nothing to say in, and the raw samples unless asked for', () => {
    const files = parse(renderJson(sampleRunResult())).files as Obj[];
    const [adds, failed, skipped] = (files[0] as Obj).tests as Obj[];
    assert.deepEqual(Object.keys(adds ?? {}), ['name', 'fullName', 'nesting', 'line', 'column', 'status', 'durationMs', 'deltas']);
    assert.deepEqual(Object.keys(failed ?? {}), ['name', 'fullName', 'nesting', 'line', 'column', 'status', 'durationMs', 'failure', 'deltas']);
    assert.deepEqual(skipped, { name: 'later', fullName: 'math > later', nesting: 1, line: 14, column: 6, status: 'skipped', durationMs: 0.1, skipReason: 'needs the network' });
    // A cpu-lane test has no VRAM figure, and a test whose process died inside it no "after" figures.
    assert.deepEqual(adds?.deltas, {
      rssBeforeBytes: 50 * MiB, rssAfterBytes: 52 * MiB, hostUsedBeforeBytes: 8 * GiB, hostUsedAfterBytes: 8 * GiB + 2 * MiB, hostUsedPeakBytes: 8 * GiB + 4 * MiB,
      swapDeltaBytes: 0, memoryStallSomeMs: 0.01, memoryStallFullMs: 0.002,
    });
    const crashed = ((files.find((file) => file.id === 'suites/unit/crash.test.mjs') as Obj).tests as Obj[])[0] as Obj;
    assert.deepEqual(crashed.deltas, { rssBeforeBytes: 40 * MiB, hostUsedBeforeBytes: 8 * GiB });
    const raw = parse(renderJson(withRawSamples(sampleRunResult()))).files as Obj[];
    const rawAdds = ((raw[0] as Obj).tests as Obj[])[0] as Obj;
    assert.deepEqual(Object.keys(rawAdds), ['name', 'fullName', 'nesting', 'line', 'column', 'status', 'durationMs', 'window', 'deltas']);
    assert.equal(((rawAdds.window as Obj).before as Obj).processRssBytes, 50 * MiB);
    assert.equal((parse(renderJson(withRawSamples(sampleRunResult()))).config as Obj).rawSamples, true);
  });

  it('writes a test\'s file only when it is not its file\'s, and its duration to 0.01 ms', () => {
    const run = sampleRunResult();
    const [unit, ...rest] = run.files as [FileResult, ...FileResult[]];
    const [first, second, ...others] = unit.tests as [TestResult, TestResult, ...TestResult[]];
    const helper = { ...second, file: '/project/suites/unit/helpers.ts', durationMs: 3.14159 };
    const files = parse(renderJson({ ...run, files: [{ ...unit, tests: [{ ...first, durationMs: 0.123456 }, helper, ...others] }, ...rest] })).files as Obj[];
    const [a, b] = (files[0] as Obj).tests as Obj[];
    assert.deepEqual([a?.file, a?.durationMs], [undefined, 0.12]);
    assert.deepEqual([b?.file, b?.durationMs], ['/project/suites/unit/helpers.ts', 3.14]);
  });

  it('validates a run with suite budgets, and one whose timeline has GPU health, against the schema', () => {
    for (const run of [sampleRunWithBudgets(), sampleRunWithHealthBudgets()]) {
      const document = JSON.parse(renderJson(run)) as { budgets: unknown[]; timeline: { series: string[]; health: { series: string[] } | null } };
      assert.deepEqual(validate(document, SCHEMA as Schema), []);
      assert.equal(document.budgets.length, 4);
    }
    const timeline = (JSON.parse(renderJson(sampleRunWithHealthBudgets())) as { timeline: { series: string[]; health: { series: string[]; points: { values: object }[] } } }).timeline;
    assert.deepEqual(timeline.series, ['gpu0', 'hostUsed', 'swapUsed'], 'health series are not bytes');
    assert.deepEqual(timeline.health.series, ['util0', 'utilAcc0', 'utilMs0', 'temp0', 'power0']);
    assert.deepEqual(timeline.health.points[5]?.values, { util0: 80, utilAcc0: 100_000, utilMs0: 1250, temp0: 91, power0: 312.5 });
  });

  it('fails the schema check on a missing key, an undocumented key or a wrong type (the check is not vacuous)', () => {
    const document = parse(renderJson(sampleRunResult()));
    const { verdict: _verdict, ...rest } = document;
    const broken = { ...rest, extra: 1, counts: { ...(document.counts as object), tests: 'eight' } };
    assert.deepEqual(validate(broken, SCHEMA as Schema), ['$: missing verdict', '$.counts.tests: string, expected integer', '$: undocumented key extra']);
  });

  it('has every key the schema requires, schemaVersion first, in a fixed order', () => {
    const document = parse(renderJson(sampleRunResult()));
    assert.deepEqual(Object.keys(document), (SCHEMA as Schema).required);
    assert.equal(document.schemaVersion, 4);
    assert.equal(document.generatedBy, 'gpu-test 0.1.0');
  });

  it('carries counts equal to result.counts and times as epoch ms and ISO', () => {
    const run = sampleRunResult();
    const document = parse(renderJson(run));
    assert.deepEqual(document.counts, { ...run.counts });
    assert.equal(document.startedAtMs, run.startedAt);
    assert.equal(document.startedAtIso, '2026-11-23T12:00:00.000Z');
    assert.equal(document.durationMs, 2500);
  });

  it('keeps each test\'s VRAM before, after and peak (its raw samples with --raw-samples), and ranks VRAM growth', () => {
    const document = parse(renderJson(sampleRunResult()));
    const files = document.files as { [key: string]: Json }[];
    const vlm = files.find((file) => file.id === 'suites/vlm/ensemble.test.ts');
    const caption = (vlm?.tests as { [key: string]: Json }[] | undefined)?.[0];
    const { vramBeforeBytes, vramAfterBytes, vramPeakBytes, swapDeltaBytes } = caption?.deltas as { [key: string]: Json };
    assert.deepEqual([vramBeforeBytes, vramAfterBytes, vramPeakBytes, swapDeltaBytes], [0, 4 * GiB, 6 * GiB, 16 * MiB]);
    const raw = parse(renderJson(withRawSamples(sampleRunResult()))).files as { [key: string]: Json }[];
    const rawCaption = (raw.find((file) => file.id === 'suites/vlm/ensemble.test.ts')?.tests as { [key: string]: Json }[])[0];
    assert.equal(((rawCaption?.window as { [key: string]: { [key: string]: Json } }).before?.atIso), '2026-11-23T12:00:00.100Z');
    assert.deepEqual((document.top as { [key: string]: Json }).vramGrowth, [
      { fileId: 'suites/vlm/ensemble.test.ts', fullName: 'ensemble > caption matches reference', line: 8, deltaBytes: 4 * 1024 ** 3, afterBytes: 4 * 1024 ** 3 },
    ]);
  });

  it('records the crashed file\'s signal and the gated file\'s enable variable', () => {
    const files = parse(renderJson(sampleRunResult())).files as { [key: string]: { [key: string]: Json } | Json }[];
    const crash = files.find((file) => file.id === 'suites/unit/crash.test.mjs');
    assert.equal((crash?.outcome as { [key: string]: Json }).signal, 'SIGSEGV');
    const flux = files.find((file) => file.id === 'suites/flux/flux.test.ts');
    assert.equal((flux?.skip as { [key: string]: Json }).enableWith, 'ENABLE_FLUX_TESTS');
    assert.equal(flux?.startedAtIso, null);
  });

  it('keeps a SIGKILLed file\'s memory evidence with the sentence the reports show, valid against the schema', () => {
    const run = sampleRunResult();
    const evidence = { signs: [{ source: 'cgroup-oom-kill' as const, resource: 'ram' as const, detail: 'cgroup oom_kill +1' }], alone: 'retried' as const };
    const withEvidence = { ...run, files: run.files.map((file) => (file.status === 'crashed' ? { ...file, memoryEvidence: evidence } : file)) };
    const document = parse(renderJson(withEvidence));
    assert.deepEqual(validate(document, SCHEMA as Schema), []);
    const files = document.files as { [key: string]: Json }[];
    assert.deepEqual(files.find((file) => file.id === 'suites/unit/crash.test.mjs')?.memoryEvidence, { ...evidence, sentence: 'retried alone: cgroup oom_kill +1' });
    assert.ok(files.filter((file) => file.id !== 'suites/unit/crash.test.mjs').every((file) => file.memoryEvidence === null));
  });

  it('says why there is no GPU', () => {
    const gpu = parse(renderJson(sampleRunResultWithoutGpu())).gpu as { [key: string]: Json };
    assert.equal(gpu.available, false);
    assert.equal(gpu.reason, 'nvidia-smi was not found on PATH: no NVIDIA driver is installed');
  });
});

describe('renderJson under --repeat', () => {
  const document = parse(renderJson(sampleRepeatRunResult()));
  const files = document.files as Obj[];
  const loader = files[0] as Obj;
  const server = files[1] as Obj;

  it('records the repeat count and the leak mode in config', () => {
    const config = document.config as Obj;
    assert.deepEqual([config.repeat, config.leaks], [5, 'fail']);
  });

  it('gives each iteration its repeat info and each test its metrics', () => {
    const first = (loader.tests as Obj[])[0] as Obj;
    assert.deepEqual(first.repeat, { name: 'loads model', iteration: 1, count: 5 });
    assert.deepEqual(first.metrics, [{ name: 'tokens_per_s', value: 41.1, unit: 'tok/s' }, { name: 'load_s', value: 0.1 + 0.2, unit: 's' }]);
    assert.equal(((server.tests as Obj[])[0] as Obj).repeat, undefined, 'a test run once has no repeat');
  });

  it('keeps each leak call with its verdict in whole bytes and the raw readings', () => {
    const [confirmed, , notConfirmed] = loader.leaks as Obj[];
    const series = [0, 1, 2, 3, 4].map((i) => 1024 ** 3 + i * 52 * 1024 ** 2);
    assert.deepEqual({ ...confirmed, verdict: { ...(confirmed?.verdict as Obj), reason: '…' } }, {
      test: 'loader > loads model', line: 6, resource: 'vram', rechecked: true,
      verdict: {
        leaking: true, iterations: 5, perIterationBytes: 52 * 1024 ** 2, totalGrowthBytes: 208 * 1024 ** 2, rSquared: 1, thresholdBytes: 100 * 1024 ** 2, reason: '…',
        pattern: 'steady', steps: null,
      },
      seriesBytes: series,
      source: 'processes',
      recheck: { purpose: 'confirm', iterations: 5, why: 'to confirm the leak: repeated 5 times', seriesBytes: series.map((v) => v + 2 * 1024 ** 2) },
    });
    assert.deepEqual([(notConfirmed?.verdict as Obj).leaking, notConfirmed?.rechecked], [false, true]);
    assert.deepEqual(server.leaks, []);
  });

  it('writes a staircase with its steps and its longer re-run, and a metric\'s call apart in its own unit, valid against the schema', () => {
    const run = sampleRepeatRunResult();
    const [first, ...rest] = run.files as [FileResult, ...FileResult[]];
    const staircase = parse(renderJson({ ...run, files: [{ ...first, leaks: staircaseLeaks() }, ...rest] }));
    assert.deepEqual(validate(staircase, SCHEMA as Schema), []);
    const file = (staircase.files as Obj[])[0] as Obj;
    const [vram] = file.leaks as Obj[];
    const verdict = vram?.verdict as Obj;
    assert.deepEqual([verdict.leaking, verdict.pattern, verdict.perIterationBytes, verdict.steps], [true, 'staircase', 2 * 1024 ** 2,
      { count: 3, stepBytes: 20 * 1024 ** 2, periodIterations: 10, flatAfterIterations: 9 }]);
    assert.deepEqual([(vram?.recheck as Obj).purpose, (vram?.recheck as Obj).iterations], ['settle', 38]);
    assert.equal((file.leaks as Obj[]).length, 1, 'a metric\'s call is not among the memory calls');
    const [metric] = file.metricLeaks as Obj[];
    assert.deepEqual([metric?.metric, metric?.unit, (metric?.verdict as Obj).perIteration, (metric?.verdict as Obj).threshold], ['torch_allocated_mib', 'MiB', 2, 8]);
    assert.deepEqual((metric?.series as Json[]).slice(0, 3), [100, 102, 104]);
  });

  it('keeps what each file left behind, and null for a file that never ran', () => {
    assert.deepEqual(loader.residue, {
      vramBeforeBytes: 0, vramAfterBytes: 1.5 * 1024 ** 3,
      orphans: [{ pid: 4242, command: 'python3 -m vllm.entrypoints.openai.api_server --model /models/llama-3-8b | tee `server.log`', gpuIndex: 0, vramBytes: 1.5 * 1024 ** 3, rssBytes: 2 * 1024 ** 3, killed: false }],
    });
    const shared = parse(renderJson(sampleRunResult())).files as Obj[];
    assert.equal(shared.find((file) => file.id === 'suites/flux/flux.test.ts')?.residue, null);
  });

  it('has the run\'s pressure, null PSI and cgroup where unknown, and the timeline with every series per point', () => {
    const pressure = document.pressure as Obj;
    assert.deepEqual([pressure.psi, pressure.cgroup], [null, null]);
    assert.equal(((pressure.gpus as Obj[])[1] as Obj).peakUsedBytes, 0.75 * 1024 ** 3);
    const shared = parse(renderJson(sampleRunResult())).pressure as Obj;
    assert.deepEqual(shared.psi, { someStallMs: 1234.5, fullStallMs: 80, peakSomeAvg10Percent: 2.5, peakFullAvg10Percent: 0.4 });
    const timeline = document.timeline as Obj;
    assert.deepEqual(timeline.series, ['gpu0', 'gpu1', 'hostUsed', 'swapUsed']);
    const [first] = timeline.points as Obj[];
    assert.deepEqual(first, { atMs: Date.UTC(2026, 10, 23, 12), atIso: '2026-11-23T12:00:00.000Z', bytes: { gpu0: 1024 ** 3, gpu1: null, hostUsed: 10 * 1024 ** 3, swapUsed: 0 } });
    assert.equal(parse(renderJson({ ...sampleRepeatRunResult(), timeline: null })).timeline, null);
  });

  it('ranks a repeated test once in the top lists', () => {
    const top = (document.top as Obj).vramGrowth as Obj[];
    assert.deepEqual(top.map((entry) => entry.fullName), ['loader > loads model [repeat 2/5]', 'loader > caches tokenizer [repeat 2/5]']);
  });

  it('fails the schema check on a timeline value that is not bytes', () => {
    const timeline = document.timeline as Obj;
    const points = (timeline.points as Obj[]).map((point, index) => (index === 0 ? { ...point, bytes: { gpu0: 'full' } } : point));
    // timeline is null or an object, so the validator reports the oneOf that no longer matches.
    assert.deepEqual(validate({ ...document, timeline: { ...timeline, points } }, SCHEMA as Schema), ['$.timeline: matches 0 of oneOf']);
    assert.deepEqual(validate(points[0], (SCHEMA as { $defs: { timeline: { properties: { points: { items: Schema } } } } }).$defs.timeline.properties.points.items),
      ['$.bytes.gpu0: string, expected integer|null']);
  });
});

describe('embedOutput', () => {
  it('embeds short output whole', () => {
    assert.deepEqual(embedOutput('hello\n'), { text: 'hello\n', bytes: 6, truncated: false, omittedBytes: 0 });
  });

  it('keeps the head and tail of long output on character boundaries and counts what it cut', () => {
    const text = `${'é'.repeat(20)}${'x'.repeat(100)}${'🚀'.repeat(10)}`;
    // Room for the marker, then 21 bytes a side: the cuts move inward to 20 bytes of é and 20 of rockets.
    const embedded = embedOutput(text, DROPPED_NOTE_MAX_BYTES + 42);
    assert.equal(embedded.truncated, true);
    assert.equal(embedded.bytes, Buffer.byteLength(text));
    assert.equal(embedded.text, `${'é'.repeat(10)}\n[… ${embedded.omittedBytes} bytes dropped …]\n${'🚀'.repeat(5)}`);
    assert.equal(embedded.omittedBytes, Buffer.byteLength(text) - 20 - 20);
    assert.doesNotMatch(embedded.text, /\uFFFD/);
  });
});

describe('renderJson given huge failure texts', () => {
  it('caps the failure message, stack and skip reason, keeping head and tail and saying how many bytes were dropped', () => {
    const json = renderJson(hugeFailureRunResult());
    // Three capped texts of 64 KiB, the crashed file's stderr embedded as 64 KiB, and the sample's own figures.
    assert.ok(json.length < 512 * 1024, `results.json is ${json.length} characters`);
    const document = parse(json);
    assert.deepEqual(validate(document, SCHEMA as Schema), []);
    type Test = { name: string; skipReason?: string; failure?: { message: string; stack: string | null } };
    const files = document.files as unknown as { id: string; tests: Test[] }[];
    const tests = files.find((file) => file.id === 'suites/unit/math.test.ts')?.tests ?? assert.fail('no math.test.ts');
    const failure = tests.find((t) => t.failure !== undefined)?.failure ?? assert.fail('no failure');
    assert.ok(Buffer.byteLength(failure.message) <= MESSAGE_LIMIT_BYTES);
    const { head, dropped, tail } = splitAtMarker(failure.message);
    assert.ok(head.startsWith(HUGE_HEAD) && tail.endsWith(HUGE_TAIL), 'head and tail of the message');
    assert.equal(head.length + dropped + tail.length, HUGE_BYTES + 8, 'the exact bytes dropped');
    assert.ok(failure.stack?.endsWith(HUGE_FRAME), 'the stack keeps its frame');
    assert.ok(Buffer.byteLength(failure.stack ?? '') <= STACK_LIMIT_BYTES);
    assert.match(tests.find((t) => t.skipReason !== undefined)?.skipReason ?? '', /^whyyy[^]*bytes dropped …\]/);
  });
});
