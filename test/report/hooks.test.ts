// Coordination hooks in every report: report.md's Hooks section, a failed step as a failed JUnit testcase, the
// hooks in results.json, a console line per failed step. Runs without hooks render as before.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createConsoleReporter } from '../../src/report/console.js';
import { renderJson } from '../../src/report/json.js';
import { renderJunit } from '../../src/report/junit.js';
import { renderMarkdown } from '../../src/report/markdown.js';
import { renderHooks } from '../../src/report/markdown-hooks.js';
import { sampleHookRuns, sampleRunResultWithHooks } from '../helpers/sample-hook-runs.js';
import { sampleRunResult } from '../helpers/sample-run-result.js';
import { validateJunit } from './validate-junit.js';

function section(markdown: string, heading: string): string {
  const start = markdown.indexOf(`\n## ${heading}\n`);
  assert.notEqual(start, -1, `no ${heading} section`);
  const end = markdown.indexOf('\n## ', start + 1);
  return markdown.slice(start + 1, end === -1 ? undefined : end);
}

describe('report.md Hooks section', () => {
  it('is absent when no hook ran', () => {
    assert.equal(renderHooks(sampleRunResult()), null);
    assert.doesNotMatch(renderMarkdown(sampleRunResult()), /## Hooks|hook step/);
  });

  it('lists every step with its result, tries and duration, and a failed step with its output in a code block', () => {
    const markdown = renderMarkdown(sampleRunResultWithHooks());
    const hooks = section(markdown, 'Hooks');
    assert.match(hooks, /\| flux \| before \| `POST http:\/\/127\.0\.0\.1:8000\/unload` \| ✅ ok \| 120 ms \|/);
    assert.match(hooks, /\| flux \| healthcheck \| `GET http:\/\/127\.0\.0\.1:8000\/health` \| ✅ ok after 3 tries \| 2\.05 s \|/);
    assert.match(hooks, /\| flux \| after \| ``.*\\\|.*`` \| ❌ exited with code 3 \| 840 ms \|/, 'the pipe in the command cannot split the cell');
    assert.match(hooks, /1 step failed, which fails the run/);
    assert.match(hooks, /### ❌ flux · after: ``\.\/reload-models\.sh --all \| tee <log> && echo "`done`"``/);
    assert.match(hooks, /exited with code 3 \(840 ms\)\./);
    // The output is fenced with a fence longer than the ``` inside it, so it cannot close the block or inject HTML.
    assert.match(hooks, /````text\nreloading qwen2-vl …\n```\n<script>alert\(1\)<\/script> & \]\]> \\x07\nerror: CUDA out of memory\n````/);
  });

  it('says in the verdict line that hook steps failed, linking the section', () => {
    assert.match(renderMarkdown(sampleRunResultWithHooks()), /^\*\*❌ Failed\*\*: .* \(2 failed, 1 skipped\) · \[1 hook step failed\]\(#hooks\) · /m);
  });
});

describe('junit.xml', () => {
  it('writes a failed hook step as a failed testcase `<suite> [hook <phase>: <step>]`, counted, and stays schema-valid', async () => {
    const plain = renderJunit(sampleRunResult());
    const xml = renderJunit(sampleRunResultWithHooks());
    assert.deepEqual(await validateJunit(xml), []);
    assert.match(xml, /<testsuite name="flux \[hooks\]" tests="1" failures="1" errors="0" skipped="0" time="0\.840" timestamp="2026-11-23T12:00:02" hostname="desk-01" package="flux">/);
    assert.match(xml, /<testcase name="flux \[hook after: \.\/reload-models\.sh --all \| tee &lt;log&gt; &amp;&amp; echo &quot;`done`&quot;\]" classname="flux \[hooks\]" time="0\.840">/);
    assert.match(xml, /<failure type="HookFailure" message="exited with code 3">exited with code 3; its output ended with:\nreloading qwen2-vl …\n```\n&lt;script&gt;alert\(1\)&lt;\/script&gt; &amp; \]\]&gt; \\u0007\n/);
    assert.doesNotMatch(xml, /hook before|hook healthcheck/, 'steps that succeeded are not testcases');
    const totals = (text: string) => /<testsuites [^>]*tests="(\d+)" failures="(\d+)" errors="(\d+)"/.exec(text)?.slice(1).map(Number);
    const [tests = 0, failures = 0, errors = 0] = totals(plain) ?? [];
    assert.deepEqual(totals(xml), [tests + 1, failures + 1, errors]);
  });

  it('writes a file its suite\'s failed `before` kept from starting as an <error> of type hook', async () => {
    const base = sampleRunResultWithHooks();
    const message = "not started: suite flux's `before` hook `./unload.sh` failed: exited with code 7; its output ended with:\nbusy";
    const files = base.files.map((file) => file.job.suite !== 'unit' || file.status !== 'failed' ? file : {
      ...file, status: 'failed' as const, error: message, outcome: null, startedAt: null, endedAt: null,
      tests: [{ ...(file.tests[0] ?? assert.fail()), name: '(file-level error)', fullName: '(file-level error)', status: 'failed' as const, failure: { type: 'hook', message, stack: null } }],
    });
    const xml = renderJunit({ ...base, files });
    assert.deepEqual(await validateJunit(xml), []);
    assert.match(xml, /<error type="hook" message="not started: suite flux's `before` hook `\.\/unload\.sh` failed: exited with code 7; its output ended with:&#10;busy">/);
  });
});

describe('results.json', () => {
  it('has every hook step, after the budgets, with its output and error', () => {
    const document = JSON.parse(renderJson(sampleRunResultWithHooks())) as { hooks: unknown[] } & Record<string, unknown>;
    assert.deepEqual(Object.keys(document).slice(-6, -3), ['hooks', 'suiteNeeds', 'gpuBalance']);
    assert.equal(document.hooks.length, 4);
    assert.deepEqual(document.hooks[2], {
      suite: 'flux', phase: 'after', step: './reload-models.sh --all | tee <log> && echo "`done`"', ok: false,
      startedAtMs: Date.UTC(2026, 10, 23, 12, 0, 2, 450), startedAtIso: '2026-11-23T12:00:02.450Z', durationMs: 840, attempts: 1,
      error: 'exited with code 3', output: sampleHookRuns()[2]?.output,
    });
    assert.deepEqual((JSON.parse(renderJson(sampleRunResult())) as { hooks: unknown[] }).hooks, []);
  });
});

describe('console summary', () => {
  it('prints one line per failed hook step', () => {
    const chunks: string[] = [];
    const stream = { write: (chunk: string) => chunks.push(chunk) > 0 } as unknown as NodeJS.WritableStream;
    const reporter = createConsoleReporter({ stream, color: false, now: () => 0, cwd: '/project' });
    reporter.onRunEnd?.(sampleRunResultWithHooks(), []);
    const lines = chunks.join('').split('\n').filter((line) => line.includes('hook') || line.startsWith('Hooks:'));
    assert.deepEqual(lines, ['Hooks:    flux after `./reload-models.sh --all | tee <log> && echo "`done`"` failed: exited with code 3']);
    assert.match(chunks.join(''), /✖ FAILED/);
  });
});
