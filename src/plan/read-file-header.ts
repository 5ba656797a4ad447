// Reads the tags a test file declares about itself in its first comment block.
//
// Syntax (documented in the README): inside the first comment block of the file, lines of the form
//   // @gpu-test tags: gpu, vlm
//   /** @gpu-test timeout: 900000 */
//   // @gpu-test requires: vram=10GiB, ram=25GiB, gpus=2
// Only the leading comments count, so a string in the test body can never change how a file is scheduled.

import { parseSizeSpec } from '../config/parse-size.js';
import type { SizeSpec } from '../units/size.js';
import type { Requirements } from '../config/types.js';
import { GpuTestError } from '../errors.js';

/** What a file's header declares; each field null when absent. */
export interface FileHeader {
  readonly tags: readonly string[];
  readonly timeoutMs: number | null;
  readonly requires: Requirements | null;
}

const REQUIRES_EXAMPLE = '`// @gpu-test requires: vram=10GiB, ram=25GiB, gpus=2`';

/** `vram=10GiB, ram=25GiB, gpus=2` (commas or spaces between the pairs). */
function parseRequires(value: string, where: string): Requirements {
  const out: { vram?: SizeSpec; ram?: SizeSpec; gpus?: number } = {};
  if (/\s=|=\s/.test(value)) throw new GpuTestError('FILE_HEADER', `${where}: write each requirement as \`key=value\` without spaces around \`=\`; for example ${REQUIRES_EXAMPLE}`);
  for (const pair of value.split(/[\s,]+/).filter(Boolean)) {
    const parts = pair.split('=');
    const [key, size] = parts;
    if (parts.length !== 2) throw new GpuTestError('FILE_HEADER', `${where}: \`${pair}\` is not one \`key=value\` pair; for example ${REQUIRES_EXAMPLE}`);
    if (key === 'gpus') {
      const n = /^\d+$/.test(size ?? '') ? Number(size) : NaN;
      if (!Number.isInteger(n) || n < 1) throw new GpuTestError('FILE_HEADER', `${where}: \`gpus=${size ?? ''}\` must be a whole number of GPUs, at least 1, such as \`gpus=2\`; for example ${REQUIRES_EXAMPLE}`);
      out.gpus = n;
    } else if (key === 'vram' || key === 'ram') {
      const parsed = parseSizeSpec(size ?? '');
      if ('problem' in parsed) throw new GpuTestError('FILE_HEADER', `${where}: \`${pair}\`: ${parsed.problem}; for example ${REQUIRES_EXAMPLE}`);
      out[key] = parsed.spec;
    } else {
      throw new GpuTestError('FILE_HEADER', `${where}: \`${pair}\` is not a requirement; use \`vram=\`, \`ram=\` and \`gpus=\`, for example ${REQUIRES_EXAMPLE}`);
    }
  }
  return out;
}

const DIRECTIVE = /@gpu-test\s+([A-Za-z-]+)\s*:\s*(.*?)\s*(?:\*\/\s*)?$/;
const TAG_NAME = /^[a-z0-9][a-z0-9_-]*$/;
/** How much of a test file's start is read for its header: the leading comments, never the whole file. */
export const HEADER_BYTES = 8192;

/** The comment lines at the top of a file (after a shebang), with their 1-based line numbers. */
function leadingCommentLines(text: string): { line: number; text: string }[] {
  const lines = text.split(/\r?\n/);
  const out: { line: number; text: string }[] = [];
  let inBlock = false;
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i] ?? '';
    const trimmed = raw.trim();
    if (i === 0 && trimmed.startsWith('#!')) continue;
    if (inBlock) {
      out.push({ line: i + 1, text: raw });
      if (trimmed.includes('*/')) inBlock = false;
      continue;
    }
    if (trimmed === '') continue;
    if (trimmed.startsWith('//')) {
      out.push({ line: i + 1, text: raw });
      continue;
    }
    if (trimmed.startsWith('/*')) {
      out.push({ line: i + 1, text: raw });
      inBlock = !trimmed.includes('*/', 2);
      continue;
    }
    break;
  }
  return out;
}

/** Parses the header of `source` (the file's text); `file` is only used in error messages. */
export function parseFileHeader(source: string, file: string, knownTags: readonly string[]): FileHeader {
  const tags: string[] = [];
  let timeoutMs: number | null = null;
  let requires: Requirements | null = null;
  for (const { line, text } of leadingCommentLines(source)) {
    const match = DIRECTIVE.exec(text);
    if (!match) continue;
    const key = match[1] ?? '';
    const value = match[2] ?? '';
    const column = text.indexOf('@gpu-test') + 1;
    const where = `${file}:${line}:${column}`;
    if (key === 'tags') {
      for (const tag of value.split(/[\s,]+/).filter(Boolean)) {
        if (!TAG_NAME.test(tag)) {
          throw new GpuTestError('FILE_HEADER', `${where}: tag \`${tag}\` is not a valid tag name; use lower-case letters, digits, \`-\` and \`_\`, e.g. \`// @gpu-test tags: gpu, vlm\``);
        }
        if (!knownTags.includes(tag)) {
          throw new GpuTestError('UNKNOWN_TAG', `${where}: unknown tag \`${tag}\`; known tags: ${knownTags.join(', ') || '(none)'}. Declare custom tags under \`tags:\` in gpu-test.config.yaml`);
        }
        if (!tags.includes(tag)) tags.push(tag);
      }
    } else if (key === 'timeout') {
      const n = Number(value);
      if (!Number.isFinite(n) || n <= 0) {
        throw new GpuTestError('FILE_HEADER', `${where}: \`@gpu-test timeout\` must be a positive number of milliseconds such as \`900000\`, got \`${value}\``);
      }
      timeoutMs = n;
    } else if (key === 'requires') {
      requires = parseRequires(value, where);
    } else {
      throw new GpuTestError('FILE_HEADER', `${where}: unknown directive \`@gpu-test ${key}\`; supported: \`tags\`, \`timeout\`, \`requires\``);
    }
  }
  return { tags, timeoutMs, requires };
}
