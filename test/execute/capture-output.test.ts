import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createOutputCapture } from '../../src/execute/capture-output.js';

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
    assert.equal(capture.text(), '0123456789\n[… 80 bytes omitted …]\n0123456789');
  });
});
