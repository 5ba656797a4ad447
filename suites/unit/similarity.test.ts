// A CPU-only suite: the scoring code the VLM ensemble relies on, tested without a model.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { tokenOverlap } from '../vlm/similarity.ts';

test('identical captions score 1', () => {
  assert.equal(tokenOverlap('a red car', 'a red car'), 1);
});

test('unrelated captions score 0', () => {
  assert.equal(tokenOverlap('a red car', 'two dogs'), 0);
});

test('case and punctuation do not matter', () => {
  assert.equal(tokenOverlap('A red car.', 'a RED car'), 1);
});
