// Keeps nothing. Each request's activations (8 MiB) are freed and reused from the cache; the 6th request is a long
// prompt whose activations (64 MiB) fill the cache once, and stay reserved. Expected: not a leak (one-off, after a
// longer re-run), and the metric flat.
import { it } from 'node:test';
import { useServer } from './server.mjs';

const server = useServer();
let requests = 0;

it('answers a request, the 6th a long prompt', () => {
  requests += 1;
  return server.serve(`temp ${requests === 6 ? 64 : 8}`);
});
