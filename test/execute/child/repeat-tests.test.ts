// The --repeat wrapper of node:test, on a fake register function: iteration names and their parsing back,
// N registrations per test, skip/todo registered once, the re-check filter, the `.only` variants, what the wrapper
// returns, the call site it records for the reporter, and repeatingNodeTest's reading of the environment.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { afterEach, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { iterationName, parseIterationName } from '../../../src/results/repeat-names.js';
import { createRepeatingNodeTest, REPEAT_ENV, REPEAT_ONLY_ENV, repeatingNodeTest, repeatLocations } from '../../../src/execute/child/repeat-tests.js';

interface Registration {
  readonly via: string;
  readonly name: unknown;
  readonly options: Record<string, unknown>;
  readonly fn: unknown;
}

type FakeTest = ((...args: unknown[]) => unknown) & Record<string, unknown>;

/** A stand-in for node:test's default export: each register function records its calls and returns `returns()`. */
function fakeNodeTest(returns: () => unknown = () => undefined): { original: FakeTest; calls: Registration[] } {
  const calls: Registration[] = [];
  const register = (via: string) => (name: unknown, options: Record<string, unknown>, fn: unknown): unknown => {
    calls.push({ via, name, options, fn });
    return returns();
  };
  const original = Object.assign(register('test'), {
    it: Object.assign(register('it'), { skip: register('it.skip'), todo: register('it.todo') }),
    skip: register('test.skip'),
    todo: register('test.todo'),
    only: register('test.only'),
    describe: register('describe'),
    mock: { fn: () => undefined },
  }) as unknown as FakeTest;
  return { original, calls };
}

const body = (): void => {};

describe('iterationName and parseIterationName', () => {
  it('round-trips every iteration of a name, brackets in the name included', () => {
    for (const name of ['loads the model', 'caption [en]', 'x [repeat 1/2]', '']) {
      for (let i = 1; i <= 4; i += 1) assert.deepEqual(parseIterationName(iterationName(name, i, 4), 4), { name, iteration: i });
    }
    assert.equal(iterationName('loads', 2, 5), 'loads [repeat 2/5]');
  });

  it('rejects a name that is not an iteration of that many, or out of range', () => {
    assert.equal(parseIterationName('loads', 3), null);
    assert.equal(parseIterationName('loads [repeat 2/3]', 4), null, 'another count');
    assert.equal(parseIterationName('loads [repeat 0/3]', 3), null);
    assert.equal(parseIterationName('loads [repeat 4/3]', 3), null);
    assert.equal(parseIterationName('loads [repeat 1/3] again', 3), null, 'the suffix must end the name');
    assert.equal(parseIterationName('loads[repeat 1/3]', 3), null, 'the suffix starts with a space');
    assert.equal(parseIterationName('loads [repeat -1/3]', 3), null);
  });
});

describe('createRepeatingNodeTest', () => {
  it('registers a test N times, named with the suffix, with its options and function', () => {
    const { original, calls } = fakeNodeTest();
    const test = createRepeatingNodeTest(original, 3, null);
    test('loads', { timeout: 50 }, body);
    assert.deepEqual(calls, [1, 2, 3].map((i) => ({ via: 'test', name: `loads [repeat ${i}/3]`, options: { timeout: 50 }, fn: body })));
  });

  it('accepts node:test\'s shorter call forms: a function alone takes its name', () => {
    const { original, calls } = fakeNodeTest();
    const test = createRepeatingNodeTest(original, 2, null);
    test(function namedBody() {});
    test(() => {});
    test('no body');
    assert.deepEqual(calls.map((call) => call.name), [
      'namedBody [repeat 1/2]', 'namedBody [repeat 2/2]', '<anonymous> [repeat 1/2]', '<anonymous> [repeat 2/2]', 'no body [repeat 1/2]', 'no body [repeat 2/2]',
    ]);
    assert.deepEqual(calls[4]?.options, {});
    assert.equal(calls[4]?.fn, undefined);
  });

  it('registers skipped and todo tests once, under their own name', () => {
    const { original, calls } = fakeNodeTest();
    const test = createRepeatingNodeTest(original, 3, null);
    test('later', { skip: 'not yet' }, body);
    test('someday', { todo: true }, body);
    (test['it'] as FakeTest)('off', { skip: true }, body);
    assert.deepEqual(calls.map((call) => [call.via, call.name, call.options]), [
      ['test', 'later', { skip: 'not yet' }],
      ['test', 'someday', { todo: true }],
      ['it', 'off', { skip: true }],
    ]);
    assert.equal(test['skip'], original['skip'], 'test.skip is node:test\'s own');
    assert.equal(test['todo'], original['todo']);
  });

  it('repeats only the tests of a re-check run and skips the others once, with the reason', () => {
    const { original, calls } = fakeNodeTest();
    const test = createRepeatingNodeTest(original, 2, new Set(['leaks']));
    test('leaks', body);
    test('clean', { timeout: 9 }, body);
    (test['it'] as FakeTest)('clean too', body);
    assert.deepEqual(calls.map((call) => [call.via, call.name, call.options]), [
      ['test', 'leaks [repeat 1/2]', {}],
      ['test', 'leaks [repeat 2/2]', {}],
      ['test', 'clean', { timeout: 9, skip: 'not part of the leak re-check' }],
      ['it', 'clean too', { skip: 'not part of the leak re-check' }],
    ]);
  });

  it('repeats test.only and it.only through the plain register function, with only: true', () => {
    const { original, calls } = fakeNodeTest();
    const test = createRepeatingNodeTest(original, 2, null);
    (test['only'] as FakeTest)('focused', { timeout: 5 }, body);
    ((test['it'] as FakeTest)['only'] as FakeTest)('focused it', body);
    assert.deepEqual(calls.map((call) => [call.via, call.name, call.options]), [
      ['test', 'focused [repeat 1/2]', { timeout: 5, only: true }],
      ['test', 'focused [repeat 2/2]', { timeout: 5, only: true }],
      ['it', 'focused it [repeat 1/2]', { only: true }],
      ['it', 'focused it [repeat 2/2]', { only: true }],
    ]);
  });

  it('returns one promise for all iterations where test() returns promises, else undefined', async () => {
    let n = 0;
    const promising = fakeNodeTest(() => Promise.resolve((n += 1)));
    const result = createRepeatingNodeTest(promising.original, 3, null)('awaited', body);
    assert.ok(result instanceof Promise);
    assert.deepEqual(await result, [1, 2, 3]);
    assert.equal(createRepeatingNodeTest(fakeNodeTest().original, 3, null)('plain', body), undefined);
  });

  it('keeps node:test\'s other exports, and test.test is the repeating test', () => {
    const { original, calls } = fakeNodeTest();
    const test = createRepeatingNodeTest(original, 2, null);
    assert.equal(test['mock'], original['mock']);
    assert.equal(test['test'], test);
    (test['it'] as FakeTest)('via it', body);
    assert.deepEqual(calls.map((call) => [call.via, call.name]), [['it', 'via it [repeat 1/2]'], ['it', 'via it [repeat 2/2]']]);
  });

  it('passes describe() through to node:test, running its body so the tests inside are repeated', () => {
    const { original, calls } = fakeNodeTest();
    const test = createRepeatingNodeTest(original, 2, null);
    (test['describe'] as FakeTest)('group', {}, () => (test['it'] as FakeTest)('inner', body));
    const group = calls.find((call) => call.via === 'describe');
    assert.equal(group?.name, 'group');
    (group?.fn as () => void)();
    assert.deepEqual(calls.filter((call) => call.via === 'it').map((call) => call.name), ['inner [repeat 1/2]', 'inner [repeat 2/2]']);
  });

  it('records where each iteration was declared: the caller, not the wrapper', () => {
    const test = createRepeatingNodeTest(fakeNodeTest().original, 2, null);
    test('declared here', body); // DECLARATION-MARKER
    const file = fileURLToPath(import.meta.url);
    const line = readFileSync(file, 'utf8').split('\n').findIndex((text) => text.includes('// DECLARATION' + '-MARKER')) + 1;
    for (const name of ['declared here [repeat 1/2]', 'declared here [repeat 2/2]']) {
      const location = repeatLocations().get(name);
      assert.equal(location?.file, file);
      assert.equal(location?.line, line);
      assert.ok((location?.column ?? 0) > 0);
    }
  });
});

describe('repeatingNodeTest', () => {
  const saved = { [REPEAT_ENV]: process.env[REPEAT_ENV], [REPEAT_ONLY_ENV]: process.env[REPEAT_ONLY_ENV] };
  afterEach(() => {
    for (const [key, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  });

  it('is null when tests run once: unset, 1, or not a whole number', () => {
    for (const value of [undefined, '1', '0', '2.5', 'three']) {
      if (value === undefined) delete process.env[REPEAT_ENV];
      else process.env[REPEAT_ENV] = value;
      assert.equal(repeatingNodeTest(), null, `${REPEAT_ENV}=${String(value)}`);
    }
  });

  it('builds the repeating test once from the environment, with node:test\'s own exports', () => {
    process.env[REPEAT_ENV] = '3';
    process.env[REPEAT_ONLY_ENV] = JSON.stringify(['leaks']);
    const repeating = repeatingNodeTest();
    assert.equal(typeof repeating, 'function');
    assert.equal(typeof repeating?.['it'], 'function');
    assert.equal(typeof repeating?.['describe'], 'function');
    delete process.env[REPEAT_ENV];
    assert.equal(repeatingNodeTest(), repeating, 'built once per process');
  });
});
