import assert from 'node:assert/strict';
import { afterEach, before, describe, it } from 'node:test';
import { findGpus } from '../../src/probe/find-gpus.js';
import { readGpuInventory } from '../../src/probe/gpu-inventory.js';
import { openNvml, type NvmlSession, type NvmlUnavailable } from '../../src/probe/nvml.js';
import { buildFakeNvml, fakeNvmlSkipReason } from './fake-nvml-build.js';
import { FAKE_SMI, TWO_GPUS, mark, restoreFakeGpu, useFakeGpu } from './fake-gpu-state.js';

const sessions: NvmlSession[] = [];
afterEach(() => {
  for (const session of sessions.splice(0)) session.close();
  restoreFakeGpu();
});

const missingNvml = (): NvmlSession | NvmlUnavailable => openNvml({ nvmlLibrary: '/nonexistent/libnvidia-ml.so.1' });

describe('findGpus', () => {
  describe('where libnvidia-ml loads', { skip: fakeNvmlSkipReason() }, () => {
    let library = '';
    before(() => {
      library = buildFakeNvml();
    });
    const standIn = () => {
      const result = openNvml({ nvmlLibrary: library });
      if (result.available) sessions.push(result);
      return result;
    };

    it('lists the GPUs through NVML, as nvidia-smi lists them, and runs no nvidia-smi', async () => {
      const dir = useFakeGpu(TWO_GPUS);
      const fromSmi = await readGpuInventory({ smiPath: FAKE_SMI });
      // From here on nvidia-smi lists no GPU (NVML, which enumerates at init, is not told): a listing that ran it would differ.
      mark(dir, 'vanish-0');
      mark(dir, 'vanish-1');
      assert.equal((await readGpuInventory({ smiPath: FAKE_SMI })).available, false);
      const found = await findGpus({ backend: 'auto', openNvml: standIn });
      assert.deepEqual(found.inventory, fromSmi);
      assert.equal(found.nvml?.available, true, 'the session that listed the GPUs is handed on to read VRAM');
    });

    it('--gpu-backend nvidia-smi: lists them with nvidia-smi and leaves NVML unopened', async () => {
      useFakeGpu();
      let asked = false;
      const found = await findGpus({ backend: 'nvidia-smi', smiPath: FAKE_SMI, openNvml: () => { asked = true; return standIn(); } });
      assert.equal(found.inventory.available, true);
      assert.equal(found.nvml, null);
      assert.equal(asked, false);
    });
  });

  it('falls back to nvidia-smi where NVML does not load, and keeps NVML\'s reason', async () => {
    useFakeGpu();
    const found = await findGpus({ backend: 'auto', smiPath: FAKE_SMI, openNvml: missingNvml });
    assert.equal(found.inventory.available, true);
    assert.equal(found.inventory.gpus.length, 1);
    assert.match(found.nvml?.available === false ? found.nvml.reason : '', /could not be loaded/);
  });

  it('says why no GPU is usable when neither NVML nor nvidia-smi is there', async () => {
    useFakeGpu(undefined, { onPath: false });
    const found = await findGpus({ backend: 'auto', smiPath: '/nonexistent/nvidia-smi', openNvml: missingNvml });
    assert.equal(found.inventory.available, false);
    assert.match(found.inventory.reason ?? '', /nvidia-smi was not found at `\/nonexistent\/nvidia-smi`/);
  });
});
