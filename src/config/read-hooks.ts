// Config reader for a suite's coordination hooks: shell commands or HTTP requests run before and after its files.
//   hooks:
//     before:
//       - run: "curl -fsS -X POST localhost:8000/unload"
//       - http: { url: "http://localhost:8000/unload", method: POST, status: 200 }
//         timeout: 30000
//     healthcheck: { http: { url: "http://localhost:8000/health" }, wait: 120000 }
//     after:
//       - run: "./scripts/reload-models.sh"

import { isSeq, type Node } from 'yaml';
import type { ConfigChecker, MapEntry } from './config-checker.js';
import { nodeValue } from './config-problems.js';
import type { HealthcheckStep, HookStep, SuiteHooks } from './types.js';

/** A step's default timeout: long enough for a model server to unload. */
export const DEFAULT_HOOK_TIMEOUT_MS = 60_000;
const DEFAULT_HEALTHCHECK_WAIT_MS = 120_000;
const DEFAULT_HEALTHCHECK_INTERVAL_MS = 1_000;
const STEP_EXAMPLE = '`{ run: "./unload-models.sh" }` or `{ http: { url: "http://localhost:8000/unload", method: POST } }`';
const HTTP_METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD'];

function readHttp(checker: ConfigChecker, entry: MapEntry): { url: string; method: string; status: number } | undefined {
  const before = checker.count;
  const entries = checker.entries(entry.value, entry.path, ['url', 'method', 'status'], 'a mapping such as `{ url: "http://localhost:8000/health", method: GET, status: 200 }`', 'http');
  if (!entries) return undefined;
  let url: string | undefined;
  let method = 'GET';
  let status = 200;
  for (const item of entries) {
    if (item.key === 'url') {
      const text = checker.text(item, 'http://localhost:8000/health');
      if (text !== undefined && !/^https?:\/\/\S+$/.test(text)) checker.expect(item.value, item.path, 'an http:// or https:// URL such as `http://localhost:8000/health`', '', item.keyNode);
      else url = text;
    } else if (item.key === 'method') {
      const value = nodeValue(checker.resolve(item.value) as Node | null);
      const upper = typeof value === 'string' ? value.toUpperCase() : '';
      if (HTTP_METHODS.includes(upper)) method = upper;
      else checker.expect(item.value, item.path, `one of ${HTTP_METHODS.join(', ')}`, '', item.keyNode);
    } else {
      const value = nodeValue(checker.resolve(item.value) as Node | null);
      if (typeof value === 'number' && Number.isInteger(value) && value >= 100 && value <= 599) status = value;
      else checker.expect(item.value, item.path, 'an HTTP status code such as `200`', '', item.keyNode);
    }
  }
  if (url === undefined && checker.count === before) checker.report(entry.value, `\`${entry.path}\` has no \`url\`; add one such as \`url: "http://localhost:8000/health"\``, entry.keyNode);
  return checker.count > before || url === undefined ? undefined : { url, method, status };
}

function readStep(checker: ConfigChecker, node: unknown, path: string, extraKeys: readonly string[] = []): (HookStep & Record<string, unknown>) | undefined {
  const before = checker.count;
  const entries = checker.entries(node, path, ['run', 'http', 'timeout', ...extraKeys], `a step such as ${STEP_EXAMPLE}`, 'hook step');
  if (!entries) return undefined;
  let run: string | undefined;
  let http: { url: string; method: string; status: number } | undefined;
  let timeoutMs = DEFAULT_HOOK_TIMEOUT_MS;
  const extra: Record<string, number> = {};
  for (const item of entries) {
    if (item.key === 'run') run = checker.text(item, './unload-models.sh');
    else if (item.key === 'http') http = readHttp(checker, item);
    else if (item.key === 'timeout') timeoutMs = checker.milliseconds(item) ?? timeoutMs;
    else extra[item.key] = checker.milliseconds(item) ?? 0;
  }
  if (checker.count > before) return undefined;
  if ((run === undefined) === (http === undefined)) {
    checker.report(node, `\`${path}\` must have exactly one of \`run\` and \`http\`, such as ${STEP_EXAMPLE}`);
    return undefined;
  }
  return run !== undefined ? { run, timeoutMs, ...extra } : { http: http as NonNullable<typeof http>, timeoutMs, ...extra };
}

function readSteps(checker: ConfigChecker, entry: MapEntry): HookStep[] | undefined {
  const seq = checker.resolve(entry.value);
  if (!isSeq(seq)) {
    checker.expect(entry.value, entry.path, `a list of steps such as [${STEP_EXAMPLE.split(' or ')[0]}]`, '', entry.keyNode);
    return undefined;
  }
  const steps: HookStep[] = [];
  let good = true;
  seq.items.forEach((item, index) => {
    const step = readStep(checker, item, `${entry.path}[${index}]`);
    if (step) steps.push(step);
    else good = false;
  });
  return good ? steps : undefined;
}

/** A suite's `hooks:`; undefined after recording a problem. */
export function readHooks(checker: ConfigChecker, entry: MapEntry): SuiteHooks | undefined {
  const before = checker.count;
  const entries = checker.entries(entry.value, entry.path, ['before', 'healthcheck', 'after'], 'a mapping with `before`, `healthcheck` and `after` steps', 'hooks');
  if (!entries) return undefined;
  const hooks: { before?: HookStep[]; healthcheck?: HealthcheckStep; after?: HookStep[] } = {};
  for (const item of entries) {
    if (item.key === 'healthcheck') {
      const step = readStep(checker, item.value, item.path, ['wait', 'interval']);
      if (step) {
        const { wait, interval, ...rest } = step as HookStep & { wait?: number; interval?: number };
        hooks.healthcheck = { ...rest, waitMs: wait ?? DEFAULT_HEALTHCHECK_WAIT_MS, intervalMs: interval ?? DEFAULT_HEALTHCHECK_INTERVAL_MS } as HealthcheckStep;
      }
    } else {
      hooks[item.key as 'before' | 'after'] = readSteps(checker, item);
    }
  }
  return checker.count > before ? undefined : hooks;
}
