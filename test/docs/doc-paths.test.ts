// The docs name files, folders and headings of this repository; when code moves or a heading is renamed, this test
// names the doc, the line and the path to update, so no reader is sent to something that is not there.

import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { checkDoc, docAnchors, findDocRefs, headingSlug, listDocs } from './doc-refs.js';

const REPO = fileURLToPath(new URL('../../', import.meta.url));

describe('the repository docs', () => {
  const docs = listDocs(REPO);

  it('include the README, CONTRIBUTING.md, bench/README.md and every page of docs/', () => {
    const names = docs.map((path) => relative(REPO, path).split('\\').join('/'));
    for (const expected of ['README.md', 'CONTRIBUTING.md', 'bench/README.md', 'docs/config.md', 'docs/architecture.md']) {
      assert.ok(names.includes(expected), `${expected} is not among the docs checked: ${names.join(', ')}`);
    }
  });

  it('name only paths that exist, and link only to files and headings that exist', () => {
    const problems = docs.flatMap((doc) => checkDoc(REPO, doc));
    assert.deepEqual(problems, [], `broken references in the docs:\n${problems.join('\n')}`);
  });
});

describe('headingSlug', () => {
  it('gives the anchors GitHub gives the README headings other docs link to', () => {
    assert.equal(headingSlug('Stopping a run, and what is never lost'), 'stopping-a-run-and-what-is-never-lost');
    assert.equal(headingSlug('Lanes: how files are scheduled'), 'lanes-how-files-are-scheduled');
    assert.equal(headingSlug("Where the mixed suite's gap goes"), 'where-the-mixed-suites-gap-goes');
    assert.equal(headingSlug('`results.json`: the `budgets` key'), 'resultsjson-the-budgets-key');
    assert.equal(headingSlug('A [linked](x.md) heading_name'), 'a-linked-heading_name');
  });

  it('numbers repeated headings as GitHub does, and ignores headings inside code blocks', () => {
    const anchors = docAnchors('# Title\n## Usage\n```md\n## Not a heading\n```\n## Usage\n<a id="custom"></a>\n');
    assert.deepEqual([...anchors].sort(), ['custom', 'title', 'usage', 'usage-1']);
  });
});

describe('findDocRefs', () => {
  it('takes backticked repository paths and local links, with their lines', () => {
    const refs = findDocRefs('See `src/cli.ts:12` and [the guide](docs/guide.md#setup).\n\n[def]: ./other.md\n');
    assert.deepEqual(refs, [
      { line: 1, kind: 'code', target: 'src/cli.ts' },
      { line: 1, kind: 'link', target: 'docs/guide.md#setup' },
      { line: 3, kind: 'link', target: './other.md' },
    ]);
  });

  it('reads a code span that wraps onto the next line as one, so the links after it are still found on their lines', () => {
    const refs = findDocRefs('Intro.\n\nA `message that\nwraps` then [the guide](docs/guide.md) and `test/faults/`.\n');
    assert.deepEqual(refs, [
      { line: 4, kind: 'code', target: 'test/faults/' },
      { line: 4, kind: 'link', target: 'docs/guide.md' },
    ]);
  });

  it('leaves out globs, placeholders, prose, web links and anything in a fenced code block', () => {
    const markdown = [
      'Files `suites/vlm/**/*.test.ts`, `test/<name>.test.ts`, `files: ["test/a.ts"]`, `reports` and `unit/c.test.mjs`.',
      'A [site](https://example.com/x.md) and a [mail](mailto:a@b.c).',
      '```sh',
      'node src/missing.ts   # `src/missing.ts` [x](missing.md)',
      '```',
      '`` a span with `src/inner.ts` inside ``',
    ].join('\n');
    assert.deepEqual(findDocRefs(markdown), []);
  });
});

describe('checkDoc', () => {
  const root = mkdtempSync(join(tmpdir(), 'doc-paths-'));
  after(() => rmSync(root, { recursive: true, force: true }));
  const write = (path: string, text: string): void => {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  };
  write('src/schedule/admission.ts', '');
  write('docs/guide.md', '# Guide\n## Stopping a run, and what is never lost\n');

  it('accepts paths, links and anchors that resolve, relative to the doc that names them', () => {
    write('README.md', 'The scheduler is `src/schedule/admission.ts`; see [stopping](docs/guide.md#stopping-a-run-and-what-is-never-lost) and [top](#intro).\n## Intro\n');
    write('docs/other.md', 'Back to [the guide](guide.md#guide) and [the code](../src/schedule/).\n');
    assert.deepEqual(checkDoc(root, join(root, 'README.md')), []);
    assert.deepEqual(checkDoc(root, join(root, 'docs/other.md')), []);
  });

  it('names the doc, the line and the path for a missing file, a missing anchor and a link out of the repository', () => {
    write('README.md', [
      '# Title',
      'The lanes are in `src/schedule/lanes.ts`.',
      'See [stopping](docs/guide.md#stopping-a-run) and [gone](docs/gone.md).',
      'Also [up](../elsewhere.md) and [here](#no-such-heading).',
    ].join('\n'));
    assert.deepEqual(checkDoc(root, join(root, 'README.md')), [
      'README.md:2: `src/schedule/lanes.ts` names no file or folder of the repository',
      'README.md:3: `docs/guide.md#stopping-a-run` has no heading for #stopping-a-run in docs/guide.md',
      'README.md:3: `docs/gone.md` names no file or folder of the repository',
      'README.md:4: `../elsewhere.md` points outside the repository',
      'README.md:4: `#no-such-heading` has no heading for #no-such-heading in README.md',
    ]);
  });
});
