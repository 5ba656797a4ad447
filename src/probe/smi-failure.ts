// Turns what a failing nvidia-smi printed into a sentence that says what is wrong and how to fix it.

import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, join } from 'node:path';

interface KnownFailure {
  readonly pattern: RegExp;
  readonly hint: string;
}

// The messages NVIDIA's tools print for the failures people actually hit on desktops and CI runners.
const KNOWN_FAILURES: readonly KnownFailure[] = [
  {
    pattern: /couldn't communicate with the NVIDIA driver/i,
    hint: 'the NVIDIA driver is not loaded, or it was updated without a reboot: check `lsmod | grep nvidia`, reboot after a driver update',
  },
  {
    pattern: /Driver\/library version mismatch/i,
    hint: 'the NVIDIA driver was updated without a reboot (kernel module and library differ): reboot the host',
  },
  {
    pattern: /GPU is lost/i,
    hint: 'a GPU fell off the bus: reboot the host to recover it (`dmesg` shows the Xid error)',
  },
  {
    pattern: /No devices were found/i,
    hint: 'no NVIDIA GPU is visible: in a container, pass the GPUs through (`docker run --gpus all`)',
  },
  {
    pattern: /Insufficient Permissions/i,
    hint: 'this user may not open /dev/nvidia*: add it to the group that owns those devices',
  },
  {
    pattern: /Failed to initialize NVML: Unknown Error/i,
    hint: 'the container lost access to the GPU devices (a cgroup issue after `systemctl daemon-reload` on the host): restart the container',
  },
];

/** The fix for a known nvidia-smi failure message, or null when the output matches none. */
export function hintForSmiOutput(output: string): string | null {
  return KNOWN_FAILURES.find((known) => known.pattern.test(output))?.hint ?? null;
}

/** Whether the output says that one or more GPUs have gone (no devices, GPU lost). */
export function isGpuGoneOutput(output: string): boolean {
  return /No devices were found|GPU is lost/i.test(output);
}

/** Quotes a tool's output in one line, shortened so a message stays readable. */
export function quoteOutput(output: string): string {
  const oneLine = output.trim().replace(/\s*\n\s*/g, ' | ');
  return oneLine.length > 400 ? `"${oneLine.slice(0, 400)}…"` : `"${oneLine}"`;
}

/** The message for nvidia-smi exiting non-zero: the code, its output quoted, and the fix where known. */
export function describeSmiExit(command: string, exitCode: number | undefined, output: string): string {
  const status = exitCode === undefined ? 'failed' : `exited with code ${exitCode}`;
  const quoted = output.trim() === '' ? 'and printed nothing' : `and printed ${quoteOutput(output)}`;
  const hint = hintForSmiOutput(output);
  return `\`${command}\` ${status} ${quoted}${hint === null ? '' : `: ${hint}`}`;
}

/** The full path of an executable found on PATH (or `name` itself when it holds a slash), or null. */
export function findExecutable(name: string, pathValue = process.env['PATH'] ?? ''): string | null {
  const candidates = name.includes('/') ? [name] : pathValue.split(delimiter).filter((dir) => dir !== '').map((dir) => join(dir, name));
  for (const candidate of candidates) {
    try {
      accessSync(candidate, constants.X_OK);
      if (statSync(candidate).isFile()) return candidate;
    } catch {
      // Not here or not executable: keep looking, as a shell would.
    }
  }
  return null;
}
