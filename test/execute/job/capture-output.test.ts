import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createOutputCapture } from '../../../src/execute/job/capture-output.js';

describe('createOutputCapture', () => {
  it('keeps everything under the limit', () => {
    const capture = createOutputCapture(100);
    capture.push('hello ');
    capture.push(Buffer.from('world'));
    assert.equal(capture.text(), 'hello world');
  });

  it('keeps the head and the tail of a chatty test and counts what it dropped', () => {
    const capture = createOutputCapture(20);
    for (let i = 0; i < 100; i++) capture.push(`${i % 10}`);
    assert.equal(capture.text(), '0123456789\n[… 80 bytes dropped …]\n0123456789');
  });

  it('never splits a character where a chunk was cut, and counts its bytes with the dropped ones', () => {
    const capture = createOutputCapture(9);
    // Halves of 4 bytes: the head ends inside the second é, the tail starts inside a rocket.
    capture.push('aéé');
    capture.push('-'.repeat(100));
    capture.push('🚀🚀b');
    assert.equal(capture.text(), `aé\n[… ${Buffer.byteLength(`aéé${'-'.repeat(100)}🚀🚀b`) - 3 - 1} bytes dropped …]\nb`);
    assert.doesNotMatch(capture.text(), /\uFFFD/);
  });
});
