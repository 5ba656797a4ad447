// Keeps a 12 MiB output per request. PyTorch gives tensors of 10 MiB and more a segment of their own, rounded up to
// 2 MiB: expected a steady leak of 12 MiB per iteration, R² 1.00.
import { it } from 'node:test';
import { useServer } from './server.mjs';

const server = useServer();

it('answers a request and keeps a 12 MiB output', () => server.serve('leak 12'));
