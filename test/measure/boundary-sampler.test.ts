// Boundaries that share a sample: a sample begun after a boundary happened serves it, so a harness behind a fast file
// catches up instead of reading memory once per boundary; a test's end needs a GPU reading taken after it.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { sharedSamples } from '../../src/measure/boundary-sampler.js';
import type { MemorySample } from '../../src/results/measurement.js';

function counter() {
  const asked: (number | undefined)[] = [];
  const take = async (gpusTakenAfter: number | undefined): Promise<MemorySample> => {
    asked.push(gpusTakenAfter);
    return { at: Date.now(), host: null, processRssBytes: asked.length, gpus: null, memoryStallUs: null, errors: [] };
  };
  return { asked, take };
}

describe('sharedSamples', () => {
  it('gives boundaries that happened before a sample began that same sample', async () => {
    const { asked, take } = counter();
    const sampleAt = sharedSamples(take);
    const past = Date.now() - 60_000;
    const first = await sampleAt(past, false);
    const second = await sampleAt(past + 1, false);
    assert.equal(asked.length, 1);
    assert.equal(second, first);
  });

  it('takes a fresh sample for a boundary that happened after the latest sample began', async () => {
    const { asked, take } = counter();
    const sampleAt = sharedSamples(take);
    await sampleAt(Date.now() - 60_000, false);
    const later = await sampleAt(Date.now() + 60_000, false);
    assert.equal(asked.length, 2);
    assert.equal(later.processRssBytes, 2);
  });

  it('asks for a GPU reading taken after an end, and does not give an end a sample whose GPU reading may be older', async () => {
    const { asked, take } = counter();
    const sampleAt = sharedSamples(take);
    const past = Date.now() - 60_000;
    await sampleAt(past, false);
    assert.equal(asked[0], undefined, 'a begin takes the latest GPU reading');
    await sampleAt(past + 1, true);
    assert.equal(asked.length, 2, 'the begin\'s sample may hold a GPU reading from before the end');
    assert.ok(typeof asked[1] === 'number' && asked[1] > past + 1);
    await sampleAt(past + 2, true);
    await sampleAt(past + 3, false);
    assert.equal(asked.length, 2, 'a sample whose GPU reading was taken after it serves later boundaries of either kind');
  });
});
