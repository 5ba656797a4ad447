// koffi's native module, required directly: the same API as koffi's entry, without the entry's build tool and the
// Node built-ins it pulls in (node:https, node:zlib) in every process that reads VRAM.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { describe, it } from 'node:test';
import { loadKoffi } from '../../src/probe/load-koffi.js';

const require = createRequire(import.meta.url);

// Prints which of node:https and node:zlib the process has loaded.
const PRINT_LOADED = 'console.log(JSON.stringify(process.moduleLoadList.filter((name) => /^NativeModule (https|zlib)$/.test(name))));';

describe('loadKoffi', () => {
  it("gives koffi's own version, with the calls NVML is bound through", () => {
    const koffi = loadKoffi();
    assert.equal((koffi as { version?: string }).version, (require('koffi/package.json') as { version: string }).version);
    const Memory = koffi.struct({ total: 'uint64', free: 'uint64', used: 'uint64' });
    assert.equal(koffi.sizeof(Memory), 24);
    for (const call of ['load', 'pointer', 'opaque', 'out', 'decode'] as const) assert.equal(typeof koffi[call], 'function', call);
  });

  it("loads neither node:https nor node:zlib, which koffi's entry module pulls in", () => {
    const url = new URL('../../dist/probe/load-koffi.js', import.meta.url).href;
    const probe = `const { loadKoffi } = await import(${JSON.stringify(url)}); loadKoffi(); ${PRINT_LOADED}`;
    const direct = spawnSync(process.execPath, ['--input-type=module', '-e', probe], { encoding: 'utf8' });
    assert.equal(direct.status, 0, direct.stderr);
    assert.deepEqual(JSON.parse(direct.stdout), []);
    // The same probe through koffi's entry does load them: the check above can fail.
    const entry = spawnSync(process.execPath, ['-e', `require('koffi'); ${PRINT_LOADED}`], { encoding: 'utf8', cwd: new URL('../../', import.meta.url).pathname });
    assert.equal(entry.status, 0, entry.stderr);
    assert.notDeepEqual(JSON.parse(entry.stdout), []);
  });
});
