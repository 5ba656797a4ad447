// Loads koffi, the FFI that NVML is read through. koffi's entry module bundles its build tool, which pulls in
// node:https, node:zlib and node:crypto: ~20 ms of CPU on a 2-core machine in every process that reads VRAM (the
// harness and each GPU file's), against ~1 ms for its native module alone (bench/README.md). The native module is
// required directly when it is where koffi's own entry looks first and has koffi's version; anywhere else (another
// layout, a platform not listed below) koffi's entry loads it as always.

import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

type Koffi = typeof import('koffi');

const require = createRequire(import.meta.url);

/** The folders of koffi's prebuilt native modules for this platform, in the order koffi's entry tries them. */
function nativeFolders(): string[] {
  const triplet = `${process.platform}_${process.arch === 'arm' ? 'armhf' : process.arch}`;
  return process.platform === 'linux' ? [triplet, triplet.replace(/^linux_/, 'musl_')] : [triplet];
}

function loadNative(): Koffi | null {
  let root: string;
  let version: unknown;
  try {
    const manifest = require.resolve('koffi/package.json');
    root = dirname(manifest);
    version = (require(manifest) as { version?: unknown }).version;
  } catch {
    return null;
  }
  for (const folder of nativeFolders()) {
    try {
      const native = require(join(root, 'build/koffi', folder, 'koffi.node')) as Koffi & { version?: unknown };
      // A native module of another koffi version would bind with other layouts: koffi's entry refuses it too.
      if (native.version === version) return native;
    } catch {
      // Missing here, or built for another libc: the next folder, then koffi's entry.
    }
  }
  return null;
}

/** koffi's API: its native module where it can be required directly, else koffi's entry module. */
export function loadKoffi(): Koffi {
  return loadNative() ?? (require('koffi') as Koffi);
}
