// Finds the repository paths and local links a Markdown document names and checks each against the repository, so
// a doc that names a moved file or a renamed heading fails the tests instead of sending its reader nowhere.

import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';

/** A backticked word that starts with one of these is taken for a path from the repository's root. */
export const REPO_PATH_PREFIXES: readonly string[] = ['src/', 'test/', 'docs/', 'bench/', 'fixtures/', 'reports/', 'suites/', 'validation/', 'bin/', '.ci/'];

/** A path or link a document names: `code` is a backticked root-relative path, `link` a Markdown link target. */
export interface DocRef {
  readonly line: number;
  readonly kind: 'code' | 'link';
  readonly target: string;
}

// Globs, placeholders and prose are not paths: only plain path characters count.
const PLAIN_PATH = /^[\w.@/-]+$/;
// A code span may run over a line break, never over a blank line (its paragraph ends there).
const CODE_SPAN = /(?<!`)(`+)(?!`)([^]+?)(?<!`)\1(?!`)/g;
const LINK_TARGET = /\]\(\s*([^)\s]+)(?:\s+"[^"]*")?\s*\)/g;
const REFERENCE_DEFINITION = /^ {0,3}\[[^\]]+\]:\s*(\S+)/gm;
const FENCE = /^ *(`{3,}|~{3,})/;

/** The paragraphs of `markdown` outside fenced code blocks, each with the number of its first line: examples in code blocks are not claims. */
function proseBlocks(markdown: string): { firstLine: number; text: string }[] {
  const blocks: { firstLine: number; lines: string[] }[] = [];
  let fence: string | null = null;
  let open: { firstLine: number; lines: string[] } | null = null;
  markdown.split('\n').forEach((text, index) => {
    const marker = FENCE.exec(text)?.[1];
    const wasFence = fence !== null;
    if (fence === null && marker) fence = marker;
    else if (fence !== null && marker && marker[0] === fence[0] && marker.length >= fence.length && text.trim() === marker) fence = null;
    if (wasFence || fence !== null || text.trim() === '') {
      open = null;
    } else if (open === null) {
      open = { firstLine: index + 1, lines: [text] };
      blocks.push(open);
    } else {
      open.lines.push(text);
    }
  });
  return blocks.map((block) => ({ firstLine: block.firstLine, text: block.lines.join('\n') }));
}

/** The root-relative paths (in backticks) and the local link targets `markdown` names: paragraph by paragraph, its paths, then its links. */
export function findDocRefs(markdown: string): DocRef[] {
  const refs: DocRef[] = [];
  for (const { firstLine, text } of proseBlocks(markdown)) {
    const lineAt = (offset: number): number => firstLine + (text.slice(0, offset).match(/\n/g)?.length ?? 0);
    for (const span of text.matchAll(CODE_SPAN)) {
      const word = (span[2] ?? '').trim().replace(/:\d+(?::\d+)?$/, '');
      if (REPO_PATH_PREFIXES.some((prefix) => word.startsWith(prefix)) && PLAIN_PATH.test(word)) {
        refs.push({ line: lineAt(span.index), kind: 'code', target: word });
      }
    }
    // Brackets inside code spans are not links; blanking them keeps every offset, so every line number.
    const prose = text.replace(CODE_SPAN, (span) => span.replace(/[^\n]/g, ' '));
    const targets = [...prose.matchAll(LINK_TARGET), ...prose.matchAll(REFERENCE_DEFINITION)];
    for (const match of targets.sort((a, b) => a.index - b.index)) {
      const target = match[1] ?? '';
      if (!/^[a-z][a-z\d+.-]*:/i.test(target) && !target.startsWith('<')) refs.push({ line: lineAt(match.index), kind: 'link', target });
    }
  }
  return refs;
}

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces to `-`. */
export function headingSlug(heading: string): string {
  const plain = heading
    .replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/<[^>]+>/g, '')
    .trim()
    .toLowerCase();
  return plain.replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, '').replace(/ /g, '-');
}

/** Every anchor a link may name in `markdown`: its headings' slugs (repeats numbered as GitHub does) and `<a id>`s. */
export function docAnchors(markdown: string): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  for (const text of proseBlocks(markdown).flatMap((block) => block.text.split('\n'))) {
    const heading = /^ {0,3}#{1,6}\s+(.*?)(?:\s+#+)?\s*$/.exec(text)?.[1];
    if (heading !== undefined) {
      const slug = headingSlug(heading);
      const count = seen.get(slug) ?? 0;
      seen.set(slug, count + 1);
      anchors.add(count === 0 ? slug : `${slug}-${count}`);
    }
    for (const match of text.matchAll(/<a\s+(?:id|name)="([^"]+)"/g)) anchors.add(match[1] ?? '');
  }
  return anchors;
}

/** What is wrong with one reference of the doc at `docPath` (absolute), or null when it resolves. */
function refProblem(repoRoot: string, docPath: string, ref: DocRef): string | null {
  if (ref.kind === 'code') return existsSync(join(repoRoot, ref.target)) ? null : 'names no file or folder of the repository';
  const hash = ref.target.indexOf('#');
  const pathPart = decodeURI(hash === -1 ? ref.target : ref.target.slice(0, hash));
  const anchor = hash === -1 ? null : decodeURIComponent(ref.target.slice(hash + 1));
  const target = pathPart === '' ? docPath : resolve(dirname(docPath), pathPart);
  const fromRoot = relative(repoRoot, target);
  if (fromRoot.startsWith('..') || fromRoot.startsWith(sep)) return 'points outside the repository';
  if (!existsSync(target)) return 'names no file or folder of the repository';
  if (anchor === null || anchor === '') return null;
  if (statSync(target).isDirectory() || !target.endsWith('.md')) return `has an anchor, but ${fromRoot || '.'} is not a Markdown file`;
  return docAnchors(readFileSync(target, 'utf8')).has(anchor) ? null : `has no heading for #${anchor} in ${fromRoot}`;
}

/** One line per broken reference of the doc at `docPath`: `doc:line: \`target\` what is wrong`. */
export function checkDoc(repoRoot: string, docPath: string): string[] {
  const doc = relative(repoRoot, docPath);
  return findDocRefs(readFileSync(docPath, 'utf8')).flatMap((ref) => {
    const problem = refProblem(repoRoot, docPath, ref);
    return problem === null ? [] : [`${doc}:${ref.line}: \`${ref.target}\` ${problem}`];
  });
}

/** The docs kept true to the repository: the READMEs, CONTRIBUTING.md, docs/ and bench/, and the fixtures' and validation runs' READMEs. */
export function listDocs(repoRoot: string): string[] {
  const docs = ['README.md', 'CONTRIBUTING.md'].map((name) => join(repoRoot, name)).filter((path) => existsSync(path));
  const walk = (dir: string, keep: (name: string) => boolean): void => {
    if (!existsSync(dir)) return;
    for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path, keep);
      else if (entry.isFile() && keep(entry.name)) docs.push(path);
    }
  };
  for (const dir of ['docs', 'bench']) walk(join(repoRoot, dir), (name) => name.endsWith('.md'));
  // Under reports/ and fixtures/ only the READMEs are prose; the rest is recorded output.
  for (const dir of ['reports', 'fixtures']) walk(join(repoRoot, dir), (name) => name === 'README.md');
  return docs;
}
