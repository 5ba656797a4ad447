import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { isGpuTestError } from '../../src/errors.js';
import {
  parseComputeAppsCsv,
  parseGpuMemoryCsv,
  parseQueryGpuCsv,
  queryNumber,
} from '../../src/probe/nvidia-smi-csv.js';

const MiB = 1024 * 1024;
const UUID = 'GPU-d7bc1e4b-81c4-1f5e-ef93-3cc314b2269d';
const fixture = (name: string): string =>
  readFileSync(new URL(`../../fixtures/nvidia-smi/h100-80gb/${name}`, import.meta.url), 'utf8');

const isGpuRead = (pattern: RegExp) => (error: unknown): boolean =>
  isGpuTestError(error) && error.code === 'GPU_READ' && pattern.test(error.message);

describe('parseGpuMemoryCsv', () => {
  it('reads the boundary query', () => {
    const parsed = parseGpuMemoryCsv(`0, ${UUID}, NVIDIA H100 80GB HBM3, 12909, 81559\n`);
    assert.deepEqual(parsed.gpus, [{ index: 0, uuid: UUID, usedBytes: 12909 * MiB, totalBytes: 81559 * MiB }]);
    assert.deepEqual(parsed.warnings, []);
  });

  it('reads several GPUs and ignores blank lines and CRLF', () => {
    const parsed = parseGpuMemoryCsv(`0, GPU-a, A, 1, 10\r\n\r\n1, GPU-b, B, 2, 20\r\n`);
    assert.deepEqual(parsed.gpus.map((gpu) => [gpu.index, gpu.uuid, gpu.usedBytes]), [[0, 'GPU-a', MiB], [1, 'GPU-b', 2 * MiB]]);
  });

  for (const marker of ['[N/A]', '[Not Supported]', '[Unknown Error]', '[Insufficient Permissions]']) {
    it(`gives null and a warning naming GPU and field for ${marker}`, () => {
      const parsed = parseGpuMemoryCsv(`0, ${UUID}, NVIDIA H100 80GB HBM3, ${marker}, 81559\n`);
      assert.equal(parsed.gpus[0]?.usedBytes, null);
      assert.equal(parsed.gpus[0]?.totalBytes, 81559 * MiB);
      assert.deepEqual(parsed.warnings, [
        `GPU 0 (${UUID}) reports memory.used as ${marker}: VRAM for this GPU is not measured; ` +
          'on MIG or vGPU devices use the per-instance figures',
      ]);
    });
  }

  it('rejects a line with the wrong number of fields, quoting it', () => {
    assert.throws(() => parseGpuMemoryCsv('0, GPU-a, 12\n'), isGpuRead(/3 field\(s\) where 5 .*"0, GPU-a, 12"/));
  });

  it('rejects values that are not numbers, quoting them', () => {
    assert.throws(() => parseGpuMemoryCsv('x, GPU-a, A, 1, 2\n'), isGpuRead(/index as "x"/));
    assert.throws(() => parseGpuMemoryCsv('0, GPU-a, A, lots, 2\n'), isGpuRead(/memory.used as "lots"/));
  });

  it('returns no GPU for empty output', () => {
    assert.deepEqual(parseGpuMemoryCsv('').gpus, []);
  });
});

describe('parseQueryGpuCsv', () => {
  it('reads query-gpu.csv: header with units, then a line with units and one without', () => {
    const table = parseQueryGpuCsv(fixture('query-gpu.csv'));
    assert.equal(table.fields.length, 23);
    assert.ok(table.fields.includes('clocks_event_reasons.active'), 'the renamed header is kept as printed');
    assert.equal(table.rows.length, 2);
    for (const row of table.rows) {
      assert.equal(row['index'], '0');
      assert.equal(row['uuid'], UUID);
      assert.equal(row['name'], 'NVIDIA H100 80GB HBM3');
      assert.equal(row['memory.total'], '81559');
      assert.equal(row['memory.used'], '0');
      assert.equal(row['memory.reserved'], '480');
      assert.equal(queryNumber(row, 'power.limit'), 700);
      assert.equal(row['clocks.current.sm'], '1980');
      assert.equal(row['pstate'], 'P0');
      assert.equal(row['fan.speed'], null);
    }
    assert.deepEqual(table.warnings, [
      `GPU 0 (${UUID}) reports fan.speed as [N/A]: that figure is left out of the report`,
      `GPU 0 (${UUID}) reports fan.speed as [N/A]: that figure is left out of the report`,
    ]);
  });

  it('reads the --loop-ms stream with the queried fields given', () => {
    const fields = ['timestamp', 'index', 'memory.used', 'utilization.gpu', 'power.draw'];
    const table = parseQueryGpuCsv(fixture('query-gpu-loop-250ms.csv'), fields);
    assert.equal(table.rows.length, 46);
    assert.equal(table.rows[0]?.['timestamp'], '2026/11/23 07:37:28.522');
    const used = table.rows.map((row) => queryNumber(row, 'memory.used'));
    assert.equal(used[0], 0);
    assert.equal(Math.max(...used.map((value) => value ?? 0)), 12909);
    assert.equal(queryNumber(table.rows[16] ?? {}, 'memory.used'), 2669);
    assert.equal(queryNumber(table.rows[0] ?? {}, 'power.draw'), 71.11);
    assert.deepEqual(table.warnings, []);
  });

  it('names a GPU without uuid by its index in warnings', () => {
    const table = parseQueryGpuCsv('1, [Not Supported]\n', ['index', 'power.draw']);
    assert.deepEqual(table.warnings, ['GPU 1 reports power.draw as [Not Supported]: that figure is left out of the report']);
  });

  it('rejects a line with the wrong number of fields', () => {
    assert.throws(() => parseQueryGpuCsv('index, uuid\n0\n'), isGpuRead(/1 field\(s\) where 2 .*"0"/));
  });
});

describe('parseComputeAppsCsv', () => {
  it('reads query-compute-apps-busy.csv (with units): pid 653 holding 12900 MiB', () => {
    const parsed = parseComputeAppsCsv(fixture('query-compute-apps-busy.csv'));
    assert.equal(parsed.apps.length, 5);
    assert.deepEqual(parsed.apps[0], { pid: 653, processName: 'python3', usedBytes: 12900 * MiB, gpuUuid: UUID });
    assert.ok(parsed.apps.every((app) => app.pid === 653 && app.gpuUuid === UUID));
    assert.deepEqual(parsed.warnings, []);
  });

  it('reads the nounits form, skips a header and keeps commas in process names', () => {
    const text = 'pid, process_name, used_gpu_memory [MiB], gpu_uuid\n42, /opt/my, app, 100, GPU-a\n';
    assert.deepEqual(parseComputeAppsCsv(text).apps, [{ pid: 42, processName: '/opt/my, app', usedBytes: 100 * MiB, gpuUuid: 'GPU-a' }]);
  });

  it('reads no rows from empty output or the old "No running processes found"', () => {
    assert.deepEqual(parseComputeAppsCsv('').apps, []);
    assert.deepEqual(parseComputeAppsCsv('No running processes found\n').apps, []);
  });

  it('gives null memory and a warning for [N/A] (WDDM, vGPU)', () => {
    const parsed = parseComputeAppsCsv('7, python3, [N/A], GPU-a\n');
    assert.equal(parsed.apps[0]?.usedBytes, null);
    assert.match(parsed.warnings[0] ?? '', /^process 7 \(python3\) on GPU-a reports used_memory as \[N\/A\]/);
  });

  it('rejects short lines and bad pids', () => {
    assert.throws(() => parseComputeAppsCsv('653, python3\n'), isGpuRead(/"653, python3"/));
    assert.throws(() => parseComputeAppsCsv('abc, python3, 1, GPU-a\n'), isGpuRead(/pid as "abc"/));
  });
});
