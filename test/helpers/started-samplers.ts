// Samplers started by a test file, stopped after each test so no timer outlives it.

import { afterEach } from 'node:test';
import { startContinuousSampler, type ContinuousSampler } from '../../src/measure/continuous-sampler.js';

const started: ContinuousSampler[] = [];
afterEach(() => started.splice(0).forEach((sampler) => sampler.stop()));

/** startContinuousSampler, stopped after the current test. */
export function start(options: Parameters<typeof startContinuousSampler>[0]): ContinuousSampler {
  const sampler = startContinuousSampler(options);
  started.push(sampler);
  return sampler;
}
