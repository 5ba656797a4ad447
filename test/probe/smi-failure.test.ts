import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { describeSmiExit, findExecutable, hintForSmiOutput, isGpuGoneOutput, quoteOutput } from '../../src/probe/smi-failure.js';

describe('smi-failure', () => {
  it('knows the common driver failures', () => {
    assert.match(hintForSmiOutput("NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver.") ?? '', /not loaded/);
    assert.match(hintForSmiOutput('Failed to initialize NVML: Driver/library version mismatch') ?? '', /reboot the host/);
    assert.match(hintForSmiOutput('Failed to initialize NVML: Unknown Error') ?? '', /restart the container/);
    assert.match(hintForSmiOutput('Unable to determine the device handle for GPU0000:01:00.0: GPU is lost.') ?? '', /fell off the bus/);
    assert.equal(hintForSmiOutput('anything else'), null);
  });

  it('spots outputs that mean GPUs are gone', () => {
    assert.equal(isGpuGoneOutput('No devices were found'), true);
    assert.equal(isGpuGoneOutput('GPU is lost. Reboot'), true);
    assert.equal(isGpuGoneOutput('NVIDIA-SMI has failed'), false);
  });

  it('quotes output on one line and shortens it', () => {
    assert.equal(quoteOutput('a\n\nb\n'), '"a | b"');
    assert.equal(quoteOutput('x'.repeat(500)).length, 403);
  });

  it('composes the exit message', () => {
    assert.equal(describeSmiExit('nvidia-smi -L', 9, ''), '`nvidia-smi -L` exited with code 9 and printed nothing');
    assert.match(describeSmiExit('nvidia-smi -L', 6, 'No devices were found\n'), /code 6 and printed "No devices were found": no NVIDIA GPU/);
  });

  it('finds executables on a PATH, skipping folders and plain files', () => {
    const dir = mkdtempSync(join(tmpdir(), 'find-exe-'));
    try {
      writeFileSync(join(dir, 'plain'), '');
      writeFileSync(join(dir, 'tool'), '#!/bin/sh\n', { mode: 0o755 });
      assert.equal(findExecutable('tool', `/nonexistent:${dir}`), join(dir, 'tool'));
      assert.equal(findExecutable('plain', dir), null);
      assert.equal(findExecutable('tool', tmpdir()), null);
      assert.equal(findExecutable(join(dir, 'tool'), ''), join(dir, 'tool'));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
