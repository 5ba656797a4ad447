import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { closestName, describeValue, displayPath, formatProblems } from '../../src/config/config-problems.js';

describe('describeValue', () => {
  it('echoes the value with its type, strings quoted so `"1"` and `1` differ', () => {
    assert.equal(describeValue('15 min'), '`"15 min"` (string)');
    assert.equal(describeValue('1'), '`"1"` (string)');
    assert.equal(describeValue(1), '`1` (number)');
    assert.equal(describeValue(true), '`true` (boolean)');
    assert.equal(describeValue(null), '`null` (null)');
    assert.equal(describeValue(['a']), '`["a"]` (list)');
    assert.equal(describeValue({ a: 1 }), '`{"a":1}` (mapping)');
  });

  it('cuts long values', () => {
    const echoed = describeValue('x'.repeat(500));
    assert.ok(echoed.length < 80, echoed);
    assert.match(echoed, /…` \(string\)$/);
  });
});

describe('closestName', () => {
  const keys = ['suites', 'gates', 'gpuTags', 'tags', 'exclude', 'reportDir', 'reporters', 'concurrency', 'gpuConcurrency', 'timeout'];

  it('suggests the key a typo was meant to be', () => {
    assert.equal(closestName('reporter', keys), 'reporters');
    assert.equal(closestName('suite', keys), 'suites');
    assert.equal(closestName('concurency', keys), 'concurrency');
    assert.equal(closestName('timeot', keys), 'timeout');
  });

  it('ignores case and separators', () => {
    assert.equal(closestName('gpu_tags', keys), 'gpuTags');
    assert.equal(closestName('report-dir', keys), 'reportDir');
    assert.equal(closestName('GPUCONCURRENCY', keys), 'gpuConcurrency');
  });

  it('counts a swap of two letters as one edit', () => {
    assert.equal(closestName('junti', ['console', 'markdown', 'junit', 'json']), 'junit');
    assert.equal(closestName('lfux', ['flux', 'gpu']), 'flux');
  });

  it('suggests nothing when no name is close', () => {
    assert.equal(closestName('banana', keys), undefined);
    assert.equal(closestName('x', ['flux', 'gpu']), undefined);
    assert.equal(closestName('flux', []), undefined);
  });
});

describe('displayPath', () => {
  it('is relative to the working directory when that is shorter', () => {
    assert.equal(displayPath('/project/gpu-test.config.yaml', '/project'), 'gpu-test.config.yaml');
    assert.equal(displayPath('/project/gpu-test.config.yaml', '/project/suites/vlm'), join('..', '..', 'gpu-test.config.yaml'));
  });

  it('stays absolute when the relative path would be longer', () => {
    assert.equal(displayPath('/a.yaml', '/deep/down/in/some/tree'), '/a.yaml');
  });
});

describe('formatProblems', () => {
  it('gives a single problem as it is', () => {
    assert.equal(formatProblems('c.yaml', ['c.yaml:1:1: bad']), 'c.yaml:1:1: bad');
  });

  it('counts several problems and gives each its own line', () => {
    assert.equal(formatProblems('c.yaml', ['c.yaml:1:1: bad', 'c.yaml:2:1: worse']), 'c.yaml: 2 problems\n  c.yaml:1:1: bad\n  c.yaml:2:1: worse');
  });
});
