import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Job } from '../../../src/results/job.js';
import type { LaunchedJob } from '../../../src/execute/job/launch-job.js';
import { createPrewarmer, nextCpuFile } from '../../../src/execute/run/prewarm.js';
import { job } from '../../helpers/sample-run-result.js';

const cpu = (id: string): Job => job(id, 'unit', [], 'cpu');
const gpu = (id: string): Job => job(id, 'gpu', ['gpu'], 'gpu');
const exclusive = (base: Job): Job => ({ ...base, needs: { ...base.needs, exclusive: true } });

/** A prewarmer whose launches are only recorded, and the ids it launched in order. */
function recordingPrewarmer(): { prewarmer: ReturnType<typeof createPrewarmer>; launched: string[] } {
  const launched: string[] = [];
  const prewarmer = createPrewarmer((booted) => {
    launched.push(booted.id);
    return { job: booted, cancel: () => {}, done: new Promise(() => {}), underway: new Promise(() => {}) } as unknown as LaunchedJob;
  });
  return { prewarmer, launched };
}

describe('nextCpuFile', () => {
  it('is the first cpu-lane file of the queue, past the gpu-lane ones', () => {
    assert.equal(nextCpuFile([gpu('g1'), cpu('c1'), cpu('c2')])?.id, 'c1');
  });

  it('is none past an exclusive file, which holds back everything behind it', () => {
    assert.equal(nextCpuFile([gpu('g1'), exclusive(gpu('g2')), cpu('c1')]), undefined);
    assert.equal(nextCpuFile([exclusive(cpu('c1')), cpu('c2')]), undefined);
    assert.equal(nextCpuFile([gpu('g1')]), undefined);
  });
});

describe('createPrewarmer: the cpu lane', () => {
  it('keeps one cpu-lane file booted ahead, and boots the next once it is taken', () => {
    const { prewarmer, launched } = recordingPrewarmer();
    prewarmer.bootNextCpu([cpu('c1'), cpu('c2')]);
    prewarmer.bootNextCpu([cpu('c1'), cpu('c2')]);
    assert.deepEqual(launched, ['c1']);
    assert.equal(prewarmer.take(cpu('c1'))?.job.id, 'c1');
    prewarmer.bootNextCpu([cpu('c2')]);
    assert.deepEqual(launched, ['c1', 'c2']);
  });

  it('counts it apart from the gpu-lane files booted ahead', () => {
    const { prewarmer, launched } = recordingPrewarmer();
    prewarmer.bootNextCpu([cpu('c1')]);
    prewarmer.boot([gpu('g1'), gpu('g2')], 1, true);
    assert.deepEqual(launched, ['c1', 'g1']);
  });
});
