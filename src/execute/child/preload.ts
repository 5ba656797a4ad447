// Loaded into every test process with `--import`: takes the IPC channel, waits for the harness's go, then installs the
// boundary hooks (boundary-hooks.ts) and, under --repeat, the repeating node:test.

import { createRequire, register } from 'node:module';
import { hideHarnessFromDescendants } from './as-under-node-test.js';
import { installBoundaryHooks } from './boundary-hooks.js';
import { openChildNvml, openChildVram } from './child-vram.js';
import { openHarnessChannel, type HarnessChannel } from './harness-channel.js';
import { CHILD_NVML_ENV, isGoMessage, type GoMessage } from './protocol.js';
import { repeatingNodeTest } from './repeat-tests.js';

/** Under --repeat: test files get the repeating node:test, through import (a resolve hook) and require alike. */
function installRepeat(): void {
  const repeating = repeatingNodeTest();
  if (!repeating) return;
  register(new URL('./repeat-hooks.js', import.meta.url));
  const moduleApi = createRequire(import.meta.url)('node:module') as { _load: (request: string, ...rest: unknown[]) => unknown };
  const load = moduleApi._load;
  moduleApi._load = function loadWithRepeat(this: unknown, request: string, ...rest: unknown[]) {
    return request === 'node:test' ? repeating : load.call(this, request, ...rest);
  };
}

/** Waits for the harness's go: modules given with --import finish before the test file loads, so it waits too. */
function waitForGo(channel: HarnessChannel): Promise<GoMessage> {
  return new Promise((resolve) => {
    const release = channel.hold();
    const stop = channel.onMessage((message) => {
      if (!isGoMessage(message)) return;
      stop();
      release();
      resolve(message);
    });
  });
}

/**
 * If the harness dies (SIGKILL, a crash, the OOM killer), nobody would stop this file: it would hold its GPU forever.
 * The channel closing says so, and the whole process group goes down with it.
 */
function stopWithHarness(channel: HarnessChannel): void {
  channel.onClose(() => {
    for (const target of [-process.pid, process.pid]) {
      try {
        process.kill(target, 'SIGKILL');
      } catch {
        // Not a group leader (started by hand, not by the harness): the process itself is next.
      }
    }
  });
}

const channel = openHarnessChannel();
if (channel) {
  hideHarnessFromDescendants(import.meta.url, new URL('./reporter.js', import.meta.url).href);
  stopWithHarness(channel);
  // A GPU file opens NVML while it waits for its turn, so its first test does not wait for it.
  const nvmlHint = process.env[CHILD_NVML_ENV];
  delete process.env[CHILD_NVML_ENV];
  const nvmlOpening = nvmlHint ? openChildNvml(nvmlHint) : null;
  const go = await waitForGo(channel);
  Object.assign(process.env, go.env);
  installRepeat();
  // VRAM read here when NVML opens; otherwise by the harness, and every test waits for it at its begin and end. Not
  // awaited here: the test file loads while NVML opens, and the first test boundary waits for it.
  const setting = go.vram?.by === 'child'
    ? openChildVram(go.vram.nvmlLibrary, go.vram.gpus, nvmlOpening).catch(() => null).then((vram) => ({ vram, harnessReadsVram: vram === null }))
    : { vram: null, harnessReadsVram: go.vram !== null && go.vram !== undefined };
  installBoundaryHooks(channel, setting);
}
