// Clean load/free cycles: a 2 GiB model loaded and freed (the cache keeps it, and reuses it next time), and one that
// also empties the cache. Expected: no leak on either, and no re-run.
import { it } from 'node:test';
import { useServer } from './server.mjs';

const server = useServer();

it('loads a 2 GiB model and frees it', () => server.serve('alloc model 2048', 'free model'));

it('loads a 2 GiB model, frees it and empties the cache', () => server.serve('alloc model 2048', 'free model', 'empty'));
