#!/usr/bin/env node
// Stops a real run every way users stop one, while a PyTorch process holds 4 GiB on the card, and records what each
// left: gpu-test's exit code, its reports, and how long the PyTorch process (and its VRAM) outlived gpu-test.
// Usage, from this folder after `npm ci && npm run build` at the root: node check-interrupts.mjs <out-dir> [backend...]
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = fileURLToPath(new URL('.', import.meta.url));
const BIN = join(HERE, '../../bin/gpu-test.js');
const out = process.argv[2] ?? mkdtempSync(join(tmpdir(), 'gpu-test-interrupts-'));
const backends = process.argv.length > 3 ? process.argv.slice(3) : ['nvml', 'nvidia-smi'];
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

const CASES = [
  { name: 'ctrl-c', files: ['holds.test.mjs', 'waits.test.mjs'], deliver: (pid) => process.kill(-pid, 'SIGINT') },
  { name: 'sigterm', files: ['holds.test.mjs', 'waits.test.mjs'], deliver: (pid) => process.kill(pid, 'SIGTERM') },
  { name: 'sighup', files: ['holds.test.mjs', 'waits.test.mjs'], deliver: (pid, child) => { child.stdout.destroy(); child.stderr.destroy(); process.kill(-pid, 'SIGHUP'); } },
  { name: 'ctrl-c twice', files: ['holds.test.mjs'], deliver: (pid) => { process.kill(-pid, 'SIGINT'); process.kill(-pid, 'SIGINT'); } },
  { name: 'sigkill', files: ['holds.test.mjs'], deliver: (pid) => process.kill(pid, 'SIGKILL') },
  { name: 'sigkill, event loop stuck', files: ['stuck.test.mjs'], deliver: (pid) => process.kill(pid, 'SIGKILL') },
];

/** The pids nvidia-smi lists as holding VRAM. */
function computePids() {
  const text = execFileSync('nvidia-smi', ['--query-compute-apps=pid', '--format=csv,noheader'], { encoding: 'utf8' });
  return new Set(text.split('\n').map((line) => Number(line.trim())).filter((pid) => pid > 0));
}

async function runCase(backend, testCase) {
  const name = `${backend}-${testCase.name.replace(/[^a-z0-9]+/g, '-')}`;
  const marks = mkdtempSync(join(tmpdir(), 'gpu-test-marks-'));
  const reports = join(out, name);
  mkdirSync(reports, { recursive: true });
  const child = spawn(process.execPath, [BIN, 'run', ...testCase.files, '--gpu-backend', backend, '--report-dir', reports, '--no-color'], {
    cwd: HERE, env: { ...process.env, MARK_DIR: marks }, detached: true, stdio: ['ignore', 'pipe', 'pipe'],
  });
  let console = '';
  child.stdout.on('data', (chunk) => { console += chunk; });
  child.stderr.on('data', (chunk) => { console += chunk; });
  const exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal, at: Date.now() })));
  const holding = join(marks, 'holding');
  for (let i = 0; i < 600 && !existsSync(holding); i += 1) await sleep(100);
  const torchPid = Number(readFileSync(holding, 'utf8'));
  const heldBefore = computePids().has(torchPid);
  testCase.deliver(child.pid, child);
  const ended = await exited;
  // How long the PyTorch process still held the card after gpu-test was gone (0 when it was gone first).
  let goneAfterMs = null;
  for (let waited = 0; waited <= 30_000; waited += 50) {
    if (!computePids().has(torchPid)) {
      goneAfterMs = Math.max(0, Date.now() - ended.at);
      break;
    }
    await sleep(50);
  }
  const results = existsSync(join(reports, 'results.json')) ? JSON.parse(readFileSync(join(reports, 'results.json'), 'utf8')) : null;
  writeFileSync(join(reports, 'console.txt'), console);
  return {
    case: testCase.name, backend, exit: ended.code ?? `signal ${ended.signal}`, heldBefore,
    reports: ['report.md', 'junit.xml', 'results.json'].filter((file) => existsSync(join(reports, file))).join(', ') || 'none',
    verdict: results ? `${results.verdict}${results.interruption ? ` (${results.interruption.signal}${results.interruption.forced ? ', forced' : ''})` : ''}` : '—',
    torchGoneAfterMs: goneAfterMs,
  };
}

const rows = [];
for (const backend of backends) for (const testCase of CASES) rows.push(await runCase(backend, testCase));
const table = ['| case | backend | exit | reports | verdict | PyTorch held VRAM before | PyTorch gone after gpu-test exited |', '| --- | --- | --- | --- | --- | --- | --- |',
  ...rows.map((r) => `| ${r.case} | ${r.backend} | ${r.exit} | ${r.reports} | ${r.verdict} | ${r.heldBefore ? 'yes' : 'no'} | ${r.torchGoneAfterMs === null ? 'still there after 30 s' : `${r.torchGoneAfterMs} ms`} |`)];
writeFileSync(join(out, 'summary.md'), `${table.join('\n')}\n`);
writeFileSync(join(out, 'summary.json'), `${JSON.stringify(rows, null, 2)}\n`);
process.stdout.write(`${table.join('\n')}\n`);
