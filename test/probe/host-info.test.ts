import assert from 'node:assert/strict';
import { cpus, hostname } from 'node:os';
import { describe, it } from 'node:test';
import { readHostInfo } from '../../src/probe/host-info.js';

describe('readHostInfo', () => {
  it('describes this host', () => {
    const info = readHostInfo();
    assert.equal(info.hostname, hostname());
    assert.equal(info.nodeVersion, process.version);
    assert.ok(info.cpus >= 1 && info.cpus <= Math.max(1, cpus().length));
    assert.match(info.platform, /\S+ \S+ \S+/);
    if (process.platform === 'linux') assert.ok(info.memory !== null && info.memory.totalBytes > 0);
    else assert.equal(info.memory, null);
  });
});
