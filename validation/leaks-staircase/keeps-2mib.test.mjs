// Keeps a 2 MiB output per request (a KV-cache entry, a logged output, an embedding appended to a list). PyTorch puts
// tensors of 1-10 MiB in 20 MiB segments, so the card steps 20 MiB every 10 requests: expected a leak of 2 MiB per
// iteration with a period of 10, read by a longer re-run when the first run's steps are too few; the metric grows 2 MiB
// every iteration.
import { it } from 'node:test';
import { useServer } from './server.mjs';

const server = useServer();

it('answers a request and keeps a 2 MiB output', () => server.serve('leak 2'));
