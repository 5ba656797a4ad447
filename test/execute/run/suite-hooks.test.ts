// Hook steps for real: shell commands through /bin/sh, HTTP requests against a server on 127.0.0.1, healthchecks
// that become ready and one that never does.

import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { HealthcheckStep, HookStep } from '../../../src/config/types.js';
import { HOOK_OUTPUT_LIMIT_BYTES, runHealthcheck, runHookPhase, runHookStep, type HookContext } from '../../../src/execute/run/suite-hooks.js';
import { isRunning } from '../../../src/probe/process-tree.js';

const dir = mkdtempSync(join(tmpdir(), 'gpu-test-hooks-'));
const context: HookContext = { suite: 'flux', cwd: dir, env: process.env };


function shell(run: string, timeoutMs = 10_000): HookStep {
  return { run, timeoutMs };
}

after(() => rmSync(dir, { recursive: true, force: true }));

describe('shell steps', () => {
  it('succeed on exit code 0, with stdout and stderr in the output and the suite and phase in the environment', async () => {
    const run = await runHookStep(shell('echo "unloading $GPU_TEST_SUITE"; echo "phase $GPU_TEST_HOOK" >&2; pwd'), 'before', context);
    assert.equal(run.ok, true, run.error ?? '');
    assert.equal(run.error, null);
    assert.equal(run.suite, 'flux');
    assert.equal(run.phase, 'before');
    assert.equal(run.attempts, 1);
    assert.match(run.output, /unloading flux/);
    assert.match(run.output, /phase before/);
    assert.match(run.output, new RegExp(dir.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')), 'runs in the project root');
    assert.ok(Number.isFinite(run.durationMs) && run.durationMs >= 0);
  });

  it('fail on a non-zero exit with the code and what the command printed', async () => {
    const run = await runHookStep(shell('echo "model server refused: busy"; exit 3'), 'after', context);
    assert.equal(run.ok, false);
    assert.equal(run.error, 'exited with code 3');
    assert.match(run.output, /model server refused: busy/);
    assert.equal(run.step, 'echo "model server refused: busy"; exit 3');
  });

  it('at their timeout kill the whole process tree and keep what was printed', async () => {
    const pidFile = join(dir, 'timeout-pid');
    const started = Date.now();
    const run = await runHookStep(shell(`echo started; sleep 30 & echo $! > ${pidFile}; wait`, 400), 'before', context);
    assert.equal(run.ok, false);
    assert.equal(run.error, 'did not finish within 400 ms; its process tree was killed');
    assert.match(run.output, /started/);
    assert.ok(Date.now() - started < 10_000, `returned after ${Date.now() - started} ms, not after the 30 s sleep`);
    const sleeper = Number(readFileSync(pidFile, 'utf8'));
    for (let i = 0; i < 40 && isRunning(sleeper); i++) await sleep(25);
    assert.equal(isRunning(sleeper), false, 'the grandchild is gone too');
  });

  it('keep the last 4 KiB of a long output', async () => {
    const run = await runHookStep(shell('for i in $(seq 1 2000); do echo "line $i"; done'), 'after', context);
    assert.equal(run.ok, true);
    assert.match(run.output, /^\[… \d+ earlier bytes omitted …\]\n/);
    assert.match(run.output, /line 2000\n$/);
    assert.ok(Buffer.byteLength(run.output) <= HOOK_OUTPUT_LIMIT_BYTES + 64);
    assert.doesNotMatch(run.output, /line 1\n/);
  });

  it('do not wait for a service they started in the background', async () => {
    const pidFile = join(dir, 'service-pid');
    const started = Date.now();
    const run = await runHookStep(shell(`sleep 30 & echo $! > ${pidFile}; echo reloaded`), 'after', context);
    const service = Number(readFileSync(pidFile, 'utf8'));
    try {
      assert.equal(run.ok, true, run.error ?? '');
      assert.match(run.output, /reloaded/);
      assert.ok(Date.now() - started < 10_000, `returned after ${Date.now() - started} ms, not after the 30 s sleep`);
      assert.equal(isRunning(service), true, 'the service keeps running');
    } finally {
      process.kill(service, 'SIGKILL');
    }
  });

  it('are stopped, tree and all, when the run is interrupted', async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 200);
    const started = Date.now();
    const run = await runHookStep(shell('echo waiting; sleep 30'), 'before', { ...context, signal: controller.signal });
    assert.equal(run.ok, false);
    assert.equal(run.error, 'stopped: the run was interrupted');
    assert.ok(Date.now() - started < 10_000);
  });
});

describe('http steps', () => {
  let server: Server;
  let base: string;
  const seen: { method: string | undefined; url: string | undefined }[] = [];
  let healthCalls = 0;
  let closedPort = 0;

  before(async () => {
    server = createServer((request: IncomingMessage, response) => {
      seen.push({ method: request.method, url: request.url });
      if (request.url === '/unload') {
        response.writeHead(request.method === 'POST' ? 200 : 405).end(request.method === 'POST' ? 'unloaded 3 models' : 'use POST');
      } else if (request.url === '/loading') {
        response.writeHead(503).end('still loading weights');
      } else if (request.url === '/hang') {
        // Never answers: the step's timeout must end it.
      } else if (request.url === '/health') {
        healthCalls += 1;
        response.writeHead(healthCalls >= 3 ? 200 : 503).end(healthCalls >= 3 ? 'ready' : `warming up ${healthCalls}`);
      } else {
        response.writeHead(404).end();
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    closedPort = (probe.address() as AddressInfo).port;
    await new Promise<void>((resolve) => probe.close(() => resolve()));
  });
  after(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  const http = (path: string, method = 'GET', status = 200, timeoutMs = 5000): HookStep => ({ http: { url: `${base}${path}`, method, status }, timeoutMs });

  it('succeed when the answer has the expected status, with the method given and the body as output', async () => {
    const run = await runHookStep(http('/unload', 'POST'), 'before', context);
    assert.equal(run.ok, true, run.error ?? '');
    assert.equal(run.step, `POST ${base}/unload`);
    assert.equal(run.output, 'unloaded 3 models');
    assert.deepEqual(seen.at(-1), { method: 'POST', url: '/unload' });
  });

  it('fail on another status, naming both, with the body', async () => {
    const run = await runHookStep(http('/loading'), 'before', context);
    assert.equal(run.ok, false);
    assert.equal(run.error, 'answered 503, expected 200');
    assert.equal(run.output, 'still loading weights');
    const expected503 = await runHookStep(http('/loading', 'GET', 503), 'before', context);
    assert.equal(expected503.ok, true, 'a status other than 200 can be the expected one');
  });

  it('fail at their timeout when the server does not answer', async () => {
    const started = Date.now();
    const run = await runHookStep(http('/hang', 'GET', 200, 300), 'after', context);
    assert.equal(run.ok, false);
    assert.equal(run.error, 'no answer within 300 ms');
    assert.ok(Date.now() - started < 5000);
  });

  it('fail with the socket error when nothing listens', async () => {
    const run = await runHookStep({ http: { url: `http://127.0.0.1:${closedPort}/unload`, method: 'POST', status: 200 }, timeoutMs: 2000 }, 'before', context);
    assert.equal(run.ok, false);
    assert.match(run.error ?? '', /^request failed: .*ECONNREFUSED/);
  });

  it('healthcheck: retried every interval until the service is ready', async () => {
    healthCalls = 0;
    const step: HealthcheckStep = { ...http('/health'), waitMs: 10_000, intervalMs: 30 };
    const run = await runHealthcheck(step, context);
    assert.equal(run.ok, true, run.error ?? '');
    assert.equal(run.phase, 'healthcheck');
    assert.equal(run.attempts, 3);
    assert.equal(run.output, 'ready');
    assert.ok(run.durationMs >= 60 && run.durationMs < 10_000, `${run.durationMs} ms`);
  });

  it('healthcheck: fails once its wait is over, with the last try\'s reason and output', async () => {
    const step: HealthcheckStep = { ...http('/loading'), waitMs: 400, intervalMs: 50 };
    const started = Date.now();
    const run = await runHealthcheck(step, context);
    assert.equal(run.ok, false);
    assert.ok(run.attempts >= 3, `${run.attempts} tries`);
    assert.match(run.error ?? '', new RegExp(`^not ready after 400 ms \\(${run.attempts} tries\\); last try: answered 503, expected 200$`));
    assert.equal(run.output, 'still loading weights');
    assert.ok(Date.now() - started < 5000, `${Date.now() - started} ms`);
  });

  it('healthcheck: a try that hangs is cut at the wait left', async () => {
    const step: HealthcheckStep = { ...http('/hang', 'GET', 200, 60_000), waitMs: 300, intervalMs: 50 };
    const started = Date.now();
    const run = await runHealthcheck(step, context);
    assert.equal(run.ok, false);
    assert.equal(run.attempts, 1);
    assert.match(run.error ?? '', /not ready after 300 ms \(1 try\); last try: no answer within \d+ ms/);
    assert.ok(Date.now() - started < 5000);
  });

  it('healthcheck: a shell command works too', async () => {
    const marker = join(dir, 'ready-after-two');
    const step: HealthcheckStep = { run: `n=$(cat ${marker} 2>/dev/null || echo 0); echo $((n+1)) > ${marker}; [ "$n" -ge 2 ]`, timeoutMs: 5000, waitMs: 10_000, intervalMs: 20 };
    const run = await runHealthcheck(step, context);
    assert.equal(run.ok, true, run.error ?? '');
    assert.equal(run.attempts, 3);
  });
});

describe('runHookPhase', () => {
  it('before: stops at the first failing step and skips the healthcheck', async () => {
    const marker = join(dir, 'not-reached');
    const runs = await runHookPhase('before', [shell('echo one'), shell('exit 4'), shell(`touch ${marker}`)],
      { run: `touch ${marker}`, timeoutMs: 1000, waitMs: 1000, intervalMs: 100 }, context);
    assert.deepEqual(runs.map((run) => [run.step, run.ok]), [['echo one', true], ['exit 4', false]]);
    assert.equal(existsSync(marker), false);
  });

  it('before: runs the healthcheck after the steps', async () => {
    const runs = await runHookPhase('before', [shell('echo one')], { run: 'true', timeoutMs: 1000, waitMs: 1000, intervalMs: 100 }, context);
    assert.deepEqual(runs.map((run) => [run.phase, run.ok]), [['before', true], ['healthcheck', true]]);
  });

  it('after: runs every step, even after one failed', async () => {
    const runs = await runHookPhase('after', [shell('exit 1'), shell('echo reloaded')], null, context);
    assert.deepEqual(runs.map((run) => [run.phase, run.ok]), [['after', false], ['after', true]]);
  });
});
