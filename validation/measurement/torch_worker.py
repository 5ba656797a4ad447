# A long-lived PyTorch process the node:test files drive over stdin/stdout, one command per line:
#   alloc NAME MIB   keep a tensor of MIB MiB under NAME      free NAME   drop it
#   leak MIB         keep MIB MiB forever (a cache never emptied; MIB may be a fraction, as 0.5)
#   temp MIB         allocate MIB MiB and drop it at once: the caching allocator keeps the memory reserved
#   empty            torch.cuda.empty_cache(): hand unused cached blocks back to the driver
#   hold MIB MS      allocate MIB MiB, keep it MS milliseconds, drop it and empty the cache
#   stats            answer "ok <allocated> <reserved>": torch.cuda.memory_allocated() and memory_reserved(), bytes
# Each command answers "ok" once the GPU has finished it.
import sys
import time

import torch

MiB = 1024 * 1024
named = {}
leaked = []


def tensor(mib):
    t = torch.empty(int(mib * MiB), dtype=torch.uint8, device="cuda")
    t.fill_(1)  # touch every page, so the memory is really in use
    return t


torch.cuda.init()
torch.zeros(1, device="cuda")  # the CUDA context, before the first command
print("ready", flush=True)
for line in sys.stdin:
    parts = line.split()
    if not parts:
        continue
    command, args = parts[0], parts[1:]
    if command == "alloc":
        named[args[0]] = tensor(int(args[1]))
    elif command == "free":
        named.pop(args[0], None)
    elif command == "leak":
        leaked.append(tensor(float(args[0])))
    elif command == "temp":
        activations = tensor(float(args[0]))
        torch.cuda.synchronize()
        del activations
    elif command == "empty":
        torch.cuda.empty_cache()
    elif command == "hold":
        t = tensor(int(args[0]))
        torch.cuda.synchronize()
        time.sleep(int(args[1]) / 1000)
        del t
        torch.cuda.empty_cache()
    elif command == "exit":
        break
    torch.cuda.synchronize()
    if command == "stats":
        print(f"ok {torch.cuda.memory_allocated()} {torch.cuda.memory_reserved()}", flush=True)
    else:
        print("ok", flush=True)
