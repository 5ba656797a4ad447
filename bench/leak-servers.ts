// Model servers on the simulated caching allocator, for the leak-sensitivity section: what the driver (NVML,
// nvidia-smi) reads after each request of a server that keeps a tensor per request, or of a clean one whose cache
// fills once. Each server is a seeded draw, so a series is the same in its first run and in its re-check (a fresh
// process of a deterministic server starts from the same state), and every bench run draws the same servers.

import { createCachingAllocator } from '../fixtures/fake-gpu/caching-allocator.mjs';
import { seededRandom } from '../test/helpers/seeded-random.js';

const MiB = 1024 * 1024;
/** A CUDA context, as an H200 with PyTorch 2.11 shows it. */
const CONTEXT_MIB = 520;

/** One simulated server: after each of `count` requests, the bytes the driver shows its process holding. */
export type Server = (count: number) => number[];

/** Requests served before the test's first iteration (a warm-up at load), and the activations each request takes. */
interface Traffic {
  readonly servedAtLoad: number;
  /** MiB of activations a request allocates and frees; 0 for none. */
  readonly activationsMiB: number;
}

function drawTraffic(random: () => number): Traffic {
  return { servedAtLoad: Math.floor(random() * 10), activationsMiB: random() < 0.25 ? 0 : 1 + Math.floor(random() * 9) };
}

function serve(count: number, traffic: Traffic, request: (torch: ReturnType<typeof createCachingAllocator>, index: number) => void): number[] {
  let held = CONTEXT_MIB;
  const torch = createCachingAllocator({ reserve: (mib) => void (held += mib), release: (mib) => void (held -= mib) });
  for (let i = 0; i < traffic.servedAtLoad; i += 1) request(torch, -1);
  return Array.from({ length: count }, (_, index) => {
    const activations = traffic.activationsMiB > 0 ? torch.malloc(traffic.activationsMiB) : null;
    request(torch, index);
    if (activations !== null) torch.free(activations);
    return held * MiB;
  });
}

/** A server that keeps `leakMiB` per request (a KV-cache entry, a logged output), with drawn traffic. */
export function leakyServer(leakMiB: number, seed: number): Server {
  const traffic = drawTraffic(seededRandom(seed));
  return (count) => serve(count, traffic, (torch) => void torch.malloc(leakMiB));
}

/**
 * A clean server whose cache fills once: at one request of the first run (drawn), a long prompt's activations (one
 * to three tensors of 12-256 MiB) are allocated and freed, and stay reserved.
 */
export function cacheFillServer(seed: number, firstRun: number): Server {
  const random = seededRandom(seed);
  const traffic = drawTraffic(random);
  const fillAt = 1 + Math.floor(random() * (firstRun - 1));
  const fill = Array.from({ length: 1 + Math.floor(random() * 3) }, () => 12 + Math.floor(random() * 245));
  return (count) => serve(count, traffic, (torch, index) => {
    if (index !== fillAt) return;
    const held = fill.map((mib) => torch.malloc(mib));
    for (const id of held) torch.free(id);
  });
}
