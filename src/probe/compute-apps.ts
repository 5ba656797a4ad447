// The processes holding VRAM, from one `nvidia-smi --query-compute-apps` (the stream reader's way; NVML asks the
// driver directly). Run once per file at most, so its spawn cost does not matter.

import { execFile } from 'node:child_process';
import { GpuTestError } from '../errors.js';
import { COMPUTE_APPS_FIELDS, parseComputeAppsCsv } from './nvidia-smi-csv.js';
import { describeSmiExit } from './smi-failure.js';
import type { GpuMemory } from '../results/machine.js';
import type { GpuProcess } from './types.js';

const QUERY_TIMEOUT_MS = 10_000;

/** Processes on the GPUs of `gpus` (uuid -> index); rejects with GPU_READ when nvidia-smi fails. */
export function queryComputeApps(smi: string, gpus: readonly GpuMemory[]): Promise<GpuProcess[]> {
  const args = [`--query-compute-apps=${COMPUTE_APPS_FIELDS.join(',')}`, '--format=csv,noheader,nounits'];
  return new Promise((resolve, reject) => {
    execFile(smi, args, { timeout: QUERY_TIMEOUT_MS, encoding: 'utf8' }, (error, stdout, stderr) => {
      if (error) {
        const code = typeof error.code === 'number' ? error.code : undefined;
        reject(new GpuTestError('GPU_READ', `listing the processes on the GPUs failed: ${describeSmiExit([smi, ...args].join(' '), code, `${stdout}${stderr}`)}`, { cause: error }));
        return;
      }
      try {
        const indexOf = new Map(gpus.map((gpu) => [gpu.uuid, gpu.index]));
        const { apps } = parseComputeAppsCsv(stdout);
        resolve(apps.flatMap((app) => {
          const gpuIndex = indexOf.get(app.gpuUuid);
          return gpuIndex === undefined ? [] : [{ gpuIndex, pid: app.pid, usedBytes: app.usedBytes }];
        }));
      } catch (parseError) {
        reject(parseError);
      }
    });
  });
}
