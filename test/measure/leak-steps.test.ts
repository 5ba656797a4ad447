// Steps in a series, as a caching allocator shows the driver a leak: found above the noise, read as a staircase that
// carries on (its period and growth per iteration, a cache fill before it left out), a step that did not come back,
// steps that stopped, or too few to tell, with the readings it would take to tell.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { readSteps } from '../../src/measure/leak-steps.js';
import { seededRandom } from '../helpers/seeded-random.js';

const MiB = 1024 * 1024;
const BASE = 1024 * MiB;
// 16 MiB over 18 iterations: what a 20-iteration run with `leakThreshold: { vram: 16MiB }` holds a series to.
const OPTIONS = { threshold: 16 * MiB, horizon: 18 };

/** `n` readings: a 20 MiB step every `period` iterations, the first `phase` iterations into a segment. */
function staircase(n: number, period: number, phase = 0, noiseBytes = 0): number[] {
  const random = seededRandom(period * 100 + phase);
  return Array.from({ length: n }, (_, i) => BASE + 20 * MiB * Math.floor((i + phase) / period) + Math.round((random() * 2 - 1) * noiseBytes));
}

describe('readSteps', () => {
  it('reads a 2 MiB/iteration leak over 39 iterations as a staircase: a 20 MiB step every 10, 2 MiB per iteration', () => {
    const steps = readSteps(staircase(39, 10, 4), OPTIONS);
    assert.equal(steps.kind, 'staircase');
    assert.deepEqual(steps.at, [6, 16, 26, 36]);
    assert.equal(steps.height, 20 * MiB);
    assert.equal(steps.period, 10);
    assert.equal(steps.perIteration, 2 * MiB);
    assert.equal(steps.readingsToDecide, 0);
  });

  it('finds the steps through noise of ±1 MiB between readings', () => {
    const steps = readSteps(staircase(39, 10, 4, MiB), OPTIONS);
    assert.equal(steps.kind, 'staircase');
    assert.deepEqual(steps.at, [6, 16, 26, 36]);
  });

  it('leaves a cache filled before the leak out of the staircase and its growth per iteration', () => {
    const values = staircase(39, 10, 4).map((v, i) => v + (i >= 2 ? 200 * MiB : 0));
    const steps = readSteps(values, OPTIONS);
    assert.equal(steps.kind, 'staircase');
    assert.deepEqual(steps.at, [2, 6, 16, 26, 36]);
    assert.equal(steps.period, 10);
    assert.equal(steps.perIteration, 2 * MiB);
  });

  it('calls one step followed by a long flat run one-off, and steps that stopped one-off too', () => {
    const filled = Array.from({ length: 39 }, (_, i) => BASE + (i >= 5 ? 64 * MiB : 0));
    assert.equal(readSteps(filled, OPTIONS).kind, 'one-off');
    const stopped = Array.from({ length: 39 }, (_, i) => BASE + 20 * MiB * Math.min(3, Math.floor(i / 4)));
    const steps = readSteps(stopped, OPTIONS);
    assert.equal(steps.kind, 'one-off');
    assert.equal(steps.period, 4);
  });

  it('leaves two steps in 19 iterations undecided, and asks for enough readings to see three or rule them out', () => {
    const steps = readSteps(staircase(19, 10, 3), OPTIONS);
    assert.equal(steps.kind, 'undecided');
    assert.deepEqual(steps.at, [7, 17]);
    assert.equal(steps.period, 10);
    // Three steps 10 apart need 31 readings; ruling them out needs 19 flat ones after the step at 17.
    assert.equal(steps.readingsToDecide, Math.max(3 * 10 + 1, 17 + 19 + 1));
  });

  it('asks a single step to stay flat for as long as the threshold\'s span before ruling a leak out', () => {
    const values = Array.from({ length: 19 }, (_, i) => BASE + (i >= 5 ? 64 * MiB : 0));
    const steps = readSteps(values, OPTIONS);
    assert.equal(steps.kind, 'undecided');
    assert.equal(steps.flatToRuleOut, 19);
    assert.equal(steps.readingsToDecide, Math.max(3 * 19 + 1, 5 + 19 + 1));
  });

  it('finds no step in a steady climb or in noise alone', () => {
    assert.equal(readSteps(Array.from({ length: 19 }, (_, i) => BASE + i * 12 * MiB), OPTIONS).kind, 'irregular');
    assert.equal(readSteps(staircase(19, 1000, 0, 4 * MiB), OPTIONS).kind, 'irregular');
  });
});
