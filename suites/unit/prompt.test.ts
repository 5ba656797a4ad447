// A CPU-only suite: runs in the cpu lane, beside any GPU suite.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

/** Builds the chat prompt a VLM server expects; the kind of pure code a project tests without a GPU. */
function buildPrompt(question: string, images: number): string {
  if (images < 1) throw new RangeError('a VLM prompt needs at least one image');
  return `${'<image>\n'.repeat(images)}USER: ${question.trim()}\nASSISTANT:`;
}

describe('buildPrompt', () => {
  it('puts one image token per image before the question', () => {
    assert.equal(buildPrompt(' What is shown? ', 2), '<image>\n<image>\nUSER: What is shown?\nASSISTANT:');
  });

  it('rejects a prompt without images', () => {
    assert.throws(() => buildPrompt('hi', 0), RangeError);
  });
});
